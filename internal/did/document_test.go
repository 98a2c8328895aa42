package did_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
)

// A document in the style of DID Core §5: keys listed and embedded, refs
// absolute and relative, a controller, a service.
const (
	ed1  = "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
	ed2  = "z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"
	ed3  = "z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf"
	p256 = `{"kty":"EC","crv":"P-256","x":"igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns","y":"efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM"}`
)

var exampleDoc = `{
  "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1", {"@vocab": "https://example.com/#"}],
  "id": "did:example:123",
  "controller": "did:example:ctrl",
  "alsoKnownAs": ["https://example.com/alice", "did:web:example.com"],
  "verificationMethod": [
    {"id": "#key-1", "type": "Multikey", "controller": "did:example:123", "publicKeyMultibase": "` + ed1 + `"},
    {"id": "did:example:123#key-2", "type": "JsonWebKey2020", "controller": "did:example:123", "publicKeyJwk": ` + p256 + `},
    {"id": "did:example:123#key-3", "type": "Ed25519VerificationKey2020", "controller": "did:example:other", "publicKeyMultibase": "` + ed3 + `"},
    {"id": "#legacy", "type": "EcdsaSecp256k1VerificationKey2019", "controller": "did:example:123", "publicKeyBase58": "xyz"}
  ],
  "authentication": [
    "#key-1",
    {"id": "#auth-only", "type": "Multikey", "controller": "did:example:123", "publicKeyMultibase": "` + ed2 + `"}
  ],
  "assertionMethod": ["did:example:123#key-2", "#key-3", "#legacy", "#auth-only", "#missing", "did:example:other#key-1"],
  "capabilityInvocation": ["#key-1"],
  "service": [
    {"id": "#linked-domain", "type": "LinkedDomains", "serviceEndpoint": "https://bar.example.com"},
    {"id": "https://example.com/svc", "type": ["A", "B"], "serviceEndpoint": [{"uri": "https://x.example"}, "https://y.example/path?q=1"], "extra": 1}
  ],
  "unknownProperty": {"ignored": true}
}`

func parseExample(t *testing.T) *did.Document {
	t.Helper()
	doc, err := did.ParseDocument([]byte(exampleDoc))
	require.NoError(t, err)
	return doc
}

func TestParseDocument(t *testing.T) {
	doc := parseExample(t)
	assert.Equal(t, "did:example:123", doc.ID)
	assert.Equal(t, did.StringOrSet{"did:example:ctrl"}, doc.Controller)
	assert.Equal(t, []string{"https://example.com/alice", "did:web:example.com"}, doc.AlsoKnownAs)
	require.Len(t, doc.VerificationMethod, 4)
	assert.Equal(t, "did:example:123#key-1", doc.VerificationMethod[0].ID, "relative ids are resolved")
	assert.Equal(t, "did:example:123#legacy", doc.VerificationMethod[3].ID)
	assert.Equal(t, []did.Relationship{
		{Reference: "did:example:123#key-1"},
		{Embedded: &did.VerificationMethod{ID: "did:example:123#auth-only", Type: "Multikey", Controller: "did:example:123", PublicKeyMultibase: ed2}},
	}, doc.Authentication)
	assert.Equal(t, "did:example:123#key-3", doc.AssertionMethod[1].Reference)
	assert.Equal(t, "did:example:123#linked-domain", doc.Service[0].ID)
	assert.Equal(t, did.StringOrSet{"A", "B"}, doc.Service[1].Type)
	assert.Empty(t, doc.KeyAgreement)
}

