package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier/programmes"
)

// ReadWindow is how long a decision made under retention P0D is kept —
// without any claim value — so that the citizen can read it.
const ReadWindow = time.Hour

// ServiceConfig sets up a Service.
type ServiceConfig struct {
	// RequestURL is the base of the request_uri: the request object of
	// request ID is at RequestURL + "/" + ID. Required.
	RequestURL string
	// Mode is the response mode of new requests; "" means direct_post.jwt
	// (the response is encrypted to the verifier).
	Mode string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger logs at the edges; nil discards.
	Logger *slog.Logger
	// OnDecided, when set, is told of every answer once its record is
	// stored: the programme and the outcome (eligible, not_eligible,
	// undetermined, declined or refused). For metrics; it must not block.
	OnDecided func(programme, outcome string)
}

// Service is a verifier's whole job: it makes a request for a programme,
// takes the wallet's answer through the Exchange, decides with the
// programme's rules, keeps the decision record for the programme's
// retention (and no longer), and tells whoever waits for it.
type Service struct {
	x     *Exchange
	cat   *programmes.Catalogue
	store Store
	cfg   ServiceConfig
	log   *slog.Logger

	mu       sync.Mutex
	requests map[string]*Status
	waiters  map[string][]chan struct{}
}

// Status is where a request is.
type Status struct {
	ID        string
	Programme string
	// State is "pending" until the wallet answers, then "decided",
	// "declined" (the citizen said no) or "refused" (the response failed a
	// check; Reason says which); "expired" when it was not answered in
	// time.
	State  string
	Reason string
	// Parameters are the programme's parameters for this request (the
	// facility at whose entrance it is made, say).
	Parameters map[string]string
	Decision   *programmes.Decision
	Created    time.Time
	Expires    time.Time
}

