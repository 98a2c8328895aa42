package schemas

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
)

// Disclosable returns the claims of this credential that the issuer must
// make selectively disclosable: every sd-always path of the type that
// selects at least one claim present in claims, parents before children
// (a path inside another gives a recursive disclosure, RFC 9901 §4.2.6).
func (t *Type) Disclosable(claims map[string]any) []sdjwt.Path {
	var out []sdjwt.Path
	for _, c := range t.Claims {
		if c.SD == SDAlways && c.Path.Selects(claims) {
			out = append(out, c.Path)
		}
	}
	return out
}

// Credential checks claims against the type and returns the SD-JWT VC
// issuance input: the vct, the issuer, iat, an expiry of the type's default
// validity from issuedAt, "vct#integrity" over the type's metadata, the
// claims, and the paths to make selectively disclosable. The caller adds
// the holder key and the status entry. claims is not modified.
func (t *Type) Credential(issuer string, issuedAt time.Time, claims map[string]any) (sdjwtvc.Credential, error) {
	if issuer == "" {
		return sdjwtvc.Credential{}, errors.New("schemas: a credential needs an issuer")
	}
	if issuedAt.IsZero() {
		return sdjwtvc.Credential{}, errors.New("schemas: a credential needs an issuance time")
	}
	if err := t.Validate(claims); err != nil {
		return sdjwtvc.Credential{}, fmt.Errorf("schemas: %w", err)
	}
	return sdjwtvc.Credential{
		VCT:          t.VCT,
		VCTIntegrity: t.TypeMetadataIntegrity(),
		Issuer:       issuer,
		IssuedAt:     issuedAt,
		Expiry:       t.Validity.Expiry(issuedAt),
		Claims:       maps.Clone(claims),
		Disclosable:  t.Disclosable(claims),
	}, nil
}
