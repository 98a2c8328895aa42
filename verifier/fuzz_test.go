package verifier_test

import (
	"context"
	"errors"
	"strings"
	"testing"

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
