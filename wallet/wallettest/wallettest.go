package wallettest

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/issuer"
	issuerhttp "github.com/seoulid/seoulid/issuer/oid4vci"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
)

// NewDID returns a fresh did:seoul-shaped DID (not derived from a key: the
// kit's ledger is a map).
func NewDID() string {
	b := make([]byte, 20)
	rand.Read(b)
	return "did:seoul:" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)[:32]
}

// Ledger is the registry as a wallet reads it: issuer authorisations,
// verifiers with their names and purposes, and DID documents with one key.
// It is safe for concurrent use.
type Ledger struct {
	mu        sync.Mutex
	issuers   map[string][]string
	verifiers map[string]*wallet.VerifierInfo
	keys      map[string]*keys.PublicKey
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{issuers: map[string][]string{}, verifiers: map[string]*wallet.VerifierInfo{}, keys: map[string]*keys.PublicKey{}}
}

// Authorise lets iss issue vcts (replacing what it could before).
func (l *Ledger) Authorise(iss string, vcts ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.issuers[iss] = vcts
}

// Register records a verifier's name and purposes.
func (l *Ledger) Register(verifier string, name map[string]string, purposes ...wallet.Purpose) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.verifiers[verifier] = &wallet.VerifierInfo{Name: name, Purposes: purposes}
}

// SetKey records the one key of a DID (its #key-1).
func (l *Ledger) SetKey(d string, pub *keys.PublicKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys[d] = pub
}

// IssuerAuthorised implements wallet.Ledger.
func (l *Ledger) IssuerAuthorised(_ context.Context, iss, vct string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, v := range l.issuers[iss] {
		if v == vct {
			return true, nil
		}
	}
	return false, nil
}

// Verifier implements wallet.Ledger.
func (l *Ledger) Verifier(_ context.Context, d string) (*wallet.VerifierInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.verifiers[d], nil
}

// Resolve resolves the DIDs of the ledger (one key, #key-1, for assertion
// and authentication) and did:key / did:jwk locally.
func (l *Ledger) Resolve(ctx context.Context, d string) (*did.Document, error) {
	l.mu.Lock()
	pub, ok := l.keys[d]
	l.mu.Unlock()
	if !ok {
		if len(d) > 10 && d[:10] == "did:seoul:" {
			return nil, fmt.Errorf("%w: %s", did.ErrNotFound, d)
		}
		return did.LocalResolver{}.Resolve(ctx, d)
	}
	vm := did.VerificationMethod{ID: d + "#key-1", Type: "JsonWebKey2020", Controller: d, PublicKeyJwk: pub.JWK()}
	ref := []did.Relationship{{Reference: vm.ID}}
	return &did.Document{ID: d, VerificationMethod: []did.VerificationMethod{vm}, AssertionMethod: ref, Authentication: ref}, nil
}

// Issuer is one of seoulid's issuers over loopback HTTP.
type Issuer struct {
	DID string
	URL string
	Key *keys.PrivateKey
	Is  *issuer.Issuer
	srv *httptest.Server
	h   atomic.Pointer[http.Handler]

	closers []func() error
}

// NewIssuer starts an issuer of vcts named name ("ko", "en"), with its key
// on the ledger (whether the ledger authorises it is the test's choice:
// Ledger.Authorise). It stops when the test ends.
func NewIssuer(t testing.TB, l *Ledger, name schemas.Text, vcts ...string) *Issuer {
	t.Helper()
	d := NewDID()
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	k = k.WithKeyID(d + "#key-1")
	l.SetKey(d, k.Public())
	is, err := StartIssuer(context.Background(), t.TempDir(), d, k, name, vcts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { is.Close() })
	return is
}

// StartIssuer starts one of seoulid's issuers over loopback HTTP as the
// DID d, signing with k (whose key id is a DID URL of d), keeping its state
// in the directory dir, offering vcts under the name name. It issues
// whatever it offers: whether a ledger authorises d is for whoever reads
// the credentials to find out. It publishes no status list. Close stops
// it.
func StartIssuer(ctx context.Context, dir, d string, k *keys.PrivateKey, name schemas.Text, vcts ...string) (*Issuer, error) {
	is := &Issuer{DID: d, Key: k, srv: httptest.NewUnstartedServer(nil)}
	is.URL = "http://" + is.srv.Listener.Addr().String()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "issuer.db"))
	if err != nil {
		is.srv.Listener.Close()
		return nil, err
	}
	is.closers = append(is.closers, func() error { is.srv.Listener.Close(); return nil }, st.Close)
	fail := func(err error) (*Issuer, error) { is.Close(); return nil, err }
	is.Is, err = issuer.New(is.Key, st, trustAll{}, nil, nil, issuer.Config{URL: is.URL, DID: is.DID, Types: vcts})
	if err != nil {
		return fail(err)
	}
	h, err := issuerhttp.New(is.Is, issuerhttp.Config{PublicKey: is.Key.Public(), Name: name})
	if err != nil {
		return fail(err)
	}
	is.SetHandler(h)
	is.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*is.h.Load()).ServeHTTP(w, r) })
	is.srv.Start()
	is.closers = append(is.closers[:0], func() error { is.srv.Close(); return nil }, st.Close)
	return is, nil
}

// Close stops the issuer and closes its store.
func (is *Issuer) Close() error {
	var errs []error
	for _, c := range is.closers {
		errs = append(errs, c())
	}
	is.closers = nil
	return errors.Join(errs...)
}

// SetHandler replaces what the issuer's server runs (a test wraps the
// issuer to make it misbehave) and returns the handler it ran.
func (is *Issuer) SetHandler(h http.Handler) http.Handler {
	prev := is.h.Swap(&h)
	if prev == nil {
		return nil
	}
	return *prev
}

// Handler returns what the issuer's server runs.
func (is *Issuer) Handler() http.Handler { return *is.h.Load() }

type trustAll struct{}

func (trustAll) IssuerAuthorised(context.Context, string, string) (bool, error) { return true, nil }

// Offer makes an offer of the type's example claims, changed by edit, and
// returns its URI and tx_code.
func (is *Issuer) Offer(t testing.TB, vct string, edit func(map[string]any)) (uri, txCode string) {
	t.Helper()
	ty, err := schemas.Default().Lookup(vct)
	if err != nil {
		t.Fatal(err)
	}
	claims := ty.Example()
	if edit != nil {
		edit(claims)
	}
	uri, txCode, err = is.NewOffer(context.Background(), vct, claims)
	if err != nil {
		t.Fatal(err)
	}
	return uri, txCode
}

// NewOffer makes an offer of a credential of vct with claims and returns
// its URI and tx_code.
func (is *Issuer) NewOffer(ctx context.Context, vct string, claims map[string]any) (uri, txCode string, err error) {
	res, err := is.Is.CreateOffer(ctx, "opr_test", vct, claims)
	if err != nil {
		return "", "", err
	}
	return res.URI, res.TxCode, nil
}

// Paths parses claim paths, for purposes.
func Paths(t testing.TB, s string) []sdjwt.Path {
	t.Helper()
	p, err := sdjwt.ParsePaths(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
