package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/registrytest"
)

func TestDIDLifecycle(t *testing.T) {
	l := registrytest.New(t)
	ctx := context.Background()
	r := l.Reader()
	seoul := l.Agencies[0]

	issuer := l.Create(seoul)
	doc, err := r.Resolve(ctx, registrytest.DIDOf(issuer))
	if err != nil || len(doc.AssertionMethod) != 1 {
		t.Fatalf("resolve: %+v %v", doc, err)
	}
	created := l.Time()
	k, err := did.VerificationKey(ctx, r, issuer.KeyID(), did.AssertionMethod)
	if err != nil || k.Thumbprint() != issuer.Public().Thumbprint() {
		t.Fatalf("key: %v", err)
	}

	// Rotate: key-2 replaces key-1. Old credentials still verify at
	// their issuance time; new ones must use key-2.
	k2 := registrytest.NewKey(t).WithKeyID(registrytest.DIDOf(issuer) + "#key-2")
	l.Expect(registry.OK, l.Sign(l.Op(issuer, registry.Op{Type: registry.OpDIDUpdate, DID: registrytest.DIDOf(issuer), Keys: []registry.Key{registrytest.KeyEntry(k2, "key-2")}}), issuer))
	rotated := l.Time()
	if _, err := r.KeyAt(ctx, issuer.KeyID(), did.AssertionMethod, created.Add(time.Second)); err != nil {
		t.Errorf("key-1 before the rotation: %v", err)
	}
	if _, err := r.KeyAt(ctx, issuer.KeyID(), did.AssertionMethod, rotated.Add(time.Second)); err != nil {
		t.Errorf("key-1 within the rotation grace: %v", err)
	}
	if _, err := r.KeyAt(ctx, issuer.KeyID(), did.AssertionMethod, rotated.Add(registry.RotationGrace+time.Second)); !errors.Is(err, did.ErrKeyNotFound) {
		t.Errorf("key-1 after the rotation: %v", err)
	}
	v1, err := r.ResolveVersion(ctx, registrytest.DIDOf(issuer), registry.ResolveOptions{VersionID: "1"})
	if err != nil || v1.Metadata.NextVersionID != "2" || v1.Document.VerificationMethod[0].ID != issuer.KeyID() {
		t.Fatalf("version 1: %+v %v", v1, err)
	}
	at, err := r.ResolveVersion(ctx, registrytest.DIDOf(issuer), registry.ResolveOptions{VersionTime: rotated.Add(-time.Second)})
	if err != nil || at.Metadata.VersionID != "1" {
		t.Fatalf("versionTime: %+v %v", at, err)
	}

	// The old key cannot sign for the DID any more.
	l.Expect(registry.CodeSignature, l.Sign(l.Op(issuer, registry.Op{Type: registry.OpDIDUpdate, DID: registrytest.DIDOf(issuer), Keys: []registry.Key{registrytest.KeyEntry(issuer, "key-3")}}), issuer))

	// Report key-2 compromised while replacing it: nothing it signed is
	// trusted, at any time.
	k3 := registrytest.NewKey(t).WithKeyID(registrytest.DIDOf(issuer) + "#key-3")
	l.Expect(registry.OK, l.Sign(l.Op(issuer, registry.Op{Type: registry.OpDIDUpdate, DID: registrytest.DIDOf(issuer), Keys: []registry.Key{registrytest.KeyEntry(k3, "key-3")}, Compromised: []string{"key-2"}}), k2))
	if _, err := r.KeyAt(ctx, k2.KeyID(), did.AssertionMethod, rotated.Add(time.Second)); !errors.Is(err, registry.ErrCompromised) {
		t.Errorf("compromised key: %v", err)
	}
	// Reusing an id for another key is refused.
	l.Expect(registry.CodeInvalid, l.Sign(l.Op(issuer, registry.Op{Type: registry.OpDIDUpdate, DID: registrytest.DIDOf(issuer), Keys: []registry.Key{registrytest.KeyEntry(k3, "key-3"), registrytest.KeyEntry(k2, "key-1")}}), k3))

	// Deactivate.
	l.Expect(registry.OK, l.Sign(l.Op(issuer, registry.Op{Type: registry.OpDIDDeactivate, DID: registrytest.DIDOf(issuer)}), k3))
	if _, err := r.Resolve(ctx, registrytest.DIDOf(issuer)); !errors.Is(err, registry.ErrDeactivated) {
		t.Errorf("deactivated: %v", err)
	}
	res, err := r.ResolveVersion(ctx, registrytest.DIDOf(issuer), registry.ResolveOptions{})
	if err != nil || !res.Metadata.Deactivated {
		t.Errorf("deactivated metadata: %+v %v", res, err)
	}
	l.Expect(registry.CodeDeactivated, l.Sign(l.Op(issuer, registry.Op{Type: registry.OpDIDDeactivate, DID: registrytest.DIDOf(issuer)}), k3))
}

