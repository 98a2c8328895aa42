package registry

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
)

// Method is the DID method name of the registry: did:seoul:<id>.
const Method = "seoul"

// The verification relationships a did:seoul key may have.
const (
	PurposeAuthentication       = "authentication"
	PurposeAssertionMethod      = "assertionMethod"
	PurposeCapabilityInvocation = "capabilityInvocation"
)

var purposes = []string{PurposeAuthentication, PurposeAssertionMethod, PurposeCapabilityInvocation}

// Limits on a DID document.
const (
	maxKeys     = 16
	maxServices = 16
)

var (
	fragmentPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	typePattern     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,63}$`)
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// DeriveDID returns the did:seoul of a DID whose first controller
// (capabilityInvocation) key is pub: the method-specific id is the first
// 20 bytes of SHA-256 over "did:seoul:" and the key's RFC 7638 thumbprint,
// in lowercase base32 without padding (32 characters). The id is
// self-certifying: anyone can check that a DID's create operation was
// signed by the key it is derived from.
func DeriveDID(pub *keys.PublicKey) string {
	sum := sha256.Sum256([]byte("did:seoul:" + pub.Thumbprint()))
	return "did:seoul:" + strings.ToLower(b32.EncodeToString(sum[:20]))
}

// validID reports whether id is 32 characters of lowercase base32. (A loop:
// resolution calls it on every read, and a regular expression was half of
// a resolution's time.)
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// ParseDID checks that s is a did:seoul DID (no path, query or fragment).
func ParseDID(s string) error {
	d, err := did.Parse(s)
	if err != nil {
		return err
	}
	if d.Method != Method || !validID(d.ID) {
		return fmt.Errorf("%w: %q is not a did:seoul (did:seoul: and 32 lowercase base32 characters)", did.ErrInvalidDID, s)
	}
	return nil
}

// checkKeys validates a key set and returns the keys parsed. The set needs
// at least one capabilityInvocation key (the controller keys).
func checkKeys(ks []Key) ([]*keys.PublicKey, *Rejection) {
	if len(ks) == 0 || len(ks) > maxKeys {
		return nil, reject(CodeInvalid, "a DID document has 1 to %d keys, not %d", maxKeys, len(ks))
	}
	out := make([]*keys.PublicKey, len(ks))
	seen := map[string]bool{}
	controller := false
	for i, k := range ks {
		if !fragmentPattern.MatchString(k.ID) || seen[k.ID] {
			return nil, reject(CodeInvalid, "key id %q must be [a-z0-9-] (up to 32) and unique", k.ID)
		}
		seen[k.ID] = true
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k.JWK[private]; ok {
				return nil, reject(CodeInvalid, "key %s: the JWK holds private key material (%q); only public keys go on the ledger", k.ID, private)
			}
		}
		pub, err := keys.PublicKeyFromJWK(k.JWK)
		if err != nil {
			return nil, reject(CodeInvalid, "key %s: %v", k.ID, err)
		}
		out[i] = pub
		if len(k.Purposes) == 0 {
			return nil, reject(CodeInvalid, "key %s has no purpose", k.ID)
		}
		for j, p := range k.Purposes {
			if !slices.Contains(purposes, p) || slices.Contains(k.Purposes[:j], p) {
				return nil, reject(CodeInvalid, "key %s: purpose %q is not one of %v, or repeated", k.ID, p, purposes)
			}
			if p == PurposeCapabilityInvocation {
				controller = true
			}
		}
	}
	if !controller {
		return nil, reject(CodeInvalid, "no key has the capabilityInvocation purpose, so nobody could control the DID")
	}
	return out, nil
}

func checkServices(ss []Service) *Rejection {
	if len(ss) > maxServices {
		return reject(CodeInvalid, "at most %d services", maxServices)
	}
	seen := map[string]bool{}
	for _, s := range ss {
		if !fragmentPattern.MatchString(s.ID) || seen[s.ID] {
			return reject(CodeInvalid, "service id %q must be [a-z0-9-] (up to 32) and unique", s.ID)
		}
		seen[s.ID] = true
		if !typePattern.MatchString(s.Type) {
			return reject(CodeInvalid, "service %s: type %q must be alphanumeric, up to 64", s.ID, s.Type)
		}
		if !strings.HasPrefix(s.Endpoint, "https://") || len(s.Endpoint) > 512 || strings.ContainsAny(s.Endpoint, " \t\r\n\"<>") {
			return reject(CodeInvalid, "service %s: the endpoint must be an https URL of at most 512 characters", s.ID)
		}
	}
	return nil
}

// normalKeys returns the keys with their JWKs rewritten as the key's own
// public JWK (no kid, no extra members), so that what is stored is exactly
// the key.
func normalKeys(ks []Key, parsed []*keys.PublicKey) []Key {
	out := make([]Key, len(ks))
	for i, k := range ks {
		jwk := parsed[i].JWK()
		delete(jwk, "kid")
		out[i] = Key{ID: k.ID, JWK: jwk, Purposes: slices.Clone(k.Purposes)}
	}
	return out
}

// Version is one version of a DID document.
type Version struct {
	ID       int       `json:"id"`     // 1, 2, …
	Time     time.Time `json:"time"`   // the time of the block that wrote it
	Height   int64     `json:"height"` // the block that wrote it
	Keys     []Key     `json:"keys"`
	Services []Service `json:"services,omitempty"`
}

// Document renders the version as a DID document (DID Core §5, JSON).
func (v *Version) Document(id string) *did.Document {
	doc := &did.Document{
		Context: []any{"https://www.w3.org/ns/did/v1", did.ContextJWS2020},
		ID:      id,
	}
	for _, k := range v.Keys {
		vmID := id + "#" + k.ID
		doc.VerificationMethod = append(doc.VerificationMethod, did.VerificationMethod{
			ID: vmID, Type: "JsonWebKey2020", Controller: id, PublicKeyJwk: k.JWK,
		})
		for _, p := range k.Purposes {
			rel := did.Relationship{Reference: vmID}
			switch p {
			case PurposeAuthentication:
				doc.Authentication = append(doc.Authentication, rel)
			case PurposeAssertionMethod:
				doc.AssertionMethod = append(doc.AssertionMethod, rel)
			case PurposeCapabilityInvocation:
				doc.CapabilityInvocation = append(doc.CapabilityInvocation, rel)
			}
		}
	}
	for _, s := range v.Services {
		doc.Service = append(doc.Service, did.Service{ID: id + "#" + s.ID, Type: did.StringOrSet{s.Type}, ServiceEndpoint: s.Endpoint})
	}
	return doc
}

// key returns the key with this fragment, if the version has it for purpose.
func (v *Version) key(fragment, purpose string) (*keys.PublicKey, bool) {
	for _, k := range v.Keys {
		if k.ID == fragment && slices.Contains(k.Purposes, purpose) {
			pub, err := keys.PublicKeyFromJWK(k.JWK)
			return pub, err == nil
		}
	}
	return nil, false
}
