package oid4vci

import (
	"errors"
	"fmt"

	"github.com/seoulid/seoulid/internal/sdjwt"
)

// FormatSDJWTVC is the Credential Format Identifier of IETF SD-JWT VC
// (OpenID4VCI 1.0 Appendix A.3.1).
const FormatSDJWTVC = "dc+sd-jwt"

// CredentialConfiguration is one value of "credential_configurations_supported"
// (OpenID4VCI 1.0 §12.2.4), with the "vct" parameter of the dc+sd-jwt profile
// (Appendix A.3.2).
type CredentialConfiguration struct {
	Format                               string               `json:"format"`
	Scope                                string               `json:"scope,omitempty"`
	CredentialSigningAlgValuesSupported  []string             `json:"credential_signing_alg_values_supported,omitempty"`
	CryptographicBindingMethodsSupported []string             `json:"cryptographic_binding_methods_supported,omitempty"`
	ProofTypesSupported                  map[string]ProofType `json:"proof_types_supported,omitempty"`
	CredentialMetadata                   *CredentialMetadata  `json:"credential_metadata,omitempty"`
	VCT                                  string               `json:"vct,omitempty"`
}

// ProofType is a value of "proof_types_supported".
type ProofType struct {
	ProofSigningAlgValuesSupported []string                 `json:"proof_signing_alg_values_supported"`
	KeyAttestationsRequired        *KeyAttestationsRequired `json:"key_attestations_required,omitempty"`
}

// KeyAttestationsRequired says which key attestations an issuer requires
// (§12.2.4, Appendix D).
type KeyAttestationsRequired struct {
	KeyStorage         []string `json:"key_storage,omitempty"`
	UserAuthentication []string `json:"user_authentication,omitempty"`
}

// CredentialMetadata is "credential_metadata": how the credential is shown.
type CredentialMetadata struct {
	Display []CredentialDisplay `json:"display,omitempty"`
	Claims  []ClaimDescription  `json:"claims,omitempty"`
}

// CredentialDisplay is the display of a credential in one language.
type CredentialDisplay struct {
	Name            string `json:"name"`
	Locale          string `json:"locale,omitempty"`
	Logo            *Image `json:"logo,omitempty"`
	Description     string `json:"description,omitempty"`
	BackgroundColor string `json:"background_color,omitempty"`
	BackgroundImage *Image `json:"background_image,omitempty"`
	TextColor       string `json:"text_color,omitempty"`
}

// Image is a logo or a background image.
type Image struct {
	URI     string `json:"uri"`
	AltText string `json:"alt_text,omitempty"`
}

// ClaimDescription is a claims description object of the issuer metadata
// (§B.2): a claims path pointer, whether the issuer always includes the
// claim, and its display name per language.
type ClaimDescription struct {
	Path      sdjwt.Path     `json:"path"`
	Mandatory bool           `json:"mandatory,omitempty"`
	Display   []ClaimDisplay `json:"display,omitempty"`
}

// ClaimDisplay is the name of a claim in one language.
type ClaimDisplay struct {
	Name   string `json:"name,omitempty"`
	Locale string `json:"locale,omitempty"`
}

// ErrMetadata marks metadata that breaks OpenID4VCI 1.0.
var ErrMetadata = errors.New("invalid credential issuer metadata")

// Validate checks the rules of §12.2.4 and Appendix A.3.2 that a
// configuration's structure can break: a format; "vct" for dc+sd-jwt;
// non-empty arrays where the spec says non-empty; "proof_types_supported"
// present exactly when "cryptographic_binding_methods_supported" is, each
// with algorithms; a name per display and one display per locale; a
// non-empty path per claim and one display per locale.
func (c *CredentialConfiguration) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrMetadata, fmt.Sprintf(format, args...))
	}
	if c.Format == "" {
		return bad(`"format" is missing`)
	}
	if c.Format == FormatSDJWTVC && c.VCT == "" {
		return bad(`a %s configuration needs "vct"`, FormatSDJWTVC)
	}
	if c.CredentialSigningAlgValuesSupported != nil && len(c.CredentialSigningAlgValuesSupported) == 0 {
		return bad(`"credential_signing_alg_values_supported" is empty`)
	}
	if (len(c.CryptographicBindingMethodsSupported) > 0) != (len(c.ProofTypesSupported) > 0) {
		return bad(`"proof_types_supported" must be present exactly when "cryptographic_binding_methods_supported" is`)
	}
	for name, p := range c.ProofTypesSupported {
		if len(p.ProofSigningAlgValuesSupported) == 0 {
			return bad("proof type %q has no proof_signing_alg_values_supported", name)
		}
	}
	m := c.CredentialMetadata
	if m == nil {
		return nil
	}
	if m.Display != nil && len(m.Display) == 0 {
		return bad(`"display" is empty`)
	}
	locales := map[string]bool{}
	for i, d := range m.Display {
		if d.Name == "" {
			return bad("display %d has no name", i)
		}
		if locales[d.Locale] {
			return bad("display locale %q appears twice", d.Locale)
		}
		locales[d.Locale] = true
		for _, img := range []*Image{d.Logo, d.BackgroundImage} {
			if img != nil && img.URI == "" {
				return bad("display %q has an image without uri", d.Locale)
			}
		}
	}
	if m.Claims != nil && len(m.Claims) == 0 {
		return bad(`"claims" is empty`)
	}
	for i, cl := range m.Claims {
		if len(cl.Path) == 0 {
			return bad("claim %d has no path", i)
		}
		if cl.Display != nil && len(cl.Display) == 0 {
			return bad("claim %s has an empty display", cl.Path)
		}
		seen := map[string]bool{}
		for _, d := range cl.Display {
			if seen[d.Locale] {
				return bad("claim %s has locale %q twice", cl.Path, d.Locale)
			}
			seen[d.Locale] = true
		}
	}
	return nil
}
