package did

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seoulid/seoulid/internal/keys"
)

// The @context of the did:key documents ResolveKey makes.
const (
	ContextDIDv1    = "https://www.w3.org/ns/did/v1"
	ContextMultikey = "https://w3id.org/security/multikey/v1"
)

// KeyDID returns the did:key of an Ed25519 or P-256 public key (did:key
// §3.1 "Format"): "did:key:z" + base58btc(multicodec varint || key), where
// the key is the 32-byte Ed25519 key after 0xed 0x01, or the 33-byte
// compressed P-256 point after 0x80 0x24. Ed25519 DIDs start "did:key:z6Mk",
// P-256 ones "did:key:zDn". The key's id is not part of the DID. pub must not
// be nil.
func KeyDID(pub *keys.PublicKey) string {
	return "did:key:" + encodeMultikey(pub)
}

// ResolveKey expands a did:key into its DID document, following the
// "Document Creation Algorithm" of the did:key method with publicKeyFormat
// Multikey and no encryption key derivation:
//
//	{
//	  "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
//	  "id": "did:key:z…",
//	  "verificationMethod": [{"id": "did:key:z…#z…", "type": "Multikey",
//	    "controller": "did:key:z…", "publicKeyMultibase": "z…"}],
//	  "authentication": ["did:key:z…#z…"], "assertionMethod": ["did:key:z…#z…"],
//	  "capabilityInvocation": ["did:key:z…#z…"], "capabilityDelegation": ["did:key:z…#z…"]
//	}
//
// It refuses (ErrInvalidDID) a multibase other than 'z', invalid base58, a
// malformed varint, a key of the wrong length or with trailing bytes, an
// Ed25519 key that is not a canonical point of large order, a P-256 point
// not on the curve, and the versioned form did:key:<version>:z…; it refuses
// key types other than Ed25519 and P-256 with keys.ErrUnsupportedKey. Every
// DID it accepts is the KeyDID of its key, byte for byte.
func ResolveKey(did string) (*Document, error) {
	d, err := Parse(did)
	if err != nil {
		return nil, err
	}
	if d.Method != "key" {
		return nil, fmt.Errorf("%w: %s is a did:%s, not a did:key", ErrInvalidDID, quote(did), d.Method)
	}
	if strings.Contains(d.ID, ":") {
		return nil, fmt.Errorf("%w: %s has a ':' in its method-specific id; the versioned form did:key:<version>:<key> is not supported", ErrInvalidDID, quote(did))
	}
	pub, err := decodeMultikey(d.ID)
	if err != nil {
		if errors.Is(err, keys.ErrUnsupportedKey) {
			return nil, fmt.Errorf("did: %s: %w", quote(did), err)
		}
		return nil, fmt.Errorf("%w: %s is not a valid did:key: %w", ErrInvalidDID, quote(did), err)
	}
	if KeyDID(pub) != did {
		// Cannot happen: base58, varint and point decoding each have one
		// encoding per value. Checked so that a DID never aliases another.
		return nil, fmt.Errorf("%w: %s is not in canonical form", ErrInvalidDID, quote(did))
	}
	vmID := did + "#" + d.ID
	return singleKeyDocument(did, []any{ContextDIDv1, ContextMultikey}, VerificationMethod{
		ID:                 vmID,
		Type:               TypeMultikey,
		Controller:         did,
		PublicKeyMultibase: d.ID,
	}, false), nil
}

// singleKeyDocument is the document of a DID with one key, listed in every
// signing relationship and, if keyAgreement, in keyAgreement too.
func singleKeyDocument(did string, context []any, vm VerificationMethod, keyAgreement bool) *Document {
	ref := func() []Relationship { return []Relationship{{Reference: vm.ID}} } // one slice each: no aliasing
	doc := &Document{
		Context:              context,
		ID:                   did,
		VerificationMethod:   []VerificationMethod{vm},
		Authentication:       ref(),
		AssertionMethod:      ref(),
		CapabilityInvocation: ref(),
		CapabilityDelegation: ref(),
	}
	if keyAgreement {
		doc.KeyAgreement = ref()
	}
	return doc
}
