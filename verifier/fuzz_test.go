package verifier_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/dcql"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/registry/registrytest"
	"github.com/seoulid/seoulid/verifier"
)

// FuzzVerify: a presentation is outside input. Whatever it is, Verify
// returns a *CheckError or a verified presentation — never a panic — and
// accepts only what the world's issuer signed for this audience and nonce.
func FuzzVerify(f *testing.F) {
	w := newWorld(f)
	good := w.present(f, w.credential(f, w.issuer, 7, nil), audience, nonce, "resident_of_seoul")
	for _, s := range []string{good, good[:len(good)/2], strings.Replace(good, "~", "~~", 1), "~", "a.b.c~", "e30.e30.e30~e30.e30.e30", ""} {
		f.Add(s)
	}
	expect := verifier.Expect{Audience: audience, Nonce: nonce}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := w.p.Verify(context.Background(), s, expect)
		if err != nil {
			var ce *verifier.CheckError
			if !errors.As(err, &ce) {
				t.Fatalf("not a *CheckError: %v", err)
			}
			return
		}
		if v.Issuer == "" || v.VCT == "" {
			t.Fatalf("accepted without issuer or type: %+v", v)
		}
	})
}

// FuzzRespond: the body posted to a response_uri is outside input. Each
// is refused with a *ResponseError, or taken as a wallet's refusal; none
// panics, and none is accepted without a presentation the pipeline
// verified.
func FuzzRespond(f *testing.F) {
	w := newWorld(f)
	key := w.issuer // any key of the ledger signs requests for this test
	x, err := verifier.NewExchange(key, w.p, verifier.ExchangeConfig{DID: registrytest.DIDOf(key), ResponseURL: "https://portal.example/r"})
	if err != nil {
		f.Fatal(err)
	}
	q, err := dcql.Parse([]byte(askResidency))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "vp_token=%7B%7D", "error=access_denied", "response=a.b.c.d.e", "vp_token=%7B%22residency%22%3A%5B%22x~%22%5D%7D&state=s", "vp_token=1&vp_token=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		p, err := x.NewRequest("residency-check", q, vp.ResponseModeDirectPost)
		if err != nil {
			t.Fatal(err)
		}
		a, err := x.Respond(context.Background(), p.ID, []byte(body))
		if err != nil {
			var re *verifier.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("not a *ResponseError: %v", err)
			}
			return
		}
		if a.Declined == nil {
			t.Fatalf("accepted %q", body)
		}
	})
}
