package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/statuslist"
)

const chain = "seoulid-test"

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// ledger drives an App the way CometBFT does, without a node.
type ledger struct {
	t        *testing.T
	app      *App
	db       dbm.DB
	height   int64
	agencies []*keys.PrivateKey // genesis council, all agencies
	seq      map[string]uint64
	last     string // the actor of the last op made
}

func newKey(t *testing.T) *keys.PrivateKey {
	t.Helper()
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	return k.WithKeyID(DeriveDID(k.Public()) + "#key-1")
}

func keyEntry(k *keys.PrivateKey, id string, purposes ...string) Key {
	jwk := k.Public().JWK()
	delete(jwk, "kid")
	if len(purposes) == 0 {
		purposes = []string{PurposeCapabilityInvocation, PurposeAssertionMethod}
	}
	return Key{ID: id, JWK: jwk, Purposes: purposes}
}

func didOf(k *keys.PrivateKey) string { return strings.SplitN(k.KeyID(), "#", 2)[0] }

func newLedger(t *testing.T) *ledger {
	t.Helper()
	l := &ledger{t: t, db: dbm.NewMemDB(), seq: map[string]uint64{}}
	var g Genesis
	for i := 0; i < 5; i++ {
		k := newKey(t)
		l.agencies = append(l.agencies, k)
		g.Agencies = append(g.Agencies, GenesisAgency{DID: didOf(k), Name: Names{Ko: fmt.Sprintf("기관 %d", i), En: fmt.Sprintf("Agency %d", i)}, Keys: []Key{keyEntry(k, "key-1")}})
		g.Council = append(g.Council, didOf(k))
	}
	g.Threshold = 3
	app, err := OpenApp(l.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.app = app
	state, _ := json.Marshal(g)
	if _, err := app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: chain, Time: t0, AppStateBytes: state}); err != nil {
		t.Fatal(err)
	}
	return l
}

// op fills chain, actor and the actor's next sequence number.
func (l *ledger) op(actor *keys.PrivateKey, o Op) *Op {
	o.Chain = chain
	o.Actor = didOf(actor)
	l.last = o.Actor
	l.seq[o.Actor]++
	o.Seq = l.seq[o.Actor]
	return &o
}

func (l *ledger) sign(o *Op, signers ...*keys.PrivateKey) []byte {
	l.t.Helper()
	ss := make([]Signer, len(signers))
	for i, s := range signers {
		ss[i] = s
	}
	tx, err := SignOp(context.Background(), o, ss...)
	if err != nil {
		l.t.Fatal(err)
	}
	return tx.Encode()
}

// block runs one block of transactions and commits it, returning each
// transaction's code and the block's app hash.
func (l *ledger) block(txs ...[]byte) []Code {
	l.t.Helper()
	l.height++
	res, err := l.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: l.height, Time: t0.Add(time.Duration(l.height) * time.Minute), Txs: txs})
	if err != nil {
		l.t.Fatal(err)
	}
	if _, err := l.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		l.t.Fatal(err)
	}
	codes := make([]Code, len(res.TxResults))
	for i, r := range res.TxResults {
		codes[i] = Code(r.Code)
		if r.Code != 0 {
			l.t.Logf("tx %d: %s", i, r.Log)
		}
	}
	return codes
}

func (l *ledger) expect(want Code, tx []byte) {
	l.t.Helper()
	if got := l.block(tx)[0]; got != want {
		l.t.Fatalf("got %v (%d), want %v (%d)", got, got, want, want)
	}
	if want != OK {
		l.seq[l.last]-- // a rejected operation uses no sequence number
	}
}

func (l *ledger) create(by *keys.PrivateKey) *keys.PrivateKey {
	l.t.Helper()
	k := newKey(l.t)
	l.expect(OK, l.sign(l.op(by, Op{Type: OpDIDCreate, DID: didOf(k), Keys: []Key{keyEntry(k, "key-1")}}), by, k))
	return k
}

