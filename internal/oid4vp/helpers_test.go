package oid4vp

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// fakeResolver returns the documents it holds, or err.
type fakeResolver struct {
	docs map[string]*did.Document
	err  error
}

func (f fakeResolver) Resolve(_ context.Context, d string) (*did.Document, error) {
	if f.err != nil {
		return nil, f.err
	}
	doc, ok := f.docs[d]
	if !ok {
		return nil, did.ErrNotFound
	}
	return doc, nil
}

// testVerifier is a Verifier with a DID whose document has an
// authentication key (#auth, EdDSA), an ES256 one (#auth2), and a key
// listed under assertionMethod only (#assert).
type testVerifier struct {
	did, clientID       string
	auth, auth2, assert *keys.PrivateKey
	resolver            fakeResolver
	encKey              *EncryptionKey
	now                 time.Time
	opts                RequestOptions
}

var testNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newTestVerifier(t testing.TB) *testVerifier {
	t.Helper()
	const d = "did:seoul:welfare-portal"
	v := &testVerifier{did: d, clientID: ClientIDForDID(d), now: testNow}
	gen := func(alg keys.Algorithm, frag string) *keys.PrivateKey {
		k, err := keys.Generate(alg)
		if err != nil {
			t.Fatal(err)
		}
		return k.WithKeyID(d + "#" + frag)
	}
	v.auth, v.auth2, v.assert = gen(keys.EdDSA, "auth"), gen(keys.ES256, "auth2"), gen(keys.ES256, "assert")
	vm := func(k *keys.PrivateKey) did.VerificationMethod {
		return did.VerificationMethod{ID: k.KeyID(), Type: did.TypeJSONWebKey2020, Controller: d, PublicKeyJwk: k.Public().JWK()}
	}
	doc := &did.Document{
		ID:                 d,
		VerificationMethod: []did.VerificationMethod{vm(v.auth), vm(v.auth2), vm(v.assert)},
		Authentication:     []did.Relationship{{Reference: v.auth.KeyID()}, {Reference: v.auth2.KeyID()}},
		AssertionMethod:    []did.Relationship{{Reference: v.assert.KeyID()}},
	}
	v.resolver = fakeResolver{docs: map[string]*did.Document{d: doc}}
	ek, err := NewEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	v.encKey = ek
	v.opts = RequestOptions{Now: testNow.Add(time.Minute)}
	return v
}

const testQuery = `{"credentials":[{"id":"resident","format":"dc+sd-jwt","meta":{"vct_values":["https://seoul.go.kr/vct/resident"]},
	"claims":[{"path":["age_over_19"],"values":[true]},{"path":["address","district"]}]}]}`

// request is a valid request of the Verifier.
func (v *testVerifier) request(t testing.TB, mode string) *AuthorizationRequest {
	t.Helper()
	q, err := dcql.Parse([]byte(testQuery))
	if err != nil {
		t.Fatal(err)
	}
	r := &AuthorizationRequest{
		ClientID:     v.clientID,
		ResponseType: ResponseTypeVPToken,
		ResponseMode: mode,
		ResponseURI:  "https://welfare.seoul.go.kr/oid4vp/response",
		Nonce:        "n-0S6_WzA2Mj",
		State:        "eyJhb-6sVA",
		DCQLQuery:    q,
		ClientMetadata: &ClientMetadata{
			VPFormatsSupported: map[string]map[string]any{"dc+sd-jwt": {"sd-jwt_alg_values": []any{"ES256", "EdDSA"}, "kb-jwt_alg_values": []any{"ES256", "EdDSA"}}},
		},
		IssuedAt:  v.now,
		ExpiresAt: v.now.Add(5 * time.Minute),
	}
	if mode == ResponseModeDirectPostJWT {
		r.ClientMetadata.JWKS = v.encKey.JWKS()
		r.ClientMetadata.EncryptedResponseEncValuesSupported = []string{EncA256GCM, EncA128GCM}
	}
	return r
}

// claims are the claims of the signed request object of a valid request.
func (v *testVerifier) claims(t testing.TB, mode string) map[string]any {
	t.Helper()
	tok, err := SignRequestObject(context.Background(), v.auth, v.request(t, mode))
	if err != nil {
		t.Fatal(err)
	}
	p, err := jws.Parse(tok, jws.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := jsonx.ParseObject(p.UnsafePayload())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sign signs claims with the Verifier's authentication key and a typ
// header; header members override or, set to nil, remove.
func (v *testVerifier) sign(t testing.TB, claims map[string]any, header map[string]any) string {
	t.Helper()
	payload, err := jsonx.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return v.signRaw(t, payload, header)
}

func (v *testVerifier) signRaw(t testing.TB, payload []byte, header map[string]any) string {
	t.Helper()
	h := map[string]any{"typ": RequestObjectType}
	key := v.auth
	for k, val := range header {
		if k == "key" {
			key = val.(*keys.PrivateKey)
			continue
		}
		h[k] = val
	}
	tok, err := jws.Sign(context.Background(), key, h, payload)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (v *testVerifier) parse(tok string) (*RequestObject, error) {
	return ParseRequestObject(context.Background(), tok, v.clientID, v.resolver, v.opts)
}

// wantCode checks that err is an *Error with the code and a one-line
// message containing want.
func wantCode(t testing.TB, err error, code Code, want string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, code) || e.Code != code || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v\nwant %s containing %q", err, code, want)
		return
	}
	for _, r := range e.Description {
		if r < 0x20 || r > 0x7e {
			t.Errorf("description %q is not printable ASCII", e.Description)
			break
		}
	}
}