func TestDocumentJSONRoundTrip(t *testing.T) {
	doc := parseExample(t)
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"controller":"did:example:ctrl"`, "one controller is written as a string")
	assert.Contains(t, string(b), `"type":"LinkedDomains"`)
	assert.Contains(t, string(b), `"type":["A","B"]`)
	assert.Contains(t, string(b), `"authentication":["did:example:123#key-1",{"id":"did:example:123#auth-only"`)
	back, err := did.ParseDocument(b)
	require.NoError(t, err)
	assert.Equal(t, doc, back)

	// encoding/json reads a Document as strictly as ParseDocument.
	var viaStd did.Document
	require.NoError(t, json.Unmarshal(b, &viaStd))
	assert.Equal(t, *doc, viaStd)
	err = json.Unmarshal([]byte(`{"id":"did:example:1","ID":"did:example:2","id":"did:example:3"}`), &viaStd)
	assert.ErrorIs(t, err, did.ErrInvalidDocument)
}

func TestDocumentKey(t *testing.T) {
	doc := parseExample(t)
	cases := []struct {
		name string
		ref  string
		rel  did.RelationshipKind
		alg  keys.Algorithm
		err  error
		msg  string
	}{
		{name: "absolute ref", ref: "did:example:123#key-1", rel: did.Authentication, alg: keys.EdDSA},
		{name: "relative ref", ref: "#key-1", rel: did.Authentication, alg: keys.EdDSA},
		{name: "referenced twice", ref: "#key-1", rel: did.CapabilityInvocation, alg: keys.EdDSA},
		{name: "JWK method", ref: "did:example:123#key-2", rel: did.AssertionMethod, alg: keys.ES256},
		{name: "Ed25519VerificationKey2020", ref: "#key-3", rel: did.AssertionMethod, alg: keys.EdDSA},
		{name: "embedded", ref: "#auth-only", rel: did.Authentication, alg: keys.EdDSA},

		{name: "authentication key asked for assertion", ref: "#key-1", rel: did.AssertionMethod,
			err: did.ErrNotAuthorized, msg: `"did:example:123#key-1" is not listed in assertionMethod (it is listed in authentication, capabilityInvocation)`},
		{name: "listed nowhere", ref: "#key-2", rel: did.Authentication,
			err: did.ErrNotAuthorized, msg: "is not listed in authentication"},
		{name: "embedded elsewhere", ref: "#auth-only", rel: did.CapabilityDelegation,
			err: did.ErrNotAuthorized, msg: "is embedded in authentication, which only authentication may use, not capabilityDelegation"},
		{name: "referenced but embedded elsewhere", ref: "#auth-only", rel: did.AssertionMethod,
			err: did.ErrNotAuthorized, msg: "is referenced from assertionMethod but embedded in authentication"},
		{name: "no such key", ref: "#nope", rel: did.Authentication,
			err: did.ErrKeyNotFound, msg: `"did:example:123#nope" is not in the document`},
		{name: "dangling reference", ref: "#missing", rel: did.AssertionMethod,
			err: did.ErrKeyNotFound, msg: "the document has no verification method with that id"},
		{name: "another DID's key", ref: "did:example:other#key-1", rel: did.AssertionMethod,
			err: did.ErrKeyNotFound, msg: "belongs to did:example:other, not to the document's DID did:example:123"},
		{name: "no fragment", ref: "did:example:123", rel: did.AssertionMethod,
			err: did.ErrKeyNotFound, msg: "has no fragment"},
		{name: "bad ref", ref: "key-1", rel: did.Authentication, err: did.ErrInvalidDID},
		{name: "unsupported type", ref: "#legacy", rel: did.AssertionMethod,
			err: keys.ErrUnsupportedKey, msg: `has type "EcdsaSecp256k1VerificationKey2019"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := doc.Key(c.ref, c.rel)
			if c.err != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, c.err)
				assert.ErrorContains(t, err, c.msg)
				assert.Nil(t, k)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.alg, k.Algorithm())
			u, err := did.ResolveReference(did.DID{Method: "example", ID: "123"}, c.ref)
			require.NoError(t, err)
			assert.Equal(t, u.String(), k.KeyID(), "the kid is the absolute DID URL")
		})
	}

	t.Run("unknown relationship", func(t *testing.T) {
		_, err := doc.Key("#key-1", "signing")
		assert.ErrorContains(t, err, `unknown verification relationship "signing"`)
	})
}

func TestDocumentKeyHandBuilt(t *testing.T) {
	// A Document built in Go, with relative ids, works like a parsed one.
	doc := &did.Document{
		ID:                 "did:example:abc",
		VerificationMethod: []did.VerificationMethod{{ID: "#k", Type: "Multikey", Controller: "did:example:abc", PublicKeyMultibase: ed1}},
		AssertionMethod:    []did.Relationship{{Reference: "#k"}},
	}
	k, err := doc.Key("did:example:abc#k", did.AssertionMethod)
	require.NoError(t, err)
	assert.Equal(t, "did:example:abc#k", k.KeyID())

	doc.ID = "not a did"
	_, err = doc.Key("#k", did.AssertionMethod)
	assert.ErrorIs(t, err, did.ErrInvalidDocument)
}