func (l *ledger) council(o *Op, n int) []byte {
	return l.sign(o, l.agencies[:n]...)
}

func TestDIDLifecycle(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	r := l.app.Reader()
	seoul := l.agencies[0]

	issuer := l.create(seoul)
	doc, err := r.Resolve(ctx, didOf(issuer))
	if err != nil || len(doc.AssertionMethod) != 1 {
		t.Fatalf("resolve: %+v %v", doc, err)
	}
	created := t0.Add(time.Duration(l.height) * time.Minute)
	k, err := did.VerificationKey(ctx, r, issuer.KeyID(), did.AssertionMethod)
	if err != nil || k.Thumbprint() != issuer.Public().Thumbprint() {
		t.Fatalf("key: %v", err)
	}

	// Rotate: key-2 replaces key-1. Old credentials still verify at
	// their issuance time; new ones must use key-2.
	k2 := newKey(t).WithKeyID(didOf(issuer) + "#key-2")
	l.expect(OK, l.sign(l.op(issuer, Op{Type: OpDIDUpdate, DID: didOf(issuer), Keys: []Key{keyEntry(k2, "key-2")}}), issuer))
	rotated := t0.Add(time.Duration(l.height) * time.Minute)
	if _, err := r.KeyAt(ctx, issuer.KeyID(), did.AssertionMethod, created.Add(time.Second)); err != nil {
		t.Errorf("key-1 before the rotation: %v", err)
	}
	if _, err := r.KeyAt(ctx, issuer.KeyID(), did.AssertionMethod, rotated.Add(time.Second)); err != nil {
		t.Errorf("key-1 within the rotation grace: %v", err)
	}
	if _, err := r.KeyAt(ctx, issuer.KeyID(), did.AssertionMethod, rotated.Add(RotationGrace+time.Second)); !errors.Is(err, did.ErrKeyNotFound) {
		t.Errorf("key-1 after the rotation: %v", err)
	}
	v1, err := r.ResolveVersion(ctx, didOf(issuer), ResolveOptions{VersionID: "1"})
	if err != nil || v1.Metadata.NextVersionID != "2" || v1.Document.VerificationMethod[0].ID != issuer.KeyID() {
		t.Fatalf("version 1: %+v %v", v1, err)
	}
	at, err := r.ResolveVersion(ctx, didOf(issuer), ResolveOptions{VersionTime: rotated.Add(-time.Second)})
	if err != nil || at.Metadata.VersionID != "1" {
		t.Fatalf("versionTime: %+v %v", at, err)
	}

	// The old key cannot sign for the DID any more.
	l.expect(CodeSignature, l.sign(l.op(issuer, Op{Type: OpDIDUpdate, DID: didOf(issuer), Keys: []Key{keyEntry(issuer, "key-3")}}), issuer))

	// Report key-2 compromised while replacing it: nothing it signed is
	// trusted, at any time.
	k3 := newKey(t).WithKeyID(didOf(issuer) + "#key-3")
	l.expect(OK, l.sign(l.op(issuer, Op{Type: OpDIDUpdate, DID: didOf(issuer), Keys: []Key{keyEntry(k3, "key-3")}, Compromised: []string{"key-2"}}), k2))
	if _, err := r.KeyAt(ctx, k2.KeyID(), did.AssertionMethod, rotated.Add(time.Second)); !errors.Is(err, ErrCompromised) {
		t.Errorf("compromised key: %v", err)
	}
	// Reusing an id for another key is refused.
	l.expect(CodeInvalid, l.sign(l.op(issuer, Op{Type: OpDIDUpdate, DID: didOf(issuer), Keys: []Key{keyEntry(k3, "key-3"), keyEntry(k2, "key-1")}}), k3))

	// Deactivate.
	l.expect(OK, l.sign(l.op(issuer, Op{Type: OpDIDDeactivate, DID: didOf(issuer)}), k3))
	if _, err := r.Resolve(ctx, didOf(issuer)); !errors.Is(err, ErrDeactivated) {
		t.Errorf("deactivated: %v", err)
	}
	res, err := r.ResolveVersion(ctx, didOf(issuer), ResolveOptions{})
	if err != nil || !res.Metadata.Deactivated {
		t.Errorf("deactivated metadata: %+v %v", res, err)
	}
	l.expect(CodeDeactivated, l.sign(l.op(issuer, Op{Type: OpDIDDeactivate, DID: didOf(issuer)}), k3))
}