func TestRejections(t *testing.T) {
	l := registrytest.New(t)
	seoul, mois := l.Agencies[0], l.Agencies[1]
	citizenish := registrytest.NewKey(t)

	// Replay: the same signed transaction twice.
	k := registrytest.NewKey(t)
	tx := l.Sign(l.Op(seoul, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k), Keys: []registry.Key{registrytest.KeyEntry(k, "key-1")}}), seoul, k)
	if codes := l.Block(tx, tx); codes[0] != registry.OK || codes[1] != registry.CodeSequence {
		t.Fatalf("replay in one block: %v", codes)
	}
	l.Expect(registry.CodeSequence, tx)

	// A DID that is not an agency cannot create DIDs.
	k2 := registrytest.NewKey(t)
	l.Expect(registry.CodeUnauthorized, l.Sign(l.Op(k, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k2), Keys: []registry.Key{registrytest.KeyEntry(k2, "key-1")}}), k, k2))
	// A key not on the ledger signing as an agency.
	l.Expect(registry.CodeNotFound, l.Sign(l.Op(citizenish, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k2), Keys: []registry.Key{registrytest.KeyEntry(k2, "key-1")}}), citizenish, k2))
	// Without the new key's proof of possession.
	k3 := registrytest.NewKey(t)
	l.Expect(registry.CodeSignature, l.Sign(l.Op(mois, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k3), Keys: []registry.Key{registrytest.KeyEntry(k3, "key-1")}}), mois))
	// A DID not derived from its key.
	l.Expect(registry.CodeInvalid, l.Sign(l.Op(mois, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k2), Keys: []registry.Key{registrytest.KeyEntry(k3, "key-1")}}), mois, k3.WithKeyID(registrytest.DIDOf(k2)+"#key-1")))
	// A private key on the ledger.
	priv := registrytest.KeyEntry(k3, "key-1")
	priv.JWK = k3.PrivateJWK()
	delete(priv.JWK, "kid")
	l.Expect(registry.CodeInvalid, l.Sign(l.Op(mois, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k3), Keys: []registry.Key{priv}}), mois, k3))
	// Another chain.
	o := l.Op(mois, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k3), Keys: []registry.Key{registrytest.KeyEntry(k3, "key-1")}})
	o.Chain = "elsewhere"
	l.Expect(registry.CodeChain, l.Sign(o, mois, k3))
	// A field the operation does not take.
	l.Expect(registry.CodeInvalid, l.Sign(l.Op(mois, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k3), Keys: []registry.Key{registrytest.KeyEntry(k3, "key-1")}, VCTs: []string{"urn:x:1"}}), mois, k3))
	// Garbage.
	if codes := l.Block([]byte("not a transaction"), []byte(`{"payload":"e30","signatures":[]}`)); codes[0] != registry.CodeEncoding || codes[1] != registry.CodeEncoding {
		t.Fatalf("garbage: %v", codes)
	}
	// Council operations need a quorum of distinct members.
	issuer := l.Create(seoul)
	auth := registry.Op{Type: registry.OpTrustIssuer, DID: registrytest.DIDOf(issuer), VCTs: []string{"urn:seoulid:vct:residency-status:1"}}
	l.Expect(registry.CodeQuorum, l.Council(l.Op(seoul, auth), 2))
	l.Expect(registry.CodeUnauthorized, l.Sign(l.Op(seoul, auth), seoul, mois, l.Agencies[2], issuer))
	l.Expect(registry.OK, l.Council(l.Op(seoul, auth), 3))
	if ok, _ := l.Reader().IssuerAuthorised(context.Background(), registrytest.DIDOf(issuer), auth.VCTs[0]); !ok {
		t.Error("issuer not authorised")
	}
	// A council that a minority could run.
	l.Expect(registry.CodeInvalid, l.Council(l.Op(seoul, registry.Op{Type: registry.OpCouncilSet, Council: &registry.Council{Members: []string{registrytest.DIDOf(seoul), registrytest.DIDOf(mois), registrytest.DIDOf(l.Agencies[2]), registrytest.DIDOf(l.Agencies[3])}, Threshold: 2}}), 3))
	// A verifier purpose without a legal basis.
	verifier := l.Create(seoul)
	bad := registry.Purpose{ID: "youth-allowance", Description: registry.Names{Ko: "청년수당", En: "Youth allowance"}, Retention: "P30D",
		Claims: []registry.Claims{{VCT: "urn:seoulid:vct:residency-status:1", Paths: nil}}}
	l.Expect(registry.CodeInvalid, l.Council(l.Op(seoul, registry.Op{Type: registry.OpTrustVerifier, DID: registrytest.DIDOf(verifier), Purposes: []registry.Purpose{bad}}), 3))
}

