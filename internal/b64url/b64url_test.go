package b64url

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	mrand "math/rand/v2"
	"strings"
	"testing"
)

// reference is strict base64url as encoding/base64 reads it, with the line
// breaks it would skip refused first.
func reference(s string) ([]byte, bool) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return b, err == nil
}

func TestAppendEncode(t *testing.T) {
	for n := range 300 {
		src := make([]byte, n)
		_, _ = rand.Read(src)
		want := base64.RawURLEncoding.AppendEncode([]byte("x."), src)
		if got := AppendEncode([]byte("x."), src); !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: %s, want %s", n, got, want)
		}
		if Encode(src) != string(want[2:]) {
			t.Fatalf("Encode of %d bytes differs", n)
		}
	}
}

// TestDecodeAgrees: the fast decoder accepts exactly what encoding/base64's
// strict decoder accepts (line breaks aside), with the same bytes.
func TestDecodeAgrees(t *testing.T) {
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/\n\r .\x00\xff"
	r := mrand.New(mrand.NewPCG(7, 8))
	for range 300000 {
		b := make([]byte, r.IntN(30))
		for i := range b {
			if r.IntN(20) == 0 {
				b[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[i] = alphabet[r.IntN(64)]
			}
		}
		checkAgainstReference(t, string(b))
	}
	for n := range 100 { // every length, valid
		src := make([]byte, n)
		_, _ = rand.Read(src)
		got, err := Decode(base64.RawURLEncoding.EncodeToString(src))
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("%d bytes: %x %v, want %x", n, got, err, src)
		}
	}
}

func checkAgainstReference(t *testing.T, s string) {
	t.Helper()
	want, wantOK := reference(s)
	got, err := AppendDecode([]byte("x"), s)
	ok := err == nil
	if ok != wantOK || ok && !bytes.Equal(got, append([]byte("x"), want...)) || !ok && !bytes.Equal(got, []byte("x")) {
		t.Fatalf("%q: %v %x, want %v %x", s, err, got, wantOK, want)
	}
	if Valid(s) != wantOK {
		t.Fatalf("Valid(%q) = %v", s, !wantOK)
	}
}

func TestDecodeErrors(t *testing.T) {
	for s, msg := range map[string]string{
		"AA==":  `character '=' at 2 is not base64url`,
		"A+":    `character '+' at 1 is not base64url`,
		"AA\nA": `character '\n' at 2 is not base64url`,
		"AB":    `not base64url: illegal base64 data`,
		"A":     `not base64url`,
	} {
		_, err := Decode(s)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Decode(%q) = %v, want %q", s, err, msg)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "AA", "AQ", "AB", "A", "AA==", "_-8", "AA\n", "eyJhbGciOiJFZERTQSJ9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkAgainstReference(t, s)
		if b, err := Decode(s); err == nil && Encode(b) != s {
			t.Fatalf("%q decodes to %x, which encodes to %q: two encodings of one byte string", s, b, Encode(b))
		}
	})
}