func TestRejections(t *testing.T) {
	l := newLedger(t)
	seoul, mois := l.agencies[0], l.agencies[1]
	citizenish := newKey(t)

	// Replay: the same signed transaction twice.
	k := newKey(t)
	tx := l.sign(l.op(seoul, Op{Type: OpDIDCreate, DID: didOf(k), Keys: []Key{keyEntry(k, "key-1")}}), seoul, k)
	if codes := l.block(tx, tx); codes[0] != OK || codes[1] != CodeSequence {
		t.Fatalf("replay in one block: %v", codes)
	}
	l.last = didOf(seoul)
	l.seq[l.last]++
	l.expect(CodeSequence, tx)

	// A DID that is not an agency cannot create DIDs.
	k2 := newKey(t)
	l.expect(CodeUnauthorized, l.sign(l.op(k, Op{Type: OpDIDCreate, DID: didOf(k2), Keys: []Key{keyEntry(k2, "key-1")}}), k, k2))
	// A key not on the ledger signing as an agency.
	l.expect(CodeNotFound, l.sign(l.op(citizenish, Op{Type: OpDIDCreate, DID: didOf(k2), Keys: []Key{keyEntry(k2, "key-1")}}), citizenish, k2))
	// Without the new key's proof of possession.
	k3 := newKey(t)
	l.expect(CodeSignature, l.sign(l.op(mois, Op{Type: OpDIDCreate, DID: didOf(k3), Keys: []Key{keyEntry(k3, "key-1")}}), mois))
	// A DID not derived from its key.
	l.expect(CodeInvalid, l.sign(l.op(mois, Op{Type: OpDIDCreate, DID: didOf(k2), Keys: []Key{keyEntry(k3, "key-1")}}), mois, k3.WithKeyID(didOf(k2)+"#key-1")))
	// A private key on the ledger.
	priv := keyEntry(k3, "key-1")
	priv.JWK = k3.PrivateJWK()
	delete(priv.JWK, "kid")
	l.expect(CodeInvalid, l.sign(l.op(mois, Op{Type: OpDIDCreate, DID: didOf(k3), Keys: []Key{priv}}), mois, k3))
	// Another chain.
	o := l.op(mois, Op{Type: OpDIDCreate, DID: didOf(k3), Keys: []Key{keyEntry(k3, "key-1")}})
	o.Chain = "elsewhere"
	l.expect(CodeChain, l.sign(o, mois, k3))
	// A field the operation does not take.
	l.expect(CodeInvalid, l.sign(l.op(mois, Op{Type: OpDIDCreate, DID: didOf(k3), Keys: []Key{keyEntry(k3, "key-1")}, VCTs: []string{"urn:x:1"}}), mois, k3))
	// Garbage.
	if codes := l.block([]byte("not a transaction"), []byte(`{"payload":"e30","signatures":[]}`)); codes[0] != CodeEncoding || codes[1] != CodeEncoding {
		t.Fatalf("garbage: %v", codes)
	}
	// Council operations need a quorum of distinct members.
	issuer := l.create(seoul)
	auth := Op{Type: OpTrustIssuer, DID: didOf(issuer), VCTs: []string{"urn:seoulid:vct:residency-status:1"}}
	l.expect(CodeQuorum, l.council(l.op(seoul, auth), 2))
	l.expect(CodeUnauthorized, l.sign(l.op(seoul, auth), seoul, mois, l.agencies[2], issuer))
	l.expect(OK, l.council(l.op(seoul, auth), 3))
	if ok, _ := l.app.Reader().IssuerAuthorised(context.Background(), didOf(issuer), auth.VCTs[0]); !ok {
		t.Error("issuer not authorised")
	}
	// A council that a minority could run.
	l.expect(CodeInvalid, l.council(l.op(seoul, Op{Type: OpCouncilSet, Council: &Council{Members: []string{didOf(seoul), didOf(mois), didOf(l.agencies[2]), didOf(l.agencies[3])}, Threshold: 2}}), 3))
	// A verifier purpose without a legal basis.
	verifier := l.create(seoul)
	bad := Purpose{ID: "youth-allowance", Description: Names{Ko: "청년수당", En: "Youth allowance"}, Retention: "P30D",
		Claims: []Claims{{VCT: "urn:seoulid:vct:residency-status:1", Paths: nil}}}
	l.expect(CodeInvalid, l.council(l.op(seoul, Op{Type: OpTrustVerifier, DID: didOf(verifier), Purposes: []Purpose{bad}}), 3))
}

