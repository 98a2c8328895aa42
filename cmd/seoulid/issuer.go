package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/ops"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/backoffice"
	"github.com/seoulid/seoulid/issuer/server"
	"github.com/seoulid/seoulid/issuer/store/postgres"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/node"
	"github.com/seoulid/seoulid/schemas"
)

// The files an issuer keeps in its data directory.
const (
	issuerKeyFile     = "issuer.jwk"     // its signing key, when --key is not given
	issuerDBFile      = "issuer.db"      // its SQLite store, when --postgres is not given
	operatorTokenFile = "operator-token" // the first operator's token
)

func newIssuerCmd(a *app) *cobra.Command {
	return group("issuer", "Run an agency's credential issuer; operate it from the command line",
		`"issuer serve" runs an agency's credential issuer: the OpenID4VCI endpoints
wallets redeem offers at, and the back office (/admin/v1/) where the agency's
staff make offers and revoke credentials. The other commands are clients of
that back office: each needs the issuer's URL (--issuer) and an operator's
token (--token-file; serve writes the first one to DIR/operator-token).`,
		newIssuerServeCmd(a), newIssuerOfferCmd(a),
		newIssuerStatusCmd(a, "revoke", "Revoke a credential (final)"),
		newIssuerStatusCmd(a, "suspend", "Suspend a credential"),
		newIssuerStatusCmd(a, "reinstate", "Reinstate a suspended credential"),
		newIssuerListCmd(a, "credentials", "List issued credentials, newest first"),
		newIssuerListCmd(a, "offers", "List offers, newest first"),
		newIssuerListCmd(a, "audit", "Show the audit log and check its hash chain"))
}

// serveFlags are the settings of issuer serve.
type serveFlags struct {
	agency, agencyEn    string
	dataDir, nodeURL    string
	httpAddr, publicURL string
	statusURL           string
	postgres, keyFile   string
	types               []string
	dev                 bool
	level               string
	publishEvery        time.Duration
	tls                 tlsFlags
}

