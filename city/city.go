package city

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/seoulid/seoulid/internal/devca"
	"github.com/seoulid/seoulid/internal/ops"
	"github.com/seoulid/seoulid/internal/safehttp"
	iserver "github.com/seoulid/seoulid/issuer/server"
	issuersqlite "github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/node"
	"github.com/seoulid/seoulid/registry/resolver"
	"github.com/seoulid/seoulid/registry/resolverhttp"
	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/programmes"
	vserver "github.com/seoulid/seoulid/verifier/server"
	verifiersqlite "github.com/seoulid/seoulid/verifier/store/sqlite"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/keystore"
	wci "github.com/seoulid/seoulid/wallet/oid4vci"
	wvp "github.com/seoulid/seoulid/wallet/oid4vp"
	"github.com/seoulid/seoulid/wallet/store"
	"github.com/seoulid/seoulid/wallet/web"
)

// ServicesFile is the file, in the data dir, that lists the running
// city's services (Service, as JSON).
const ServicesFile = "services.json"

// Config sets up a city. DataDir is required; every other zero value has
// the meaning its field says.
type Config struct {
	// DataDir holds everything the city keeps: the ledger, each service's
	// key (mode 0600) and database, the wallet, city.json and
	// services.json. A later Start with the same DataDir finds it all.
	DataDir string
	// Host is the address every service listens on; "" means 127.0.0.1.
	// The city is for one machine: its services speak plain HTTP on
	// loopback.
	Host string
	// FirstPort is the port of the first service at the first start (the
	// others follow: see city.json); 0 means 8400, and a negative value
	// means free ports chosen by the system. Later starts use the ports
	// city.json recorded.
	FirstPort int
	// TLS serves every service but the ledger's RPC over HTTPS, with a
	// certificate for 127.0.0.1, ::1 and localhost from a local CA made
	// under DataDir/tls at the first such start (internal/devca): for
	// wallets that insist on https. The CA's certificate is CAFile in
	// services.json; the city's own wallet trusts it.
	TLS bool
	// BlockInterval is how long the ledger waits for a transaction before
	// making an empty block; 0 means 2 s.
	BlockInterval time.Duration
	// PublishInterval is how often an issuer publishes its changed status
	// lists to the ledger; 0 means 2 s.
	PublishInterval time.Duration
	// StatusMaxAge is how long a verifier uses a status list it read from
	// the ledger before reading it again; 0 means 10 s. A revocation
	// reaches the verifiers within PublishInterval plus this.
	StatusMaxAge time.Duration
	// Logger receives every service's log, with a "service" attribute;
	// nil discards.
	Logger *slog.Logger
	// Now is the clock of the issuers, verifiers and wallet; nil means
	// time.Now.
	Now func() time.Time
}

// Service is one running service of the city, as printed by seoulid up
// and written to services.json.
type Service struct {
	Slug string         `json:"slug"`
	Name registry.Names `json:"name"`
	Role Role           `json:"role"`
	URL  string         `json:"url"`
	DID  string         `json:"did,omitempty"`
	// Types are the credential types an issuer is authorised for;
	// Programmes the programmes a verifier runs.
	Types      []string `json:"types,omitempty"`
	Programmes []string `json:"programmes,omitempty"`
	// TokenFile is, for an issuer, the file holding its first back-office
	// operator's token; PINFile, for the wallet, the file holding its
	// development PIN. Both are readable by their owner only.
	TokenFile string `json:"operator_token_file,omitempty"`
	PINFile   string `json:"pin_file,omitempty"`
	// Metrics is the service's Prometheus endpoint; every service but the
	// ledger's RPC also answers /healthz and /readyz.
	Metrics string `json:"metrics,omitempty"`
}

// City is a running city. Stop it with Close.
type City struct {
	cfg      Config
	log      *slog.Logger
	node     *node.Node
	remote   *node.Remote
	services []Service
	servers  []*http.Server
	failed   chan error
	cancel   context.CancelFunc
	bgCtx    context.Context
	chain    string
	bg       sync.WaitGroup
	closers  []func() error
	issuers  map[string]*issuerUnit
	records  map[string]verifier.Store // verifier slug → its decision records
	// With TLS: the servers' configuration, the CA's file, and the client
	// of the city's own wallet, which trusts the CA.
	tls      *tls.Config
	caFile   string
	scheme   string
	clientHC *http.Client
	once     sync.Once
	closeErr error
}

