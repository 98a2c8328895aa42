package schemas

import (
	"strconv"

	"github.com/seoulid/seoulid/internal/oid4vci"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
)

// IssuerProfile is what an issuer supports beyond the type itself, for its
// OpenID4VCI metadata. The zero value means seoulid's defaults.
type IssuerProfile struct {
	// SigningAlgs are the JWS algorithms the issuer signs credentials with;
	// nil means EdDSA and ES256.
	SigningAlgs []string
	// ProofAlgs are the algorithms it accepts for the wallet's jwt key
	// proof; nil means EdDSA and ES256.
	ProofAlgs []string
}

var defaultAlgs = []string{"EdDSA", "ES256"}

// ConfigurationID is the credential configuration id of the type in
// OpenID4VCI metadata and credential offers: the slug and the major
// version, e.g. "seoul-citizen-card-v1". It is also the type's scope.
func (t *Type) ConfigurationID() string { return t.Slug + "-v" + strconv.Itoa(t.Major) }

// CredentialConfiguration returns the type's entry in
// "credential_configurations_supported" (OpenID4VCI 1.0 §12.2.4 and
// Appendix A.3.2): format dc+sd-jwt, the vct, holder binding by JWK with a
// jwt proof, and "credential_metadata" with the display in Korean and
// English and every claim path with its labels and whether it is mandatory.
func (t *Type) CredentialConfiguration(p IssuerProfile) oid4vci.CredentialConfiguration {
	signing, proof := p.SigningAlgs, p.ProofAlgs
	if signing == nil {
		signing = defaultAlgs
	}
	if proof == nil {
		proof = defaultAlgs
	}
	md := &oid4vci.CredentialMetadata{}
	for _, l := range Langs {
		d := t.Display[l]
		md.Display = append(md.Display, oid4vci.CredentialDisplay{
			Name: d.Name, Locale: string(l), Description: d.Description,
			BackgroundColor: t.Colors.Background, TextColor: t.Colors.Text,
		})
	}
	for _, c := range t.Claims {
		cd := oid4vci.ClaimDescription{Path: c.Path, Mandatory: c.Mandatory}
		for _, l := range Langs {
			cd.Display = append(cd.Display, oid4vci.ClaimDisplay{Name: c.Label[l], Locale: string(l)})
		}
		md.Claims = append(md.Claims, cd)
	}
	return oid4vci.CredentialConfiguration{
		Format:                               oid4vci.FormatSDJWTVC,
		Scope:                                t.ConfigurationID(),
		CredentialSigningAlgValuesSupported:  append([]string(nil), signing...),
		CryptographicBindingMethodsSupported: []string{"jwk"},
		ProofTypesSupported: map[string]oid4vci.ProofType{
			"jwt": {ProofSigningAlgValuesSupported: append([]string(nil), proof...)},
		},
		CredentialMetadata: md,
		VCT:                t.VCT,
	}
}

// CredentialConfigurations returns "credential_configurations_supported"
// for every type of the catalogue, by configuration id.
func (c *Catalogue) CredentialConfigurations(p IssuerProfile) map[string]oid4vci.CredentialConfiguration {
	out := make(map[string]oid4vci.CredentialConfiguration, len(c.types))
	for _, t := range c.types {
		out[t.ConfigurationID()] = t.CredentialConfiguration(p)
	}
	return out
}

// TypeMetadata returns the SD-JWT VC Type Metadata of the type
// (draft-ietf-oauth-sd-jwt-vc-25 §5): its vct, an English name and
// description for developers, the display in Korean and English with the
// card colours, and per claim its labels, whether it is mandatory and
// whether it is selectively disclosable ("always" or "never").
func (t *Type) TypeMetadata() *sdjwtvc.TypeMetadata {
	m := &sdjwtvc.TypeMetadata{
		VCT:         t.VCT,
		Name:        t.Display[English].Name,
		Description: t.Display[English].Description,
	}
	for _, l := range Langs {
		d := t.Display[l]
		m.Display = append(m.Display, sdjwtvc.TypeDisplay{
			Locale: string(l), Name: d.Name, Description: d.Description,
			Rendering: &sdjwtvc.Rendering{Simple: &sdjwtvc.SimpleRendering{
				BackgroundColor: t.Colors.Background, TextColor: t.Colors.Text,
			}},
		})
	}
	for _, c := range t.Claims {
		cm := sdjwtvc.ClaimMetadata{Path: c.Path, Mandatory: c.Mandatory, SD: string(c.SD)}
		for _, l := range Langs {
			cm.Display = append(cm.Display, sdjwtvc.ClaimDisplay{Locale: string(l), Label: c.Label[l]})
		}
		m.Claims = append(m.Claims, cm)
	}
	return m
}

// TypeMetadataJSON returns the Type Metadata document as served: the bytes
// that TypeMetadataIntegrity hashes.
func (t *Type) TypeMetadataJSON() []byte { return append([]byte(nil), t.metadata...) }

// TypeMetadataIntegrity returns the "vct#integrity" value of the type: the
// integrity metadata of TypeMetadataJSON (draft-ietf-oauth-sd-jwt-vc-25 §6).
func (t *Type) TypeMetadataIntegrity() string { return sdjwtvc.Integrity(t.metadata) }
