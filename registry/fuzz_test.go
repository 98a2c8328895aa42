package registry

import (
	"context"
	"regexp"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
)

// FuzzDecodeTx: any bytes decode to a transaction or a rejection with a
// code and a one-line reason; never a panic. What decodes executes against
// a real state without panicking, and a rejection leaves the state as it
// was.
func FuzzDecodeTx(f *testing.F) {
	l := newLedger(&testing.T{})
	seoul := l.agencies[0]
	k := newKey(&testing.T{})
	f.Add(l.sign(l.op(seoul, Op{Type: OpDIDCreate, DID: didOf(k), Keys: []Key{keyEntry(k, "key-1")}}), seoul, k))
	f.Add(l.council(l.op(seoul, Op{Type: OpTrustIssuer, DID: didOf(seoul), VCTs: []string{"urn:x:y"}}), 3))
	for _, s := range []string{``, `{}`, `{"payload":"","signatures":[]}`, `{"payload":"e30","signatures":[{"protected":"e30","signature":""}]}`, `[]`, `{"payload":"e30","signatures":[{"protected":"eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDpzZW91bDp4I2sifQ","signature":"AA"}],"x":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, rej := DecodeTx(b)
		if rej != nil {
			if rej.Code == OK || strings.Contains(rej.Error(), "\n") {
				t.Fatalf("bad rejection %+v", rej)
			}
			return
		}
		before := l.app.st.hash()
		o := newOverlay(l.app.st)
		if r := execute(o, tx, env{chain: chain, height: 1}); r != nil {
			if len(o.changes) != 0 {
				t.Fatalf("a rejected transaction changed the state: %v", r)
			}
		}
		if string(l.app.st.hash()) != string(before) {
			t.Fatal("execute wrote to the committed state")
		}
		if _, err := l.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: b}); err != nil {
			t.Fatalf("CheckTx returned a Go error (which would stop the node): %v", err)
		}
	})
}

// FuzzParseDID: the did:seoul parser never panics and accepts only
// did:seoul: with 32 base32 characters.
func FuzzParseDID(f *testing.F) {
	for _, s := range []string{"did:seoul:" + strings.Repeat("a", 32), "did:seoul:", "did:seoul:AAAA", "did:key:z6Mk", "did:seoul:" + strings.Repeat("a", 32) + "#k", "did:seoul:" + strings.Repeat("1", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := ParseDID(s); err == nil {
			if !strings.HasPrefix(s, "did:seoul:") || len(s) != len("did:seoul:")+32 || !regexp.MustCompile(`^[a-z2-7]{32}$`).MatchString(s[len("did:seoul:"):]) {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}
