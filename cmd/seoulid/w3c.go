package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/internal/atomicfile"
	"github.com/seoulid/seoulid/internal/dataintegrity"
	"github.com/seoulid/seoulid/internal/devca"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/safehttp"
	"github.com/seoulid/seoulid/registry/node"
	"github.com/seoulid/seoulid/w3c"
	"github.com/seoulid/seoulid/w3c/vcapi"
)

func newW3CCmd(a *app) *cobra.Command {
	return group("w3c", "W3C Verifiable Credentials 2.0 over the VC-API",
		`Issue and verify W3C Verifiable Credentials 2.0 (Data Integrity proofs in
eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019, ecdsa-jcs-2019, or
enveloped as application/vc+jwt) over the VC-API.`,
		newW3CServeCmd(a))
}

// w3cIssuers are the issuers of "w3c serve": a name (the {name} of
// /issuers/{name}/credentials/issue), its securing mechanism and its key.
var w3cIssuers = []struct {
	name, suite string
	alg         keys.Algorithm
}{
	{dataintegrity.EdDSARDFC2022, dataintegrity.EdDSARDFC2022, keys.EdDSA},
	{dataintegrity.EdDSAJCS2022, dataintegrity.EdDSAJCS2022, keys.EdDSA},
	{dataintegrity.ECDSARDFC2019, dataintegrity.ECDSARDFC2019, keys.ES256},
	{dataintegrity.ECDSAJCS2019, dataintegrity.ECDSAJCS2019, keys.ES256},
	{"vc-jwt", w3c.JOSE, keys.EdDSA},
}

type w3cServeFlags struct {
	dataDir, httpAddr, nodeURL, level, url string
	issuerKey, tokenFile                   string
	tlsDev                                 bool
	tls                                    tlsFlags
}

