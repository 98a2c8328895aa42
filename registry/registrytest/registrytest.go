package registrytest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"

	"bytes"
	"compress/gzip"
	"encoding/base64"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/registry"
)

// Chain is the chain id of every Ledger.
const Chain = "seoulid-test"

// GenesisTime is the time of a Ledger's genesis; block h is dated
// GenesisTime plus h minutes.
var GenesisTime = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// Threshold is the genesis council's threshold: Council(op, Threshold)
// signs a governance operation with a quorum.
const Threshold = 3

// Ledger is a registry.App run in memory, block by block. It is not safe
// for concurrent use; the App's Reader is.
type Ledger struct {
	// App is the state machine; DB is the in-memory database it persists
	// to (a test may reopen it with registry.OpenApp, or damage it).
	App *registry.App
	DB  dbm.DB
	// Agencies are the keys of the five genesis agencies, all members of
	// the council; each key's id is its DID plus "#key-1".
	Agencies []*keys.PrivateKey

	tb  testing.TB
	seq map[string]uint64 // the last sequence number given to each actor
}

// New makes a Ledger at its genesis: five agencies, "Agency 0" to
// "Agency 4", forming the council with threshold Threshold.
func New(tb testing.TB) *Ledger {
	tb.Helper()
	l := &Ledger{DB: dbm.NewMemDB(), tb: tb, seq: map[string]uint64{}}
	g := registry.Genesis{Threshold: Threshold}
	for i := range 5 {
		k := NewKey(tb)
		l.Agencies = append(l.Agencies, k)
		g.Agencies = append(g.Agencies, registry.GenesisAgency{DID: DIDOf(k), Name: registry.Names{Ko: fmt.Sprintf("기관 %d", i), En: fmt.Sprintf("Agency %d", i)}, Keys: []registry.Key{KeyEntry(k, "key-1")}})
		g.Council = append(g.Council, DIDOf(k))
	}
	app, err := registry.OpenApp(l.DB, nil)
	if err != nil {
		tb.Fatal(err)
	}
	l.App = app
	state, err := json.Marshal(g)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: Chain, Time: GenesisTime, AppStateBytes: state}); err != nil {
		tb.Fatal(err)
	}
	return l
}

// NewKey generates an Ed25519 key whose id is "#key-1" of the did:seoul
// derived from it.
func NewKey(tb testing.TB) *keys.PrivateKey {
	tb.Helper()
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		tb.Fatal(err)
	}
	return k.WithKeyID(registry.DeriveDID(k.Public()) + "#key-1")
}

// KeyEntry is the ledger entry of k's public key under the fragment id,
// for the given purposes; none means capabilityInvocation and
// assertionMethod.
func KeyEntry(k *keys.PrivateKey, id string, purposes ...string) registry.Key {
	jwk := k.Public().JWK()
	delete(jwk, "kid")
	if len(purposes) == 0 {
		purposes = []string{registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod}
	}
	return registry.Key{ID: id, JWK: jwk, Purposes: purposes}
}

// DIDOf is the DID of k's key id: the part before '#'.
func DIDOf(k *keys.PrivateKey) string { return strings.SplitN(k.KeyID(), "#", 2)[0] }

// StatusToken is a status list token (statuslist+jwt) of size entries of
// one bit, all valid, for uri, issued at iat and signed by signer.
func StatusToken(tb testing.TB, signer *keys.PrivateKey, uri string, size int, iat time.Time) string {
	tb.Helper()
	list, err := statuslist.New(size, 1)
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := statuslist.Sign(context.Background(), signer, statuslist.Claims{Subject: uri, IssuedAt: iat, List: list})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// Reader reads the ledger's committed state.
func (l *Ledger) Reader() *registry.Reader { return l.App.Reader() }

// Time is the time of the last committed block (GenesisTime before the
// first).
func (l *Ledger) Time() time.Time { return BlockTime(l.App.Height()) }

// BlockTime is the time of a Ledger's block at height h.
func BlockTime(h int64) time.Time { return GenesisTime.Add(time.Duration(h) * time.Minute) }

// Op fills o's chain, actor (actor's DID) and the actor's next sequence
// number, and returns it.
func (l *Ledger) Op(actor *keys.PrivateKey, o registry.Op) *registry.Op {
	o.Chain = Chain
	o.Actor = DIDOf(actor)
	l.seq[o.Actor]++
	o.Seq = l.seq[o.Actor]
	return &o
}

// Sign signs o with signers and returns the encoded transaction.
func (l *Ledger) Sign(o *registry.Op, signers ...*keys.PrivateKey) []byte {
	l.tb.Helper()
	ss := make([]registry.Signer, len(signers))
	for i, s := range signers {
		ss[i] = s
	}
	tx, err := registry.SignOp(context.Background(), o, ss...)
	if err != nil {
		l.tb.Fatal(err)
	}
	return tx.Encode()
}

// Council signs o with the first n genesis agencies (n of Threshold or
// more make a quorum).
func (l *Ledger) Council(o *registry.Op, n int) []byte {
	l.tb.Helper()
	return l.Sign(o, l.Agencies[:n]...)
}

// Block runs one block of transactions and commits it, returning each
// transaction's code (and logging the reason of each rejection). The
// actor of a rejected operation gets its sequence number back: the next
// Op of that actor follows the ledger's last accepted one.
func (l *Ledger) Block(txs ...[]byte) []registry.Code {
	l.tb.Helper()
	ctx := context.Background()
	h := l.App.Height() + 1
	res, err := l.App.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: h, Time: BlockTime(h), Txs: txs})
	if err != nil {
		l.tb.Fatal(err)
	}
	if _, err := l.App.Commit(ctx, &abci.RequestCommit{}); err != nil {
		l.tb.Fatal(err)
	}
	codes := make([]registry.Code, len(res.TxResults))
	for i, r := range res.TxResults {
		codes[i] = registry.Code(r.Code)
		if r.Code == 0 {
			continue
		}
		l.tb.Logf("block %d, tx %d: %s", h, i, r.Log)
		if tx, rej := registry.DecodeTx(txs[i]); rej == nil {
			actor := tx.Op().Actor
			if l.seq[actor], err = l.Reader().Sequence(ctx, actor); err != nil {
				l.tb.Fatal(err)
			}
		}
	}
	return codes
}