// NewService makes a Service over an exchange, the programmes and a store.
func NewService(x *Exchange, cat *programmes.Catalogue, st Store, cfg ServiceConfig) (*Service, error) {
	if x == nil || cat == nil || st == nil || cfg.RequestURL == "" {
		return nil, errors.New("verifier: a service needs an exchange, programmes, a store and a request URL")
	}
	if cfg.Mode == "" {
		cfg.Mode = vp.ResponseModeDirectPostJWT
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{x: x, cat: cat, store: st, cfg: cfg, log: cfg.Logger, requests: map[string]*Status{}, waiters: map[string][]chan struct{}{}}, nil
}

// Started is a request made for a programme.
type Started struct {
	ID string
	// URI is what the wallet opens: openid4vp://?client_id=…&request_uri=…
	// (a QR code of it for another device, a link on the same one).
	URI     string
	Expires time.Time
}

// Start makes a request for a programme: its DCQL query under its
// registered purpose. A request outside the registered purpose cannot be
// made: the query and the purpose come from the programme together.
func (s *Service) Start(ctx context.Context, programme string, params map[string]string) (*Started, error) {
	p, err := s.cat.Lookup(programme)
	if err != nil {
		return nil, err
	}
	declared := map[string]bool{}
	for _, want := range p.Parameters() {
		declared[want.Name] = true
		if params[want.Name] == "" {
			return nil, fmt.Errorf("%w: %s needs the parameter %s", ErrParameter, p.ID(), want.Name)
		}
	}
	for name := range params {
		if !declared[name] {
			return nil, fmt.Errorf("%w: %s has no parameter %s", ErrParameter, p.ID(), name)
		}
	}
	pending, err := s.x.NewRequest(p.PurposeID(), p.Query(), s.cfg.Mode)
	if err != nil {
		return nil, err
	}
	ref := &vp.RequestReference{ClientID: s.x.ClientID(), RequestURI: s.cfg.RequestURL + "/" + pending.ID, RequestURIMethod: "post"}
	s.mu.Lock()
	s.requests[pending.ID] = &Status{ID: pending.ID, Programme: p.ID(), State: "pending", Parameters: params, Created: s.cfg.Now(), Expires: pending.Expires}
	s.mu.Unlock()
	return &Started{ID: pending.ID, URI: "openid4vp://?" + ref.Encode(), Expires: pending.Expires}, nil
}

// OnAnswer decides on an answer of the Exchange (the oid4vp.Handler's
// OnAnswer): the programme's rules on the verified claims, the record kept
// for the programme's retention, the waiters woken. It returns no
// redirect: the portal page shows the decision itself.
func (s *Service) OnAnswer(ctx context.Context, a *Answer) (string, error) {
	if a.Request == nil {
		return "", nil
	}
	s.mu.Lock()
	st := s.requests[a.Request.ID]
	s.mu.Unlock()
	if st == nil {
		return "", fmt.Errorf("verifier: an answer to request %s, which this service did not make", a.Request.ID)
	}
	p, err := s.cat.Lookup(st.Programme)
	if err != nil {
		return "", err
	}
	now := s.cfg.Now()
	next := *st
	rec := &Record{RequestID: st.ID, Programme: p.ID(), ProgrammeVersion: p.Version(), Purpose: p.PurposeID(), DecidedAt: now}
	switch {
	case a.Refused != nil:
		next.State, next.Reason = "refused", a.Refused.Reason
		rec.Outcome = "refused"
	case a.Declined != nil:
		next.State, next.Reason = "declined", a.Declined.Description
		rec.Outcome = "declined"
	default:
		ev := programmes.Evidence{ApplicationDate: now, Credentials: map[string][]map[string]any{}, Parameters: st.Parameters}
		for qid, vs := range a.Presented {
			for _, v := range vs {
				ev.Credentials[qid] = append(ev.Credentials[qid], v.Claims)
			}
		}
		d, err := p.Decide(ctx, ev)
		if err != nil {
			return "", fmt.Errorf("verifier: deciding %s: %w", p.ID(), err)
		}
		next.State, next.Decision = "decided", d
		rec.Outcome = string(d.Outcome)
		keep, err := retention(p.Retention(), now)
		if err != nil {
			return "", err
		}
		if keep.After(now) {
			if rec.Claims, err = json.Marshal(ev.Credentials); err != nil {
				return "", err
			}
		}
		rec.PurgeAt = keep
	}
	if rec.PurgeAt.IsZero() || !rec.PurgeAt.After(now) {
		rec.PurgeAt = now.Add(ReadWindow)
	}
	var err2 error
	// The record keeps the decision without the criteria's Detail, which
	// may quote claim values (programmes.CriterionResult.Detail).
	var kept *programmes.Decision
	if next.Decision != nil {
		d := *next.Decision
		d.Criteria = slices.Clone(d.Criteria)
		for i := range d.Criteria {
			d.Criteria[i].Detail = ""
		}
		kept = &d
	}
	if rec.Decision, err2 = json.Marshal(map[string]any{"state": next.State, "reason": next.Reason, "decision": kept}); err2 != nil {
		return "", err2
	}
	if err := s.store.PutRecord(ctx, rec); err != nil {
		return "", fmt.Errorf("verifier: keeping the decision: %w", err)
	}
	if s.cfg.OnDecided != nil {
		s.cfg.OnDecided(rec.Programme, rec.Outcome)
	}
	s.mu.Lock()
	s.requests[st.ID] = &next
	ws := s.waiters[st.ID]
	delete(s.waiters, st.ID)
	s.mu.Unlock()
	for _, w := range ws {
		close(w)
	}
	s.log.Info("decided", "request", st.ID, "programme", p.ID(), "state", next.State, "outcome", rec.Outcome)
	return "", nil
}

// retention is the end of a programme's retention that starts at t: P0D
// (nothing kept) is t itself.
func retention(iso string, t time.Time) (time.Time, error) {
	if iso == "P0D" || iso == "" {
		return t, nil
	}
	v, err := schemas.ParseValidity(iso)
	if err != nil {
		return time.Time{}, fmt.Errorf("verifier: retention %q: %w", iso, err)
	}
	return v.Expiry(t), nil
}

// ErrParameter: a programme's parameter is missing, or one it does not
// declare was given.
var ErrParameter = errors.New("verifier: programme parameter")

// Status returns where a request is, waiting up to wait for a decision
// while it is pending (a long poll); ErrUnknownRequest when the service
// made no such request (or forgot it after it expired undecided).
func (s *Service) Status(ctx context.Context, id string, wait time.Duration) (*Status, error) {
	s.mu.Lock()
	st := s.requests[id]
	if st == nil {
		s.mu.Unlock()
		return nil, ErrUnknownRequest
	}
	now := s.cfg.Now()
	if st.State == "pending" && !now.Before(st.Expires) {
		st.State = "expired"
	}
	if st.State != "pending" || wait <= 0 {
		out := *st
		s.mu.Unlock()
		return &out, nil
	}
	if left := st.Expires.Sub(now); wait > left {
		wait = left // no answer can come after the expiry
	}
	ch := make(chan struct{})
	s.waiters[id] = append(s.waiters[id], ch)
	s.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st = s.requests[id]
	if st == nil {
		return nil, ErrUnknownRequest // forgotten while waiting
	}
	if st.State == "pending" && !s.cfg.Now().Before(st.Expires) {
		st.State = "expired"
	}
	out := *st
	return &out, nil
}

// Purge deletes the decision records whose retention ended, and forgets
// requests that expired undecided and decisions older than ReadWindow.
func (s *Service) Purge(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	n, err := s.store.Purge(ctx, now)
	s.mu.Lock()
	for id, st := range s.requests {
		if now.Sub(st.Created) > ReadWindow {
			delete(s.requests, id)
		}
	}
	s.mu.Unlock()
	return n, err
}

// RunPurge purges every interval until ctx ends.
func (s *Service) RunPurge(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.Purge(ctx); err != nil {
				s.log.Error("purging decision records", "purged", n, "err", err)
			} else if n > 0 {
				s.log.Info("purged decision records", "records", n)
			}
		}
	}
}
