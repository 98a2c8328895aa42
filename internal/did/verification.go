package did

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seoulid/seoulid/internal/keys"
)

// Verification method types whose keys PublicKey reads.
const (
	// TypeMultikey: publicKeyMultibase, Ed25519 or P-256 (Controlled
	// Identifiers §2.2.2; the did:key documents of ResolveKey).
	TypeMultikey = "Multikey"
	// TypeEd25519VerificationKey2020: publicKeyMultibase, Ed25519 only.
	TypeEd25519VerificationKey2020 = "Ed25519VerificationKey2020"
	// TypeJSONWebKey2020: publicKeyJwk (the did:jwk documents of ResolveJWK).
	TypeJSONWebKey2020 = "JsonWebKey2020"
	// TypeJSONWebKey: publicKeyJwk (Controlled Identifiers §2.2.3).
	TypeJSONWebKey = "JsonWebKey"
)

// PublicKey returns the verification method's key, with vm.ID as its key id.
// It reads:
//
//   - JsonWebKey2020 and JsonWebKey: publicKeyJwk, through
//     keys.PublicKeyFromJWK, which refuses private members, key types other
//     than OKP/Ed25519 and EC/P-256, and a "use" other than "sig";
//   - Multikey: publicKeyMultibase, base58btc ('z') of the ed25519-pub
//     (0xed) or p256-pub (0x1200, compressed point) multicodec;
//   - Ed25519VerificationKey2020: the same, Ed25519 only.
//
// Ed25519 keys must be canonically encoded points not of small order, P-256
// keys points on the curve. Other types fail with keys.ErrUnsupportedKey,
// broken material with ErrInvalidVerificationMethod.
//
// PublicKey says what the key is, not what it may be used for: use
// Document.Key, which checks the verification relationship.
func (vm VerificationMethod) PublicKey() (*keys.PublicKey, error) {
	return vm.publicKey(vm.ID)
}

func (vm VerificationMethod) publicKey(kid string) (*keys.PublicKey, error) {
	var pub *keys.PublicKey
	switch vm.Type {
	case TypeJSONWebKey2020, TypeJSONWebKey:
		if vm.PublicKeyJwk == nil {
			return nil, vmErr(vm, "has no publicKeyJwk", nil)
		}
		if vm.PublicKeyMultibase != "" {
			return nil, vmErr(vm, "has publicKeyMultibase besides publicKeyJwk", nil)
		}
		k, err := keys.PublicKeyFromJWK(vm.PublicKeyJwk)
		if err != nil {
			if errors.Is(err, keys.ErrUnsupportedKey) {
				return nil, fmt.Errorf("did: verification method %s: %w", quote(vm.ID), err)
			}
			return nil, vmErr(vm, "has an invalid publicKeyJwk", err)
		}
		if err := checkKey(k); err != nil {
			return nil, vmErr(vm, "has an invalid publicKeyJwk", err)
		}
		pub = k
	case TypeMultikey, TypeEd25519VerificationKey2020:
		if vm.PublicKeyMultibase == "" {
			return nil, vmErr(vm, "has no publicKeyMultibase", nil)
		}
		if vm.PublicKeyJwk != nil {
			return nil, vmErr(vm, "has publicKeyJwk besides publicKeyMultibase", nil)
		}
		k, err := decodeMultikey(vm.PublicKeyMultibase)
		if err != nil {
			if errors.Is(err, keys.ErrUnsupportedKey) {
				return nil, fmt.Errorf("did: verification method %s: %w", quote(vm.ID), err)
			}
			return nil, vmErr(vm, "has an invalid publicKeyMultibase", err)
		}
		if vm.Type == TypeEd25519VerificationKey2020 && k.Algorithm() != keys.EdDSA {
			return nil, vmErr(vm, "is an Ed25519VerificationKey2020 holding a "+string(k.Algorithm())+" key", nil)
		}
		pub = k
	default:
		return nil, fmt.Errorf("did: verification method %s has type %s: %w (supported: %s, %s, %s, %s)",
			quote(vm.ID), quote(vm.Type), keys.ErrUnsupportedKey,
			TypeMultikey, TypeJSONWebKey2020, TypeJSONWebKey, TypeEd25519VerificationKey2020)
	}
	return pub.WithKeyID(kid), nil
}

func vmErr(vm VerificationMethod, what string, cause error) error {
	if cause == nil {
		return fmt.Errorf("%w: %s %s", ErrInvalidVerificationMethod, quote(vm.ID), what)
	}
	return fmt.Errorf("%w: %s %s: %w", ErrInvalidVerificationMethod, quote(vm.ID), what, cause)
}