// Start brings the city up: the ledger node with the genesis council
// (made at the first start), every service of Plan registered and
// authorised on the ledger (only what the ledger does not already say),
// the resolver and the wallet UI, each on its own port; then writes
// services.json. On error, whatever had started is stopped.
func Start(ctx context.Context, cfg Config) (*City, error) {
	// A new city on free ports (FirstPort < 0, no city.json yet) picks its
	// ports and binds them a moment later; in that moment another program
	// can take one (an outgoing connection's ephemeral port, say). Such a
	// start is undone — it wrote only what it made — and tried again on
	// other ports.
	_, statErr := os.Stat(filepath.Join(cfg.DataDir, layoutFile))
	fresh := cfg.FirstPort < 0 && errors.Is(statErr, fs.ErrNotExist)
	for attempt := 1; ; attempt++ {
		c, err := start(ctx, cfg)
		if err == nil || !fresh || attempt == 3 || !errors.Is(err, syscall.EADDRINUSE) {
			return c, err
		}
		if cfg.Logger != nil {
			cfg.Logger.Warn("a port of the new city was taken before it bound it; trying other ports", "err", err)
		}
		for _, name := range []string{layoutFile, ServicesFile, ledgerDir, "issuers", "verifiers", "wallet", "tls"} {
			if rerr := os.RemoveAll(filepath.Join(cfg.DataDir, name)); rerr != nil {
				return nil, errors.Join(err, rerr)
			}
		}
	}
}

