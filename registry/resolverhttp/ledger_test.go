package resolverhttp_test

// The ledger helper of registry/app_test.go, trimmed to what these tests
// need: it drives a registry.App the way CometBFT does, without a node.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/registry"
)

const chain = "seoulid-test"

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

type ledger struct {
	tb       testing.TB
	app      *registry.App
	height   int64
	agencies []*keys.PrivateKey // the genesis council, all agencies
	seq      map[string]uint64
}

func newKey(tb testing.TB) *keys.PrivateKey {
	tb.Helper()
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		tb.Fatal(err)
	}
	return k.WithKeyID(registry.DeriveDID(k.Public()) + "#key-1")
}

func keyEntry(k *keys.PrivateKey, id string) registry.Key {
	jwk := k.Public().JWK()
	delete(jwk, "kid")
	return registry.Key{ID: id, JWK: jwk, Purposes: []string{registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod}}
}

func didOf(k *keys.PrivateKey) string { return strings.SplitN(k.KeyID(), "#", 2)[0] }

func newLedger(tb testing.TB) *ledger {
	tb.Helper()
	l := &ledger{tb: tb, seq: map[string]uint64{}}
	var g registry.Genesis
	for i := range 5 {
		k := newKey(tb)
		l.agencies = append(l.agencies, k)
		g.Agencies = append(g.Agencies, registry.GenesisAgency{DID: didOf(k), Name: registry.Names{Ko: fmt.Sprintf("기관 %d", i), En: fmt.Sprintf("Agency %d", i)}, Keys: []registry.Key{keyEntry(k, "key-1")}})
		g.Council = append(g.Council, didOf(k))
	}
	g.Threshold = 3
	app, err := registry.OpenApp(dbm.NewMemDB(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	l.app = app
	state, _ := json.Marshal(g)
	if _, err := app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: chain, Time: t0, AppStateBytes: state}); err != nil {
		tb.Fatal(err)
	}
	return l
}

func (l *ledger) reader() *registry.Reader { return l.app.Reader() }

// sign fills chain, actor and the actor's next sequence number, and signs.
func (l *ledger) sign(actor *keys.PrivateKey, o registry.Op, signers ...*keys.PrivateKey) []byte {
	l.tb.Helper()
	o.Chain = chain
	o.Actor = didOf(actor)
	l.seq[o.Actor]++
	o.Seq = l.seq[o.Actor]
	ss := make([]registry.Signer, len(signers))
	for i, s := range signers {
		ss[i] = s
	}
	tx, err := registry.SignOp(context.Background(), &o, ss...)
	if err != nil {
		l.tb.Fatal(err)
	}
	return tx.Encode()
}

// block runs one block of transactions, all of which must succeed, and
// commits it. Its time is t0 plus one minute per block.
func (l *ledger) block(txs ...[]byte) {
	l.tb.Helper()
	l.height++
	res, err := l.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: l.height, Time: l.time(l.height), Txs: txs})
	if err != nil {
		l.tb.Fatal(err)
	}
	if _, err := l.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		l.tb.Fatal(err)
	}
	for i, r := range res.TxResults {
		if r.Code != 0 {
			l.tb.Fatalf("block %d, tx %d: %s", l.height, i, r.Log)
		}
	}
}

// time is the time of the block at height h.
func (l *ledger) time(h int64) time.Time { return t0.Add(time.Duration(h) * time.Minute) }

// create makes n new DIDs, created by the first agency, in blocks of at
// most 200.
func (l *ledger) create(n int) []*keys.PrivateKey {
	l.tb.Helper()
	by := l.agencies[0]
	var out []*keys.PrivateKey
	var txs [][]byte
	for i := range n {
		k := newKey(l.tb)
		out = append(out, k)
		txs = append(txs, l.sign(by, registry.Op{Type: registry.OpDIDCreate, DID: didOf(k), Keys: []registry.Key{keyEntry(k, "key-1")}}, by, k))
		if len(txs) == 200 || i == n-1 {
			l.block(txs...)
			txs = nil
		}
	}
	return out
}

// rotate replaces k's keys with a new key, id, and returns it.
func (l *ledger) rotate(k *keys.PrivateKey, id string) *keys.PrivateKey {
	l.tb.Helper()
	k2 := newKey(l.tb).WithKeyID(didOf(k) + "#" + id)
	l.block(l.sign(k, registry.Op{Type: registry.OpDIDUpdate, DID: didOf(k), Keys: []registry.Key{keyEntry(k2, id)}}, k))
	return k2
}

// deactivate deactivates the DID whose current controller key is k.
func (l *ledger) deactivate(k *keys.PrivateKey) {
	l.tb.Helper()
	l.block(l.sign(k, registry.Op{Type: registry.OpDIDDeactivate, DID: didOf(k)}, k))
}

// council signs o by the first agency with the three signatures the
// genesis council's threshold needs, and runs it.
func (l *ledger) council(o registry.Op) {
	l.tb.Helper()
	l.block(l.sign(l.agencies[0], o, l.agencies[:3]...))
}

// publish publishes a status list of MinStatusListEntries entries at uri,
// signed by the issuer's key, and returns the token.
func (l *ledger) publish(issuer *keys.PrivateKey, uri string) string {
	l.tb.Helper()
	list, err := statuslist.New(registry.MinStatusListEntries, 1)
	if err != nil {
		l.tb.Fatal(err)
	}
	tok, err := statuslist.Sign(context.Background(), issuer, statuslist.Claims{Subject: uri, IssuedAt: l.time(l.height), List: list})
	if err != nil {
		l.tb.Fatal(err)
	}
	l.block(l.sign(issuer, registry.Op{Type: registry.OpStatusPublish, StatusURI: uri, StatusToken: tok}, issuer))
	return tok
}