func TestVerificationMethodPublicKeyRejects(t *testing.T) {
	const id = "did:example:1#k"
	jwk := func(s string) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(s), &m))
		return m
	}
	cases := []struct {
		name string
		vm   did.VerificationMethod
		err  error
		msg  string
	}{
		{"Multikey without material", did.VerificationMethod{ID: id, Type: "Multikey"}, did.ErrInvalidVerificationMethod, "has no publicKeyMultibase"},
		{"JWK type without JWK", did.VerificationMethod{ID: id, Type: "JsonWebKey2020", PublicKeyMultibase: ed1}, did.ErrInvalidVerificationMethod, "has no publicKeyJwk"},
		{"both", did.VerificationMethod{ID: id, Type: "JsonWebKey", PublicKeyJwk: jwk(p256), PublicKeyMultibase: ed1}, did.ErrInvalidVerificationMethod, "besides"},
		{"private JWK", did.VerificationMethod{ID: id, Type: "JsonWebKey2020", PublicKeyJwk: jwk(`{"kty":"OKP","crv":"Ed25519","x":"_eT7oDCtAC98L31MMx9J0T-w7HR-zuvsY08f9MvKne8","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAU"}`)}, keys.ErrPrivateMaterial, "private key material"},
		{"small-order JWK", did.VerificationMethod{ID: id, Type: "JsonWebKey2020", PublicKeyJwk: jwk(`{"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`)}, did.ErrInvalidVerificationMethod, "small order"},
		{"RSA JWK", did.VerificationMethod{ID: id, Type: "JsonWebKey2020", PublicKeyJwk: jwk(`{"kty":"RSA","n":"AQAB","e":"AQAB"}`)}, keys.ErrUnsupportedKey, `kty "RSA"`},
		{"bad multibase", did.VerificationMethod{ID: id, Type: "Multikey", PublicKeyMultibase: "uAe0B"}, did.ErrInvalidVerificationMethod, `multibase prefix "u"`},
		{"P-256 as Ed25519VerificationKey2020", did.VerificationMethod{ID: id, Type: "Ed25519VerificationKey2020", PublicKeyMultibase: "zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv"}, did.ErrInvalidVerificationMethod, "holding a ES256 key"},
		{"secp256k1 Multikey", did.VerificationMethod{ID: id, Type: "Multikey", PublicKeyMultibase: "zQ3shZc2QzApp2oymGvQbzP8eKheVshBHbU4ZYjeXqwSKEn6N"}, keys.ErrUnsupportedKey, "secp256k1-pub"},
		{"unknown type", did.VerificationMethod{ID: id, Type: "X25519KeyAgreementKey2020", PublicKeyMultibase: ed1}, keys.ErrUnsupportedKey, "X25519KeyAgreementKey2020"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.vm.PublicKey()
			require.Error(t, err)
			assert.ErrorIs(t, err, c.err)
			assert.ErrorContains(t, err, c.msg)
		})
	}
}