func statusToken(t *testing.T, signer *keys.PrivateKey, uri string, size int, iat time.Time) string {
	t.Helper()
	list, err := statuslist.New(size, 1)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := statuslist.Sign(context.Background(), signer, statuslist.Claims{Subject: uri, IssuedAt: iat, List: list})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestGovernanceTrustAndStatus(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	r := l.app.Reader()
	seoul := l.agencies[0]

	// Admit a sixth agency (a district office) and put it on the council.
	gwanak := newKey(t)
	l.expect(OK, l.sign(l.op(seoul, Op{Type: OpAgencyAdd, DID: didOf(gwanak), Keys: []Key{keyEntry(gwanak, "key-1")}, Name: &Names{Ko: "관악구", En: "Gwanak-gu Office"}}), append(l.agencies[:3:3], gwanak)...))
	if a, err := r.Agency(ctx, didOf(gwanak)); err != nil || a.Name.En != "Gwanak-gu Office" {
		t.Fatalf("agency: %+v %v", a, err)
	}
	members := []string{didOf(gwanak)}
	for _, a := range l.agencies {
		members = append(members, didOf(a))
	}
	l.expect(OK, l.council(l.op(seoul, Op{Type: OpCouncilSet, Council: &Council{Members: members, Threshold: 4}}), 4))
	l.expect(CodeQuorum, l.council(l.op(seoul, Op{Type: OpCatalogueSet, Catalogue: &Catalogue{Version: "2026.11", Digest: "sha256-" + strings.Repeat("A", 43) + "="}}), 3))
	l.expect(OK, l.council(l.op(seoul, Op{Type: OpCatalogueSet, Catalogue: &Catalogue{Version: "2026.11", Digest: "sha256-" + strings.Repeat("A", 43) + "="}}), 4))
	// A council member cannot be removed as an agency.
	l.expect(CodeUnauthorized, l.council(l.op(seoul, Op{Type: OpAgencyRemove, DID: didOf(gwanak)}), 4))

	// An issuer and a verifier.
	office := l.create(gwanak)
	l.expect(OK, l.council(l.op(seoul, Op{Type: OpTrustIssuer, DID: didOf(office), VCTs: []string{"urn:seoulid:vct:residency-status:1"}}), 4))
	portal := l.create(seoul)
	purpose := Purpose{ID: "youth-allowance", Description: Names{Ko: "서울 청년수당 자격 확인", En: "Seoul youth allowance eligibility"},
		LegalBasis: "서울특별시 청년 기본 조례", Retention: "P30D",
		Claims: []Claims{{VCT: "urn:seoulid:vct:residency-status:1", Paths: []sdjwt.Path{{"resident_of_seoul"}, {"as_of"}}}}}
	l.expect(OK, l.council(l.op(seoul, Op{Type: OpTrustVerifier, DID: didOf(portal), Purposes: []Purpose{purpose}}), 4))
	ve, err := r.Verifier(ctx, didOf(portal))
	if err != nil || ve.Purposes[0].Claims[0].Paths[0].String() != "resident_of_seoul" {
		t.Fatalf("verifier: %+v %v", ve, err)
	}

	// Status lists: the authorised issuer publishes, replaces; others cannot.
	uri := "https://gwanak.seoul.go.kr/status/1"
	l.expect(OK, l.sign(l.op(office, Op{Type: OpStatusPublish, StatusURI: uri, StatusToken: statusToken(t, office, uri, MinStatusListEntries, t0)}), office))
	l.expect(CodeStatusList, l.sign(l.op(office, Op{Type: OpStatusPublish, StatusURI: uri, StatusToken: statusToken(t, office, uri, MinStatusListEntries, t0)}), office))
	l.expect(CodeStatusList, l.sign(l.op(office, Op{Type: OpStatusPublish, StatusURI: uri, StatusToken: statusToken(t, office, uri, 1024, t0.Add(time.Hour))}), office))
	l.expect(CodeStatusList, l.sign(l.op(office, Op{Type: OpStatusPublish, StatusURI: uri, StatusToken: statusToken(t, office, uri+"x", MinStatusListEntries, t0.Add(time.Hour))}), office))
	l.expect(OK, l.sign(l.op(office, Op{Type: OpStatusPublish, StatusURI: uri, StatusToken: statusToken(t, office, uri, MinStatusListEntries, t0.Add(time.Hour))}), office))
	l.expect(CodeUnauthorized, l.sign(l.op(portal, Op{Type: OpStatusPublish, StatusURI: uri, StatusToken: statusToken(t, portal, uri, MinStatusListEntries, t0.Add(2*time.Hour))}), portal))
	se, err := r.StatusList(ctx, uri)
	if err != nil || se.Issuer != didOf(office) || !se.IssuedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("status list: %+v %v", se, err)
	}
	// Revoking the issuer's authorisation.
	l.expect(OK, l.council(l.op(seoul, Op{Type: OpTrustIssuer, DID: didOf(office)}), 4))
	if ok, _ := r.IssuerAuthorised(ctx, didOf(office), "urn:seoulid:vct:residency-status:1"); ok {
		t.Error("still authorised")
	}
}