func newW3CServeCmd(a *app) *cobra.Command {
	var f w3cServeFlags
	cmd := &cobra.Command{
		Use:   "serve --data-dir DIR [--http ADDR] [--tls-cert FILE --tls-key FILE | --tls-dev] [--node URL]",
		Short: "Serve the VC-API: issue with did:key issuers, verify credentials and presentations",
		Long: `Serve the VC-API (POST /credentials/issue, /issuers/{name}/credentials/issue,
/credentials/verify, /presentations/verify). Its issuers are did:key issuers whose keys
are made in --data-dir on first start (Ed25519 and P-256, mode 0600), one per securing
mechanism: ` + func() string {
			var n []string
			for _, i := range w3cIssuers {
				n = append(n, i.name)
			}
			return strings.Join(n, ", ")
		}() + `; /credentials/issue is eddsa-rdfc-2022's.
It prints each issuer's DID and endpoint. The Data Integrity issuers give every
credential an entry in their Bitstring Status Lists (revocation and suspension,
131,072 entries, random indices; kept in DIR/status-NAME.json), served at
/status-lists/NAME/PURPOSE and changed by POST /credentials/status: serve at a
stable address, or give --url, since the lists' URLs are in the credentials. --tls-dev serves HTTPS with a
certificate of a local CA it makes in DIR/tls (for the W3C test suites: trust
DIR/tls/ca.pem). With --node, did:seoul verification methods are resolved on
the ledger; did:key and did:jwk always are, locally.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serveW3C(cmd.Context(), &f) },
	}
	cmd.Flags().StringVar(&f.dataDir, "data-dir", "", "where the issuers' keys are kept (required)")
	cmd.Flags().StringVar(&f.httpAddr, "http", "127.0.0.1:8420", "listen address")
	cmd.Flags().StringVar(&f.nodeURL, "node", "", "a registry node's RPC URL, to resolve did:seoul")
	cmd.Flags().StringVar(&f.issuerKey, "issuer-key", "", "an agency's did:seoul key (private JWK, kid its DID URL): adds agency-… issuers that issue only the catalogue types the ledger authorises it for (needs --node)")
	cmd.Flags().StringVar(&f.tokenFile, "token-file", "", "the operator's bearer token that issuing and changing a status need (made, mode 0600, when absent); default DIR/operator-token with --issuer-key, none without")
	cmd.Flags().StringVar(&f.url, "url", "", "the public base URL (default: scheme://ADDR of --http); status list URLs in credentials start with it")
	cmd.Flags().BoolVar(&f.tlsDev, "tls-dev", false, "serve HTTPS with a certificate of a local development CA (DIR/tls)")
	cmd.Flags().StringVar(&f.level, "log-level", "info", "debug, info, warn or error")
	f.tls.register(cmd.Flags())
	_ = cmd.MarkFlagRequired("data-dir")
	return cmd
}

// operatorToken reads the bearer token in file, making a random one
// (mode 0600) when the file does not exist.
func operatorToken(file string) (string, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return "", err
		}
		tok := base64.RawURLEncoding.EncodeToString(raw)
		if err := atomicfile.Write(file, []byte(tok+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("--token-file: %w", describePathErr(err))
		}
		return tok, nil
	} else if err != nil {
		return "", fmt.Errorf("--token-file: %w", describePathErr(err))
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("--token-file %s is empty", file)
	}
	return tok, nil
}

// w3cKey reads DIR/NAME.jwk, making it (alg, a did:key, mode 0600) on
// first use.
func w3cKey(dir, name string, alg keys.Algorithm) (*keys.PrivateKey, error) {
	file := filepath.Join(dir, name+".jwk")
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		k, err := keys.Generate(alg)
		if err != nil {
			return nil, err
		}
		d := did.KeyDID(k.Public())
		k = k.WithKeyID(d + "#" + strings.TrimPrefix(d, "did:key:"))
		if b, err = k.MarshalPrivateJWK(); err != nil {
			return nil, err
		}
		if err := atomicfile.Write(file, append(b, '\n'), 0o600); err != nil {
			return nil, fmt.Errorf("--data-dir: %w", describePathErr(err))
		}
	} else if err != nil {
		return nil, fmt.Errorf("--data-dir: %w", describePathErr(err))
	}
	k, err := keys.ParsePrivateJWK(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if k.Algorithm() != alg {
		return nil, fmt.Errorf("%s: a %s key, not %s", file, k.Algorithm(), alg)
	}
	return k, nil
}

func (a *app) serveW3C(ctx context.Context, f *w3cServeFlags) error {
	lv, err := parseLevel(f.level)
	if err != nil {
		return err
	}
	if f.tlsDev && (f.tls.cert != "" || f.tls.key != "") {
		return usageError{errors.New("--tls-dev and --tls-cert/--tls-key: give one or the other")}
	}
	if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
		return fmt.Errorf("--data-dir: %w", describePathErr(err))
	}
	logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: lv}))
	var resolver w3c.Resolver = did.LocalResolver{}
	var remote *node.Remote
	if f.nodeURL != "" {
		if remote, err = node.Dial(f.nodeURL); err != nil {
			return usageError{fmt.Errorf("--node: %w", err)}
		}
		resolver = remote
	}
	if f.issuerKey != "" && remote == nil {
		return usageError{errors.New("--issuer-key needs --node: the ledger says which types the agency may issue")}
	}
	if f.issuerKey != "" && f.tokenFile == "" {
		f.tokenFile = filepath.Join(f.dataDir, "operator-token")
	}
	var ln net.Listener
	scheme := "http"
	if f.tlsDev {
		files, err := devca.Ensure(filepath.Join(f.dataDir, "tls"), nil, time.Now())
		if err != nil {
			return err
		}
		cfg, err := files.ServerTLS()
		if err != nil {
			return err
		}
		raw, err := net.Listen("tcp", f.httpAddr)
		if err != nil {
			return fmt.Errorf("--http: %w", err)
		}
		ln, scheme = tls.NewListener(raw, cfg), "https"
	} else if ln, scheme, err = f.tls.listen("--http", f.httpAddr); err != nil {
		return err
	}
	base := scheme + "://" + ln.Addr().String()
	if f.url != "" {
		if base, err = servicePublicURL(f.url, ln, scheme, f.httpAddr, "VC-API"); err != nil {
			ln.Close()
			return err
		}
	}
	issuers := map[string]*w3c.Issuer{}
	keyByAlg := map[keys.Algorithm]*keys.PrivateKey{}
	for _, alg := range []keys.Algorithm{keys.EdDSA, keys.ES256} {
		name := map[keys.Algorithm]string{keys.EdDSA: "ed25519", keys.ES256: "p256"}[alg]
		if keyByAlg[alg], err = w3cKey(f.dataDir, name, alg); err != nil {
			ln.Close()
			return err
		}
	}
	var all []*w3c.Issuer
	for _, i := range w3cIssuers {
		is, err := w3c.NewIssuer(keyByAlg[i.alg], i.suite, nil)
		if err != nil {
			ln.Close()
			return err
		}
		if i.suite != w3c.JOSE {
			// Each Data Integrity issuer keeps its Bitstring Status Lists in
			// DIR/status-NAME.json and publishes them here.
			lists, err := w3c.OpenStatusLists(filepath.Join(f.dataDir, "status-"+i.name+".json"), base+"/status-lists/"+i.name)
			if err == nil {
				err = is.UseStatusLists(lists)
			}
			if err != nil {
				ln.Close()
				return err
			}
		}
		issuers[i.name] = is
		all = append(all, is)
	}
	if f.issuerKey != "" {
		b, err := os.ReadFile(f.issuerKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--issuer-key: %w", describePathErr(err))
		}
		key, err := keys.ParsePrivateJWK(b)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--issuer-key %s: %w", f.issuerKey, err)
		}
		agency, err := w3c.AgencyIssuersFor(key, f.dataDir, base, remote)
		if err != nil {
			ln.Close()
			return err
		}
		d, _, _ := strings.Cut(key.KeyID(), "#")
		for name, is := range agency {
			// The ledger takes https list URLs only.
			if strings.HasPrefix(base, "https://") {
				is.PublishStatusLists(&node.StatusPublisher{Remote: remote, Signer: key, DID: d})
			}
			issuers[name] = is
			all = append(all, is)
		}
		if !strings.HasPrefix(base, "https://") {
			logger.Warn("the agency's status lists are not published on the ledger, which takes https URLs: serve with --tls-dev, --tls-cert or --url https://…")
		}
	}
	token := ""
	if f.tokenFile != "" {
		if token, err = operatorToken(f.tokenFile); err != nil {
			ln.Close()
			return err
		}
	}
	var fallback w3c.StatusSource = vcapi.HTTPStatus{Client: safehttp.Client(safehttp.Options{})}
	if remote != nil {
		fallback = w3c.LedgerStatus{Ledger: remote, Fallback: fallback}
	}
	status := w3c.LocalStatus{Issuers: all, Fallback: fallback}
	h, err := vcapi.New(vcapi.Config{Issuers: issuers, Default: dataintegrity.EdDSARDFC2022, Resolver: resolver, Logger: logger,
		Verify: w3c.VerifyOptions{Status: status}, Token: token})
	if err != nil {
		ln.Close()
		return err
	}
	var tb table
	tb.add("ISSUER", "DID", "ENDPOINT")
	names := make([]string, 0, len(issuers))
	for n := range issuers {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		tb.add(n, issuers[n].DID(), base+"/issuers/"+n+"/credentials/issue")
	}
	if err := tb.write(a.stdout); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "verify: %s/credentials/verify  %s/presentations/verify\n", base, base)
	if f.tokenFile != "" {
		fmt.Fprintf(a.stdout, "issuing and changing a status need the bearer token in %s\n", f.tokenFile)
	}
	hs := newServiceServer(h, logger, 30*time.Second)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	logger.Info("VC-API running", "url", base)
	var failed error
	select {
	case <-ctx.Done():
	case err := <-served:
		failed = fmt.Errorf("--http: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		logger.Warn("http server shutdown", "err", err)
	}
	logger.Info("stopped")
	return failed
}
