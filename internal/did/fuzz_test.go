package did_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
)

var hostileStrings = []string{
	"", "did:", "did::", "did:a:", "did:a::", "did:a:b:", "DID:a:b", "did:A:b", "did:a:%", "did:a:%4", "did:a:%zz",
	"did:a:b#", "did:a:b?", "did:a:b/", "did:a:b#c#d", "did:a:b\x00", "did:a:b\n#c", "did:a:\xff", "did:a:é",
	"did:a:b?q#f", "did:a:b/p/q?x=/?#/?:@", "#frag", "did:example:123?service=agent&relativeRef=/credentials%23degree",
	"did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
	"did:web:example.com%3A8443:user:alice", "did:x:" + strings.Repeat("a", did.MaxLength-6), "did:x:" + strings.Repeat("a", did.MaxLength),
}

// FuzzParse checks that Parse never panics, that every DID it accepts
// writes back byte for byte and is also a DID URL, and that every refusal
// is an ErrInvalidDID on one line.
func FuzzParse(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := did.Parse(s)
		if err != nil {
			checkRefusal(t, err, did.ErrInvalidDID)
			return
		}
		if d.String() != s {
			t.Fatalf("Parse(%q) = %#v, which writes as %q", s, d, d.String())
		}
		if len(s) > did.MaxLength || d.Method == "" || d.ID == "" || strings.HasSuffix(d.ID, ":") {
			t.Fatalf("Parse accepted %q as %#v", s, d)
		}
		for _, c := range []byte(d.Method) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				t.Fatalf("Parse accepted method %q", d.Method)
			}
		}
		u, err := did.ParseURL(s)
		if err != nil || u != (did.URL{DID: d}) {
			t.Fatalf("DID %q is not a DID URL: %#v, %v", s, u, err)
		}
	})
}

// FuzzParseURL checks that every DID URL ParseURL accepts writes back byte
// for byte, that its DID parses on its own, and that a fragment-only URL is
// what ResolveReference makes of "#fragment".
func FuzzParseURL(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := did.ParseURL(s)
		if err != nil {
			checkRefusal(t, err, did.ErrInvalidDID)
			if _, perr := did.Parse(s); perr == nil {
				t.Fatalf("%q is a DID but not a DID URL: %v", s, err)
			}
			return
		}
		if u.String() != s {
			t.Fatalf("ParseURL(%q) = %#v, which writes as %q", s, u, u.String())
		}
		d, err := did.Parse(u.DID.String())
		if err != nil || d != u.DID {
			t.Fatalf("the DID of %q does not parse alone: %v", s, err)
		}
		if u.Path != "" && u.Path[0] != '/' {
			t.Fatalf("path %q of %q does not start with '/'", u.Path, s)
		}
		if strings.ContainsAny(u.Fragment, "# \t\r\n") || strings.ContainsAny(u.Query, "# ") {
			t.Fatalf("ParseURL(%q) accepted %#v", s, u)
		}
		if u.Fragment != "" && u.Path == "" && u.Query == "" {
			r, err := did.ResolveReference(u.DID, "#"+u.Fragment)
			if err != nil || r != u {
				t.Fatalf("ResolveReference(%v, #%s) = %#v, %v; want %#v", u.DID, u.Fragment, r, err, u)
			}
		}
		r, err := did.ResolveReference(did.DID{Method: "other", ID: "1"}, s)
		if err != nil || r != u {
			t.Fatalf("ResolveReference of absolute %q = %#v, %v", s, r, err)
		}
	})
}

