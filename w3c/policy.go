package w3c

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/seoulid/seoulid/internal/dataintegrity"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/vcdm"
	"github.com/seoulid/seoulid/schemas"
)

// Trust says whether the ledger authorises an issuer for a credential type
// (the registry's client, *node.Remote, is one).
type Trust interface {
	IssuerAuthorised(ctx context.Context, issuer, vct string) (bool, error)
}

// ErrNotAuthorised is Issue's refusal of a credential that an agency
// issuer may not issue.
var ErrNotAuthorised = fmt.Errorf("%w: the ledger does not authorise this issuer for the credential's type", ErrInput)

// CatalogueOnly restricts the issuer to the catalogue's types the ledger
// authorises it for, as an agency's did:seoul issuer must be: Issue then
// refuses a credential none of whose types is a catalogue type
// (TypeName), and one whose type's vct trust does not authorise for the
// issuer.
func (is *Issuer) CatalogueOnly(trust Trust) { is.trust = trust }

// catalogueType returns the catalogue type a credential's types name.
func catalogueType(credential map[string]any) (*schemas.Type, bool) {
	for _, ty := range schemas.Default().Types() {
		if vcdm.HasType(credential, TypeName(ty)) {
			return ty, true
		}
	}
	return nil, false
}

// allowed checks the issuer's policy (CatalogueOnly) for credential.
func (is *Issuer) allowed(ctx context.Context, credential map[string]any) error {
	if is.trust == nil {
		return nil
	}
	ty, ok := catalogueType(credential)
	if !ok {
		return fmt.Errorf("%w: this issuer issues only the catalogue's types (a type such as %s)", ErrNotAuthorised, TypeName(schemas.Default().Types()[0]))
	}
	if err := ty.Validate(subjectClaims(credential)); err != nil {
		return fmt.Errorf("%w: the credentialSubject is not a %s: %w", ErrInput, TypeName(ty), err)
	}
	ok, err := is.trust.IssuerAuthorised(ctx, is.did, ty.VCT)
	if err != nil {
		return fmt.Errorf("w3c: asking the ledger: %w", err)
	}
	if !ok {
		return fmt.Errorf("%w: %s for %s", ErrNotAuthorised, is.did, ty.VCT)
	}
	return nil
}

// subjectClaims is the credentialSubject without its id.
func subjectClaims(credential map[string]any) map[string]any {
	cs, _ := credential["credentialSubject"].(map[string]any)
	out := make(map[string]any, len(cs))
	for k, v := range cs {
		if k != "id" {
			out[k] = v
		}
	}
	return out
}

// AgencyIssuers returns the issuers of an agency's did:seoul key (the
// private JWK in keyFile, its kid a DID URL): AgencyIssuersFor.
func AgencyIssuers(keyFile, dir, base string, trust Trust) (map[string]*Issuer, error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("w3c: the agency key: %w", err)
	}
	k, err := keys.ParsePrivateJWK(b)
	if err != nil {
		return nil, fmt.Errorf("w3c: the agency key %s: %w", keyFile, err)
	}
	return AgencyIssuersFor(k, dir, base, trust)
}

// DefaultAgencyIssuer is the name of the agency issuer of /credentials/issue
// for a key of alg.
func DefaultAgencyIssuer(alg keys.Algorithm) string {
	if alg == keys.ES256 {
		return "agency-" + dataintegrity.ECDSARDFC2019
	}
	return "agency-" + dataintegrity.EdDSARDFC2022
}

// AgencyIssuersFor returns the issuers of an agency's did:seoul key k:
// one per securing mechanism of the key's algorithm, named
// agency-MECHANISM (agency-vc-jwt for the envelope), each restricted to
// the catalogue types trust authorises (CatalogueOnly), the Data Integrity
// ones with status lists in dir/status-agency-MECHANISM.json published at
// base/status-lists/NAME.
func AgencyIssuersFor(k *keys.PrivateKey, dir, base string, trust Trust) (map[string]*Issuer, error) {
	if !strings.HasPrefix(k.KeyID(), "did:seoul:") || !strings.Contains(k.KeyID(), "#") {
		return nil, fmt.Errorf("w3c: the agency key's kid %q is not the DID URL of a did:seoul key", k.KeyID())
	}
	suites := map[keys.Algorithm][]string{
		keys.EdDSA: {dataintegrity.EdDSARDFC2022, dataintegrity.EdDSAJCS2022, JOSE},
		keys.ES256: {dataintegrity.ECDSARDFC2019, dataintegrity.ECDSAJCS2019, JOSE},
	}[k.Algorithm()]
	out := map[string]*Issuer{}
	for _, s := range suites {
		name := "agency-" + strings.ReplaceAll(s, "+", "-")
		is, err := NewIssuer(k, s, nil)
		if err != nil {
			return nil, err
		}
		is.CatalogueOnly(trust)
		if s != JOSE {
			lists, err := OpenStatusLists(filepath.Join(dir, "status-"+name+".json"), strings.TrimSuffix(base, "/")+"/status-lists/"+name)
			if err != nil {
				return nil, err
			}
			if err := is.UseStatusLists(lists); err != nil {
				return nil, err
			}
		}
		out[name] = is
	}
	return out, nil
}
