package conformance_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/city"
	"github.com/seoulid/seoulid/conformance"
	"github.com/seoulid/seoulid/internal/dcql"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/keystore"
	wci "github.com/seoulid/seoulid/wallet/oid4vci"
	wvp "github.com/seoulid/seoulid/wallet/oid4vp"
	"github.com/seoulid/seoulid/wallet/store"
	"github.com/seoulid/seoulid/wallet/web"
)

// walletWorld is a city and the parameters of the wallet suite against
// its wallet UI: the city's PIN, City Hall's key to issue as, the Seoul
// Library's to ask as.
func newWalletWorld(t *testing.T) (*city.City, conformance.Target) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a city")
	}
	data := t.TempDir()
	c, err := city.Start(context.Background(), city.Config{DataDir: data, FirstPort: -1, BlockInterval: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	res, _ := c.Service("resolver")
	wal, _ := c.Service("wallet")
	pin, err := os.ReadFile(wal.PINFile)
	if err != nil {
		t.Fatal(err)
	}
	return c, conformance.Target{URL: wal.URL, Params: map[string]string{
		"resolver":     res.URL,
		"pin":          strings.TrimSpace(string(pin)),
		"issuer-key":   filepath.Join(data, "issuers", "city-hall", "key.jwk"),
		"verifier-key": filepath.Join(data, "verifiers", "seoul-library", "key.jwk"),
	}}
}

// seoulid's wallet, the one "seoulid up" runs, meets every requirement of
// the wallet suite, none skipped.
func TestWalletSuite(t *testing.T) {
	_, target := newWalletWorld(t)
	results, err := conformance.Run(t.Context(), "wallet", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Outcome != conformance.Pass {
			t.Errorf("%s: %s %s", r.ID, r.Outcome, r.Reason)
		}
	}
}

// walletFault breaks a wallet in one way: its UI's HTTP handler, the
// ledger it reads, or its OpenID4VP client.
type walletFault struct {
	ui     func(http.Handler) http.Handler
	ledger func(wallet.Ledger) wallet.Ledger
	pres   func(wallet.Presentation) wallet.Presentation
}

// brokenWallet serves a new seoulid wallet UI on the city, broken by f,
// and returns the target: base's parameters at its URL.
func brokenWallet(t *testing.T, c *city.City, base conformance.Target, f walletFault) conformance.Target {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	dev, err := store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Create(ctx, filepath.Join(dir, "wallet.db"), dev, []byte(base.Params["pin"]), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	remote := c.Remote()
	var ledger wallet.Ledger = city.WalletLedger{Remote: remote}
	if f.ledger != nil {
		ledger = f.ledger(ledger)
	}
	var pres wallet.Presentation = wvp.New(remote, wvp.Config{AllowHTTP: true})
	if f.pres != nil {
		pres = f.pres(pres)
	}
	h, err := web.New(web.Config{
		Unlock: func(ctx context.Context, pin []byte) (*wallet.Wallet, error) {
			if err := st.Unlock(ctx, pin); err != nil {
				return nil, err
			}
			return wallet.New(st, keystore.New(st), ledger, remote, wci.New(wci.Config{AllowHTTP: true}), pres, wallet.Config{})
		},
		Lock: st.Lock,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	var served http.Handler = h
	if f.ui != nil {
		served = f.ui(h)
	}
	srv := httptest.NewServer(served)
	t.Cleanup(srv.Close)
	target := base
	target.URL = srv.URL
	return target
}

// storing turns the wallet UI's refusals of a credential whose reason
// contains word into "stored" (a redirect to a card).
func storing(word string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := rec.Body.String()
			if strings.HasPrefix(r.URL.Path, "/receive/") && strings.Contains(body, `id="refusal"`) && strings.Contains(body, word) {
				http.Redirect(rw, r, "/cards/stored-anyway", http.StatusSeeOther)
				return
			}
			for k, v := range rec.Header() {
				rw.Header()[k] = v
			}
			rw.WriteHeader(rec.Code)
			rw.Write(rec.Body.Bytes())
		})
	}
}

// lyingLedger answers a verifier's registration through edit.
type lyingLedger struct {
	wallet.Ledger
	edit func(d string, info *wallet.VerifierInfo) *wallet.VerifierInfo
}

func (l lyingLedger) Verifier(ctx context.Context, d string) (*wallet.VerifierInfo, error) {
	info, err := l.Ledger.Verifier(ctx, d)
	if err != nil {
		return nil, err
	}
	return l.edit(d, info), nil
}

// wideningClient adds to every query it reads the claims the verifier's
// registered purpose allows for its types: a wallet that shows and
// discloses what the verifier may ask for rather than what it asked.
type wideningClient struct {
	wallet.Presentation
	ledger wallet.Ledger
}

func (w wideningClient) Request(ctx context.Context, uri string) (*vp.RequestObject, error) {
	ro, err := w.Presentation.Request(ctx, uri)
	if err != nil {
		return nil, err
	}
	info, err := w.ledger.Verifier(ctx, strings.TrimPrefix(ro.ClientID, vp.PrefixDecentralizedIdentifier+":"))
	if err != nil || info == nil {
		return ro, err
	}
	for _, p := range info.Purposes {
		if p.ID != ro.Purpose {
			continue
		}
		for i := range ro.DCQLQuery.Credentials {
			cq := &ro.DCQLQuery.Credentials[i]
			for _, vct := range cq.Meta.VCTValues {
				for _, path := range p.Claims[vct] {
					if !slices.ContainsFunc(cq.Claims, func(c dcql.ClaimsQuery) bool { return c.Path.String() == path.String() }) {
						cq.Claims = append(cq.Claims, dcql.ClaimsQuery{Path: path})
					}
				}
			}
		}
	}
	return ro, nil
}

// Each negative requirement of the wallet suite is shown able to fail: a
// seoulid wallet broken in that one way fails it, and only it.
func TestWalletSuiteFindsFaults(t *testing.T) {
	c, base := newWalletWorld(t)
	lib, _ := c.Service("seoul-library")
	broken := map[string]walletFault{
		"wallet.refuses-tampered":            {ui: storing("signature")},
		"wallet.refuses-unauthorised-issuer": {ui: storing("authorise")},
		"wallet.refuses-unregistered-verifier": {ledger: func(l wallet.Ledger) wallet.Ledger {
			// Any DID the ledger does not know is taken for the library.
			return lyingLedger{l, func(_ string, info *wallet.VerifierInfo) *wallet.VerifierInfo {
				if info == nil {
					info, _ = l.Verifier(context.Background(), lib.DID)
				}
				return info
			}}
		}},
		"wallet.refuses-over-asking": {ledger: func(l wallet.Ledger) wallet.Ledger {
			// Every purpose allows every claim of its types.
			return lyingLedger{l, func(_ string, info *wallet.VerifierInfo) *wallet.VerifierInfo {
				if info == nil {
					return nil
				}
				wide := *info
				wide.Purposes = nil
				for _, p := range info.Purposes {
					q := p
					q.Claims = map[string][]sdjwt.Path{}
					for vct := range p.Claims {
						q.Claims[vct] = []sdjwt.Path{{}}
					}
					wide.Purposes = append(wide.Purposes, q)
				}
				return &wide
			}}
		}},
		"wallet.discloses-only-asked": {pres: func(p wallet.Presentation) wallet.Presentation {
			return wideningClient{p, city.WalletLedger{Remote: c.Remote()}}
		}},
		"wallet.decline-sends-nothing": {ui: func(next http.Handler) http.Handler {
			// Declining approves, with the PIN.
			return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				if consent, ok := strings.CutSuffix(r.URL.Path, "/decline"); ok && r.Method == http.MethodPost {
					r.ParseForm()
					form := r.PostForm
					form.Set("pin", base.Params["pin"])
					r.URL.Path = consent
					body := form.Encode()
					r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
					r.PostForm, r.Form = nil, nil
				}
				next.ServeHTTP(rw, r)
			})
		}},
	}
	requireFaultsFound(t, "wallet", broken, func(t *testing.T, f walletFault) conformance.Target {
		return brokenWallet(t, c, base, f)
	})
}