// FuzzResolveKey checks that every did:key ResolveKey accepts is the KeyDID
// of the key it resolves to, that its document has the did:key shape and
// survives a JSON round trip, and that refusals carry the documented
// sentinels. Each input is tried as a DID and as the bytes after "z".
func FuzzResolveKey(f *testing.F) {
	for _, s := range []string{
		"did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
		"did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv",
		"did:key:zDnaeTiq1PdzvZXUaMdezchcMJQpBdH2VN4pgrrEhMCCbmwSb",
		"did:key:zQ3shZc2QzApp2oymGvQbzP8eKheVshBHbU4ZYjeXqwSKEn6N",
		"did:key:z82Lm1MpAkeJcix9K8TMiLd5NMAhnwkjjCBeWHXyu3U4oT2MVJJKXkcVBgjGhnLBn2Kaau9",
		"did:key:z6LSeu9HkTHSfLLeUs2nnzUSNedgDUevfNQgQjQC23ZCit6F",
		"did:key:1:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
		"did:key:z", "did:key:z1", "did:key:z111111", "did:key:m", "did:key:z6Mk",
		"\xed\x01" + string(make([]byte, 32)),
		"\xed\x01\x01" + string(make([]byte, 31)),
		"\x80\x24\x02" + strings.Repeat("\xff", 32),
		"\x80\x24\x03" + string(make([]byte, 32)),
		"\xed\x81\x00" + strings.Repeat("A", 32),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkResolveKey(t, s)
		checkResolveKey(t, "did:key:z"+base58([]byte(s[:min(len(s), 80)])))
	})
}

func checkResolveKey(t *testing.T, s string) {
	doc, err := did.ResolveKey(s)
	if err != nil {
		if !errors.Is(err, did.ErrInvalidDID) && !errors.Is(err, keys.ErrUnsupportedKey) {
			t.Fatalf("ResolveKey(%q): undocumented error %v", s, err)
		}
		checkOneLine(t, err)
		return
	}
	if len(doc.VerificationMethod) != 1 || doc.ID != s {
		t.Fatalf("ResolveKey(%q) = %+v", s, doc)
	}
	vm := doc.VerificationMethod[0]
	if vm.ID != s+"#"+strings.TrimPrefix(s, "did:key:") || vm.Type != "Multikey" || vm.Controller != s {
		t.Fatalf("ResolveKey(%q) made verification method %+v", s, vm)
	}
	for _, rel := range []did.RelationshipKind{did.Authentication, did.AssertionMethod, did.CapabilityInvocation, did.CapabilityDelegation} {
		pub, err := doc.Key(vm.ID, rel)
		if err != nil {
			t.Fatalf("ResolveKey(%q): no %s key: %v", s, rel, err)
		}
		if got := did.KeyDID(pub); got != s {
			t.Fatalf("ResolveKey(%q) resolved a key whose did:key is %q", s, got)
		}
		if pub.KeyID() != vm.ID {
			t.Fatalf("kid %q, want %q", pub.KeyID(), vm.ID)
		}
	}
	if _, err := doc.Key(vm.ID, did.KeyAgreement); !errors.Is(err, did.ErrNotAuthorized) {
		t.Fatalf("ResolveKey(%q): keyAgreement: %v", s, err)
	}
	checkJSONRoundTrip(t, doc)
}