func TestGovernanceTrustAndStatus(t *testing.T) {
	l := registrytest.New(t)
	ctx := context.Background()
	r := l.Reader()
	seoul := l.Agencies[0]

	// Admit a sixth agency (a district office) and put it on the council.
	gwanak := registrytest.NewKey(t)
	l.Expect(registry.OK, l.Sign(l.Op(seoul, registry.Op{Type: registry.OpAgencyAdd, DID: registrytest.DIDOf(gwanak), Keys: []registry.Key{registrytest.KeyEntry(gwanak, "key-1")}, Name: &registry.Names{Ko: "관악구", En: "Gwanak-gu Office"}}), append(l.Agencies[:3:3], gwanak)...))
	if a, err := r.Agency(ctx, registrytest.DIDOf(gwanak)); err != nil || a.Name.En != "Gwanak-gu Office" {
		t.Fatalf("agency: %+v %v", a, err)
	}
	members := []string{registrytest.DIDOf(gwanak)}
	for _, a := range l.Agencies {
		members = append(members, registrytest.DIDOf(a))
	}
	l.Expect(registry.OK, l.Council(l.Op(seoul, registry.Op{Type: registry.OpCouncilSet, Council: &registry.Council{Members: members, Threshold: 4}}), 4))
	l.Expect(registry.CodeQuorum, l.Council(l.Op(seoul, registry.Op{Type: registry.OpCatalogueSet, Catalogue: &registry.Catalogue{Version: "2026.11", Digest: "sha256-" + strings.Repeat("A", 43) + "="}}), 3))
	l.Expect(registry.OK, l.Council(l.Op(seoul, registry.Op{Type: registry.OpCatalogueSet, Catalogue: &registry.Catalogue{Version: "2026.11", Digest: "sha256-" + strings.Repeat("A", 43) + "="}}), 4))
	// A council member cannot be removed as an agency.
	l.Expect(registry.CodeUnauthorized, l.Council(l.Op(seoul, registry.Op{Type: registry.OpAgencyRemove, DID: registrytest.DIDOf(gwanak)}), 4))

	// An issuer and a verifier.
	office := l.Create(gwanak)
	l.Expect(registry.OK, l.Council(l.Op(seoul, registry.Op{Type: registry.OpTrustIssuer, DID: registrytest.DIDOf(office), VCTs: []string{"urn:seoulid:vct:residency-status:1"}}), 4))
	portal := l.Create(seoul)
	purpose := registry.Purpose{ID: "youth-allowance", Description: registry.Names{Ko: "서울 청년수당 자격 확인", En: "Seoul youth allowance eligibility"},
		LegalBasis: "서울특별시 청년 기본 조례", Retention: "P30D",
		Claims: []registry.Claims{{VCT: "urn:seoulid:vct:residency-status:1", Paths: []sdjwt.Path{{"resident_of_seoul"}, {"as_of"}}}}}
	l.Expect(registry.OK, l.Council(l.Op(seoul, registry.Op{Type: registry.OpTrustVerifier, DID: registrytest.DIDOf(portal), Purposes: []registry.Purpose{purpose}}), 4))
	ve, err := r.Verifier(ctx, registrytest.DIDOf(portal))
	if err != nil || ve.Purposes[0].Claims[0].Paths[0].String() != "resident_of_seoul" {
		t.Fatalf("verifier: %+v %v", ve, err)
	}

	// Status lists: the authorised issuer publishes, replaces; others cannot.
	uri := "https://gwanak.seoul.go.kr/status/1"
	l.Expect(registry.OK, l.Sign(l.Op(office, registry.Op{Type: registry.OpStatusPublish, StatusURI: uri, StatusToken: registrytest.StatusToken(t, office, uri, registry.MinStatusListEntries, registrytest.GenesisTime)}), office))
	l.Expect(registry.CodeStatusList, l.Sign(l.Op(office, registry.Op{Type: registry.OpStatusPublish, StatusURI: uri, StatusToken: registrytest.StatusToken(t, office, uri, registry.MinStatusListEntries, registrytest.GenesisTime)}), office))
	l.Expect(registry.CodeStatusList, l.Sign(l.Op(office, registry.Op{Type: registry.OpStatusPublish, StatusURI: uri, StatusToken: registrytest.StatusToken(t, office, uri, 1024, registrytest.GenesisTime.Add(time.Hour))}), office))
	l.Expect(registry.CodeStatusList, l.Sign(l.Op(office, registry.Op{Type: registry.OpStatusPublish, StatusURI: uri, StatusToken: registrytest.StatusToken(t, office, uri+"x", registry.MinStatusListEntries, registrytest.GenesisTime.Add(time.Hour))}), office))
	l.Expect(registry.OK, l.Sign(l.Op(office, registry.Op{Type: registry.OpStatusPublish, StatusURI: uri, StatusToken: registrytest.StatusToken(t, office, uri, registry.MinStatusListEntries, registrytest.GenesisTime.Add(time.Hour))}), office))
	l.Expect(registry.CodeUnauthorized, l.Sign(l.Op(portal, registry.Op{Type: registry.OpStatusPublish, StatusURI: uri, StatusToken: registrytest.StatusToken(t, portal, uri, registry.MinStatusListEntries, registrytest.GenesisTime.Add(2*time.Hour))}), portal))
	se, err := r.StatusList(ctx, uri)
	if err != nil || se.Issuer != registrytest.DIDOf(office) || !se.IssuedAt.Equal(registrytest.GenesisTime.Add(time.Hour)) {
		t.Fatalf("status list: %+v %v", se, err)
	}
	// A W3C Bitstring Status List credential as vc+jwt: its issuer's, of
	// its URI, at least 131,072 entries, each newer than the last.
	w3cURI := "https://gwanak.seoul.go.kr/w3c/status-lists/agency-eddsa-rdfc-2022/revocation"
	bsl := func(signer *keys.PrivateKey, issuer, uri string, size int, from time.Time) *registry.Op {
		return l.Op(signer, registry.Op{Type: registry.OpStatusPublish, StatusURI: w3cURI, StatusToken: registrytest.BitstringStatusToken(t, signer, issuer, uri, size, from)})
	}
	l.Expect(registry.OK, l.Sign(bsl(office, "", w3cURI, registry.MinStatusListEntries, registrytest.GenesisTime), office))
	l.Expect(registry.CodeStatusList, l.Sign(bsl(office, "", w3cURI, registry.MinStatusListEntries, registrytest.GenesisTime), office))
	l.Expect(registry.CodeStatusList, l.Sign(bsl(office, "did:seoul:someoneelse", w3cURI, registry.MinStatusListEntries, registrytest.GenesisTime.Add(time.Hour)), office))
	l.Expect(registry.CodeStatusList, l.Sign(bsl(office, "", w3cURI+"x", registry.MinStatusListEntries, registrytest.GenesisTime.Add(time.Hour)), office))
	l.Expect(registry.CodeStatusList, l.Sign(bsl(office, "", w3cURI, 8192, registrytest.GenesisTime.Add(time.Hour)), office))
	l.Expect(registry.OK, l.Sign(bsl(office, "", w3cURI, registry.MinStatusListEntries, registrytest.GenesisTime.Add(time.Hour)), office))
	if tok, iss, err := r.StatusToken(ctx, w3cURI); err != nil || iss != registrytest.DIDOf(office) || !strings.Contains(tok, ".") {
		t.Fatalf("the W3C list: %q %s %v", tok, iss, err)
	}
	// Revoking the issuer's authorisation.
	l.Expect(registry.OK, l.Council(l.Op(seoul, registry.Op{Type: registry.OpTrustIssuer, DID: registrytest.DIDOf(office)}), 4))
	if ok, _ := r.IssuerAuthorised(ctx, registrytest.DIDOf(office), "urn:seoulid:vct:residency-status:1"); ok {
		t.Error("still authorised")
	}
}