// BlockOK runs one block of transactions, all of which must be accepted.
func (l *Ledger) BlockOK(txs ...[]byte) {
	l.tb.Helper()
	for i, c := range l.Block(txs...) {
		if c != registry.OK {
			l.tb.Fatalf("block %d, tx %d: got %v (%d), want OK", l.App.Height(), i, c, c)
		}
	}
}

// Expect runs tx alone in a block and checks its code.
func (l *Ledger) Expect(want registry.Code, tx []byte) {
	l.tb.Helper()
	if got := l.Block(tx)[0]; got != want {
		l.tb.Fatalf("got %v (%d), want %v (%d)", got, got, want, want)
	}
}

// Create makes a DID with a new key, created by the agency by, in a block
// of its own, and returns the key.
func (l *Ledger) Create(by *keys.PrivateKey) *keys.PrivateKey {
	l.tb.Helper()
	return l.CreateMany(by, 1)[0]
}

// CreateMany makes n DIDs with new keys, created by the agency by, in
// blocks of at most 200, and returns the keys.
func (l *Ledger) CreateMany(by *keys.PrivateKey, n int) []*keys.PrivateKey {
	l.tb.Helper()
	var out []*keys.PrivateKey
	var txs [][]byte
	for i := range n {
		k := NewKey(l.tb)
		out = append(out, k)
		txs = append(txs, l.Sign(l.Op(by, registry.Op{Type: registry.OpDIDCreate, DID: DIDOf(k), Keys: []registry.Key{KeyEntry(k, "key-1")}}), by, k))
		if len(txs) == 200 || i == n-1 {
			l.BlockOK(txs...)
			txs = nil
		}
	}
	return out
}

// Rotate replaces the keys of the DID whose controller key is k with a new
// key under the fragment id, signed by k, and returns the new key.
func (l *Ledger) Rotate(k *keys.PrivateKey, id string) *keys.PrivateKey {
	l.tb.Helper()
	k2 := NewKey(l.tb).WithKeyID(DIDOf(k) + "#" + id)
	l.BlockOK(l.Sign(l.Op(k, registry.Op{Type: registry.OpDIDUpdate, DID: DIDOf(k), Keys: []registry.Key{KeyEntry(k2, id)}}), k))
	return k2
}

// Deactivate deactivates the DID whose controller key is k.
func (l *Ledger) Deactivate(k *keys.PrivateKey) {
	l.tb.Helper()
	l.BlockOK(l.Sign(l.Op(k, registry.Op{Type: registry.OpDIDDeactivate, DID: DIDOf(k)}), k))
}

// Publish publishes a status list of registry.MinStatusListEntries entries
// at uri, issued at the time of the last block and signed by issuer (which
// the trust registry must authorise), and returns its token.
func (l *Ledger) Publish(issuer *keys.PrivateKey, uri string) string {
	l.tb.Helper()
	tok := StatusToken(l.tb, issuer, uri, registry.MinStatusListEntries, l.Time())
	l.BlockOK(l.Sign(l.Op(issuer, registry.Op{Type: registry.OpStatusPublish, StatusURI: uri, StatusToken: tok}), issuer))
	return tok
}

// BitstringStatusToken is a W3C Bitstring Status List credential of size
// 1-bit entries at uri, issued by the DID of signer (or by issuer when not
// ""), valid from, enveloped as vc+jwt: what a W3C issuer publishes.
func BitstringStatusToken(tb testing.TB, signer *keys.PrivateKey, issuer, uri string, size int, from time.Time) string {
	tb.Helper()
	if issuer == "" {
		issuer = DIDOf(signer)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(make([]byte, size/8))
	zw.Close()
	payload, err := jsonx.Marshal(map[string]any{
		"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "id": uri, "type": []any{"VerifiableCredential", "BitstringStatusListCredential"},
		"issuer": issuer, "validFrom": from.UTC().Format(time.RFC3339),
		"credentialSubject": map[string]any{"id": uri + "#list", "type": "BitstringStatusList", "statusPurpose": "revocation",
			"encodedList": "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := jws.Sign(context.Background(), signer, map[string]any{"typ": "vc+jwt", "cty": "vc"}, payload)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}