func newIssuerServeCmd(a *app) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve --agency NAME --data-dir DIR --node URL [--http ADDR] [--url PUBLIC_URL] [--postgres URL] [--key FILE] [--types VCT,…] [--dev] [--tls-cert F --tls-key F]",
		Short: "Run a credential issuer until interrupted",
		Long: `Run an agency's credential issuer, logging to standard error, until SIGINT or
SIGTERM. It serves, on --http (default 127.0.0.1:8443), the wallet-facing
OpenID4VCI endpoints (metadata, token, nonce, credential, status lists) and the
back office under /admin/v1/.

The issuer signs with a key of its own did:seoul, which must be on the ledger
as an assertionMethod key (it signs credentials) and a capabilityInvocation
key (it publishes status lists). With --key FILE it is that private JWK, named
by its DID URL (an agency key from "node init", kid did:seoul:…#key-1). Without
--key it is DIR/issuer.jwk, generated on the first start: the command then
prints the "registry did create" command an agency must run to put its DID on
the ledger, and refuses to serve until the DID is there.

Its credential types are --types (vcts or catalogue slugs), or by default
every catalogue type the ledger authorises its DID for; the council authorises
them with "registry trust authorise-issuer".

State is kept in DIR/issuer.db (SQLite), or in PostgreSQL with --postgres.
On the first start the issuer creates a first operator and writes its token
to DIR/operator-token, readable by its owner only. Changed status lists are
published to the ledger every --publish-interval (2s), under --status-url
(default URL/status-lists; the ledger takes https URIs only, so an issuer on
an http loopback URL names them https://ADDR/status-lists/N, to be read from
the ledger).

The issuer speaks plain HTTP, or HTTPS with --tls-cert and --tls-key. Without
--url its public URL is http://ADDR (https://ADDR with TLS), which is allowed
on a loopback address only, for development; in production the issuer listens
on an internal address behind a reverse proxy that terminates TLS, and --url
is the proxy's https URL. It answers /healthz, /readyz (its store and the
registry node answer) and /metrics (Prometheus: requests, latencies,
seoulid_credentials_issued_total). Only staff should reach
/admin/v1/: route only the wallet-facing paths from the internet.

With --dev the tx_code of every offer is written to the log, as if sent by
SMS; without it the log says only that it was sent.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serveIssuer(cmd.Context(), &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.agency, "agency", "", "the agency's name, shown to citizens in their wallet (Korean)")
	fl.StringVar(&f.agencyEn, "agency-en", "", "the agency's name in English (default: --agency)")
	fl.StringVar(&f.dataDir, "data-dir", "", "directory of the issuer's key, database and first operator token")
	fl.StringVar(&f.nodeURL, "node", "", "RPC address of a registry node, e.g. http://127.0.0.1:26657")
	fl.StringVar(&f.httpAddr, "http", "127.0.0.1:8443", "address to listen on (host:port)")
	fl.StringVar(&f.publicURL, "url", "", "the issuer's public URL, the Credential Issuer Identifier (default http://ADDR, loopback only)")
	fl.StringVar(&f.statusURL, "status-url", "", "the base of status list URIs, https (default URL/status-lists; https://ADDR/status-lists for an http URL)")
	fl.StringVar(&f.postgres, "postgres", "", "keep state in PostgreSQL at this connection URL instead of DIR/issuer.db")
	fl.StringVar(&f.keyFile, "key", "", "the issuer's signing key, a private JWK with a did:seoul kid (default: DIR/issuer.jwk, generated)")
	fl.StringSliceVar(&f.types, "types", nil, "credential types to offer, vcts or slugs (default: every type the ledger authorises)")
	fl.BoolVar(&f.dev, "dev", false, "development: write tx_codes to the log")
	fl.StringVar(&f.level, "log-level", "info", "least severe log level: debug, info, warn or error")
	fl.DurationVar(&f.publishEvery, "publish-interval", 2*time.Second, "how often changed status lists are published to the ledger")
	f.tls.register(fl)
	for _, name := range []string{"agency", "data-dir", "node"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func (a *app) serveIssuer(ctx context.Context, f *serveFlags) error {
	lv, err := parseLevel(f.level)
	if err != nil {
		return err
	}
	if strings.TrimSpace(f.agency) == "" {
		return usageError{errors.New("--agency: the agency's name is empty")}
	}
	if f.agencyEn == "" {
		f.agencyEn = f.agency
	}
	if f.publishEvery <= 0 {
		return usageError{fmt.Errorf("--publish-interval must be positive, not %s", f.publishEvery)}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: lv}))
	ls, err := listenService(f.nodeURL, f.dataDir, f.httpAddr, f.publicURL, "issuer", &f.tls)
	if err != nil {
		return err
	}
	defer ls.ln.Close()
	remote, ln, publicURL := ls.remote, ls.ln, ls.publicURL
	statusURL, err := statusListURL(f.statusURL, publicURL)
	if err != nil {
		return err
	}

	key, d, keyFile, err := a.issuerKey(f.dataDir, f.keyFile)
	if err != nil {
		return err
	}
	if err := checkIssuerDID(ctx, remote, key, d, keyFile, f.nodeURL); err != nil {
		return err
	}
	vcts, err := issuerTypes(ctx, remote, d, f.types, logger)
	if err != nil {
		return err
	}

	st, storeName, err := openIssuerStore(ctx, f.dataDir, f.postgres)
	if err != nil {
		return err
	}
	defer st.Close()

	o := ops.New("issuer")
	srv, err := server.New(server.Config{Key: key, DID: d, Types: vcts, URL: publicURL, StatusListURL: statusURL, OnIssued: server.Instrument(o, st, pingNode(remote)),
		Name: schemas.Text{schemas.Korean: f.agency, schemas.English: f.agencyEn}, Store: st, Trust: remote,
		Publisher: &node.StatusPublisher{Remote: remote, Signer: key, DID: d}, Dev: f.dev, PublishInterval: f.publishEvery,
		Logger: logger, Now: a.now})
	if err != nil {
		return err
	}
	tokenFile := filepath.Join(f.dataDir, operatorTokenFile)
	if made, err := srv.EnsureOperator(ctx, f.agency+" (first operator)", tokenFile); err != nil {
		return err
	} else if made {
		fmt.Fprintf(a.stdout, "created the first operator; its token is in %s (readable by its owner only): use it with --token-file, and add other operators from the back office\n", tokenFile)
	}
	hs := newServiceServer(o.Handler(srv), logger, 30*time.Second)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	pubCtx, cancelPub := context.WithCancel(ctx)
	published := make(chan error, 1)
	go func() { published <- srv.Run(pubCtx) }()
	logger.Info("issuer running", "agency", f.agency, "url", publicURL, "addr", ln.Addr().String(), "did", d, "types", strings.Join(vcts, ","), "store", storeName, "node", f.nodeURL, "dev", f.dev)

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
	// Run publishes the status changes made since its last tick before it
	// returns: they reach the ledger before the issuer stops.
	cancelPub()
	if err := <-published; err != nil {
		logger.Error("publishing status lists before stopping", "err", err)
	}
	logger.Info("stopped")
	return failed
}

// statusListURL is the base of the issuer's status list URIs. The ledger
// takes https URIs only: an issuer on a loopback http URL (development)
// names its lists https://HOST/status-lists/N, which nothing serves — the
// lists are read from the ledger.
func statusListURL(flag, publicURL string) (string, error) {
	if flag != "" {
		u, err := url.Parse(flag)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return "", usageError{fmt.Errorf("--status-url %q is not an https URL: the ledger takes https status list URIs only", flag)}
		}
		return strings.TrimSuffix(flag, "/"), nil
	}
	return server.DefaultStatusListURL(publicURL), nil
}

func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// issuerKey loads the issuer's signing key: --key, or DIR/issuer.jwk,
// generated (Ed25519, for a new DID) when it does not exist. It returns
// the key named by its DID URL, the DID and the file.
func (a *app) issuerKey(dir, keyFlag string) (*keys.PrivateKey, string, string, error) {
	return a.serviceKey(dir, keyFlag, issuerKeyFile, "issuer")
}

// serviceKey loads a service's signing key: --key, or DIR/name,
// generated (Ed25519, for a new DID) when it does not exist; role names
// the service in messages.
func (a *app) serviceKey(dir, keyFlag, name, role string) (*keys.PrivateKey, string, string, error) {
	file, flag := keyFlag, "--key"
	if file == "" {
		file, flag = filepath.Join(dir, name), role+" key"
		if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
			k, err := keys.Generate(keys.EdDSA)
			if err != nil {
				return nil, "", "", err
			}
			d := registry.DeriveDID(k.Public())
			k = k.WithKeyID(d + "#key-1")
			b, err := k.MarshalPrivateJWK()
			if err != nil {
				return nil, "", "", err
			}
			if err := writeSecretFile(file, append(b, '\n'), false); err != nil {
				return nil, "", "", fmt.Errorf("writing the %s's key: %w", role, err)
			}
			fmt.Fprintf(a.stdout, "generated the %s's signing key %s for %s\n", role, file, d)
		}
	}
	if info, err := os.Stat(file); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, "", "", fmt.Errorf("%s %s can be read by others (mode %04o): chmod 600 it", flag, file, info.Mode().Perm())
	}
	k, err := a.readPrivateKey(file, flag)
	if err != nil {
		return nil, "", "", err
	}
	kid := k.KeyID()
	d, frag, ok := strings.Cut(kid, "#")
	if !ok || frag == "" || registry.ParseDID(d) != nil {
		return nil, "", "", fmt.Errorf("%s %s: kid %q is not the DID URL of a did:seoul key (did:seoul:…#key-1)", flag, file, kid)
	}
	return k, d, file, nil
}

// checkIssuerDID checks that the issuer's DID is on the ledger, active,
// with the key as an assertionMethod key (credentials) and a
// capabilityInvocation key (status list operations).
func checkIssuerDID(ctx context.Context, remote *node.Remote, k *keys.PrivateKey, d, keyFile, nodeURL string) error {
	var rec registry.DIDRecord
	err := remote.Query(ctx, "/did/"+d, &rec)
	switch {
	case errors.Is(err, node.ErrNotFound):
		return fmt.Errorf("%s is not on the ledger: an agency must create it with: seoulid registry did create --key AGENCY.jwk --new-key %s --node %s; then start the issuer again", d, keyFile, nodeURL)
	case err != nil:
		return fmt.Errorf("cannot reach the node at %s (--node): %w", nodeURL, err)
	case rec.DID != d || len(rec.Versions) == 0:
		return fmt.Errorf("the node sent a record that is not a record of %s", d)
	case rec.Deactivated:
		return fmt.Errorf("%s is deactivated on the ledger: its keys sign nothing any more", d)
	}
	_, frag, _ := strings.Cut(k.KeyID(), "#")
	if slices.Contains(rec.Compromised, frag) {
		return fmt.Errorf("%s was reported compromised on the ledger: rotate to a new key (registry did update)", k.KeyID())
	}
	doc := rec.Latest().Document(d)
	for _, rel := range []struct {
		kind did.RelationshipKind
		why  string
	}{{did.AssertionMethod, "it signs credentials"}, {did.CapabilityInvocation, "it publishes status lists"}} {
		pub, err := doc.Key(k.KeyID(), rel.kind)
		if err != nil {
			return fmt.Errorf("%s is not an %s key of %s on the ledger, and must be: %s (%v)", k.KeyID(), rel.kind, d, rel.why, err)
		}
		if !pub.Equal(k.Public()) {
			return fmt.Errorf("the ledger's %s is another key than the one in %s", k.KeyID(), keyFile)
		}
	}
	return nil
}

// issuerTypes decides the vcts the issuer offers: the --types given, each
// of which the ledger must authorise; or every catalogue type the ledger
// authorises.
func issuerTypes(ctx context.Context, remote *node.Remote, d string, given []string, logger *slog.Logger) ([]string, error) {
	var entry registry.IssuerEntry
	if err := remote.Query(ctx, "/issuer/"+d, &entry); err != nil && !errors.Is(err, node.ErrNotFound) {
		return nil, fmt.Errorf("asking the node which types %s may issue: %w", d, err)
	}
	authorise := func(vct string) string {
		return fmt.Sprintf("the council authorises it with: seoulid registry trust authorise-issuer --key MEMBER.jwk… --did %s --vct %s", d, vct)
	}
	var out []string
	if len(given) > 0 {
		for _, name := range given {
			t, err := findType(name)
			if err != nil {
				return nil, usageError{fmt.Errorf("--types: %w", err)}
			}
			if !slices.Contains(entry.VCTs, t.VCT) {
				return nil, fmt.Errorf("--types: the ledger does not authorise %s to issue %s; %s", d, t.VCT, authorise(t.VCT))
			}
			if !slices.Contains(out, t.VCT) {
				out = append(out, t.VCT)
			}
		}
		return out, nil
	}
	cat := schemas.Default()
	for _, vct := range entry.VCTs {
		if _, err := cat.Lookup(vct); err != nil {
			logger.Warn("the ledger authorises a type that is not in the catalogue; not offering it", "vct", vct)
			continue
		}
		if !slices.Contains(out, vct) {
			out = append(out, vct)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the ledger authorises %s to issue no credential type of the catalogue; %s", d, authorise("VCT"))
	}
	return out, nil
}

// openIssuerStore opens DIR/issuer.db, or PostgreSQL when pg is given. The
// name it returns says which, without the connection URL (which may hold a
// password).
func openIssuerStore(ctx context.Context, dir, pg string) (issuer.Store, string, error) {
	if pg != "" {
		st, err := postgres.Open(ctx, pg)
		if err != nil {
			return nil, "", fmt.Errorf("--postgres: %w", err)
		}
		return st, "postgresql", nil
	}
	file := filepath.Join(dir, issuerDBFile)
	st, err := sqlite.Open(ctx, file)
	if err != nil {
		return nil, "", fmt.Errorf("opening %s: %w", file, err)
	}
	return st, file, nil
}

// clientFlags are the flags of the back-office clients.
type clientFlags struct {
	issuerURL, tokenFile string
}

func (f *clientFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.issuerURL, "issuer", "", "the issuer's URL (https, or http on loopback)")
	cmd.Flags().StringVar(&f.tokenFile, "token-file", "", "file holding an operator token")
	_ = cmd.MarkFlagRequired("issuer")
	_ = cmd.MarkFlagRequired("token-file")
}

// officeClient calls an issuer's back office with an operator token.
type officeClient struct {
	base, token, tokenFile string
	hc                     *http.Client
}

func (a *app) officeClient(f *clientFlags) (*officeClient, error) {
	u, err := url.Parse(f.issuerURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" {
		return nil, usageError{fmt.Errorf("--issuer %q is not an issuer URL (https://host[/path])", f.issuerURL)}
	}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return nil, usageError{fmt.Errorf("--issuer %s: an operator token goes over https only (http on loopback, for development)", f.issuerURL)}
	}
	b, err := a.readInput(f.tokenFile, "--token-file")
	if err != nil {
		return nil, err
	}
	token := string(b)
	if !strings.HasPrefix(token, issuer.OperatorTokenPrefix) || strings.ContainsAny(token, " \t\r\n") {
		return nil, fmt.Errorf("--token-file %s does not hold an operator token (%s…)", f.tokenFile, issuer.OperatorTokenPrefix)
	}
	return &officeClient{base: strings.TrimSuffix(f.issuerURL, "/"), token: token, tokenFile: f.tokenFile, hc: &http.Client{Timeout: 30 * time.Second}}, nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// call sends a request to the back office and decodes its JSON answer into
// out; a refusal is an error of one line.
func (c *officeClient) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+backoffice.Prefix+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // the method and URL are said otherwise
		}
		return fmt.Errorf("cannot reach the issuer at %s (--issuer): %w", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxInput))
	if err != nil {
		return fmt.Errorf("reading the issuer's answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return refusal(resp, b, c.tokenFile)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("the issuer's answer is not what the back office sends (%d bytes of %s): %w", len(b), resp.Header.Get("Content-Type"), err)
	}
	return nil
}

// refusal words a back-office error answer as one line.
func refusal(resp *http.Response, b []byte, tokenFile string) error {
	var e struct {
		Error       string              `json:"error"`
		Description string              `json:"error_description"`
		Violations  []schemas.Violation `json:"violations"`
	}
	if json.Unmarshal(b, &e) != nil || e.Error == "" {
		return fmt.Errorf("the issuer answered %s: is --issuer the URL of a seoulid issuer?", resp.Status)
	}
	msg := e.Error
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if len(e.Violations) > 0 {
		parts := make([]string, len(e.Violations))
		for i, v := range e.Violations {
			parts[i] = v.String()
		}
		msg += ": " + strings.Join(parts, "; ")
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("the issuer refused the operator token in %s (%s)", tokenFile, msg)
	}
	return fmt.Errorf("the issuer refused: %s", msg)
}

func newIssuerOfferCmd(a *app) *cobra.Command {
	var f clientFlags
	var vct, claimsFile, qrFile string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "offer --issuer URL --token-file F --type VCT --claims FILE|- [--qr FILE] [--json]",
		Short: "Make a credential offer for a citizen",
		Long: `Make an offer of a credential of type VCT (a vct or a catalogue slug) with the