func start(ctx context.Context, cfg Config) (c *City, err error) {
	if cfg.DataDir == "" {
		return nil, errors.New("city: a data dir is required")
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if ip := net.ParseIP(cfg.Host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("city: host %q is not a loopback address: the local city serves this machine only", cfg.Host)
	}
	switch {
	case cfg.FirstPort == 0:
		cfg.FirstPort = 8400
	case cfg.FirstPort < 0:
		cfg.FirstPort = 0
	}
	if cfg.BlockInterval == 0 {
		cfg.BlockInterval = 2 * time.Second
	}
	if cfg.PublishInterval == 0 {
		cfg.PublishInterval = 2 * time.Second
	}
	if cfg.StatusMaxAge == 0 {
		cfg.StatusMaxAge = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("city: %w", err)
	}
	lay, changed, err := loadLayout(cfg.DataDir, cfg.Host, cfg.FirstPort)
	if err != nil {
		return nil, err
	}
	var tlsCfg *tls.Config
	var caFile string
	var clientHC *http.Client
	scheme := "http"
	if cfg.TLS {
		files, err := devca.Ensure(filepath.Join(cfg.DataDir, "tls"), nil, cfg.Now())
		if err != nil {
			return nil, fmt.Errorf("city: %w", err)
		}
		if tlsCfg, err = files.ServerTLS(); err != nil {
			return nil, fmt.Errorf("city: %w", err)
		}
		pool, err := files.Pool()
		if err != nil {
			return nil, fmt.Errorf("city: %w", err)
		}
		clientHC = safehttp.Client(safehttp.Options{AllowPrivateNetworks: true})
		clientHC.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		caFile, scheme = files.CACert, "https"
	}

	bgCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c = &City{cfg: cfg, log: cfg.Logger, failed: make(chan error, len(Plan)+4), cancel: cancel, bgCtx: bgCtx, issuers: map[string]*issuerUnit{}, records: map[string]verifier.Store{},
		tls: tlsCfg, caFile: caFile, scheme: scheme, clientHC: clientHC}
	// The error returns below set c to nil: the deferred stop keeps its own
	// reference.
	started := c
	defer func() {
		if err != nil {
			err = errors.Join(err, started.Close())
			c = nil
		}
	}()

	// Listen first, so that a port in use stops the city before anything
	// is written.
	listeners := map[string]net.Listener{}
	defer func() {
		for _, ln := range listeners {
			ln.Close() // the servers own the ones they serve; closing again is harmless
		}
	}()
	for _, s := range slugs() {
		if s == slugRPC || s == slugP2P {
			continue
		}
		ln, err := net.Listen("tcp", lay.addr(s))
		if err != nil {
			return nil, fmt.Errorf("city: %s: %w (another city or program uses the port; stop it, or start with another data dir)", s, err)
		}
		listeners[s] = ln
	}
	if changed {
		if err := lay.save(cfg.DataDir); err != nil {
			return nil, fmt.Errorf("city: %w", err)
		}
	}

	// The ledger.
	home := filepath.Join(cfg.DataDir, ledgerDir)
	if _, err := os.Stat(filepath.Join(home, "config", "genesis.json")); errors.Is(err, fs.ErrNotExist) {
		if _, err := node.Init(home, node.Options{ChainID: chainID, P2PPort: lay.Ports[slugP2P], RPCPort: lay.Ports[slugRPC],
			EmptyBlockInterval: cfg.BlockInterval}); err != nil {
			return nil, fmt.Errorf("city: making the ledger: %w", err)
		}
		c.log.Info("made the ledger with the genesis council", "home", home)
	}
	if c.node, err = node.Start(home, c.log.With("service", "ledger")); err != nil {
		return nil, err
	}
	rpcURL := "http://" + lay.addr(slugRPC)
	if c.remote, err = node.Dial(rpcURL); err != nil {
		return nil, err
	}
	chain, err := waitForNode(ctx, c.remote)
	if err != nil {
		return nil, err
	}
	c.chain = chain
	cn, err := readCouncil(home)
	if err != nil {
		return nil, err
	}
	reg := &registrar{remote: c.remote, council: cn, chain: chain}

	// The resolver: the node's DID resolution and registry reads.
	res, err := resolverhttp.New(&resolver.Resolver{Seoul: c.node.Reader()}, resolverhttp.Config{Logger: c.log.With("service", slugResolver)})
	if err != nil {
		return nil, err
	}
	reader := c.node.Reader()
	o := ops.New(slugResolver)
	o.GaugeFunc("seoulid_ledger_height", "The height of the ledger's last committed block.", func() float64 { return float64(reader.Height()) })
	o.AddReadiness("ledger", func(ctx context.Context) error { _, err := c.remote.ChainID(ctx); return err })
	c.serve(slugResolver, listeners[slugResolver], o.Handler(res))
	delete(listeners, slugResolver)
	resolverURL := scheme + "://" + lay.addr(slugResolver)
	// The ledger's RPC is CometBFT's own server; its health, readiness and
	// height are answered by its HTTP face, the resolver.
	c.services = append(c.services, Service{Slug: slugRPC, Role: RoleLedger, Name: registry.Names{Ko: "레지스트리 원장", En: "Registry ledger"}, URL: rpcURL, Metrics: resolverURL + ops.PathMetrics})
	c.services = append(c.services, Service{Slug: slugResolver, Role: RoleResolver, Name: registry.Names{Ko: "DID 리졸버", En: "DID resolver"}, URL: resolverURL, Metrics: resolverURL + ops.PathMetrics})

	for _, a := range Plan {
		dir := filepath.Join(cfg.DataDir, string(a.Role)+"s", a.Slug)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("city: %w", err)
		}
		url := scheme + "://" + lay.addr(a.Slug)
		var svc Service
		switch a.Role {
		case RoleIssuer:
			svc, err = c.startIssuer(ctx, reg, a, dir, url, listeners[a.Slug])
		case RoleVerifier:
			svc, err = c.startVerifier(ctx, reg, a, dir, url, listeners[a.Slug])
		default:
			err = fmt.Errorf("city: %s has role %q", a.Slug, a.Role)
		}
		if err != nil {
			return nil, err
		}
		delete(listeners, a.Slug)
		c.services = append(c.services, svc)
	}

	w, err := c.startWallet(ctx, filepath.Join(cfg.DataDir, "wallet"), scheme+"://"+lay.addr(slugWallet), listeners[slugWallet])
	if err != nil {
		return nil, err
	}
	delete(listeners, slugWallet)
	c.services = append(c.services, w)

	listing := map[string]any{"chain_id": chain, "ledger_home": home, "services": c.services}
	if caFile != "" {
		listing["ca_file"] = caFile
	}
	b, err := json.MarshalIndent(listing, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(cfg.DataDir, ServicesFile), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("city: writing %s: %w", ServicesFile, err)
	}
	c.log.Info("the city is up", "services", len(c.services), "data_dir", cfg.DataDir)
	return c, nil
}

// Services returns the running services, in table order.
func (c *City) Services() []Service { return append([]Service(nil), c.services...) }

// Service returns the service with the slug, or false.
func (c *City) Service(slug string) (Service, bool) {
	for _, s := range c.services {
		if s.Slug == slug {
			return s, true
		}
	}
	return Service{}, false
}

