package issuer_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/schemas"
)

const (
	did     = "did:seoul:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	url     = "https://gwanak.example"
	resVCT  = "urn:seoulid:vct:residency-status:1"
	cardVCT = "urn:seoulid:vct:seoul-citizen-card:1"
)

type trustAll struct{}

func (trustAll) IssuerAuthorised(_ context.Context, iss, _ string) (bool, error) {
	return iss == did, nil
}

// recorder is a Publisher that keeps what it was given, as the ledger would.
type recorder struct {
	mu     sync.Mutex
	tokens map[string]string
}

func (r *recorder) PublishStatusList(_ context.Context, uri, token string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tokens[uri] = token
	return nil
}

type fixture struct {
	is    *issuer.Issuer
	key   *keys.PrivateKey
	pub   *recorder
	now   time.Time
	store *sqlite.Store
}

func newFixture(t *testing.T, listSize int) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "issuer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	k, _ := keys.Generate(keys.EdDSA)
	k = k.WithKeyID(did + "#key-1")
	f := &fixture{key: k, pub: &recorder{tokens: map[string]string{}}, now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC), store: st}
	f.is, err = issuer.New(k, st, trustAll{}, f.pub, nil, issuer.Config{
		URL: url, DID: did, Types: []string{resVCT, cardVCT}, StatusListSize: listSize,
		Now: func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func proof(t *testing.T, holder *keys.PrivateKey, aud, nonce string, iat time.Time) string {
	t.Helper()
	jwk := holder.Public().JWK()
	payload, _ := jsonx.Marshal(map[string]any{"aud": aud, "iat": iat.Unix(), "nonce": nonce})
	p, err := jws.Sign(context.Background(), holder, map[string]any{"typ": issuer.ProofType, "jwk": jwk}, payload)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// issue runs the whole flow for the residency example and returns the
// credentials, one per holder key.
func (f *fixture) issue(t *testing.T, holders ...*keys.PrivateKey) []issuer.Issued {
	t.Helper()
	ctx := context.Background()
	ty, _ := schemas.Default().Lookup(resVCT)
	offer, err := f.is.CreateOffer(ctx, "opr_test", resVCT, ty.Example())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := f.is.Token(ctx, issuer.TokenRequest{PreAuthorizedCode: offer.PreAuthorizedCode, TxCode: offer.TxCode})
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := f.is.Nonce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var proofs []string
	for _, h := range holders {
		proofs = append(proofs, proof(t, h, url, nonce, f.now))
	}
	out, err := f.is.Credential(ctx, issuer.CredentialRequest{AccessToken: tok.AccessToken, ConfigurationID: tok.ConfigurationID, Proofs: proofs})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBatchIssuanceAndRevocation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 0)
	h1, _ := keys.Generate(keys.ES256)
	h2, _ := keys.Generate(keys.EdDSA)
	creds := f.issue(t, h1, h2)
	if len(creds) != 2 {
		t.Fatalf("%d credentials", len(creds))
	}
	v, _ := sdjwtvc.NewVerifier(sdjwtvc.FixedKey(f.key.Public()), sdjwtvc.Config{Algorithms: []keys.Algorithm{keys.EdDSA, keys.ES256}, Now: func() time.Time { return f.now }})
	var refs []statuslist.Reference
	for i, c := range creds {
		got, err := v.VerifyIssued(ctx, c.Credential)
		if err != nil {
			t.Fatal(err)
		}
		holder := []*keys.PrivateKey{h1, h2}[i]
		if got.SDJWT.HolderKey == nil || got.SDJWT.HolderKey.Thumbprint() != holder.Public().Thumbprint() {
			t.Errorf("copy %d is not bound to its proof's key", i)
		}
		ref, err := statuslist.ParseReference(got.Status)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
		rec, err := f.store.Credential(ctx, c.ID)
		if err != nil || rec.Index != ref.Index || rec.ListURI != ref.URI || rec.HolderThumbprint != holder.Public().Thumbprint() {
			t.Fatalf("record %+v %v", rec, err)
		}
	}
	if refs[0] == refs[1] {
		t.Fatal("two copies share a status index: they could be linked")
	}
	// The list was published before any credential pointed to it.
	if _, ok := f.pub.tokens[refs[0].URI]; !ok {
		t.Fatal("the status list was not published")
	}

	// Revoke copy 1, suspend copy 2, publish, read the list.
	if _, err := f.is.SetStatus(ctx, "opr_test", creds[0].ID, issuer.StatusRevoked); err != nil {
		t.Fatal(err)
	}
	if _, err := f.is.SetStatus(ctx, "opr_test", creds[1].ID, issuer.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if _, err := f.is.SetStatus(ctx, "opr_test", creds[0].ID, issuer.StatusValid); err == nil {
		t.Fatal("a revoked credential was reinstated")
	}
	f.now = f.now.Add(time.Second)
	if n, err := f.is.PublishStatusLists(ctx); err != nil || n != 1 {
		t.Fatalf("published %d lists: %v", n, err)
	}
	tok, err := statuslist.Parse(f.pub.tokens[refs[0].URI])
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.Verify(f.key.Public(), []keys.Algorithm{keys.EdDSA}); err != nil {
		t.Fatal(err)
	}
	list := tok.Claims().List
	for i, want := range []uint8{statuslist.Invalid, statuslist.Suspended} {
		if got, _ := list.Get(refs[i].Index); got != want {
			t.Errorf("copy %d has status %d, want %d", i, got, want)
		}
	}
	if list.Len() < 131072 {
		t.Errorf("list of %d entries", list.Len())
	}
	served, err := f.is.StatusListToken(ctx, refs[0].URI)
	if err != nil || served != f.pub.tokens[refs[0].URI] {
		t.Errorf("served token differs from the published one: %v", err)
	}
	// The audit log chains and records the actions, never a claim value.
	entries, err := f.store.Audit(ctx, 1, 100)
	if err != nil || issuer.VerifyAudit(entries) != nil || len(entries) != 3 {
		t.Fatalf("audit: %d entries, %v %v", len(entries), err, issuer.VerifyAudit(entries))
	}
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 0)
	ty, _ := schemas.Default().Lookup(resVCT)
	holder, _ := keys.Generate(keys.EdDSA)
	other, _ := keys.Generate(keys.EdDSA)
	codeOf := func(err error) string { return issuer.CodeOf(err) }

	// Claims that fail the schema never become an offer.
	bad := ty.Example()
	delete(bad, "as_of")
	if _, err := f.is.CreateOffer(ctx, "opr", resVCT, bad); !errors.Is(err, schemas.ErrInvalidClaims) {
		t.Fatalf("bad claims: %v", err)
	}
	if _, err := f.is.CreateOffer(ctx, "opr", "urn:seoulid:vct:medication-list:1", map[string]any{}); codeOf(err) != issuer.CodeUnknownCredentialConfiguration {
		t.Fatalf("unknown type: %v", err)
	}

	offer, err := f.is.CreateOffer(ctx, "opr", resVCT, ty.Example())
	if err != nil {
		t.Fatal(err)
	}
	// Wrong tx_code four times, then the right one still works; but five
	// wrong ones burn the code (checked on a second offer).
	for i := 0; i < 4; i++ {
		if _, err := f.is.Token(ctx, issuer.TokenRequest{PreAuthorizedCode: offer.PreAuthorizedCode, TxCode: "000000"}); codeOf(err) != issuer.CodeInvalidGrant {
			t.Fatalf("wrong tx_code: %v", err)
		}
	}
	tok, err := f.is.Token(ctx, issuer.TokenRequest{PreAuthorizedCode: offer.PreAuthorizedCode, TxCode: offer.TxCode})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.is.Token(ctx, issuer.TokenRequest{PreAuthorizedCode: offer.PreAuthorizedCode, TxCode: offer.TxCode}); !errors.Is(err, issuer.ErrCodeUsed) {
		t.Fatalf("reused code: %v", err)
	}
	burned, _ := f.is.CreateOffer(ctx, "opr", resVCT, ty.Example())
	for i := 0; i < 5; i++ {
		f.is.Token(ctx, issuer.TokenRequest{PreAuthorizedCode: burned.PreAuthorizedCode, TxCode: "999999x"})
	}
	if _, err := f.is.Token(ctx, issuer.TokenRequest{PreAuthorizedCode: burned.PreAuthorizedCode, TxCode: burned.TxCode}); !errors.Is(err, issuer.ErrCodeBurned) {
		t.Fatalf("burned code: %v", err)
	}
	expired, _ := f.is.CreateOffer(ctx, "opr", resVCT, ty.Example())
	f.now = f.now.Add(11 * time.Minute)
	if _, err := f.is.Token(ctx, issuer.TokenRequest{PreAuthorizedCode: expired.PreAuthorizedCode, TxCode: expired.TxCode}); !errors.Is(err, issuer.ErrCodeExpired) {
		t.Fatalf("expired code: %v", err)
	}
	f.now = f.now.Add(-11 * time.Minute)

	nonce, _ := f.is.Nonce(ctx)
	req := func(proofs ...string) issuer.CredentialRequest {
		return issuer.CredentialRequest{AccessToken: tok.AccessToken, ConfigurationID: tok.ConfigurationID, Proofs: proofs}
	}
	forged := proof(t, holder, url, nonce, f.now)
	// A proof whose signature is by another key than the one it carries.
	otherSig := proof(t, other, url, nonce, f.now)
	forged = forged[:len(forged)-86] + otherSig[len(otherSig)-86:]
	for name, c := range map[string]struct {
		req  issuer.CredentialRequest
		code string
	}{
		"no token":            {issuer.CredentialRequest{ConfigurationID: tok.ConfigurationID, Proofs: []string{proof(t, holder, url, nonce, f.now)}}, issuer.CodeInvalidToken},
		"unknown config":      {issuer.CredentialRequest{AccessToken: tok.AccessToken, ConfigurationID: "nope", Proofs: []string{proof(t, holder, url, nonce, f.now)}}, issuer.CodeUnknownCredentialConfiguration},
		"other config":        {issuer.CredentialRequest{AccessToken: tok.AccessToken, ConfigurationID: "seoul-citizen-card-v1", Proofs: []string{proof(t, holder, url, nonce, f.now)}}, issuer.CodeInvalidCredentialRequest},
		"no proof":            {req(), issuer.CodeInvalidProof},
		"forged proof":        {req(forged), issuer.CodeInvalidProof},
		"other issuer":        {req(proof(t, holder, "https://elsewhere.example", nonce, f.now)), issuer.CodeInvalidProof},
		"old proof":           {req(proof(t, holder, url, nonce, f.now.Add(-time.Hour))), issuer.CodeInvalidProof},
		"unknown nonce":       {req(proof(t, holder, url, "made-up", f.now)), issuer.CodeInvalidNonce},
		"same key twice":      {req(proof(t, holder, url, nonce, f.now), proof(t, holder, url, nonce, f.now)), issuer.CodeInvalidProof},
		"two nonces in batch": {req(proof(t, holder, url, nonce, f.now), proof(t, other, url, "another", f.now)), issuer.CodeInvalidProof},
	} {
		if _, err := f.is.Credential(ctx, c.req); codeOf(err) != c.code {
			t.Errorf("%s: got %v, want %s", name, err, c.code)
		}
	}
	// None of that consumed the nonce or the offer: the right request works
	// once, and the nonce and the offer are then spent.
	good := req(proof(t, holder, url, nonce, f.now))
	if _, err := f.is.Credential(ctx, good); err != nil {
		t.Fatalf("after the refusals: %v", err)
	}
	nonce2, _ := f.is.Nonce(ctx)
	if _, err := f.is.Credential(ctx, req(proof(t, other, url, nonce2, f.now))); codeOf(err) != issuer.CodeCredentialRequestDenied {
		t.Fatalf("second issuance: %v", err)
	}
	if _, err := f.is.Credential(ctx, good); codeOf(err) != issuer.CodeCredentialRequestDenied && codeOf(err) != issuer.CodeInvalidNonce {
		t.Fatalf("reused nonce: %v", err)
	}
}

// TestStatusListRollover: a list is filled to half at random indexes,
// then the next is opened and published.
func TestStatusListRollover(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 16)
	seen := map[statuslist.Reference]bool{}
	for i := 0; i < 12; i++ {
		h, _ := keys.Generate(keys.EdDSA)
		c := f.issue(t, h)[0]
		rec, err := f.store.Credential(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		ref := statuslist.Reference{Index: rec.Index, URI: rec.ListURI}
		if seen[ref] {
			t.Fatalf("index %v reused", ref)
		}
		seen[ref] = true
		wantList := url + "/status-lists/1"
		if i >= 8 {
			wantList = url + "/status-lists/2"
		}
		if rec.ListURI != wantList {
			t.Errorf("credential %d in %s, want %s", i, rec.ListURI, wantList)
		}
	}
	if len(f.pub.tokens) != 2 {
		t.Errorf("%d lists published, want 2", len(f.pub.tokens))
	}
}

// OnIssued is told of each issuance once it is stored: its type and its
// copies.
func TestOnIssued(t *testing.T) {
	f := newFixture(t, 0)
	var got []string
	is, err := issuer.New(f.key, f.store, trustAll{}, f.pub, nil, issuer.Config{URL: url, DID: did, Types: []string{resVCT, cardVCT},
		Now: func() time.Time { return f.now }, OnIssued: func(vct string, n int) { got = append(got, fmt.Sprint(vct, " ", n)) }})
	if err != nil {
		t.Fatal(err)
	}
	f.is = is
	h1, _ := keys.Generate(keys.ES256)
	h2, _ := keys.Generate(keys.ES256)
	f.issue(t, h1, h2)
	if len(got) != 1 || got[0] != resVCT+" 2" {
		t.Errorf("OnIssued was told %v", got)
	}
}

// strictLedger takes only a token newer than the one it holds, to the
// second, as the registry does, and says when it last published.
type strictLedger struct {
	mu  sync.Mutex
	iat map[string]time.Time
}

func (l *strictLedger) PublishStatusList(_ context.Context, uri, token string) error {
	tok, err := statuslist.Parse(token)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	iat := tok.Claims().IssuedAt
	if last, ok := l.iat[uri]; ok && !iat.After(last) {
		return fmt.Errorf("the token was issued at %s, not after the published one (%s)", iat, last)
	}
	l.iat[uri] = iat
	return nil
}

func (l *strictLedger) LastPublished(_ context.Context, uri string) (time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.iat[uri], nil
}

// An issuer restarted within the second of its last publication (a key
// rotation, a supervisor's restart) asks the ledger when that was and
// signs a newer token, instead of one the ledger refuses.
func TestStatusPublishedAgainWithinTheSecond(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 0)
	ledger := &strictLedger{iat: map[string]time.Time{}}
	start := func() *issuer.Issuer {
		is, err := issuer.New(f.key, f.store, trustAll{}, ledger, nil, issuer.Config{
			URL: url, DID: did, Types: []string{resVCT, cardVCT}, Now: func() time.Time { return f.now }})
		if err != nil {
			t.Fatal(err)
		}
		return is
	}
	f.is = start()
	h, _ := keys.Generate(keys.EdDSA)
	f.issue(t, h) // opens and publishes the first list
	if len(ledger.iat) != 1 {
		t.Fatalf("the ledger holds %d lists", len(ledger.iat))
	}
	f.is = start() // the same second
	if n, err := f.is.PublishStatusLists(ctx); err != nil || n != 1 {
		t.Fatalf("publishing after the restart: %d lists, %v", n, err)
	}
	for uri, iat := range ledger.iat {
		if !iat.After(f.now.Truncate(time.Second)) {
			t.Errorf("%s: iat %s is not after the first publication", uri, iat)
		}
	}
}

// An offer nobody redeemed loses its claims once it has expired.
func TestWipeExpiredClaims(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 0)
	ty, _ := schemas.Default().Lookup(resVCT)
	offer, err := f.is.CreateOffer(ctx, "opr_test", resVCT, ty.Example())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.is.WipeExpiredClaims(ctx); err != nil || n != 0 {
		t.Fatalf("a live offer: wiped %d, %v", n, err)
	}
	f.now = f.now.Add(25 * time.Hour) // past any offer's lifetime
	if n, err := f.is.WipeExpiredClaims(ctx); err != nil || n != 1 {
		t.Fatalf("an expired offer: wiped %d, %v", n, err)
	}
	o, err := f.store.Offer(ctx, offer.Offer.ID)
	if err != nil || len(o.Claims) != 0 {
		t.Fatalf("the expired offer still has claims: %v", err)
	}
}
