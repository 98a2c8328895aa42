package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/ops"
	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/oid4vp"
	"github.com/seoulid/seoulid/verifier/portal"
	"github.com/seoulid/seoulid/verifier/programmes"
)

// Config sets up a verifier's server. Key, DID, URL, Programmes, Store and
// Ledger are required; other zero values mean what their fields say.
type Config struct {
	// Key signs request objects and acknowledgements; its key id is a DID
	// URL of DID, an authentication and assertionMethod key.
	Key *keys.PrivateKey
	DID string
	// URL is the verifier's public URL: request objects are at
	// URL/request/ID, responses go to URL/response/ID.
	URL string
	// Programmes are the programmes it runs; the ledger must register the
	// verifier for each one's purpose.
	Programmes *programmes.Catalogue
	// Store keeps the decision records.
	Store verifier.Store
	// Ledger is what the pipeline reads: keys at a time, issuer
	// authorisations, status lists.
	Ledger verifier.Ledger
	// Name is the portal's name by language ("ko", "en").
	Name map[string]string
	// Mode is the response mode of its requests; "" means direct_post.jwt.
	Mode string
	// StatusMaxAge bounds how long a status list read from the ledger is
	// used; 0 means the pipeline's default (five minutes).
	StatusMaxAge time.Duration
	// PurgeEvery is how often Run deletes the records whose retention
	// ended; 0 means a minute.
	PurgeEvery time.Duration
	// Logger receives the verifier's log; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnDecided is verifier.ServiceConfig.OnDecided (metrics); nil means
	// none.
	OnDecided func(programme, outcome string)
}

// Server is a running verifier's service and HTTP faces.
type Server struct {
	cfg     Config
	svc     *verifier.Service
	wallets http.Handler
	page    http.Handler
}

// New makes the server.
func New(cfg Config) (*Server, error) {
	if cfg.Key == nil || cfg.DID == "" || cfg.URL == "" || cfg.Programmes == nil || cfg.Store == nil || cfg.Ledger == nil {
		return nil, errors.New("verifier/server: a key, a DID, a URL, programmes, a store and the ledger are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PurgeEvery == 0 {
		cfg.PurgeEvery = time.Minute
	}
	if cfg.PurgeEvery < 0 {
		return nil, errors.New("verifier/server: the purge interval is negative")
	}
	url := strings.TrimSuffix(cfg.URL, "/")
	pipe, err := verifier.New(cfg.Ledger, verifier.Config{StatusMaxAge: cfg.StatusMaxAge, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	x, err := verifier.NewExchange(cfg.Key, pipe, verifier.ExchangeConfig{DID: cfg.DID, ResponseURL: url + strings.TrimSuffix(oid4vp.PathResponse, "/"), Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	svc, err := verifier.NewService(x, cfg.Programmes, cfg.Store, verifier.ServiceConfig{RequestURL: url + strings.TrimSuffix(oid4vp.PathRequest, "/"), Mode: cfg.Mode, Now: cfg.Now, Logger: cfg.Logger.With("module", "verifier"), OnDecided: cfg.OnDecided})
	if err != nil {
		return nil, err
	}
	page, err := portal.New(svc, cfg.Programmes, portal.Config{Name: cfg.Name, PublicURL: url, Now: cfg.Now, Logger: cfg.Logger.With("module", "portal")})
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, svc: svc, wallets: oid4vp.New(x, svc.OnAnswer, cfg.Logger.With("module", "oid4vp")), page: page}, nil
}

// Service is the verifier's service.
func (s *Server) Service() *verifier.Service { return s.svc }

// ServeHTTP routes the wallets' paths to the OpenID4VP face and the rest
// to the portal.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, oid4vp.PathRequest) || strings.HasPrefix(r.URL.Path, oid4vp.PathResponse) {
		s.wallets.ServeHTTP(w, r)
		return
	}
	s.page.ServeHTTP(w, r)
}

// Run purges expired decision records every PurgeEvery until ctx ends.
func (s *Server) Run(ctx context.Context) { s.svc.RunPurge(ctx, s.cfg.PurgeEvery) }

// Instrument registers a verifier's metrics and readiness on o — the
// counter seoulid_decisions_total{programme,outcome}, the store answering,
// and ledger(ctx) answering — and returns the Config.OnDecided that
// counts.
func Instrument(o *ops.Service, st verifier.Store, ledger func(context.Context) error) func(programme, outcome string) {
	decided := o.Counter("seoulid_decisions_total", "Answers decided and recorded, by programme and outcome.", "programme", "outcome")
	o.AddReadiness("store", func(ctx context.Context) error {
		if _, err := st.Record(ctx, "readiness-probe", time.Now()); err != nil && !errors.Is(err, verifier.ErrNotFound) {
			return err
		}
		return nil
	})
	if ledger != nil {
		o.AddReadiness("ledger", ledger)
	}
	return func(programme, outcome string) { decided.WithLabelValues(programme, outcome).Inc() }
}