// TestPersistenceAndCheckTx: the state survives a restart with the same
// app hash; CheckTx and FinalizeBlock agree, and the mempool view tracks
// sequence numbers.
func TestPersistenceAndCheckTx(t *testing.T) {
	l := registrytest.New(t)
	ctx := context.Background()
	seoul := l.Agencies[0]
	l.Create(seoul)
	k := registrytest.NewKey(t)
	tx := l.Sign(l.Op(seoul, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k), Keys: []registry.Key{registrytest.KeyEntry(k, "key-1")}}), seoul, k)
	if res, _ := l.App.CheckTx(ctx, &abci.RequestCheckTx{Tx: tx}); res.Code != 0 {
		t.Fatalf("check: %s", res.Log)
	}
	if res, _ := l.App.CheckTx(ctx, &abci.RequestCheckTx{Tx: tx}); res.Code != uint32(registry.CodeSequence) {
		t.Fatalf("second check: %d %s", res.Code, res.Log)
	}
	l.Expect(registry.OK, tx)
	info, _ := l.App.Info(ctx, &abci.RequestInfo{})

	again, err := registry.OpenApp(l.DB, nil)
	if err != nil {
		t.Fatal(err)
	}
	info2, _ := again.Info(ctx, &abci.RequestInfo{})
	if info2.LastBlockHeight != info.LastBlockHeight || string(info2.LastBlockAppHash) != string(info.LastBlockAppHash) {
		t.Fatalf("after reopening: %+v, want %+v", info2, info)
	}
	if _, err := again.Reader().Resolve(ctx, registrytest.DIDOf(k)); err != nil {
		t.Fatal(err)
	}
	// A damaged record is detected.
	if err := l.DB.Set(registry.DIDRecordKey(registrytest.DIDOf(k)), []byte(`{"did":"x","versions":[{"id":1}]}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.OpenApp(l.DB, nil); err == nil || !strings.Contains(err.Error(), "app hash") {
		t.Fatalf("damaged state opened: %v", err)
	}
}

// A DID younger than RotationGrace that rotates its key: a credential
// signed with the old key just after the rotation's block time (block time
// trails the wall clock) still verifies; one signed RotationGrace later
// does not.
func TestKeyAtYoungDIDRotation(t *testing.T) {
	k1 := registrytest.NewKey(t)
	d := registrytest.DIDOf(k1)
	k1 = k1.WithKeyID(d + "#key-1")
	k2 := registrytest.NewKey(t).WithKeyID(d + "#key-2")
	created := time.Date(2026, 11, 22, 9, 46, 20, 0, time.UTC)
	rotated := created.Add(8 * time.Second)
	rec := &registry.DIDRecord{DID: d, Versions: []registry.Version{
		{ID: 1, Time: created, Height: 10, Keys: []registry.Key{registrytest.KeyEntry(k1, "key-1")}},
		{ID: 2, Time: rotated, Height: 20, Keys: []registry.Key{registrytest.KeyEntry(k2, "key-2")}},
	}}
	for _, c := range []struct {
		key  string
		at   time.Time
		want bool
	}{
		{k1.KeyID(), created.Add(time.Second), true},
		{k1.KeyID(), rotated.Add(time.Second), true},
		{k1.KeyID(), rotated.Add(registry.RotationGrace + time.Second), false},
		{k2.KeyID(), rotated.Add(time.Second), true},
		{k2.KeyID(), created.Add(time.Second), false},
		{k1.KeyID(), created.Add(-time.Second), false},
	} {
		_, err := rec.KeyAt(c.key, did.AssertionMethod, c.at)
		if (err == nil) != c.want {
			t.Errorf("%s at %s: %v, want valid=%v", c.key, c.at.Format(time.TimeOnly), err, c.want)
		}
	}
}
