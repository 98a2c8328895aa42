package oid4vp

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// checkRefusal: a refusal is one line, and an *Error has a printable ASCII
// description.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	if strings.Contains(err.Error(), "\n") || len(err.Error()) > 8192 {
		t.Fatalf("refusal %q", err)
	}
	var e *Error
	if errors.As(err, &e) {
		for i := 0; i < len(e.Description); i++ {
			if c := e.Description[i]; c < 0x20 || c > 0x7e {
				t.Fatalf("description %q", e.Description)
			}
		}
	}
	if errors.Is(err, ErrConfig) {
		t.Fatalf("input blamed on the configuration: %v", err)
	}
}

// FuzzParseRequestObject feeds whole tokens: framing, header, signature.
func FuzzParseRequestObject(f *testing.F) {
	v := newTestVerifier(f)
	for _, mode := range []string{ResponseModeDirectPost, ResponseModeDirectPostJWT} {
		tok, err := SignRequestObject(context.Background(), v.auth, v.request(f, mode))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
		f.Add(tok[:len(tok)-3])
		f.Add(strings.Replace(tok, ".", "..", 1))
	}
	for _, s := range []string{"", ".", "..", "a.b.c", "a.b.c.d.e", "eyJhbGciOiJub25lIn0.e30.", "eyJ0eXAiOiJvYXV0aC1hdXRoei1yZXErand0IiwiYWxnIjoibm9uZSJ9.e30."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		ro, err := v.parse(tok)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		if err := ro.Validate(); err != nil {
			t.Fatalf("accepted, then invalid: %v", err)
		}
	})
}

