package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/ops"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/node"
	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/programmes"
	vserver "github.com/seoulid/seoulid/verifier/server"
	"github.com/seoulid/seoulid/verifier/store/postgres"
	"github.com/seoulid/seoulid/verifier/store/sqlite"
)

const (
	verifierKeyFile = "verifier.jwk"
	verifierDBFile  = "verifier.db"
	purposesFile    = "purposes.json"
)

func newVerifierCmd(a *app) *cobra.Command {
	return group("verifier", "Run a verifier (the welfare portal, a clinic, a facility) and talk to it", `"verifier serve" runs an agency's verifier: the welfare portal page where a
citizen chooses a programme and answers with her wallet, the OpenID4VP
endpoints her wallet talks to, and the decisions with their reasons. The
other commands are its clients.`,
		newVerifierServeCmd(a), newVerifierProgrammesCmd(a), newVerifierRequestCmd(a), newVerifierDecisionCmd(a))
}

type verifierFlags struct {
	agency, agencyEn, dataDir, nodeURL, httpAddr, publicURL, postgres, keyFile, programmesDir, logLevel string
	purgeEvery                                                                                          time.Duration
	tls                                                                                                 tlsFlags
}

func newVerifierServeCmd(a *app) *cobra.Command {
	f := &verifierFlags{}
	cmd := &cobra.Command{
		Use:   "serve --agency NAME --data-dir DIR --node URL [--http ADDR] [--postgres URL] [--tls-cert F --tls-key F]",
		Short: "Run a verifier until interrupted",
		Long: `Run a verifier for the programmes (embedded, or --programmes DIR): the
portal page and its API at /, the OpenID4VP request objects at /request/ID
and the wallets' responses at /response/ID.

On first start it generates its signing key (DIR/verifier.jwk, 0600) and says
which registry command puts its DID on the ledger. It then checks that the
ledger registers it for every programme's purpose — what the programme asks,
for which purpose, under which law, kept how long — and if not, writes the
purposes to DIR/purposes.json and says which council command registers them:
a request outside the registered purpose cannot be made. Decisions are kept
for their programme's retention (SQLite in DIR, or --postgres) and purged.

It speaks HTTPS with --tls-cert and --tls-key, and answers /healthz, /readyz
(its store and the registry node answer) and /metrics (Prometheus: requests,
latencies, seoulid_decisions_total by programme and outcome).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serveVerifier(cmd.Context(), f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.agency, "agency", "", "the verifier's name in Korean, as the portal shows it")
	fl.StringVar(&f.agencyEn, "agency-en", "", "the verifier's name in English (default: --agency)")
	fl.StringVar(&f.dataDir, "data-dir", "", "directory of the verifier's key and state")
	fl.StringVar(&f.nodeURL, "node", "", "RPC address of a registry node, e.g. http://127.0.0.1:26657")
	fl.StringVar(&f.httpAddr, "http", "127.0.0.1:8090", "address to listen on")
	fl.StringVar(&f.publicURL, "url", "", "the verifier's public https URL (default: http://ADDR, for a loopback --http only)")
	fl.StringVar(&f.postgres, "postgres", "", "keep decisions in this PostgreSQL database instead of DIR/verifier.db")
	fl.StringVar(&f.keyFile, "key", "", "the signing key (default DIR/verifier.jwk, generated on first start)")
	fl.StringVar(&f.programmesDir, "programmes", "", "a directory of programme files that replace or add to the embedded ones")
	fl.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fl.DurationVar(&f.purgeEvery, "purge-every", time.Minute, "how often to purge decisions whose retention ended")
	f.tls.register(fl)
	_ = cmd.MarkFlagRequired("agency")
	_ = cmd.MarkFlagRequired("data-dir")
	_ = cmd.MarkFlagRequired("node")
	return cmd
}

func (a *app) serveVerifier(ctx context.Context, f *verifierFlags) error {
	lv, err := parseLevel(f.logLevel)
	if err != nil {
		return err
	}
	if f.agencyEn == "" {
		f.agencyEn = f.agency
	}
	cat, err := loadProgrammes(f.programmesDir)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: lv}))
	ls, err := listenService(f.nodeURL, f.dataDir, f.httpAddr, f.publicURL, "verifier", &f.tls)
	if err != nil {
		return err
	}
	defer ls.ln.Close()
	remote, ln, publicURL := ls.remote, ls.ln, ls.publicURL

	key, d, keyFile, err := a.serviceKey(f.dataDir, f.keyFile, verifierKeyFile, "verifier")
	if err != nil {
		return err
	}
	if err := checkVerifierDID(ctx, remote, key, d, keyFile, f.nodeURL); err != nil {
		return err
	}
	if err := a.checkPurposes(ctx, remote, cat, d, f); err != nil {
		return err
	}

	var st verifier.Store
	storeName := filepath.Join(f.dataDir, verifierDBFile)
	if f.postgres != "" {
		if st, err = postgres.Open(ctx, f.postgres); err != nil {
			return fmt.Errorf("--postgres: %w", err)
		}
		storeName = "postgresql"
	} else if st, err = sqlite.Open(ctx, storeName); err != nil {
		return fmt.Errorf("opening %s: %w", storeName, err)
	}
	defer st.Close()

	o := ops.New("verifier")
	srv, err := vserver.New(vserver.Config{Key: key, DID: d, URL: publicURL, Programmes: cat, Store: st, Ledger: remote, OnDecided: vserver.Instrument(o, st, pingNode(remote)),
		Name: map[string]string{"ko": f.agency, "en": f.agencyEn}, PurgeEvery: f.purgeEvery, Logger: logger, Now: a.now})
	if err != nil {
		return err
	}
	// Long enough for a decision's long poll.
	hs := newServiceServer(o.Handler(srv), logger, 90*time.Second)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	purgeCtx, cancelPurge := context.WithCancel(ctx)
	purged := make(chan struct{})
	go func() {
		defer close(purged)
		srv.Run(purgeCtx)
	}()
	var ids []string
	for _, p := range cat.Programmes() {
		ids = append(ids, p.ID())
	}
	logger.Info("verifier running", "agency", f.agency, "url", publicURL, "addr", ln.Addr().String(), "did", d,
		"programmes", strings.Join(ids, ","), "store", storeName, "node", f.nodeURL)

	var failed error
	select {
	case <-ctx.Done():
	case err := <-served:
		failed = fmt.Errorf("--http: %w", err)
	}
	logger.Info("stopping")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		logger.Warn("http server shutdown", "err", err)
	}
	cancelPurge()
	<-purged
	logger.Info("stopped")
	return failed
}

func loadProgrammes(dir string) (*programmes.Catalogue, error) {
	if dir == "" {
		return programmes.Load()
	}
	cat, err := programmes.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--programmes: %w", err)
	}
	return cat, nil
}

// checkVerifierDID checks that the verifier's DID is on the ledger and
// active, with its key for authentication (request objects) and
// assertionMethod (acknowledgements).
func checkVerifierDID(ctx context.Context, remote *node.Remote, k *keys.PrivateKey, d, keyFile, nodeURL string) error {
	var rec registry.DIDRecord
	err := remote.Query(ctx, "/did/"+d, &rec)
	switch {
	case errors.Is(err, node.ErrNotFound):
		return fmt.Errorf("%s is not on the ledger: an agency must create it with: seoulid registry did create --key AGENCY.jwk --new-key %s --node %s; then start the verifier again", d, keyFile, nodeURL)
	case err != nil:
		return fmt.Errorf("cannot reach the node at %s (--node): %w", nodeURL, err)
	case rec.Deactivated:
		return fmt.Errorf("%s is deactivated on the ledger", d)
	}
	doc := rec.Latest().Document(d)
	for _, rel := range []did.RelationshipKind{did.Authentication, did.AssertionMethod} {
		pub, err := doc.Key(k.KeyID(), rel)
		if err != nil || !pub.Equal(k.Public()) {
			return fmt.Errorf("%s is not an %s key of %s on the ledger, and must be: it signs requests and receipts", k.KeyID(), rel, d)
		}
	}
	return nil
}

// checkPurposes checks the ledger registers the verifier for every
// programme's purpose exactly as the programme asks; if not, it writes
// them to DIR/purposes.json and says which command registers them.
func (a *app) checkPurposes(ctx context.Context, remote *node.Remote, cat *programmes.Catalogue, d string, f *verifierFlags) error {
	var want []programmes.Purpose
	for _, p := range cat.Programmes() {
		want = append(want, p.Purpose())
	}
	wantJSON, err := json.Marshal(want)
	if err != nil {
		return err
	}
	var wantReg []registry.Purpose
	if err := json.Unmarshal(wantJSON, &wantReg); err != nil {
		return fmt.Errorf("the programmes' purposes: %w", err)
	}
	e, err := remote.Verifier(ctx, d)
	if err != nil {
		return fmt.Errorf("cannot reach the node at %s (--node): %w", f.nodeURL, err)
	}
	if e != nil && purposesEqual(e.Purposes, wantReg) {
		return nil
	}
	file := filepath.Join(f.dataDir, purposesFile)
	b, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return fmt.Errorf("the ledger does not register %s for its programmes' purposes: the council registers them with: seoulid registry trust register-verifier --key MEMBER.jwk… --did %s --purposes %s --node %s; then start the verifier again", d, d, file, f.nodeURL)
}

func purposesEqual(a, b []registry.Purpose) bool {
	ja, _ := jsonx.Marshal(a)
	jb, _ := jsonx.Marshal(b)
	return bytes.Equal(ja, jb)
}

func newVerifierProgrammesCmd(a *app) *cobra.Command {
	var lang, dir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "programmes [--lang ko|en] [--programmes DIR] [--json]",
		Short: "List the programmes a verifier decides on, with what each asks and why",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if lang != "ko" && lang != "en" {
				return usageError{fmt.Errorf("--lang %q: ko or en", lang)}
			}
			cat, err := loadProgrammes(dir)
			if err != nil {
				return err
			}
			if asJSON {
				var out []any
				for _, p := range cat.Programmes() {
					out = append(out, map[string]any{"id": p.ID(), "version": p.Version(), "name": p.Name(), "purpose": p.Purpose(), "criteria": p.Criteria()})
				}
				return a.writeJSON(map[string]any{"programmes": out})
			}
			t := &table{}
			t.add("PROGRAMME", "NAME", "KEPT", "ASKS FOR")
			for _, p := range cat.Programmes() {
				name := p.Name().Ko
				if lang == "en" {
					name = p.Name().En
				}
				var asks []string
				for _, c := range p.Purpose().Claims {
					var paths []string
					for _, path := range c.Paths {
						paths = append(paths, path.String())
					}
					asks = append(asks, strings.TrimPrefix(c.VCT, "urn:seoulid:vct:")+" ("+strings.Join(paths, ", ")+")")
				}
				slices.Sort(asks)
				t.add(p.ID(), name, p.Purpose().Retention, strings.Join(asks, "; "))
			}
			return t.write(a.stdout)
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "ko", "ko or en")
	cmd.Flags().StringVar(&dir, "programmes", "", "a directory of programme files that replace or add to the embedded ones")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// verifierClient calls a verifier's portal API.
type verifierClient struct {
	base string
	hc   *http.Client
}

func newVerifierClient(raw string) (*verifierClient, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopbackHost(u.Hostname()))) {
		return nil, usageError{fmt.Errorf("--verifier %q is not a verifier URL (https, or http on loopback)", raw)}
	}
	return &verifierClient{base: strings.TrimSuffix(raw, "/"), hc: &http.Client{Timeout: 90 * time.Second}}, nil
}

func (c *verifierClient) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the verifier: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(b, &e)
		return fmt.Errorf("the verifier refused: %s: %s", e.Error, e.Description)
	}
	return json.Unmarshal(b, out)
}

func newVerifierRequestCmd(a *app) *cobra.Command {
	var verifierURL string
	var params []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "request PROGRAMME --verifier URL [--param NAME=VALUE]… [--json]",
		Short: "Start a request for a programme; print its id and the openid4vp:// URI a wallet opens",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newVerifierClient(verifierURL)
			if err != nil {
				return err
			}
			p := map[string]string{}
			for _, kv := range params {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return usageError{fmt.Errorf("--param %q: NAME=VALUE", kv)}
				}
				p[k] = v
			}
			var out map[string]any
			if err := c.call(cmd.Context(), http.MethodPost, "/api/requests", map[string]any{"programme": args[0], "parameters": p}, &out); err != nil {
				return err
			}
			if asJSON {
				delete(out, "qr")
				return a.writeJSON(out)
			}
			fmt.Fprintf(a.stdout, "request %v\n%v\n", out["id"], out["uri"])
			return nil
		},
	}
	cmd.Flags().StringVar(&verifierURL, "verifier", "", "the verifier's URL")
	cmd.Flags().StringArrayVar(&params, "param", nil, "a programme parameter, NAME=VALUE (repeatable)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("verifier")
	return cmd
}

func newVerifierDecisionCmd(a *app) *cobra.Command {
	var verifierURL, lang string
	var wait time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "decision ID --verifier URL [--wait D] [--lang ko|en] [--json]",
		Short: "Show a request's status and, once decided, the decision with a reason per criterion",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if lang != "ko" && lang != "en" {
				return usageError{fmt.Errorf("--lang %q: ko or en", lang)}
			}
			c, err := newVerifierClient(verifierURL)
			if err != nil {
				return err
			}
			var st map[string]any
			if err := c.call(cmd.Context(), http.MethodGet, "/api/requests/"+url.PathEscape(args[0])+"?wait="+wait.String(), nil, &st); err != nil {
				return err
			}
			if asJSON {
				return a.writeJSON(st)
			}
			return a.printDecision(st, lang)
		},
	}
	cmd.Flags().StringVar(&verifierURL, "verifier", "", "the verifier's URL")
	cmd.Flags().DurationVar(&wait, "wait", 0, "wait up to this long for a pending request to be decided")
	cmd.Flags().StringVar(&lang, "lang", "ko", "ko or en")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("verifier")
	return cmd
}

// printDecision writes a status as the portal's API returns it.
func (a *app) printDecision(st map[string]any, lang string) error {
	state, _ := st["state"].(string)
	fmt.Fprintf(a.stdout, "request %v: %s\n", st["id"], state)
	if reason, _ := st["reason"].(string); reason != "" {
		fmt.Fprintf(a.stdout, "  %s\n", reason)
	}
	d, _ := st["decision"].(map[string]any)
	if d == nil {
		return nil
	}
	fmt.Fprintf(a.stdout, "outcome: %v\n", d["outcome"])
	t := &table{}
	crit, _ := d["criteria"].([]any)
	for _, c := range crit {
		m, _ := c.(map[string]any)
		label, _ := m["label"].(map[string]any)
		reason, _ := m["reason"].(map[string]any)
		t.add("  "+fmt.Sprint(label[lang]), fmt.Sprint(m["outcome"]), fmt.Sprint(reason[lang]))
	}
	return t.write(a.stdout)
}
