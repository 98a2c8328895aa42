package statuslist_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/statuslist"
)

// FuzzDecode: Decode never panics, refuses in one line, and a list it
// accepts encodes and decodes again to the same entries. The input is
// tried both as lst text (for the base64url rules) and as compressed bytes
// (for the ZLIB rules, which mutations of text rarely reach). The seeds are
// small lists: the appendix's lists of 2^20 entries (TestLongVectors) make
// each run slow and the fuzzer's minimizing slower still.
func FuzzDecode(f *testing.F) {
	addList := func(bits int, lst string) {
		compressed, err := b64url.Decode(lst)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(bits), lst, compressed)
	}
	for _, name := range []string{"list1_short.json", "list2_short.json"} {
		b, err := os.ReadFile(filepath.Join(vectorDir, name))
		if err != nil {
			f.Fatal(err)
		}
		var v vectorList
		if err := json.Unmarshal(b, &v); err != nil {
			f.Fatal(err)
		}
		addList(v.Bits, v.Lst)
	}
	for _, bits := range []int{4, 8} {
		l, _ := statuslist.New(64, bits)
		_ = l.Set(3, statuslist.Suspended)
		_ = l.Set(63, uint8(1<<bits-1))
		lst, err := l.Encode()
		if err != nil {
			f.Fatal(err)
		}
		addList(bits, lst)
	}
	f.Add(uint8(3), "eNrbuRgAAhcBXQ", []byte{0x78, 0xda})
	f.Add(uint8(1), "eNrbuRgAAhcBXQ==", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	f.Add(uint8(8), "", []byte{})
	f.Fuzz(func(t *testing.T, bits uint8, lst string, compressed []byte) {
		for _, in := range []string{lst, b64url.Encode(compressed)} {
			l, err := statuslist.Decode(int(bits), in)
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("multi-line error: %q", err)
				}
				continue
			}
			if l.Bits() != int(bits) || l.Len() < 1 || l.Len() > statuslist.MaxEntries || l.Len()*int(bits)%8 != 0 {
				t.Fatalf("accepted a list of %d entries of %d bits", l.Len(), l.Bits())
			}
			again, err := l.Encode()
			if err != nil {
				t.Fatalf("accepted list does not encode: %v", err)
			}
			back, err := statuslist.Decode(int(bits), again)
			if err != nil {
				t.Fatalf("re-encoded list does not decode: %v", err)
			}
			if !sameList(l, back) {
				t.Fatalf("re-encoded list differs")
			}
		}
	})
}

// FuzzParse: Parse never panics and refuses in one line with ErrInvalid;
// a token it accepts keeps its text and has claims that Sign accepts and
// that survive signing and parsing again unchanged.
func FuzzParse(f *testing.F) {
	raw, err := os.ReadFile(filepath.Join(vectorDir, "status_list_jwt.txt"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(strings.TrimSpace(string(raw)))
	ctx := context.Background()
	key := newKey(f, keys.EdDSA)
	list, _ := statuslist.New(64, 2)
	_ = list.Set(5, statuslist.Suspended)
	for _, c := range []statuslist.Claims{
		{Subject: "https://s.example/1", IssuedAt: time.Unix(1700000000, 0), List: list},
		{Subject: "https://s.example/1", Issuer: "https://s.example", IssuedAt: time.Unix(1700000000, 0), Expiry: time.Unix(1700003600, 0), TTL: time.Minute, List: list},
	} {
		tok, err := statuslist.Sign(ctx, key, c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
	}
	header := map[string]any{"typ": "statuslist+jwt"}
	for _, payload := range []string{
		`{"sub":"a","iat":0,"status_list":{"bits":8,"lst":"eNpjAAAAAQAB"}}`,
		`{"sub":"a","iat":1,"exp":2,"ttl":1,"iss":"i","status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ","aggregation_uri":"u"}}`,
		`{"sub":"a","iat":1,"status_list":{"bits":3,"lst":"eNrbuRgAAhcBXQ"}}`,
		`{"sub":"a","sub":"b"}`,
	} {
		f.Add(signRaw(f, key, header, payload))
	}
	for _, s := range []string{"", ".", "..", "a.b.c", "e30.e30.", "eyJhbGciOiJub25lIiwidHlwIjoic3RhdHVzbGlzdCtqd3QifQ.e30."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tok, err := statuslist.Parse(in)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			if !errors.Is(err, statuslist.ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if tok.Raw() != in {
			t.Fatalf("Raw is not the input")
		}
		c := tok.Claims()
		if c.Subject == "" || c.IssuedAt.IsZero() || c.List == nil || (!c.Expiry.IsZero() && !c.Expiry.After(c.IssuedAt)) || c.TTL < 0 {
			t.Fatalf("accepted claims break the rules: %+v", c)
		}
		again, err := statuslist.Parse(in)
		if err != nil {
			t.Fatalf("accepted once, refused again: %v", err)
		}
		requireSameClaims(t, c, again.Claims())
		resigned, err := statuslist.Sign(ctx, key, c)
		if err != nil {
			t.Fatalf("accepted claims cannot be signed: %v", err)
		}
		back, err := statuslist.Parse(resigned)
		if err != nil {
			t.Fatalf("re-signed token refused: %v", err)
		}
		requireSameClaims(t, c, back.Claims())
		if err := back.Verify(key.Public(), []keys.Algorithm{keys.EdDSA}); err != nil {
			t.Fatalf("re-signed token does not verify: %v", err)
		}
	})
}
