package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/backoffice"
	"github.com/seoulid/seoulid/issuer/oid4vci"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/schemas"
)

func newBenchCmd(a *app) *cobra.Command {
	return group("bench", "Measure the city's services under load", "", newBenchIssueCmd(a), newBenchVerifyCmd(a))
}

// benchFlags are the settings of bench issue.
type benchFlags struct {
	concurrency, requests int
	issuerURL, tokenFile  string
	vct, claimsFile       string
	cpuProfile            string
	asJSON                bool
}

func newBenchIssueCmd(a *app) *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "issue --concurrency N --requests M [--issuer URL --token-file F] [--type VCT] [--claims FILE] [--cpuprofile FILE] [--json]",
		Short: "Issue M credentials from N concurrent wallets and report the rate",
		Long: `Run M complete OpenID4VCI issuances, N at a time, over real HTTP, and print
credentials per second and the 50th and 99th percentile latencies of the
credential request and of the whole flow.

One flow is what an agency and a wallet do for one citizen: an offer (the
issuer's core in process, or the back office with --issuer), then, as the
wallet, the token request with the tx_code, a nonce, and the credential
request with a key proof by a fresh holder key.

Without --issuer the command starts an issuer in this process, on loopback,
with SQLite in a temporary directory, a ledger stand-in that authorises it for
every type and records status list publications, and throws it all away at
the end. With --issuer it drives a running issuer (issuer serve), making
offers through its back office with --token-file: every offer, credential and
audit entry it makes stays there.

The type is the citizen card unless --type says otherwise, with the
catalogue's example claims unless --claims gives others. Both sides share this
machine's cores when the issuer runs in process; --cpuprofile writes a CPU
profile of the run (go tool pprof).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.benchIssue(cmd.Context(), &f) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.concurrency, "concurrency", 0, "wallets at a time")
	fl.IntVar(&f.requests, "requests", 0, "issuances in all")
	fl.StringVar(&f.issuerURL, "issuer", "", "drive a running issuer at this URL instead of one in process")
	fl.StringVar(&f.tokenFile, "token-file", "", "operator token for --issuer's back office")
	fl.StringVar(&f.vct, "type", "urn:seoulid:vct:seoul-citizen-card:1", "the credential type, a vct or a catalogue slug")
	fl.StringVar(&f.claimsFile, "claims", "", "the claims of every offer (default: the catalogue's example for the type)")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to FILE")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("concurrency")
	_ = cmd.MarkFlagRequired("requests")
	return cmd
}

// offerer makes one offer and returns its URI and tx_code.
type offerer func(ctx context.Context) (uri, txCode string, err error)

func (a *app) benchIssue(ctx context.Context, f *benchFlags) error {
	switch {
	case f.concurrency < 1 || f.concurrency > 10000:
		return usageError{fmt.Errorf("--concurrency must be 1 to 10000, not %d", f.concurrency)}
	case f.requests < 1:
		return usageError{fmt.Errorf("--requests must be at least 1, not %d", f.requests)}
	case (f.issuerURL == "") != (f.tokenFile == ""):
		return usageError{errors.New("--issuer and --token-file go together")}
	}
	t, err := findType(f.vct)
	if err != nil {
		return usageError{fmt.Errorf("--type: %w", err)}
	}
	claims := t.Example()
	if f.claimsFile != "" {
		if claims, err = a.readJSONObject(f.claimsFile, "--claims"); err != nil {
			return err
		}
	}
	if claims == nil {
		return usageError{fmt.Errorf("--type %s has no example claims in the catalogue: give --claims", t.VCT)}
	}

	var base string
	var offer offerer
	var pub *recordingPublisher
	if f.issuerURL == "" {
		is, url, p, stop, err := startBenchIssuer(ctx, t.VCT)
		if err != nil {
			return err
		}
		defer stop()
		base, pub = url, p
		offer = func(ctx context.Context) (string, string, error) {
			res, err := is.CreateOffer(ctx, "bench", t.VCT, claims)
			if err != nil {
				return "", "", err
			}
			return res.URI, res.TxCode, nil
		}
	} else {
		c, err := a.officeClient(&clientFlags{issuerURL: f.issuerURL, tokenFile: f.tokenFile})
		if err != nil {
			return err
		}
		c.hc = &http.Client{Timeout: 30 * time.Second, Transport: benchTransport(f.concurrency)}
		base = c.base
		offer = func(ctx context.Context) (string, string, error) {
			var out backoffice.OfferCreated
			if err := c.call(ctx, http.MethodPost, "offers?qr=false", map[string]any{"vct": t.VCT, "claims": claims}, &out); err != nil {
				return "", "", err
			}
			return out.OfferURI, out.TxCode, nil
		}
	}
	wallet, err := newWalletClient(ctx, &http.Client{Timeout: 30 * time.Second, Transport: benchTransport(f.concurrency)}, base)
	if err != nil {
		return err
	}

	// Warm up: connections, caches, the first status list.
	for range min(f.concurrency, 8) {
		if _, _, err := benchFlow(ctx, wallet, offer); err != nil {
			return fmt.Errorf("warming up: %w", err)
		}
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", describePathErr(err))
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	credLat := make([]time.Duration, f.requests)
	flowLat := make([]time.Duration, f.requests)
	var next atomic.Int64
	var failures atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range f.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= f.requests || ctx.Err() != nil {
					return
				}
				cred, flow, err := benchFlow(ctx, wallet, offer)
				if err != nil {
					failures.Add(1)
					errOnce.Do(func() { firstErr = err })
					continue
				}
				credLat[i], flowLat[i] = cred, flow
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ok := f.requests - int(failures.Load())
	credLat = slices.DeleteFunc(credLat, func(d time.Duration) bool { return d == 0 })
	flowLat = slices.DeleteFunc(flowLat, func(d time.Duration) bool { return d == 0 })
	slices.Sort(credLat)
	slices.Sort(flowLat)
	rate := float64(ok) / elapsed.Seconds()
	where := "in process, SQLite, loopback HTTP"
	if f.issuerURL != "" {
		where = f.issuerURL
	}
	if f.asJSON {
		m := map[string]any{
			"issuer": where, "type": t.VCT, "concurrency": f.concurrency, "requests": f.requests, "failed": int(failures.Load()),
			"seconds": elapsed.Seconds(), "credentials_per_second": rate, "gomaxprocs": runtime.GOMAXPROCS(0),
			"credential_ms": map[string]any{"p50": ms(percentile(credLat, 50)), "p99": ms(percentile(credLat, 99))},
			"flow_ms":       map[string]any{"p50": ms(percentile(flowLat, 50)), "p99": ms(percentile(flowLat, 99))},
		}
		if pub != nil {
			m["status_list_publications"] = pub.count.Load()
		}
		if err := a.writeJSON(m); err != nil {
			return err
		}
	} else {
		var tb table
		tb.add("issuer", where)
		tb.add("type", t.VCT)
		tb.add("flows", fmt.Sprintf("%d (%d failed), %d at a time, GOMAXPROCS %d", f.requests, failures.Load(), f.concurrency, runtime.GOMAXPROCS(0)))
		tb.add("elapsed", elapsed.Round(time.Millisecond).String())
		tb.add("credentials/s", fmt.Sprintf("%.0f", rate))
		tb.add("credential request", fmt.Sprintf("p50 %s  p99 %s", round(percentile(credLat, 50)), round(percentile(credLat, 99))))
		tb.add("whole flow", fmt.Sprintf("p50 %s  p99 %s", round(percentile(flowLat, 50)), round(percentile(flowLat, 99))))
		if err := tb.write(a.stdout); err != nil {
			return err
		}
	}
	if firstErr != nil {
		return fmt.Errorf("%d of %d flows failed; the first: %w", failures.Load(), f.requests, firstErr)
	}
	return nil
}

// benchFlow runs one issuance and returns the time of its credential
// request and of the whole flow.
func benchFlow(ctx context.Context, w *walletClient, offer offerer) (cred, flow time.Duration, err error) {
	start := time.Now()
	uri, txCode, err := offer(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("offer: %w", err)
	}
	res, err := w.redeem(ctx, uri, txCode)
	if err != nil {
		return 0, 0, err
	}
	return res.credentialTime, time.Since(start), nil
}

// percentile returns the p-th percentile of sorted durations (nearest
// rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(len(sorted)-1, i-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func round(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(10 * time.Microsecond).String()
	}
}

// trustAll stands in for the ledger in the in-process bench: it authorises
// the bench issuer for every type.
type trustAll struct{}

func (trustAll) IssuerAuthorised(context.Context, string, string) (bool, error) { return true, nil }

// recordingPublisher stands in for the ledger's status list publication:
// it counts the tokens and keeps the last per list.
type recordingPublisher struct {
	mu     sync.Mutex
	tokens map[string]string
	count  atomic.Int64
}

func (p *recordingPublisher) PublishStatusList(_ context.Context, uri, token string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tokens == nil {
		p.tokens = map[string]string{}
	}
	p.tokens[uri] = token
	p.count.Add(1)
	return nil
}

// startBenchIssuer starts an issuer on a loopback port, with SQLite in a
// temporary directory. stop shuts it down and removes the directory.
func startBenchIssuer(ctx context.Context, vct string) (*issuer.Issuer, string, *recordingPublisher, func(), error) {
	dir, err := os.MkdirTemp("", "seoulid-bench-")
	if err != nil {
		return nil, "", nil, nil, err
	}
	cleanups := []func(){func() { os.RemoveAll(dir) }}
	stop := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	fail := func(err error) (*issuer.Issuer, string, *recordingPublisher, func(), error) {
		stop()
		return nil, "", nil, nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, issuerDBFile))
	if err != nil {
		return fail(err)
	}
	cleanups = append(cleanups, func() { st.Close() })
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		return fail(err)
	}
	d := registry.DeriveDID(k.Public())
	k = k.WithKeyID(d + "#key-1")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	base := "http://" + ln.Addr().String()
	pub := &recordingPublisher{}
	is, err := issuer.New(k, st, trustAll{}, pub, nil, issuer.Config{URL: base, DID: d, Types: []string{vct}, StatusListURL: "https://" + ln.Addr().String() + "/status-lists"})
	if err != nil {
		ln.Close()
		return fail(err)
	}
	wallet, err := oid4vci.New(is, oid4vci.Config{PublicKey: k.Public(), Name: schemas.Text{schemas.Korean: "부하 시험", schemas.English: "Load test"}})
	if err != nil {
		ln.Close()
		return fail(err)
	}
	srv := &http.Server{Handler: wallet, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
	go func() { _ = srv.Serve(ln) }()
	cleanups = append(cleanups, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	return is, base, pub, stop, nil
}

// walletClient is the wallet's side of OpenID4VCI 1.0 with the
// pre-authorized code: enough of a wallet to redeem offers for the bench
// and the tests. It finds the endpoints in the issuer's metadata.
type walletClient struct {
	hc                                *http.Client
	issuerURL                         string
	tokenURL, nonceURL, credentialURL string
	configurations                    map[string]bool
}

// newWalletClient reads the Credential Issuer Metadata (§12.2.2) and the
// Authorization Server Metadata (RFC 8414 §3) of the issuer at base.
func newWalletClient(ctx context.Context, hc *http.Client, base string) (*walletClient, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q is not an issuer URL", base)
	}
	wellKnown := func(name string) string {
		return u.Scheme + "://" + u.Host + name + strings.TrimSuffix(u.EscapedPath(), "/")
	}
	var meta struct {
		CredentialIssuer     string                     `json:"credential_issuer"`
		CredentialEndpoint   string                     `json:"credential_endpoint"`
		NonceEndpoint        string                     `json:"nonce_endpoint"`
		AuthorizationServers []string                   `json:"authorization_servers"`
		Configurations       map[string]json.RawMessage `json:"credential_configurations_supported"`
	}
	if err := getJSON(ctx, hc, wellKnown(oid4vci.WellKnownCredentialIssuer), &meta); err != nil {
		return nil, fmt.Errorf("the issuer's metadata: %w", err)
	}
	if meta.CredentialIssuer != strings.TrimSuffix(base, "/") {
		return nil, fmt.Errorf("the issuer at %s calls itself %q", base, meta.CredentialIssuer)
	}
	as := wellKnown(oid4vci.WellKnownAuthServer)
	if len(meta.AuthorizationServers) > 0 {
		return nil, fmt.Errorf("the issuer at %s uses another authorization server; this client knows only issuers that are their own", base)
	}
	var asMeta struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := getJSON(ctx, hc, as, &asMeta); err != nil {
		return nil, fmt.Errorf("the issuer's authorization server metadata: %w", err)
	}
	w := &walletClient{hc: hc, issuerURL: meta.CredentialIssuer, tokenURL: asMeta.TokenEndpoint, nonceURL: meta.NonceEndpoint,
		credentialURL: meta.CredentialEndpoint, configurations: map[string]bool{}}
	for id := range meta.Configurations {
		w.configurations[id] = true
	}
	if w.tokenURL == "" || w.nonceURL == "" || w.credentialURL == "" {
		return nil, fmt.Errorf("the issuer at %s has no token, nonce or credential endpoint", base)
	}
	return w, nil
}

func getJSON(ctx context.Context, hc *http.Client, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.Unmarshal(b, out)
}

// redeemed is a credential a wallet received.
type redeemed struct {
	credential     string
	holder         *keys.PrivateKey
	credentialTime time.Duration // of the credential request alone
}

// redeem redeems an offer: the token request with the tx_code (§6), a
// nonce (§7), and the credential request with a JWT proof (§8, Appendix
// F.1) by a fresh holder key.
func (w *walletClient) redeem(ctx context.Context, offerURI, txCode string) (*redeemed, error) {
	issuerURL, configID, code, err := parseOfferURI(offerURI)
	if err != nil {
		return nil, err
	}
	if issuerURL != w.issuerURL {
		return nil, fmt.Errorf("the offer is from %s, not from %s", issuerURL, w.issuerURL)
	}
	if !w.configurations[configID] {
		return nil, fmt.Errorf("the offer is for %q, which the issuer's metadata does not list", configID)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	form := url.Values{"grant_type": {issuer.PreAuthorizedGrant}, "pre-authorized_code": {code}, "tx_code": {txCode}}
	if err := w.post(ctx, w.tokenURL, "application/x-www-form-urlencoded", []byte(form.Encode()), "", &tok); err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	var nonce struct {
		CNonce string `json:"c_nonce"`
	}
	if err := w.post(ctx, w.nonceURL, "", nil, "", &nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	holder, err := keys.Generate(keys.EdDSA)
	if err != nil {
		return nil, err
	}
	payload, err := jsonx.Marshal(map[string]any{"aud": w.issuerURL, "iat": time.Now().Unix(), "nonce": nonce.CNonce})
	if err != nil {
		return nil, err
	}
	proof, err := jws.Sign(ctx, holder, map[string]any{"typ": issuer.ProofType, "jwk": holder.Public().JWK()}, payload)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(map[string]any{"credential_configuration_id": configID, "proofs": map[string]any{"jwt": []string{proof}}})
	if err != nil {
		return nil, err
	}
	var cred struct {
		Credentials []struct {
			Credential string `json:"credential"`
		} `json:"credentials"`
	}
	start := time.Now()
	if err := w.post(ctx, w.credentialURL, "application/json", body, tok.AccessToken, &cred); err != nil {
		return nil, fmt.Errorf("credential: %w", err)
	}
	took := time.Since(start)
	if len(cred.Credentials) != 1 || cred.Credentials[0].Credential == "" {
		return nil, fmt.Errorf("credential: the issuer sent %d credentials for one proof", len(cred.Credentials))
	}
	return &redeemed{credential: cred.Credentials[0].Credential, holder: holder, credentialTime: took}, nil
}

// post sends a POST and decodes the JSON answer; an OAuth error answer is
// an error with its code and description.
func (w *walletClient) post(ctx context.Context, u, contentType string, body []byte, token string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(b, &e)
		return fmt.Errorf("%s: %s: %s", resp.Status, e.Error, e.Description)
	}
	return json.Unmarshal(b, out)
}

// parseOfferURI reads an openid-credential-offer URI with the offer by
// value (OpenID4VCI 1.0 §4.1.1): the issuer, the first configuration id,
// the pre-authorized code.
func parseOfferURI(uri string) (issuerURL, configID, code string, err error) {
	rest, ok := strings.CutPrefix(uri, "openid-credential-offer://")
	if !ok {
		return "", "", "", fmt.Errorf("%.40q… is not an openid-credential-offer URI", uri)
	}
	_, query, _ := strings.Cut(rest, "?")
	q, err := url.ParseQuery(query)
	if err != nil || len(q["credential_offer"]) != 1 {
		return "", "", "", errors.New("the offer URI carries no credential_offer")
	}
	m, err := jsonx.ParseObject([]byte(q.Get("credential_offer")))
	if err != nil {
		return "", "", "", fmt.Errorf("the credential offer: %w", err)
	}
	issuerURL, _ = m["credential_issuer"].(string)
	ids, _ := m["credential_configuration_ids"].([]any)
	grants, _ := m["grants"].(map[string]any)
	grant, _ := grants[issuer.PreAuthorizedGrant].(map[string]any)
	code, _ = grant["pre-authorized_code"].(string)
	if len(ids) > 0 {
		configID, _ = ids[0].(string)
	}
	if issuerURL == "" || configID == "" || code == "" {
		return "", "", "", errors.New("the credential offer lacks credential_issuer, credential_configuration_ids or a pre-authorized code")
	}
	return issuerURL, configID, code, nil
}