claims in FILE, a JSON object that must fit the type (seoulid schemas validate
checks it offline). Prints the offer id, the offer URI (openid-credential-offer://,
for the citizen's wallet) and the tx_code, the PIN the citizen types in: it is
shown once, here, and must reach the citizen by another channel than the URI.
With --qr the offer URI is also written to FILE as a QR code (PNG).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := findType(vct)
			if err != nil {
				return usageError{fmt.Errorf("--type: %w", err)}
			}
			claims, err := a.readJSONObject(claimsFile, "--claims")
			if err != nil {
				return err
			}
			c, err := a.officeClient(&f)
			if err != nil {
				return err
			}
			path := "offers?qr=false" // drawing a QR code takes the issuer ~10 ms of CPU
			if qrFile != "" {
				path = "offers"
			}
			var out backoffice.OfferCreated
			if err := c.call(cmd.Context(), http.MethodPost, path, map[string]any{"vct": t.VCT, "claims": claims}, &out); err != nil {
				return err
			}
			if qrFile != "" {
				png, err := base64.StdEncoding.DecodeString(out.QRPNG)
				if err != nil || len(png) == 0 {
					return fmt.Errorf("--qr: the issuer sent no QR code; the offer %s was made (tx_code %s)", out.OfferID, out.TxCode)
				}
				if err := writeSecretFile(qrFile, png, true); err != nil {
					return fmt.Errorf("--qr: %w; the offer %s was made (tx_code %s)", err, out.OfferID, out.TxCode)
				}
			}
			if asJSON {
				m := map[string]any{"offer_id": out.OfferID, "offer_uri": out.OfferURI, "tx_code": out.TxCode, "expires_at": out.ExpiresAt.UTC().Format(time.RFC3339)}
				if qrFile != "" {
					m["qr_file"] = qrFile
				}
				return a.writeJSON(m)
			}
			var tb table
			tb.add("offer id", out.OfferID)
			tb.add("tx code", out.TxCode+"  (give it to the citizen by another channel than the offer)")
			tb.add("expires", out.ExpiresAt.UTC().Format(time.RFC3339))
			if qrFile != "" {
				tb.add("qr code", qrFile)
			}
			tb.add("offer uri", out.OfferURI)
			return tb.write(a.stdout)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&vct, "type", "", "the credential type, a vct or a catalogue slug")
	cmd.Flags().StringVar(&claimsFile, "claims", "", "the claims, a JSON object file (- for standard input)")
	cmd.Flags().StringVar(&qrFile, "qr", "", "write the offer as a QR code (PNG) to FILE")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("type")
	_ = cmd.MarkFlagRequired("claims")
	return cmd
}