// FuzzResolveJWK checks that every did:jwk ResolveJWK accepts holds a public
// key only, that JWKDID of that key resolves to the same key, and that the
// document survives a JSON round trip. Each input is tried as a DID and as
// the JWK JSON to be base64url-encoded.
func FuzzResolveJWK(f *testing.F) {
	for _, s := range []string{
		"did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9",
		"did:jwk:eyJrdHkiOiJPS1AiLCJjcnYiOiJYMjU1MTkiLCJ1c2UiOiJlbmMiLCJ4IjoiM3A3YmZYdDl3YlRUVzJIQzdPUTFOei1EUThoYmVHZE5yZngtRkctSUswOCJ9",
		"did:jwk:e30", "did:jwk:e31", "did:jwk:eyJ9=", "did:jwk:%7B%7D",
		`{"crv":"P-256","kty":"EC","x":"acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0","y":"_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE"}`,
		`{"crv":"P-256","kty":"EC","use":"sig","kid":"k","x":"acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0","y":"_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE"}`,
		`{"crv":"Ed25519","kty":"OKP","x":"_eT7oDCtAC98L31MMx9J0T-w7HR-zuvsY08f9MvKne8"}`,
		`{"crv":"Ed25519","kty":"OKP","x":"_eT7oDCtAC98L31MMx9J0T-w7HR-zuvsY08f9MvKne8","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAU"}`,
		`{"crv":"Ed25519","kty":"OKP","x":"_eT7oDCtAC98L31MMx9J0T-w7HR-zuvsY08f9MvKne8","x":"AA"}`,
		`{"crv":"Ed25519","kty":"OKP","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`,
		`{"kty":"RSA","n":"AQAB","e":"AQAB"}`, `{"kty":"oct","k":"AA"}`, `[]`, `{"a":[[[[[[[[[[]]]]]]]]]]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkResolveJWK(t, s)
		if len(s) <= 2048 {
			checkResolveJWK(t, "did:jwk:"+base64.RawURLEncoding.EncodeToString([]byte(s)))
		}
	})
}

func checkResolveJWK(t *testing.T, s string) {
	doc, err := did.ResolveJWK(s)
	if err != nil {
		if !errors.Is(err, did.ErrInvalidDID) && !errors.Is(err, keys.ErrUnsupportedKey) {
			t.Fatalf("ResolveJWK(%q): undocumented error %v", s, err)
		}
		checkOneLine(t, err)
		return
	}
	if len(doc.VerificationMethod) != 1 || doc.ID != s || doc.VerificationMethod[0].ID != s+"#0" {
		t.Fatalf("ResolveJWK(%q) = %+v", s, doc)
	}
	jwk := doc.VerificationMethod[0].PublicKeyJwk
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
		if _, ok := jwk[private]; ok {
			t.Fatalf("ResolveJWK(%q) accepted a JWK with %q", s, private)
		}
	}
	pub, err := doc.Key("#0", did.AssertionMethod)
	if err != nil {
		t.Fatalf("ResolveJWK(%q): no assertionMethod key: %v", s, err)
	}
	if pub.KeyID() != s+"#0" {
		t.Fatalf("kid %q", pub.KeyID())
	}
	_, err = doc.Key("#0", did.KeyAgreement)
	if _, hasUse := jwk["use"]; (err == nil) != (pub.Algorithm() == keys.ES256 && !hasUse) {
		t.Fatalf("ResolveJWK(%q): keyAgreement for a %s key with use %v: %v", s, pub.Algorithm(), jwk["use"], err)
	}
	again, err := did.ResolveJWK(did.JWKDID(pub))
	if err != nil {
		t.Fatalf("JWKDID of the key of %q does not resolve: %v", s, err)
	}
	pub2, err := again.VerificationMethod[0].PublicKey()
	if err != nil || !pub2.Equal(pub) {
		t.Fatalf("JWKDID of the key of %q resolves to another key: %v", s, err)
	}
	if did.JWKDID(pub2) != did.JWKDID(pub) {
		t.Fatal("JWKDID is not deterministic")
	}
	checkJSONRoundTrip(t, doc)
}

// FuzzParseDocument checks that ParseDocument never panics, refuses with
// ErrInvalidDocument, and that what it accepts is a fixed point of writing
// and reading again, with every verification method id an absolute DID URL
// with a fragment, and that Document.Key only ever returns a key the
// relationship lists.
func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(exampleDoc))
	for _, s := range []string{
		`{"id":"did:example:1"}`,
		`{"id":"did:example:1","id":"did:example:1"}`,
		`{"id":"did:example:1","verificationMethod":[{"id":"#k","type":"Multikey","controller":"did:example:1","publicKeyMultibase":"` + ed1 + `"}],"authentication":["#k"]}`,
		`{"id":"did:example:1","authentication":[{"id":"#k","type":"JsonWebKey2020","controller":"did:example:1","publicKeyJwk":` + p256 + `}]}`,
		`{"id":"did:example:1","assertionMethod":["#k"],"verificationMethod":[{"id":"#k","type":"JsonWebKey","controller":"did:example:1","publicKeyJwk":{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA"}}]}`,
		`{"id":"did:example:1","controller":["did:a:b","did:c:d"],"alsoKnownAs":["https://x"],"service":[{"id":"#s","type":["A"],"serviceEndpoint":["https://a",{"x":1}]}]}`,
		`{"@context":"https://www.w3.org/ns/did/v1","id":"did:example:1","keyAgreement":[1.5e300]}`,
		`{"id":"did:example:1","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`,
		"{\"id\":\"did:example:\xff\"}", `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	for _, id := range []string{
		"did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
		"did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9",
	} {
		doc, err := did.ResolveKey(id)
		if err != nil {
			doc, err = did.ResolveJWK(id)
		}
		if err != nil {
			f.Fatal(err)
		}
		b, err := json.Marshal(doc)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := did.ParseDocument(data)
		if err != nil {
			checkRefusal(t, err, did.ErrInvalidDocument)
			return
		}
		base, err := did.Parse(doc.ID)
		if err != nil {
			t.Fatalf("accepted id %q: %v", doc.ID, err)
		}
		var all []did.VerificationMethod
		all = append(all, doc.VerificationMethod...)
		for _, k := range did.RelationshipKinds {
			for _, r := range doc.Relationships(k) {
				if r.Embedded != nil {
					all = append(all, *r.Embedded)
				} else if _, err := did.ParseURL(r.Reference); err != nil {
					t.Fatalf("reference %q is not an absolute DID URL: %v", r.Reference, err)
				}
			}
		}
		for _, vm := range all {
			u, err := did.ParseURL(vm.ID)
			if err != nil || u.Fragment == "" {
				t.Fatalf("verification method id %q is not an absolute DID URL with a fragment: %v", vm.ID, err)
			}
			for _, k := range did.RelationshipKinds {
				pub, err := doc.Key(vm.ID, k)
				switch {
				case err == nil:
					if u.DID != base || !listed(doc, k, vm.ID) {
						t.Fatalf("Key(%q, %s) returned a key the relationship does not list", vm.ID, k)
					}
					if pub.KeyID() != vm.ID {
						t.Fatalf("Key(%q) has kid %q", vm.ID, pub.KeyID())
					}
				case errors.Is(err, did.ErrNotAuthorized):
					if listedByValue(doc, k, vm.ID) {
						t.Fatalf("Key(%q, %s): %v, but it is embedded there", vm.ID, k, err)
					}
				case errors.Is(err, did.ErrKeyNotFound), errors.Is(err, did.ErrInvalidVerificationMethod),
					errors.Is(err, keys.ErrUnsupportedKey):
				default:
					t.Fatalf("Key(%q, %s): undocumented error %v", vm.ID, k, err)
				}
			}
		}
		checkJSONRoundTrip(t, doc)
	})
}

func listed(doc *did.Document, k did.RelationshipKind, id string) bool {
	for _, r := range doc.Relationships(k) {
		if r.ID() == id {
			return true
		}
	}
	return false
}

func listedByValue(doc *did.Document, k did.RelationshipKind, id string) bool {
	for _, r := range doc.Relationships(k) {
		if r.Embedded != nil && r.Embedded.ID == id {
			return true
		}
	}
	return false
}

// checkJSONRoundTrip checks that a document writes with encoding/json and
// reads back with ParseDocument to the same value.
func checkJSONRoundTrip(t *testing.T, doc *did.Document) {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("cannot write %+v: %v", doc, err)
	}
	back, err := did.ParseDocument(b)
	if err != nil {
		t.Fatalf("cannot read back %s: %v", b, err)
	}
	if !reflect.DeepEqual(doc, back) {
		t.Fatalf("round trip changed the document:\n%+v\n%+v", doc, back)
	}
}

func checkRefusal(t *testing.T, err, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v does not wrap %v", err, sentinel)
	}
	checkOneLine(t, err)
}

func checkOneLine(t *testing.T, err error) {
	t.Helper()
	if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || len(msg) > 1000 {
		t.Fatalf("error message is not one short line: %q", msg)
	}
}
