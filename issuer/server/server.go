package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/atomicfile"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/ops"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/backoffice"
	"github.com/seoulid/seoulid/issuer/oid4vci"
	"github.com/seoulid/seoulid/schemas"
)

// Config sets up an issuer's server. Key, DID, Types, URL, Store, Trust,
// Publisher and both names are required; other zero values mean what
// their fields say.
type Config struct {
	// Key signs credentials and status lists; its key id is a DID URL of
	// DID.
	Key *keys.PrivateKey
	DID string
	// Types are the vcts it issues; the ledger must authorise each.
	Types []string
	// URL is the Credential Issuer Identifier: the public URL wallets reach
	// it at (https, or http on loopback).
	URL string
	// StatusListURL is the base of its status list URIs; "" means URL's
	// host under https and /status-lists (the ledger takes https URIs
	// only; the lists are read from the ledger).
	StatusListURL string
	// Name is the issuer's display name, in Korean and English.
	Name schemas.Text
	// Store keeps offers, issuance records, operators and the audit log.
	Store issuer.Store
	// Trust answers whether the ledger authorises it for a vct; Publisher
	// writes its status lists to the ledger.
	Trust     issuer.Trust
	Publisher issuer.Publisher
	// TxCodes delivers tx_codes; nil means backoffice.LogSender, which
	// logs that a code was sent (and the code itself with Dev).
	TxCodes issuer.TxCodeSender
	// Dev puts tx_codes in the log (development only).
	Dev bool
	// PublishInterval is how often Run publishes changed status lists; 0
	// means 2 s.
	PublishInterval time.Duration
	// Logger receives the issuer's log; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnIssued is issuer.Config.OnIssued (metrics); nil means none.
	OnIssued func(vct string, copies int)
}

// Server is a running issuer's core and HTTP faces.
type Server struct {
	cfg    Config
	is     *issuer.Issuer
	office http.Handler
	wallet http.Handler
}

// New makes the server.
func New(cfg Config) (*Server, error) {
	if cfg.Key == nil || cfg.DID == "" || len(cfg.Types) == 0 || cfg.URL == "" || cfg.Store == nil || cfg.Trust == nil || cfg.Publisher == nil {
		return nil, errors.New("issuer/server: a key, a DID, types, a URL, a store, the ledger's trust and a publisher are required")
	}
	if cfg.Name[schemas.Korean] == "" || cfg.Name[schemas.English] == "" {
		return nil, errors.New("issuer/server: the issuer's name in Korean and English is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PublishInterval == 0 {
		cfg.PublishInterval = 2 * time.Second
	}
	if cfg.PublishInterval < 0 {
		return nil, fmt.Errorf("issuer/server: the publish interval %s is negative", cfg.PublishInterval)
	}
	if cfg.StatusListURL == "" {
		cfg.StatusListURL = DefaultStatusListURL(cfg.URL)
	}
	if cfg.TxCodes == nil {
		cfg.TxCodes = backoffice.LogSender{Logger: cfg.Logger.With("module", "sms"), Dev: cfg.Dev}
	}
	is, err := issuer.New(cfg.Key, cfg.Store, cfg.Trust, cfg.Publisher, cfg.TxCodes,
		issuer.Config{URL: cfg.URL, DID: cfg.DID, Types: cfg.Types, StatusListURL: cfg.StatusListURL, Logger: cfg.Logger.With("module", "issuer"), Now: cfg.Now, OnIssued: cfg.OnIssued})
	if err != nil {
		return nil, err
	}
	wallet, err := oid4vci.New(is, oid4vci.Config{PublicKey: cfg.Key.Public(), Name: cfg.Name, Logger: cfg.Logger.With("module", "oid4vci")})
	if err != nil {
		return nil, err
	}
	office, err := backoffice.New(is, backoffice.Config{Logger: cfg.Logger.With("module", "backoffice")})
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, is: is, office: office, wallet: wallet}, nil
}

// DefaultStatusListURL is the base of the status list URIs of an issuer at
// url: its host under https, /status-lists.
func DefaultStatusListURL(url string) string {
	base := strings.TrimSuffix(url, "/")
	if rest, ok := strings.CutPrefix(base, "http://"); ok {
		base = "https://" + rest
	}
	return base + "/status-lists"
}

// Issuer is the core.
func (s *Server) Issuer() *issuer.Issuer { return s.is }

// ServeHTTP routes the back office's paths to it and the rest to the
// wallet-facing face.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, backoffice.Prefix) {
		s.office.ServeHTTP(w, r)
		return
	}
	s.wallet.ServeHTTP(w, r)
}

// wipeEvery is how often Run wipes the claims of offers that can no longer
// be issued.
const wipeEvery = time.Minute

// wipe wipes the claims of expired offers now and every wipeEvery until
// ctx ends.
func (s *Server) wipe(ctx context.Context) {
	t := time.NewTicker(wipeEvery)
	defer t.Stop()
	for {
		if n, err := s.is.WipeExpiredClaims(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("wiping the claims of expired offers", "err", err)
		} else if n > 0 {
			s.cfg.Logger.Info("wiped the claims of expired offers", "offers", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Run publishes changed status lists every PublishInterval, and wipes the
// claims of offers that can no longer be issued every minute, until ctx
// ends; then it publishes once more — with a context of its own, so that status
// changes made since the last tick reach the ledger before the issuer
// stops, not at its next start. It returns that last publication's
// error.
func (s *Server) Run(ctx context.Context) error {
	wiped := make(chan struct{})
	go func() {
		defer close(wiped)
		s.wipe(ctx)
	}()
	s.is.RunStatusPublisher(ctx, s.cfg.PublishInterval)
	<-wiped
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	n, err := s.is.PublishStatusLists(pctx)
	if err != nil {
		return fmt.Errorf("issuer/server: publishing status lists before stopping: %w", err)
	}
	if n > 0 {
		s.cfg.Logger.Info("published status lists", "lists", n)
	}
	return nil
}

// EnsureOperator gives a store without operators its first one, named
// name, and writes its token to file (mode 0600, replacing a token left
// from an earlier store); it returns whether it made one. A store with
// operators is left as it is: operators add colleagues in the back office.
func (s *Server) EnsureOperator(ctx context.Context, name, file string) (bool, error) {
	n, err := s.is.Store().CountOperators(ctx)
	if err != nil {
		return false, fmt.Errorf("issuer/server: counting operators: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	op, token, err := s.is.CreateOperator(ctx, "", name)
	if err != nil {
		return false, err
	}
	if err := atomicfile.Write(file, []byte(token+"\n"), 0o600); err != nil {
		return false, fmt.Errorf("issuer/server: writing the first operator's token: %w", err)
	}
	s.cfg.Logger.Info("created the first operator", "operator", op.ID, "file", file)
	return true, nil
}

// Instrument registers an issuer's metrics and readiness on o — the
// counter seoulid_credentials_issued_total{vct} (credentials, copies
// counted), the store answering, and ledger(ctx) answering — and returns
// the Config.OnIssued that counts.
func Instrument(o *ops.Service, st issuer.Store, ledger func(context.Context) error) func(vct string, copies int) {
	issued := o.Counter("seoulid_credentials_issued_total", "Credentials issued (each copy of a batch counts), by type.", "vct")
	o.AddReadiness("store", func(ctx context.Context) error { _, err := st.CountOperators(ctx); return err })
	if ledger != nil {
		o.AddReadiness("ledger", ledger)
	}
	return func(vct string, copies int) { issued.WithLabelValues(vct).Add(float64(copies)) }
}
