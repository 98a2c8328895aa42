package oid4vci

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestSpecExample decodes the dc+sd-jwt example of OpenID4VCI 1.0
// (1.0/examples/credential_metadata_sd_jwt_vc.json of github.com/openid/OpenID4VCI
// at 2d9fd4a6841dc93fc497690a4ea6febd802544cc)
// with no member left over, and it passes Validate.
func TestSpecExample(t *testing.T) {
	raw, err := os.ReadFile("testdata/credential_metadata_sd_jwt_vc.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Configs map[string]CredentialConfiguration `json:"credential_configurations_supported"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	cfg, ok := doc.Configs["SD_JWT_VC_example_in_OpenID4VCI"]
	if !ok {
		t.Fatal("the example configuration is missing")
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Format != FormatSDJWTVC || len(cfg.CredentialMetadata.Claims) != 13 || cfg.CredentialMetadata.Claims[5].Path.String() != "address.street_address" ||
		cfg.ProofTypesSupported["jwt"].KeyAttestationsRequired.KeyStorage[0] != "iso_18045_moderate" {
		t.Errorf("decoded %+v", cfg)
	}
}

func TestValidate(t *testing.T) {
	good := func() CredentialConfiguration {
		return CredentialConfiguration{
			Format: FormatSDJWTVC, VCT: "urn:x:1",
			CryptographicBindingMethodsSupported: []string{"jwk"},
			ProofTypesSupported:                  map[string]ProofType{"jwt": {ProofSigningAlgValuesSupported: []string{"ES256"}}},
			CredentialMetadata: &CredentialMetadata{
				Display: []CredentialDisplay{{Name: "이름", Locale: "ko"}},
				Claims:  []ClaimDescription{{Path: []any{"a"}, Display: []ClaimDisplay{{Name: "A", Locale: "en"}}}},
			},
		}
	}
	if c := good(); c.Validate() != nil {
		t.Fatal(c.Validate())
	}
	for want, mutate := range map[string]func(*CredentialConfiguration){
		`"format" is missing`:           func(c *CredentialConfiguration) { c.Format = "" },
		`needs "vct"`:                   func(c *CredentialConfiguration) { c.VCT = "" },
		`exactly when`:                  func(c *CredentialConfiguration) { c.ProofTypesSupported = nil },
		`has no proof_signing_alg`:      func(c *CredentialConfiguration) { c.ProofTypesSupported["jwt"] = ProofType{} },
		`signing_alg_values_supported"`: func(c *CredentialConfiguration) { c.CredentialSigningAlgValuesSupported = []string{} },
		`display 1 has no name`: func(c *CredentialConfiguration) {
			c.CredentialMetadata.Display = append(c.CredentialMetadata.Display, CredentialDisplay{Locale: "en"})
		},
		`display locale "ko" appears twice`: func(c *CredentialConfiguration) {
			c.CredentialMetadata.Display = append(c.CredentialMetadata.Display, CredentialDisplay{Name: "x", Locale: "ko"})
		},
		`claim 0 has no path`: func(c *CredentialConfiguration) { c.CredentialMetadata.Claims[0].Path = nil },
		`has locale "en" twice`: func(c *CredentialConfiguration) {
			c.CredentialMetadata.Claims[0].Display = append(c.CredentialMetadata.Claims[0].Display, ClaimDisplay{Name: "B", Locale: "en"})
		},
		`"claims" is empty`: func(c *CredentialConfiguration) { c.CredentialMetadata.Claims = []ClaimDescription{} },
		`image without uri`: func(c *CredentialConfiguration) { c.CredentialMetadata.Display[0].Logo = &Image{} },
	} {
		c := good()
		mutate(&c)
		err := c.Validate()
		if err == nil || !errors.Is(err, ErrMetadata) || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error containing %q", err, want)
		}
	}
}