// Key returns the key of the verification method that ref names, provided
// the document authorizes it for the verification relationship rel (DID
// Core §5.3: "Verification methods that are not associated with a
// particular verification relationship cannot be used for that verification
// relationship"). ref is an absolute DID URL such as a JWS "kid", or a
// relative "#fragment"; its DID must be the document's. The key's id is the
// absolute DID URL.
//
// A method is authorized when rel lists it: embedded in rel, or by a
// reference to a method in verificationMethod. A method embedded in another
// relationship is usable only there (DID Core §5.2.2), even if rel
// references its id. Errors: ErrKeyNotFound when the document has no such
// method (or ref is another DID's); ErrNotAuthorized when it has it but rel
// does not list it; and the errors of VerificationMethod.PublicKey.
//
// Key does not check the method's controller, nor anything that a DID
// method records outside the document (such as deactivation).
func (d *Document) Key(ref string, rel RelationshipKind) (*keys.PublicKey, error) {
	base, err := Parse(d.ID)
	if err != nil {
		return nil, fmt.Errorf("%w: id: %w", ErrInvalidDocument, err)
	}
	list, ok := d.relationships(rel)
	if !ok {
		return nil, fmt.Errorf("did: unknown verification relationship %s", quote(string(rel)))
	}
	u, err := ResolveReference(base, ref)
	if err != nil {
		return nil, err
	}
	id := u.String()
	if u.DID != base {
		return nil, fmt.Errorf("%w: %s belongs to %s, not to the document's DID %s", ErrKeyNotFound, quote(id), u.DID, d.ID)
	}
	if u.Fragment == "" {
		return nil, fmt.Errorf("%w: %s has no fragment to name a verification method with", ErrKeyNotFound, quote(id))
	}

	for _, r := range list {
		if r.Embedded != nil {
			if d.abs(base, r.Embedded.ID) == id {
				return r.Embedded.publicKey(id)
			}
			continue
		}
		if d.abs(base, r.Reference) != id {
			continue
		}
		for _, vm := range d.VerificationMethod {
			if d.abs(base, vm.ID) == id {
				return vm.publicKey(id)
			}
		}
		if where := d.embeddedIn(base, id); where != "" {
			return nil, fmt.Errorf("%w: %s is referenced from %s but embedded in %s, which only %s may use", ErrNotAuthorized, quote(id), rel, where, where)
		}
		return nil, fmt.Errorf("%w: %s is referenced from %s but the document has no verification method with that id", ErrKeyNotFound, quote(id), rel)
	}

	// Not in rel: say whether the key exists at all.
	for _, vm := range d.VerificationMethod {
		if d.abs(base, vm.ID) == id {
			return nil, fmt.Errorf("%w: %s is not listed in %s%s", ErrNotAuthorized, quote(id), rel, d.listedIn(base, id))
		}
	}
	if where := d.embeddedIn(base, id); where != "" {
		return nil, fmt.Errorf("%w: %s is embedded in %s, which only %s may use, not %s", ErrNotAuthorized, quote(id), where, where, rel)
	}
	return nil, fmt.Errorf("%w: %s is not in the document", ErrKeyNotFound, quote(id))
}

func (d *Document) relationships(rel RelationshipKind) ([]Relationship, bool) {
	for _, k := range relationshipKinds {
		if k == rel {
			return d.Relationships(rel), true
		}
	}
	return nil, false
}

// abs resolves a DID URL of the document against its DID, so that a Document
// built by hand with relative ids works like one from ParseDocument. It only
// joins strings: the result is compared with an id that ResolveReference
// has checked, which a malformed reference can never equal.
func (d *Document) abs(base DID, ref string) string {
	if strings.HasPrefix(ref, "#") {
		return base.String() + ref
	}
	return ref
}

// embeddedIn names the relationship in which the method id is embedded, or
// returns "".
func (d *Document) embeddedIn(base DID, id string) RelationshipKind {
	for _, k := range relationshipKinds {
		for _, r := range d.Relationships(k) {
			if r.Embedded != nil && d.abs(base, r.Embedded.ID) == id {
				return k
			}
		}
	}
	return ""
}

// listedIn says, for an error message, which relationships reference id.
func (d *Document) listedIn(base DID, id string) string {
	var in []string
	for _, k := range relationshipKinds {
		for _, r := range d.Relationships(k) {
			if r.Embedded == nil && d.abs(base, r.Reference) == id {
				in = append(in, string(k))
				break
			}
		}
	}
	if len(in) == 0 {
		return " (no relationship lists it)"
	}
	return " (it is listed in " + strings.Join(in, ", ") + ")"
}
