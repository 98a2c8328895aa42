package registry_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/registrytest"
)

// FuzzDecodeTx: any bytes decode to a transaction or a rejection with a
// code and a one-line reason; never a panic. What decodes executes against
// a real state without panicking, and a rejection leaves the state as it
// was.
func FuzzDecodeTx(f *testing.F) {
	l := registrytest.New(f)
	seoul := l.Agencies[0]
	k := registrytest.NewKey(f)
	f.Add(l.Sign(l.Op(seoul, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k), Keys: []registry.Key{registrytest.KeyEntry(k, "key-1")}}), seoul, k))
	f.Add(l.Council(l.Op(seoul, registry.Op{Type: registry.OpTrustIssuer, DID: registrytest.DIDOf(seoul), VCTs: []string{"urn:x:y"}}), 3))
	for _, s := range []string{``, `{}`, `{"payload":"","signatures":[]}`, `{"payload":"e30","signatures":[{"protected":"e30","signature":""}]}`, `[]`, `{"payload":"e30","signatures":[{"protected":"eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDpzZW91bDp4I2sifQ","signature":"AA"}],"x":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, rej := registry.DecodeTx(b)
		if rej != nil {
			if rej.Code == registry.OK || strings.Contains(rej.Error(), "\n") {
				t.Fatalf("bad rejection %+v", rej)
			}
			return
		}
		before := registry.StateHash(l.App)
		if r, changes := registry.ExecuteOnOverlay(l.App, tx, registrytest.Chain); r != nil && changes != 0 {
			t.Fatalf("a rejected transaction changed the state: %v", r)
		}
		if string(registry.StateHash(l.App)) != string(before) {
			t.Fatal("execute wrote to the committed state")
		}
		if _, err := l.App.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: b}); err != nil {
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
		if err := registry.ParseDID(s); err == nil {
			if !strings.HasPrefix(s, "did:seoul:") || len(s) != len("did:seoul:")+32 || !regexp.MustCompile(`^[a-z2-7]{32}$`).MatchString(s[len("did:seoul:"):]) {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}
