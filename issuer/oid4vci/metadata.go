package oid4vci

import (
	"encoding/json"
	"fmt"

	"github.com/seoulid/seoulid/internal/oid4vci"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/schemas"
)

// IssuerMetadata is the Credential Issuer Metadata (OpenID4VCI 1.0
// §12.2.4) as this handler serves it.
type IssuerMetadata struct {
	CredentialIssuer                  string                                     `json:"credential_issuer"`
	CredentialEndpoint                string                                     `json:"credential_endpoint"`
	NonceEndpoint                     string                                     `json:"nonce_endpoint"`
	BatchCredentialIssuance           *BatchCredentialIssuance                   `json:"batch_credential_issuance,omitempty"`
	Display                           []IssuerDisplay                            `json:"display"`
	CredentialConfigurationsSupported map[string]oid4vci.CredentialConfiguration `json:"credential_configurations_supported"`
}

// BatchCredentialIssuance is "batch_credential_issuance".
type BatchCredentialIssuance struct {
	BatchSize int `json:"batch_size"`
}

// IssuerDisplay is the display of the issuer in one language.
type IssuerDisplay struct {
	Name   string `json:"name"`
	Locale string `json:"locale"`
}

// AuthServerMetadata is the OAuth 2.0 Authorization Server Metadata
// (RFC 8414 §2, OpenID4VCI 1.0 §12.3, RFC 9449 §5.1) as this handler
// serves it.
type AuthServerMetadata struct {
	Issuer                                     string   `json:"issuer"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	PreAuthorizedGrantAnonymousAccessSupported bool     `json:"pre-authorized_grant_anonymous_access_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	DPoPSigningAlgValuesSupported              []string `json:"dpop_signing_alg_values_supported"`
}

// render makes the documents the handler serves; they do not change.
func (h *Handler) render(cfg Config, dpopAlgs []string) error {
	profile := schemas.IssuerProfile{SigningAlgs: []string{string(cfg.PublicKey.Algorithm())}}
	meta := IssuerMetadata{
		CredentialIssuer:                  h.icfg.URL,
		CredentialEndpoint:                h.credURL,
		NonceEndpoint:                     h.icfg.URL + PathNonce,
		CredentialConfigurationsSupported: map[string]oid4vci.CredentialConfiguration{},
	}
	if h.icfg.BatchSize >= 2 {
		meta.BatchCredentialIssuance = &BatchCredentialIssuance{BatchSize: h.icfg.BatchSize}
	}
	for _, l := range schemas.Langs {
		meta.Display = append(meta.Display, IssuerDisplay{Name: cfg.Name[l], Locale: string(l)})
	}
	for id, t := range h.is.Types() {
		c := t.CredentialConfiguration(profile)
		if err := c.Validate(); err != nil {
			return fmt.Errorf("oid4vci: configuration %s: %w", id, err)
		}
		meta.CredentialConfigurationsSupported[id] = c
		h.typeMeta[t.VCT] = t.TypeMetadataJSON()
		h.configs[id] = true
	}
	as := AuthServerMetadata{
		Issuer:              h.icfg.URL,
		TokenEndpoint:       h.tokenURL,
		GrantTypesSupported: []string{issuer.PreAuthorizedGrant},
		PreAuthorizedGrantAnonymousAccessSupported: true,
		TokenEndpointAuthMethodsSupported:          []string{"none"},
		DPoPSigningAlgValuesSupported:              dpopAlgs,
	}
	jwk := cfg.PublicKey.JWK()
	jwk["use"] = "sig"
	jwk["alg"] = string(cfg.PublicKey.Algorithm())
	vc := map[string]any{"issuer": h.icfg.URL, "jwks": map[string]any{"keys": []any{jwk}}}
	var err error
	if h.issuerMeta, err = json.Marshal(meta); err != nil {
		return fmt.Errorf("oid4vci: %w", err)
	}
	if h.asMeta, err = json.Marshal(as); err != nil {
		return fmt.Errorf("oid4vci: %w", err)
	}
	if h.vcIssuer, err = json.Marshal(vc); err != nil {
		return fmt.Errorf("oid4vci: %w", err)
	}
	return nil
}