// TestPersistenceAndCheckTx: the state survives a restart with the same
// app hash; CheckTx and FinalizeBlock agree, and the mempool view tracks
// sequence numbers.
func TestPersistenceAndCheckTx(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	seoul := l.agencies[0]
	l.create(seoul)
	k := newKey(t)
	tx := l.sign(l.op(seoul, Op{Type: OpDIDCreate, DID: didOf(k), Keys: []Key{keyEntry(k, "key-1")}}), seoul, k)
	if res, _ := l.app.CheckTx(ctx, &abci.RequestCheckTx{Tx: tx}); res.Code != 0 {
		t.Fatalf("check: %s", res.Log)
	}
	if res, _ := l.app.CheckTx(ctx, &abci.RequestCheckTx{Tx: tx}); res.Code != uint32(CodeSequence) {
		t.Fatalf("second check: %d %s", res.Code, res.Log)
	}
	l.expect(OK, tx)
	info, _ := l.app.Info(ctx, &abci.RequestInfo{})

	again, err := OpenApp(l.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	info2, _ := again.Info(ctx, &abci.RequestInfo{})
	if info2.LastBlockHeight != info.LastBlockHeight || string(info2.LastBlockAppHash) != string(info.LastBlockAppHash) {
		t.Fatalf("after reopening: %+v, want %+v", info2, info)
	}
	if _, err := again.Reader().Resolve(ctx, didOf(k)); err != nil {
		t.Fatal(err)
	}
	// A damaged record is detected.
	if err := l.db.Set([]byte(dbState+prefixDID+didOf(k)), []byte(`{"did":"x","versions":[{"id":1}]}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenApp(l.db, nil); err == nil || !strings.Contains(err.Error(), "app hash") {
		t.Fatalf("damaged state opened: %v", err)
	}
}