func TestParseDocumentRejects(t *testing.T) {
	vm := func(extra string) string {
		return `{"id":"did:example:1","verificationMethod":[{"id":"#k","type":"Multikey","controller":"did:example:1"` + extra + `}]}`
	}
	cases := []struct {
		name, in, msg string
	}{
		{"duplicate member", `{"id":"did:example:1","id":"did:example:2"}`, `duplicate member "id"`},
		{"nested duplicate", vm(`,"publicKeyMultibase":"z1","publicKeyMultibase":"z2"`), `duplicate member "publicKeyMultibase"`},
		{"not an object", `["did:example:1"]`, "must be a JSON object, not an array"},
		{"invalid UTF-8", "{\"id\":\"did:example:\xff\"}", "invalid UTF-8"},
		{"trailing data", `{"id":"did:example:1"} {}`, "unexpected data after"},
		{"no id", `{"verificationMethod":[]}`, "id is missing"},
		{"id not a string", `{"id":1}`, "id must be a string, not a number"},
		{"id not a DID", `{"id":"https://example.com"}`, `does not start with "did:"`},
		{"id a DID URL", `{"id":"did:example:1#k"}`, "is a DID URL, not a DID"},
		{"id uppercase method", `{"id":"did:Example:1"}`, `invalid method name "Example"`},
		{"controller not a DID", `{"id":"did:example:1","controller":["did:example:2","bob"]}`, "controller[1]"},
		{"controller number", `{"id":"did:example:1","controller":5}`, "controller must be a string or an array of strings, not a number"},
		{"controller null", `{"id":"did:example:1","controller":null}`, "not null"},
		{"context number", `{"@context":1,"id":"did:example:1"}`, "@context must be a string or an array"},
		{"context item", `{"@context":["https://www.w3.org/ns/did/v1",3],"id":"did:example:1"}`, "@context[1] must be a string or an object"},
		{"alsoKnownAs not a URI", `{"id":"did:example:1","alsoKnownAs":["alice"]}`, "alsoKnownAs[0]"},
		{"alsoKnownAs space", `{"id":"did:example:1","alsoKnownAs":["https://a b"]}`, `invalid character " "`},
		{"vm not an object", `{"id":"did:example:1","verificationMethod":["#k"]}`, "verificationMethod[0] must be an object"},
		{"vm no id", `{"id":"did:example:1","verificationMethod":[{"type":"Multikey","controller":"did:example:1"}]}`, "verificationMethod[0].id is missing"},
		{"vm id no fragment", `{"id":"did:example:1","verificationMethod":[{"id":"did:example:1","type":"Multikey","controller":"did:example:1"}]}`, "has no fragment"},
		{"vm id relative path", `{"id":"did:example:1","verificationMethod":[{"id":"key-1","type":"Multikey","controller":"did:example:1"}]}`, "is neither a DID URL nor a relative reference"},
		{"vm id bad fragment", `{"id":"did:example:1","verificationMethod":[{"id":"#a b","type":"Multikey","controller":"did:example:1"}]}`, `invalid character " "`},
		{"vm no type", `{"id":"did:example:1","verificationMethod":[{"id":"#k","controller":"did:example:1"}]}`, "verificationMethod[0].type is missing"},
		{"vm empty type", `{"id":"did:example:1","verificationMethod":[{"id":"#k","type":"","controller":"did:example:1"}]}`, "verificationMethod[0].type is empty"},
		{"vm no controller", `{"id":"did:example:1","verificationMethod":[{"id":"#k","type":"Multikey"}]}`, "controller is missing"},
		{"vm controller not a DID", `{"id":"did:example:1","verificationMethod":[{"id":"#k","type":"Multikey","controller":"#k"}]}`, "verificationMethod[0].controller"},
		{"vm both materials", vm(`,"publicKeyMultibase":"` + ed1 + `","publicKeyJwk":` + p256), "has both publicKeyJwk and publicKeyMultibase"},
		{"vm private JWK", vm(`,"publicKeyJwk":{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA"}`), `has the private key member "d"`},
		{"vm RSA private JWK", vm(`,"publicKeyJwk":{"kty":"RSA","n":"AA","e":"AQAB","p":"AA"}`), `has the private key member "p"`},
		{"vm JWK no kty", vm(`,"publicKeyJwk":{}`), `has no "kty" string`},
		{"vm JWK not an object", vm(`,"publicKeyJwk":"x"`), "publicKeyJwk must be an object"},
		{"vm empty multibase", vm(`,"publicKeyMultibase":""`), "publicKeyMultibase is empty"},
		{"duplicate vm id", `{"id":"did:example:1","verificationMethod":[{"id":"#k","type":"Multikey","controller":"did:example:1"},{"id":"did:example:1#k","type":"Multikey","controller":"did:example:1"}]}`,
			`verificationMethod[1] has id "did:example:1#k", already used by verificationMethod[0]`},
		{"embedded duplicates listed", `{"id":"did:example:1","verificationMethod":[{"id":"#k","type":"Multikey","controller":"did:example:1"}],"authentication":[{"id":"#k","type":"Multikey","controller":"did:example:1"}]}`,
			"authentication[0] has id"},
		{"relationship not an array", `{"id":"did:example:1","authentication":"#k"}`, "authentication must be an array, not a string"},
		{"relationship number", `{"id":"did:example:1","assertionMethod":[1]}`, "assertionMethod[0] must be a DID URL string or a verification method object, not a number"},
		{"relationship bad ref", `{"id":"did:example:1","keyAgreement":["k"]}`, "keyAgreement[0]"},
		{"service no endpoint", `{"id":"did:example:1","service":[{"id":"#s","type":"T"}]}`, "service[0].serviceEndpoint is missing"},
		{"service no type", `{"id":"did:example:1","service":[{"id":"#s","serviceEndpoint":"https://x"}]}`, "service[0].type is missing"},
		{"service empty type", `{"id":"did:example:1","service":[{"id":"#s","type":[],"serviceEndpoint":"https://x"}]}`, "service[0].type is empty"},
		{"service id not URI", `{"id":"did:example:1","service":[{"id":"s","type":"T","serviceEndpoint":"https://x"}]}`, "service[0].id"},
		{"service endpoint number", `{"id":"did:example:1","service":[{"id":"#s","type":"T","serviceEndpoint":5}]}`, "must be a URI string, an object or an array"},
		{"service endpoint empty array", `{"id":"did:example:1","service":[{"id":"#s","type":"T","serviceEndpoint":[]}]}`, "is an empty array"},
		{"service endpoint not URI", `{"id":"did:example:1","service":[{"id":"#s","type":"T","serviceEndpoint":"not a uri"}]}`, "service[0].serviceEndpoint"},
		{"duplicate service id", `{"id":"did:example:1","service":[{"id":"#s","type":"T","serviceEndpoint":"https://x"},{"id":"did:example:1#s","type":"T","serviceEndpoint":"https://y"}]}`,
			`service[1] has id "did:example:1#s", already used by service[0]`},
		{"deep nesting", `{"id":"did:example:1","x":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`, "nesting deeper than 16"},
		{"too big", `{"id":"did:example:1","x":"` + strings.Repeat("a", did.MaxDocumentBytes) + `"}`, "more than the limit of 262144"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := did.ParseDocument([]byte(c.in))
			require.Error(t, err)
			assert.ErrorIs(t, err, did.ErrInvalidDocument)
			assert.ErrorContains(t, err, c.msg)
			assert.NotContains(t, err.Error(), "\n")
			assert.Less(t, len(err.Error()), 600)
		})
	}
}