// Record returns the decision record a verifier keeps for a request:
// what an auditor of the verifier would find in its database.
func (c *City) Record(ctx context.Context, slug, requestID string) (*verifier.Record, error) {
	st, ok := c.records[slug]
	if !ok {
		return nil, fmt.Errorf("city: no verifier %q", slug)
	}
	return st.Record(ctx, requestID, c.cfg.Now())
}

// CAFile is the file of the local CA's certificate when the city serves
// HTTPS, else "".
func (c *City) CAFile() string { return c.caFile }

// Remote is a client of the city's ledger node.
func (c *City) Remote() *node.Remote { return c.remote }

// Ledger is the in-process node.
func (c *City) Ledger() *node.Node { return c.node }

// Failed delivers the first error of a service that stopped serving.
func (c *City) Failed() <-chan error { return c.failed }

// serve runs h on ln until Close.
func (c *City) serve(slug string, ln net.Listener, h http.Handler) {
	c.servers = append(c.servers, c.server(slug, ln, h))
}

// server runs h on ln until the server is shut down; a failure to serve
// is reported on Failed.
func (c *City) server(slug string, ln net.Listener, h http.Handler) *http.Server {
	if c.tls != nil {
		ln = tls.NewListener(ln, c.tls)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(c.log.With("service", slug, "module", "http").Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			select {
			case c.failed <- fmt.Errorf("city: %s: %w", slug, err):
			default:
			}
		}
	}()
	return srv
}

// pingLedger is a readiness check: the ledger node answers.
func (c *City) pingLedger(ctx context.Context) error {
	_, err := c.remote.ChainID(ctx)
	return err
}

// background runs f until Close.
func (c *City) background(f func()) {
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		f()
	}()
}

func (c *City) startIssuer(ctx context.Context, reg *registrar, a Agency, dir, url string, ln net.Listener) (Service, error) {
	if err := recoverRotation(ctx, c.remote, dir); err != nil {
		return Service{}, err
	}
	key, d, err := serviceKey(dir)
	if err != nil {
		return Service{}, err
	}
	if err := reg.ensureDID(ctx, a, key, d); err != nil {
		return Service{}, err
	}
	vcts, err := issuerTypes(a)
	if err != nil {
		return Service{}, err
	}
	if err := reg.ensureIssuer(ctx, d, vcts); err != nil {
		return Service{}, err
	}
	st, err := issuersqlite.Open(ctx, filepath.Join(dir, "issuer.db"))
	if err != nil {
		return Service{}, fmt.Errorf("city: %s: %w", a.Slug, err)
	}
	c.closers = append(c.closers, st.Close)
	u := &issuerUnit{a: a, dir: dir, url: url, addr: ln.Addr().String(), did: d, vcts: vcts, st: st, key: key, ops: ops.New(a.Slug)}
	u.onIssued = iserver.Instrument(u.ops, st, c.pingLedger)
	if err := u.run(c, ln); err != nil {
		return Service{}, err
	}
	c.issuers[a.Slug] = u
	c.closers = append(c.closers, func() error { return u.halt() })
	tokenFile := filepath.Join(dir, "operator-token")
	if _, err := u.srv.EnsureOperator(ctx, a.Name.En+" (first operator)", tokenFile); err != nil {
		return Service{}, fmt.Errorf("city: %s: %w", a.Slug, err)
	}
	return Service{Slug: a.Slug, Name: a.Name, Role: RoleIssuer, URL: url, DID: d, Types: vcts, TokenFile: tokenFile, Metrics: url + ops.PathMetrics}, nil
}