func newIssuerStatusCmd(a *app, action, short string) *cobra.Command {
	var f clientFlags
	long := map[string]string{
		"revoke":    "Revoke a credential: for good, it cannot be reinstated.",
		"suspend":   "Suspend a credential; reinstate makes it valid again.",
		"reinstate": "Make a suspended credential valid again. A revoked one stays revoked.",
	}[action]
	cmd := &cobra.Command{
		Use:   action + " ID --issuer URL --token-file F",
		Short: short,
		Long: long + ` Prints the credential's record. The change reaches
the status list on the ledger at the issuer's next publication, within its
--publish-interval.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if id == "" || strings.ContainsAny(id, "/?#% ") {
				return usageError{fmt.Errorf("%q is not a credential id (crd_…)", id)}
			}
			c, err := a.officeClient(&f)
			if err != nil {
				return err
			}
			var out backoffice.Credential
			if err := c.call(cmd.Context(), http.MethodPost, "credentials/"+id+"/"+action, nil, &out); err != nil {
				return err
			}
			return a.writeJSON(credentialMap(out))
		},
	}
	f.register(cmd)
	return cmd
}

func credentialMap(c backoffice.Credential) map[string]any {
	m := map[string]any{
		"id": c.ID, "offer_id": c.OfferID, "vct": c.VCT, "status": c.Status, "holder_jkt": c.HolderThumbprint,
		"status_list": map[string]any{"uri": c.StatusList.URI, "idx": c.StatusList.Index},
		"issued_at":   c.IssuedAt.UTC().Format(time.RFC3339), "updated_at": c.UpdatedAt.UTC().Format(time.RFC3339),
	}
	if !c.ExpiresAt.IsZero() {
		m["expires_at"] = c.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return m
}

func newIssuerListCmd(a *app, what, short string) *cobra.Command {
	var f clientFlags
	var limit, from int
	var asJSON bool
	use := what + " --issuer URL --token-file F [--limit N] [--json]"
	long := map[string]string{
		"credentials": `List the credentials issued, newest first: id, type, status, status list
index, dates. Claim values are never kept once a credential is issued.`,
		"offers": `List the offers made, newest first: id, type, state (pending, expired,
redeemed, issued, burned after too many wrong tx_codes), the operator who made
it, dates. Claims and tx_codes are not shown.`,
		"audit": `Show the audit log from entry --from (1): who did what when. From the first
entry, also check the log's hash chain; a broken chain (an entry removed or
altered) is reported and the command exits with status 1.`,
	}[what]
	if what == "audit" {
		use = "audit --issuer URL --token-file F [--from N] [--limit N] [--json]"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 || limit > backoffice.MaxLimit {
				return usageError{fmt.Errorf("--limit must be 1 to %d", backoffice.MaxLimit)}
			}
			if from < 1 {
				return usageError{errors.New("--from: entries are numbered from 1")}
			}
			c, err := a.officeClient(&f)
			if err != nil {
				return err
			}
			q := url.Values{}
			if limit > 0 {
				q.Set("limit", strconv.Itoa(limit))
			}
			if what == "audit" && from != 1 {
				q.Set("from", strconv.Itoa(from))
			}
			path := what
			if len(q) > 0 {
				path += "?" + q.Encode()
			}
			switch what {
			case "credentials":
				var out struct {
					Credentials []backoffice.Credential `json:"credentials"`
				}
				if err := c.call(cmd.Context(), http.MethodGet, path, nil, &out); err != nil {
					return err
				}
				if asJSON {
					list := make([]any, len(out.Credentials))
					for i, cr := range out.Credentials {
						list[i] = credentialMap(cr)
					}
					return a.writeJSON(map[string]any{"credentials": list})
				}
				var tb table
				tb.add("ID", "VCT", "STATUS", "LIST", "INDEX", "ISSUED")
				for _, cr := range out.Credentials {
					tb.add(cr.ID, cr.VCT, cr.Status, cr.StatusList.URI, strconv.Itoa(cr.StatusList.Index), cr.IssuedAt.UTC().Format(time.RFC3339))
				}
				return tb.write(a.stdout)
			case "offers":
				var out struct {
					Offers []backoffice.Offer `json:"offers"`
				}
				if err := c.call(cmd.Context(), http.MethodGet, path, nil, &out); err != nil {
					return err
				}
				if asJSON {
					list := make([]any, len(out.Offers))
					for i, o := range out.Offers {
						m := map[string]any{"id": o.ID, "vct": o.VCT, "credential_configuration_id": o.ConfigurationID, "state": o.State,
							"operator": o.Operator, "created_at": o.CreatedAt.UTC().Format(time.RFC3339), "expires_at": o.ExpiresAt.UTC().Format(time.RFC3339),
							"tx_code_attempts": o.TxCodeAttempts, "credentials": o.Credentials}
						if !o.IssuedAt.IsZero() {
							m["issued_at"] = o.IssuedAt.UTC().Format(time.RFC3339)
						}
						list[i] = m
					}
					return a.writeJSON(map[string]any{"offers": list})
				}
				var tb table
				tb.add("ID", "VCT", "STATE", "CREATED", "EXPIRES", "OPERATOR")
				for _, o := range out.Offers {
					tb.add(o.ID, o.VCT, o.State, o.CreatedAt.UTC().Format(time.RFC3339), o.ExpiresAt.UTC().Format(time.RFC3339), o.Operator)
				}
				return tb.write(a.stdout)
			default: // audit
				var out backoffice.AuditLog
				if err := c.call(cmd.Context(), http.MethodGet, path, nil, &out); err != nil {
					return err
				}
				if asJSON {
					list := make([]any, len(out.Entries))
					for i, e := range out.Entries {
						list[i] = map[string]any{"seq": e.Seq, "time": e.Time.UTC().Format(time.RFC3339Nano), "operator": e.Operator,
							"action": e.Action, "subject": e.Subject, "detail": e.Detail, "hash": e.Hash}
					}
					m := map[string]any{"entries": list}
					if out.Verified != nil {
						m["verified"] = *out.Verified
					}
					if err := a.writeJSON(m); err != nil {
						return err
					}
				} else {
					var tb table
					tb.add("SEQ", "TIME", "OPERATOR", "ACTION", "SUBJECT", "DETAIL")
					for _, e := range out.Entries {
						tb.add(strconv.FormatInt(e.Seq, 10), e.Time.UTC().Format(time.RFC3339), e.Operator, e.Action, e.Subject, e.Detail)
					}
					if err := tb.write(a.stdout); err != nil {
						return err
					}
					if out.Verified != nil && *out.Verified {
						fmt.Fprintf(a.stdout, "\nhash chain verified: %d entries from the first\n", len(out.Entries))
					}
				}
				if out.Verified != nil && !*out.Verified {
					return fmt.Errorf("the audit log's hash chain is broken: %s", strings.TrimPrefix(out.VerifyError, "issuer: "))
				}
				return nil
			}
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&limit, "limit", 0, fmt.Sprintf("at most this many (default %d, at most %d)", backoffice.DefaultLimit, backoffice.MaxLimit))
	if what == "audit" {
		cmd.Flags().IntVar(&from, "from", 1, "the first entry to show")
	} else {
		from = 1
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
