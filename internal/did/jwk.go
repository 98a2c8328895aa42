package did

import (
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
)

// ContextJWS2020 is the second @context of the did:jwk documents
// ResolveJWK makes, which defines JsonWebKey2020.
const ContextJWS2020 = "https://w3id.org/security/suites/jws-2020/v1"

// jwkDepth bounds the nesting of a JWK in a did:jwk. The did:jwk method
// allows custom members; no key member seoulid reads is nested.
const jwkDepth = 8

// JWKDID returns the did:jwk of an Ed25519 or P-256 public key (did:jwk
// "Create"): "did:jwk:" + base64url, without padding, of the JWK. The JWK
// has exactly the members RFC 7638 §3.2 requires (kty, crv, x and, for
// P-256, y), sorted by name and without whitespace, so that one key always
// gives one DID; its key id is left out. pub must not be nil.
func JWKDID(pub *keys.PublicKey) string {
	m := pub.JWK()
	delete(m, "kid")
	b, err := jsonx.Marshal(m)
	if err != nil {
		// The map holds only base64url strings, which jsonx always writes.
		panic("did: cannot write the JWK of a public key: " + err.Error())
	}
	return "did:jwk:" + base64.RawURLEncoding.EncodeToString(b)
}

// ResolveJWK expands a did:jwk into its DID document, per the "Read"
// operation of the did:jwk method:
//
//	{
//	  "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
//	  "id": "did:jwk:…",
//	  "verificationMethod": [{"id": "did:jwk:…#0", "type": "JsonWebKey2020",
//	    "controller": "did:jwk:…", "publicKeyJwk": {the JWK as given}}],
//	  "assertionMethod": ["did:jwk:…#0"], "authentication": ["did:jwk:…#0"],
//	  "capabilityInvocation": ["did:jwk:…#0"], "capabilityDelegation": ["did:jwk:…#0"],
//	  "keyAgreement": ["did:jwk:…#0"]
//	}
//
// The method-specific id must be base64url without padding (and with no
// stray bits), decoding to a JSON object (parsed by jsonx: no duplicate
// members) that keys.PublicKeyFromJWK accepts: an OKP/Ed25519 or EC/P-256
// public key with "use", if present, "sig". A JWK with private key material
// is refused, as the did:jwk spec requires ("a JWK for a private key must
// never be used and must be rejected"), with an error that wraps both
// ErrInvalidDID and keys.ErrPrivateMaterial.
//
// keyAgreement: the method lists the key for key agreement unless its "use"
// is "sig", and only for key agreement if "use" is "enc". Package keys
// refuses "enc" keys, so ResolveJWK never makes an encryption-only document.
// It lists a P-256 key without "use" under keyAgreement, as the method's
// P-256 example does, and never an Ed25519 key, which RFC 8032 and RFC 8037
// §3.1 define for signatures only (the method itself says such a key
// "should" carry "use": "sig").
//
// The DID is capped at MaxLength bytes. A key's kid in the JWK does not name
// the method: "#0" does.
func ResolveJWK(did string) (*Document, error) {
	d, err := Parse(did)
	if err != nil {
		return nil, err
	}
	if d.Method != "jwk" {
		return nil, fmt.Errorf("%w: %s is a did:%s, not a did:jwk", ErrInvalidDID, quote(did), d.Method)
	}
	for i := 0; i < len(d.ID); i++ {
		if c := d.ID[i]; !isAlpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' {
			return nil, fmt.Errorf("%w: %s has %s at byte %d, which is not a base64url character", ErrInvalidDID, quote(did), charAt(d.ID, i), len("did:jwk:")+i)
		}
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(d.ID)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not base64url without padding: %w", ErrInvalidDID, quote(did), err)
	}
	m, err := jsonx.ParseObjectWithLimits(raw, jsonx.Limits{MaxBytes: keys.MaxJWKBytes, MaxDepth: jwkDepth})
	if err != nil {
		return nil, fmt.Errorf("%w: %s does not hold a JWK: %w", ErrInvalidDID, quote(did), err)
	}
	for _, name := range privateJWKMembers {
		if _, ok := m[name]; ok {
			return nil, fmt.Errorf("%w: %s holds a private key (JWK member %q); a did:jwk must hold a public key only: %w", ErrInvalidDID, quote(did), name, keys.ErrPrivateMaterial)
		}
	}
	pub, err := keys.PublicKeyFromJWK(m)
	if err != nil {
		if errors.Is(err, keys.ErrUnsupportedKey) {
			return nil, fmt.Errorf("did: %s: %w", quote(did), err)
		}
		return nil, fmt.Errorf("%w: %s does not hold a usable public JWK: %w", ErrInvalidDID, quote(did), err)
	}
	if err := checkKey(pub); err != nil {
		return nil, fmt.Errorf("%w: %s does not hold a usable public JWK: %w", ErrInvalidDID, quote(did), err)
	}
	_, hasUse := m["use"] // keys.PublicKeyFromJWK admits only "sig"
	keyAgreement := !hasUse && pub.Algorithm() == keys.ES256
	return singleKeyDocument(did, []any{ContextDIDv1, ContextJWS2020}, VerificationMethod{
		ID:           did + "#0",
		Type:         TypeJSONWebKey2020,
		Controller:   did,
		PublicKeyJwk: m,
	}, keyAgreement), nil
}