// FuzzRequestClaims feeds the claims of correctly signed request objects:
// everything after the signature.
func FuzzRequestClaims(f *testing.F) {
	v := newTestVerifier(f)
	for _, mode := range []string{ResponseModeDirectPost, ResponseModeDirectPostJWT} {
		b, err := jsonx.Marshal(v.claims(f, mode))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{`{}`, `[]`, `{"client_id":"decentralized_identifier:did:seoul:welfare-portal"}`, `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		tok := v.signRaw(t, payload, nil)
		ro, err := v.parse(tok)
		if err != nil {
			checkRefusal(t, err)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %v", err)
			}
			return
		}
		if err := ro.Validate(); err != nil {
			t.Fatalf("accepted, then invalid: %v", err)
		}
		// What was accepted signs again and reads back the same (with an
		// iat, which SignRequestObject always writes).
		req := ro.AuthorizationRequest
		if req.IssuedAt.IsZero() {
			req.IssuedAt = v.opts.Now
			if !req.ExpiresAt.After(req.IssuedAt) {
				req.IssuedAt = req.ExpiresAt.Add(-time.Second)
			}
		}
		again, err := SignRequestObject(context.Background(), v.auth, &req)
		if err != nil {
			t.Fatalf("accepted, cannot sign it again: %v", err)
		}
		ro2, err := v.parse(again)
		if err != nil || !reflect.DeepEqual(ro2.AuthorizationRequest, req) {
			t.Fatalf("%+v came back as %+v, %v", req, ro2, err)
		}
	})
}

// FuzzParseDirectPost: never a panic; what is accepted writes back and
// reads the same.
func FuzzParseDirectPost(f *testing.F) {
	for _, s := range []string{
		"vp_token=%7B%22my_credential%22%3A%5B%22eyJhbGci...QMA%22%5D%7D&state=eyJhb-6sVA",
		"response=a..b.c.d", "error=access_denied&error_description=no&state=s",
		"", "&", "=", "vp_token=", "vp_token=%7B%7D", "vp_token=%5B%5D&state=%ff", "error=%22",
		"vp_token=%7B%22a%22%3A%5B%7B%22b%22%3A1%7D%5D%7D",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParseDirectPost(body)
		if err != nil {
			checkRefusal(t, err)
			if !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("not an ErrInvalidResponse: %v", err)
			}
			return
		}
		switch {
		case p.Response != nil:
			enc, err := p.Response.Encode()
			if err != nil {
				t.Fatalf("accepted %q, cannot write it: %v", body, err)
			}
			back, err := ParseDirectPost([]byte(enc))
			if err != nil || !jsonx.Equal(back.Response.VPToken.value(), p.Response.VPToken.value()) || back.Response.State != p.Response.State {
				t.Fatalf("%q became %q: %+v, %v", body, enc, back, err)
			}
		case p.Error != nil:
			back, err := ParseDirectPost([]byte(p.Error.Encode()))
			if err != nil || !reflect.DeepEqual(back.Error, p.Error) {
				t.Fatalf("%q: %+v came back as %+v, %v", body, p.Error, back, err)
			}
		case p.JWE == "":
			t.Fatalf("%q: nothing", body)
		}
	})
}

// FuzzDecryptResponse feeds whole JWEs to a Verifier's key.
func FuzzDecryptResponse(f *testing.F) {
	s, key := loadSpecResponse(f)
	f.Add(s.JWE)
	v := newTestVerifier(f)
	req := v.request(f, ResponseModeDirectPostJWT)
	req.ClientMetadata.JWKS = key.JWKS()
	for _, tok := range []VPToken{{"a": {"x"}}, {"a": {map[string]any{"b": []any{1}}}}} {
		out, err := EncryptResponse(&AuthorizationResponse{VPToken: tok, State: "s"}, req.ClientMetadata)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(out)
	}
	for _, x := range []string{"", "....", "e30....", "eyJhbGciOiJFQ0RILUVTIn0....", s.JWE + "."} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		_, err := DecryptResponse(tok, key, []string{EncA128GCM, EncA256GCM})
		if err != nil {
			var er *ErrorResponse
			if !errors.Is(err, ErrInvalidResponse) && !errors.As(err, &er) {
				t.Fatalf("got %v", err)
			}
			checkRefusal(t, err)
		}
		_, _ = ResponseKeyID(tok)
	})
}

// FuzzResponsePayload feeds the decrypted payload: everything after the
// cryptography.
func FuzzResponsePayload(f *testing.F) {
	key, err := NewEncryptionKey()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{`{"vp_token":{"a":["x"]},"state":"s"}`, `{"error":"access_denied"}`, `{}`, `[]`, `{"vp_token":{"a":[]}}`, `{"vp_token":{"a":["x"]},"vp_token":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		h := jwe.NewHeaders()
		_ = h.Set(jwe.KeyIDKey, key.KeyID())
		tok, err := jwe.Encrypt(payload, jwe.WithKey(jwa.ECDH_ES(), key.priv.PublicKey(), jwe.WithPerRecipientHeaders(h)), jwe.WithContentEncryption(jwa.A128GCM()))
		if err != nil {
			return
		}
		resp, err := DecryptResponse(string(tok), key, nil)
		if err != nil {
			var er *ErrorResponse
			if !errors.Is(err, ErrInvalidResponse) && !errors.As(err, &er) {
				t.Fatalf("got %v", err)
			}
			checkRefusal(t, err)
			return
		}
		if err := resp.validate(); err != nil {
			t.Fatalf("accepted, then invalid: %v", err)
		}
	})
}

// FuzzParseRequestReference: never a panic; what is accepted writes back
// and reads the same.
func FuzzParseRequestReference(f *testing.F) {
	for _, s := range []string{
		"client_id=" + cid + "&request_uri=https%3A%2F%2Fa.example%2Fr&request_uri_method=post",
		"client_id=" + cid + "&request=a.b.c", "client_id=x", "", "request_uri_method=get", "client_id=%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r, err := ParseRequestReference(q)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		back, err := ParseRequestReference(r.Encode())
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Fatalf("%q: %+v came back as %+v, %v", q, r, back, err)
		}
	})
}

// FuzzParseRequestURIPost: never a panic; what is accepted writes back and
// reads the same.
func FuzzParseRequestURIPost(f *testing.F) {
	for _, s := range []string{"wallet_metadata=%7B%7D&wallet_nonce=abc", "wallet_nonce=", "wallet_metadata=%5B%5D", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParseRequestURIPost(body)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		enc, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseRequestURIPost([]byte(enc))
		if err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("%q: %+v came back as %+v, %v", body, p, back, err)
		}
	})
}
