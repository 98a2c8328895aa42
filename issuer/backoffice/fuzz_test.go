package backoffice

import (
	"errors"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// FuzzDecodeOfferRequest: the offer request decoder never panics, refuses
// with errRequest only, and what it accepts has exactly its two members,
// re-encodes, and decodes again to the same request.
func FuzzDecodeOfferRequest(f *testing.F) {
	for _, seed := range []string{
		`{"vct": "urn:seoulid:vct:seoul-citizen-card:1", "claims": {"name": "이정민", "age_over_19": true}}`,
		`{"vct": "x", "claims": {}}`,
		`{"vct": "x", "claims": {}, "vct": "y"}`,
		`{"vct": "x", "claims": {"a": {"b": {"c": [1, 2, {"d": null}]}}}}`,
		`{"vct": "", "claims": {}}`,
		`{"vct": " ", "claims": {}}`,
		`{"vct": "x", "claims": []}`,
		`{"vct": "x", "claims": {}, "__proto__": {}}`,
		`{"vct": "x", "claims": {"n": 1e999}}`,
		`{"vct": "x", "claims": {"s": "\ud800"}}`,
		`{"vct": "x\u0000", "claims": {}}`,
		`{"vct": "x", "claims": ` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40) + `}`,
		"\xef\xbb\xbf{\"vct\": \"x\", \"claims\": {}}",
		`{"vct": "x", "claims": {}}garbage`,
		`null`,
		``,
		"{\"vct\": \"\xff\", \"claims\": {}}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeOfferRequest(body)
		if err != nil {
			if !errors.Is(err, errRequest) {
				t.Fatalf("an error that is not a request error: %v", err)
			}
			if req != nil {
				t.Fatal("a request with an error")
			}
			return
		}
		if strings.TrimSpace(req.VCT) == "" || req.Claims == nil {
			t.Fatalf("accepted an empty vct or no claims: %q", body)
		}
		again, err := jsonx.Marshal(map[string]any{"vct": req.VCT, "claims": req.Claims})
		if err != nil {
			t.Fatalf("accepted %q, which does not re-encode: %v", body, err)
		}
		req2, err := decodeOfferRequest(again)
		if err != nil {
			t.Fatalf("re-encoded %q does not decode: %v", again, err)
		}
		if req2.VCT != req.VCT || !jsonx.Equal(req2.Claims, req.Claims) {
			t.Fatalf("round trip changed the request: %q → %q", body, again)
		}
	})
}

func FuzzDecodeOperatorRequest(f *testing.F) {
	for _, seed := range []string{`{"name": "창구 1"}`, `{"name": ""}`, `{"name": "a\u0007"}`, `{"name": 1}`, `{}`, `{"name": "a", "name": "b"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		name, err := decodeOperatorRequest(body)
		if err != nil {
			if !errors.Is(err, errRequest) {
				t.Fatalf("an error that is not a request error: %v", err)
			}
			return
		}
		if name == "" || len(name) > maxNameBytes || name != strings.TrimSpace(name) {
			t.Fatalf("accepted name %q", name)
		}
	})
}