func (c *City) startVerifier(ctx context.Context, reg *registrar, a Agency, dir, url string, ln net.Listener) (Service, error) {
	all, err := programmes.Load()
	if err != nil {
		return Service{}, err
	}
	cat, err := all.Only(a.Programmes...)
	if err != nil {
		return Service{}, fmt.Errorf("city: %s: %w", a.Slug, err)
	}
	key, d, err := serviceKey(dir)
	if err != nil {
		return Service{}, err
	}
	if err := reg.ensureDID(ctx, a, key, d); err != nil {
		return Service{}, err
	}
	want, err := purposes(cat)
	if err != nil {
		return Service{}, err
	}
	if err := reg.ensureVerifier(ctx, d, want); err != nil {
		return Service{}, err
	}
	st, err := verifiersqlite.Open(ctx, filepath.Join(dir, "verifier.db"))
	if err != nil {
		return Service{}, fmt.Errorf("city: %s: %w", a.Slug, err)
	}
	c.closers = append(c.closers, st.Close)
	c.records[a.Slug] = st
	o := ops.New(a.Slug)
	srv, err := vserver.New(vserver.Config{Key: key, DID: d, URL: url, Programmes: cat, Store: st, Ledger: c.remote,
		Name: map[string]string{"ko": a.Name.Ko, "en": a.Name.En}, StatusMaxAge: c.cfg.StatusMaxAge,
		Logger: c.log.With("service", a.Slug), Now: c.cfg.Now, OnDecided: vserver.Instrument(o, st, c.pingLedger)})
	if err != nil {
		return Service{}, fmt.Errorf("city: %s: %w", a.Slug, err)
	}
	c.serve(a.Slug, ln, o.Handler(srv))
	c.background(func() { srv.Run(c.bgCtx) })
	return Service{Slug: a.Slug, Name: a.Name, Role: RoleVerifier, URL: url, DID: d, Programmes: a.Programmes, Metrics: url + ops.PathMetrics}, nil
}

// walletPINDigits is the length of the development wallet's PIN.
const walletPINDigits = 6

func (c *City) startWallet(ctx context.Context, dir, url string, ln net.Listener) (Service, error) {
	log := c.log.With("service", slugWallet)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Service{}, fmt.Errorf("city: %w", err)
	}
	dev, err := store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	if err != nil {
		return Service{}, err
	}
	path, pinFile := filepath.Join(dir, "wallet.db"), filepath.Join(dir, "pin")
	var st *store.Store
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		// A citizen's wallet for trying the city: its PIN is in a file, which
		// a real wallet's never is.
		pin, err := randomDigits(walletPINDigits)
		if err != nil {
			return Service{}, err
		}
		if err := writeFileAtomic(pinFile, []byte(pin+"\n"), 0o600); err != nil {
			return Service{}, fmt.Errorf("city: writing the wallet's PIN: %w", err)
		}
		if st, err = store.Create(ctx, path, dev, []byte(pin), store.Options{}); err != nil {
			return Service{}, fmt.Errorf("city: making the wallet: %w", err)
		}
	} else if st, err = store.Open(ctx, path, dev, store.Options{}); err != nil {
		return Service{}, fmt.Errorf("city: opening the wallet: %w", err)
	}
	c.closers = append(c.closers, st.Close)
	remote := c.remote
	h, err := web.New(web.Config{
		Unlock: func(ctx context.Context, pin []byte) (*wallet.Wallet, error) {
			if err := st.Unlock(ctx, pin); err != nil {
				return nil, err
			}
			return wallet.New(st, keystore.New(st), WalletLedger{remote}, remote,
				wci.New(wci.Config{AllowHTTP: true, HTTPClient: c.clientHC}), wvp.New(remote, wvp.Config{AllowHTTP: true, HTTPClient: c.clientHC}),
				wallet.Config{Now: c.cfg.Now, Logger: log.With("module", "wallet")})
		},
		Lock:   st.Lock,
		Now:    c.cfg.Now,
		Logger: log.With("module", "web"),
	})
	if err != nil {
		return Service{}, err
	}
	c.closers = append(c.closers, func() error { h.Close(); return nil })
	o := ops.New(slugWallet)
	c.serve(slugWallet, ln, o.Handler(h))
	return Service{Slug: slugWallet, Role: RoleWallet, Name: registry.Names{Ko: "시민 지갑", En: "Citizen's wallet"}, URL: url, PINFile: pinFile, Metrics: url + ops.PathMetrics}, nil
}

// randomDigits is n random decimal digits.
func randomDigits(n int) (string, error) {
	var b strings.Builder
	for range n {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", err
		}
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String(), nil
}

// Close stops the city: the HTTP servers (letting requests in flight
// finish), the background jobs, the stores, then the ledger node. It is
// safe to call more than once.
func (c *City) Close() error {
	c.once.Do(func() {
		var errs []error
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, srv := range c.servers {
			if err := srv.Shutdown(sctx); err != nil {
				errs = append(errs, err)
			}
		}
		c.cancel()
		c.bg.Wait()
		for i := len(c.closers) - 1; i >= 0; i-- {
			if err := c.closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		if c.node != nil {
			if err := c.node.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("city: stopping the ledger: %w", err))
			}
		}
		c.closeErr = errors.Join(errs...)
		c.log.Info("the city stopped")
	})
	return c.closeErr
}