func TestStringOrSetJSON(t *testing.T) {
	var s did.StringOrSet
	require.NoError(t, json.Unmarshal([]byte(`"a"`), &s))
	assert.Equal(t, did.StringOrSet{"a"}, s)
	require.NoError(t, json.Unmarshal([]byte(`["a","b"]`), &s))
	assert.Equal(t, did.StringOrSet{"a", "b"}, s)
	assert.Error(t, json.Unmarshal([]byte(`["a",1]`), &s))
	assert.Error(t, json.Unmarshal([]byte(`{"a":1}`), &s))

	b, err := json.Marshal(did.StringOrSet{"a"})
	require.NoError(t, err)
	assert.Equal(t, `"a"`, string(b))
	b, err = json.Marshal(did.StringOrSet{"a", "b"})
	require.NoError(t, err)
	assert.Equal(t, `["a","b"]`, string(b))
}

func TestRelationshipJSON(t *testing.T) {
	var rs []did.Relationship
	require.NoError(t, json.Unmarshal([]byte(`["#k",{"id":"did:example:1#e","type":"Multikey","controller":"did:example:1","publicKeyMultibase":"`+ed1+`"}]`), &rs))
	require.Len(t, rs, 2)
	assert.Equal(t, "#k", rs[0].Reference, "no base: stays relative")
	assert.Equal(t, "#k", rs[0].ID())
	require.NotNil(t, rs[1].Embedded)
	assert.Equal(t, "did:example:1#e", rs[1].ID())
	b, err := json.Marshal(rs)
	require.NoError(t, err)
	assert.Equal(t, `["#k",{"id":"did:example:1#e","type":"Multikey","controller":"did:example:1","publicKeyMultibase":"`+ed1+`"}]`, string(b))

	var r did.Relationship
	assert.ErrorIs(t, json.Unmarshal([]byte(`"key-1"`), &r), did.ErrInvalidDocument)
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"id":"#k","id":"#k"}`), &r), did.ErrInvalidDocument)

	var vm did.VerificationMethod
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"ID":"#k","type":"Multikey","controller":"did:example:1"}`), &vm), did.ErrInvalidDocument, "no case-insensitive matching")
	var svc did.Service
	require.NoError(t, json.Unmarshal([]byte(`{"id":"#s","type":"T","serviceEndpoint":{"uri":"https://x"}}`), &svc))
	assert.Equal(t, "#s", svc.ID)
}

func TestRelationships(t *testing.T) {
	doc := parseExample(t)
	for _, k := range did.RelationshipKinds {
		rels := doc.Relationships(k)
		switch k {
		case did.Authentication:
			assert.Len(t, rels, 2)
		case did.AssertionMethod:
			assert.Len(t, rels, 6)
		case did.CapabilityInvocation:
			assert.Len(t, rels, 1)
		default:
			assert.Empty(t, rels)
		}
	}
	assert.Nil(t, doc.Relationships("other"))
}
