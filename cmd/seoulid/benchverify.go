package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier/programmes"
	vserver "github.com/seoulid/seoulid/verifier/server"
	"github.com/seoulid/seoulid/verifier/store/sqlite"
)

func newBenchVerifyCmd(a *app) *cobra.Command {
	var concurrency, requests int
	var asJSON bool
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "verify --concurrency N --requests M [--cpuprofile FILE] [--json]",
		Short: "Run M presentations with decisions, N at a time, against a verifier in this process",
		Long: `Run M complete OpenID4VP exchanges, N at a time, over real loopback HTTP,
against a verifier in this process (the portal API, the wallet-facing
endpoints, the pipeline, the Citizen Card facility-entry programme, decision
records in SQLite in a temporary directory), and print presentations with
decisions per second and the 50th and 99th percentile latencies of the
response and of the whole exchange.

One exchange is: the portal starts a request (POST /api/requests), the
"wallet" fetches the request object and checks its signature, presents a
Citizen Card with two disclosures and a key-binding JWT (direct_post), and
the portal's status says "decided". The ledger is an in-memory stand-in
holding the issuer's and the verifier's keys and the issuer's status list.
Both sides share this machine's cores.

It also prints the CPU time of one exchange (both sides) and, measured before
the run on this machine, the signature floor of an exchange (two Ed25519
signatures and verifications, one ES256 signature and verification), with the
CPU per exchange as a multiple of it. With --cpuprofile the profile labels
the verifier's goroutines side=verifier and the load generator's side=wallet
(go tool pprof -tags FILE).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if concurrency < 1 || concurrency > 10000 || requests < 1 {
				return usageError{fmt.Errorf("--concurrency must be 1 to 10000 and --requests at least 1")}
			}
			return a.benchVerify(cmd.Context(), concurrency, requests, asJSON, cpuProfile)
		},
	}
	cmd.Flags().IntVar(&concurrency, "concurrency", 0, "exchanges at a time")
	cmd.Flags().IntVar(&requests, "requests", 0, "exchanges in all")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to FILE")
	_ = cmd.MarkFlagRequired("concurrency")
	_ = cmd.MarkFlagRequired("requests")
	return cmd
}

// benchLedger is the ledger as the bench's verifier and wallet read it:
// two DIDs with one key each, the issuer authorised, one status list.
type benchLedger struct {
	keys   map[string]*keys.PublicKey // DID URL → key
	issuer string
	list   string
	token  string

	mu   sync.Mutex
	docs map[string]*did.Document // resolved, by DID
}

func (l *benchLedger) KeyAt(_ context.Context, kid string, _ did.RelationshipKind, _ time.Time) (*keys.PublicKey, error) {
	if k, ok := l.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: %s", did.ErrKeyNotFound, kid)
}

func (l *benchLedger) IssuerAuthorised(_ context.Context, iss, _ string) (bool, error) {
	return iss == l.issuer, nil
}

func (l *benchLedger) StatusToken(_ context.Context, uri string) (string, string, error) {
	if uri != l.list {
		return "", "", fmt.Errorf("no status list %s", uri)
	}
	return l.token, l.issuer, nil
}

func (l *benchLedger) Resolve(_ context.Context, d string) (*did.Document, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if doc, ok := l.docs[d]; ok {
		return doc, nil // a wallet caches what it resolved, as this one does
	}
	doc := &did.Document{ID: d}
	for kid, k := range l.keys {
		if strings.HasPrefix(kid, d+"#") {
			doc.VerificationMethod = append(doc.VerificationMethod, did.VerificationMethod{ID: kid, Type: "JsonWebKey2020", Controller: d, PublicKeyJwk: k.JWK()})
			doc.Authentication = append(doc.Authentication, did.Relationship{Reference: kid})
			doc.AssertionMethod = append(doc.AssertionMethod, did.Relationship{Reference: kid})
		}
	}
	if doc.VerificationMethod == nil {
		return nil, fmt.Errorf("%w: %s", did.ErrNotFound, d)
	}
	if l.docs == nil {
		l.docs = map[string]*did.Document{}
	}
	l.docs[d] = doc
	return doc, nil
}

// newBenchKey makes a did:seoul key named by its DID URL.
func newBenchKey(alg keys.Algorithm) (*keys.PrivateKey, string, error) {
	k, err := keys.Generate(alg)
	if err != nil {
		return nil, "", err
	}
	d := registry.DeriveDID(k.Public())
	return k.WithKeyID(d + "#key-1"), d, nil
}

func (a *app) benchVerify(ctx context.Context, concurrency, requests int, asJSON bool, cpuProfile string) error {
	const cardVCT = "urn:seoulid:vct:seoul-citizen-card:1"
	issKey, issDID, err := newBenchKey(keys.EdDSA)
	if err != nil {
		return err
	}
	verKey, verDID, err := newBenchKey(keys.EdDSA)
	if err != nil {
		return err
	}
	list, err := statuslist.New(registry.MinStatusListEntries, 2)
	if err != nil {
		return err
	}
	l := &benchLedger{keys: map[string]*keys.PublicKey{issKey.KeyID(): issKey.Public(), verKey.KeyID(): verKey.Public()},
		issuer: issDID, list: "https://bench.example/status/1"}
	if l.token, err = statuslist.Sign(ctx, issKey, statuslist.Claims{Subject: l.list, IssuedAt: time.Now(), List: list}); err != nil {
		return err
	}

	// The citizen's card, issued once.
	ty, err := schemas.Default().Lookup(cardVCT)
	if err != nil {
		return err
	}
	holder, err := keys.Generate(keys.ES256)
	if err != nil {
		return err
	}
	c, err := ty.Credential(issDID, time.Now().Add(-time.Minute), ty.Example())
	if err != nil {
		return err
	}
	c.Holder, c.Status = holder.Public(), statuslist.Reference{Index: 7, URI: l.list}.Claim()
	card, err := sdjwtvc.Issue(ctx, issKey, c, sdjwtvc.IssueOptions{})
	if err != nil {
		return err
	}
	paths, err := sdjwt.ParsePaths("resident_of_seoul,facility_memberships[*].facility_id")
	if err != nil {
		return err
	}
	shown, err := card.Select(paths...)
	if err != nil {
		return err
	}

	// The verifier, on loopback.
	dir, err := os.MkdirTemp("", "seoulid-bench-verify")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "verifier.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	cat, err := programmes.Load()
	if err != nil {
		return err
	}
	verifierSrv, err := vserver.New(vserver.Config{Key: verKey, DID: verDID, URL: base, Programmes: cat, Store: st, Ledger: l, Mode: vp.ResponseModeDirectPost})
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: verifierSrv, ReadHeaderTimeout: 5 * time.Second}
	// The profile labels what the verifier does side=verifier and what the
	// load generator does side=wallet (goroutines inherit the label: the
	// server's connections, the client's transport), so that
	// go tool pprof -tagfocus side=verifier shows the verifier alone.
	go pprof.Do(ctx, pprof.Labels("side", "verifier"), func(context.Context) { srv.Serve(ln) })
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	hc := newBenchHTTP(concurrency)

	flow := func(ctx context.Context) (resp, whole time.Duration, err error) {
		start := time.Now()
		var started struct {
			ID, URI string
		}
		if err := benchJSON(ctx, hc, http.MethodPost, base+"/api/requests?qr=false",
			map[string]any{"programme": "citizen-card-facility-entry", "parameters": map[string]string{"facility_id": "SEOUL-LIB-0001"}}, &started); err != nil {
			return 0, 0, fmt.Errorf("starting: %w", err)
		}
		u, err := url.Parse(started.URI)
		if err != nil {
			return 0, 0, err
		}
		ref, err := vp.ParseRequestReference(u.RawQuery)
		if err != nil {
			return 0, 0, err
		}
		obj, err := benchGet(ctx, hc, ref.RequestURI)
		if err != nil {
			return 0, 0, fmt.Errorf("the request object: %w", err)
		}
		ro, err := vp.ParseRequestObject(ctx, obj, ref.ClientID, l, vp.RequestOptions{})
		if err != nil {
			return 0, 0, err
		}
		kb, err := shown.WithKeyBinding(ctx, holder, sdjwt.KeyBindingInput{Audience: ro.ClientID, Nonce: ro.Nonce})
		if err != nil {
			return 0, 0, err
		}
		body, err := vp.DirectPostBody(&ro.AuthorizationRequest, &vp.AuthorizationResponse{VPToken: vp.VPToken{"card": {kb.String()}}})
		if err != nil {
			return 0, 0, err
		}
		rs := time.Now()
		r, err := hc.do(ctx, http.MethodPost, ro.ResponseURI, "application/x-www-form-urlencoded", []byte(body))
		if err != nil {
			return 0, 0, err
		}
		if r.status != http.StatusOK {
			return 0, 0, fmt.Errorf("the response was refused: HTTP %d: %s", r.status, r.body)
		}
		resp = time.Since(rs)
		var status struct {
			State    string
			Decision struct{ Outcome string }
		}
		if err := benchJSON(ctx, hc, http.MethodGet, base+"/api/requests/"+started.ID, nil, &status); err != nil {
			return 0, 0, err
		}
		if status.State != "decided" || status.Decision.Outcome != "eligible" {
			return 0, 0, fmt.Errorf("the portal says %s / %s, not decided / eligible", status.State, status.Decision.Outcome)
		}
		return resp, time.Since(start), nil
	}

	var warm error
	pprof.Do(ctx, pprof.Labels("side", "wallet"), func(ctx context.Context) {
		for range min(concurrency, 8) {
			if _, _, err := flow(ctx); err != nil {
				warm = fmt.Errorf("warming up: %w", err)
				return
			}
		}
	})
	if warm != nil {
		return warm
	}
	if cpuProfile != "" {
		pf, err := os.Create(cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", describePathErr(err))
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	floor, err := exchangeFloor(ctx, issKey, holder)
	if err != nil {
		return err
	}
	cpuBefore := cpuTime()
	respLat := make([]time.Duration, requests)
	flowLat := make([]time.Duration, requests)
	var next, failures atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go pprof.Do(ctx, pprof.Labels("side", "wallet"), func(ctx context.Context) {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= requests || ctx.Err() != nil {
					return
				}
				r, f, err := flow(ctx)
				if err != nil {
					failures.Add(1)
					once.Do(func() { firstErr = err })
					continue
				}
				respLat[i], flowLat[i] = r, f
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpuPer := (cpuTime() - cpuBefore) / time.Duration(requests)
	if err := ctx.Err(); err != nil {
		return err
	}
	ok := requests - int(failures.Load())
	respLat = slices.DeleteFunc(respLat, func(d time.Duration) bool { return d == 0 })
	flowLat = slices.DeleteFunc(flowLat, func(d time.Duration) bool { return d == 0 })
	slices.Sort(respLat)
	slices.Sort(flowLat)
	rate := float64(ok) / elapsed.Seconds()
	if asJSON {
		if err := a.writeJSON(map[string]any{
			"programme": "citizen-card-facility-entry", "concurrency": concurrency, "requests": requests, "failed": int(failures.Load()),
			"seconds": elapsed.Seconds(), "decisions_per_second": rate, "gomaxprocs": runtime.GOMAXPROCS(0),
			"cpu_ms_per_exchange": ms(cpuPer), "floor_ms_per_exchange": ms(floor), "x_floor": float64(cpuPer) / float64(floor),
			"response_ms": map[string]any{"p50": ms(percentile(respLat, 50)), "p99": ms(percentile(respLat, 99))},
			"flow_ms":     map[string]any{"p50": ms(percentile(flowLat, 50)), "p99": ms(percentile(flowLat, 99))},
		}); err != nil {
			return err
		}
	} else {
		var tb table
		tb.add("verifier", "in process, SQLite, loopback HTTP")
		tb.add("programme", "citizen-card-facility-entry")
		tb.add("exchanges", fmt.Sprintf("%d (%d failed), %d at a time, GOMAXPROCS %d", requests, failures.Load(), concurrency, runtime.GOMAXPROCS(0)))
		tb.add("elapsed", elapsed.Round(time.Millisecond).String())
		tb.add("decisions/s", fmt.Sprintf("%.0f", rate))
		tb.add("CPU per exchange", fmt.Sprintf("%s (both sides; %.0f/s if %d cores were all busy)", round(cpuPer), float64(runtime.GOMAXPROCS(0))*float64(time.Second)/float64(cpuPer), runtime.GOMAXPROCS(0)))
		tb.add("signature floor", fmt.Sprintf("%s per exchange, measured now; CPU per exchange is %.1f x the floor", round(floor), float64(cpuPer)/float64(floor)))
		tb.add("response", fmt.Sprintf("p50 %s  p99 %s", round(percentile(respLat, 50)), round(percentile(respLat, 99))))
		tb.add("whole exchange", fmt.Sprintf("p50 %s  p99 %s", round(percentile(flowLat, 50)), round(percentile(flowLat, 99))))
		if err := tb.write(a.stdout); err != nil {
			return err
		}
	}
	if firstErr != nil {
		return fmt.Errorf("%d of %d exchanges failed; the first: %w", failures.Load(), requests, firstErr)
	}
	return nil
}

// exchangeFloor is the CPU time of the signatures of one exchange,
// measured now on this machine: the verifier signs the request object and
// the acknowledgement (Ed25519) and verifies the issuer's signature
// (Ed25519) and the key binding (ES256); the wallet verifies the request
// object (Ed25519) and signs the key binding (ES256).
func exchangeFloor(ctx context.Context, ed, es *keys.PrivateKey) (time.Duration, error) {
	msg := make([]byte, 600)
	edSig, err := ed.Sign(ctx, msg)
	if err != nil {
		return 0, err
	}
	esSig, err := es.Sign(ctx, msg)
	if err != nil {
		return 0, err
	}
	// The least of several batches, timed by the wall clock on one
	// goroutine while nothing else runs (the process's CPU time ticks too
	// coarsely here): this machine's neighbours only ever slow a batch down.
	best := func(op func() error) (time.Duration, error) {
		const batches, n = 7, 50
		var least time.Duration
		for b := range batches {
			start := time.Now()
			for range n {
				if err := op(); err != nil {
					return 0, err
				}
			}
			if d := time.Since(start) / n; b == 0 || d < least {
				least = d
			}
		}
		return least, nil
	}
	edSign, err := best(func() error { _, err := ed.Sign(ctx, msg); return err })
	if err != nil {
		return 0, err
	}
	edVerify, err := best(func() error { return ed.Public().Verify(keys.EdDSA, msg, edSig) })
	if err != nil {
		return 0, err
	}
	esSign, err := best(func() error { _, err := es.Sign(ctx, msg); return err })
	if err != nil {
		return 0, err
	}
	esVerify, err := best(func() error { return es.Public().Verify(keys.ES256, msg, esSig) })
	if err != nil {
		return 0, err
	}
	return 2*edSign + 2*edVerify + esSign + esVerify, nil
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchJSON(ctx context.Context, hc *benchHTTP, method, u string, body, out any) error {
	var b []byte
	ct := ""
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return err
		}
		ct = "application/json"
	}
	r, err := hc.do(ctx, method, u, ct, b)
	if err != nil {
		return err
	}
	if r.status/100 != 2 {
		return fmt.Errorf("HTTP %d: %s", r.status, r.body)
	}
	return json.Unmarshal(r.body, out)
}

func benchGet(ctx context.Context, hc *benchHTTP, u string) (string, error) {
	r, err := hc.do(ctx, http.MethodGet, u, "", nil)
	if err != nil {
		return "", err
	}
	if r.status != http.StatusOK {
		return "", errors.New(string(r.body))
	}
	return string(r.body), nil
}
