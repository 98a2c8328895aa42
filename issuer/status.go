package issuer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/statuslist"
)

// statusBits is the width of a status: valid, revoked, suspended.
const statusBits = 2

// statusLists allocates status indexes and keeps the signed tokens.
//
// Lists are numbered from 1; list n is at Config.StatusListURL/n. A list is
// filled to half its size — at random indexes, so that an index says
// nothing about when or to whom a credential was issued — and then the
// next one is opened and published.
type statusLists struct {
	is *Issuer

	// pubMu serialises publications (token iat and ledger operations
	// follow each other); it is never held with mu across I/O the other
	// way round, and mu is never held while publishing, so issuance does
	// not wait for the ledger.
	pubMu   sync.Mutex
	mu      sync.Mutex
	loaded  bool
	current int // the list being filled
	count   int // indexes taken in the current list
	// used has a bit set for every index of the current list taken by a
	// credential of this issuer: read from the store when the list is
	// found, then kept here, so allocation asks the store nothing.
	// Another process sharing the store may take an index this one does
	// not know of; CompleteOffer's unique index settles that race.
	used    []uint64
	tokens  map[string]string // uri → latest signed token
	lastIAT map[string]time.Time
	dirty   map[string]bool
}

func (l *statusLists) init(is *Issuer) {
	l.is = is
	l.tokens = map[string]string{}
	l.lastIAT = map[string]time.Time{}
	l.dirty = map[string]bool{}
}

func (l *statusLists) uri(n int) string { return l.is.cfg.StatusListURL + "/" + strconv.Itoa(n) }

// number returns the list number of a URI of this issuer, or 0.
func (l *statusLists) number(uri string) int {
	s, ok := strings.CutPrefix(uri, l.is.cfg.StatusListURL+"/")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strconv.Itoa(n) != s {
		return 0
	}
	return n
}

// load finds the list being filled (called with mu held).
func (l *statusLists) load(ctx context.Context) error {
	if l.loaded {
		return nil
	}
	n := 1
	for {
		c, err := l.is.store.CountIndexes(ctx, l.uri(n))
		if err != nil {
			return fmt.Errorf("issuer: status lists: %w", err)
		}
		if c == 0 {
			break
		}
		l.current, l.count = n, c
		n++
	}
	if l.current == 0 {
		l.current = 1
	}
	l.used = make([]uint64, (l.is.cfg.StatusListSize+63)/64)
	taken, err := l.is.store.Indexes(ctx, l.uri(l.current))
	if err != nil {
		return fmt.Errorf("issuer: status lists: %w", err)
	}
	for _, i := range taken {
		if i >= 0 && i < l.is.cfg.StatusListSize {
			l.used[i/64] |= 1 << (i % 64)
		}
	}
	l.count = len(taken)
	// Statuses may have changed before a restart without being published:
	// the next batch republishes every list once.
	for i := 1; i < n; i++ {
		l.dirty[l.uri(i)] = true
	}
	l.loaded = true
	return nil
}

// allocate returns a random unused index in the list being filled, opening
// (and publishing) a new list when it is half full. CompleteOffer's unique
// constraint settles the rare race with another process of this issuer.
func (l *statusLists) allocate(ctx context.Context) (string, int, error) {
	for {
		uri, idx, retry, err := l.tryAllocate(ctx)
		if !retry {
			return uri, idx, err
		}
	}
}

// tryAllocate is one attempt of allocate; it asks for a retry when the
// next list was opened while it published the one it meant to use.
func (l *statusLists) tryAllocate(ctx context.Context) (uri string, idx int, retry bool, err error) {
	l.mu.Lock()
	if err := l.load(ctx); err != nil {
		l.mu.Unlock()
		return "", 0, false, err
	}
	size := l.is.cfg.StatusListSize
	if l.count >= size/2 {
		l.current++
		l.count = 0
		clear(l.used)
	}
	uri = l.uri(l.current)
	_, published := l.tokens[uri]
	l.mu.Unlock()
	if !published {
		// A new list: publish it (all valid) before any credential points
		// to it, so a verifier can always find it.
		if err := l.publishOne(ctx, uri, true); err != nil {
			return "", 0, false, err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if uri != l.uri(l.current) {
		return "", 0, true, nil
	}
	for tries := 0; tries < 64; tries++ {
		b, err := l.is.random(4)
		if err != nil {
			return "", 0, false, err
		}
		idx := int(binary.BigEndian.Uint32(b) % uint32(size)) // size divides 2^32 for the default; the bias is < 2^-15 otherwise
		if bit := uint64(1) << (idx % 64); l.used[idx/64]&bit == 0 {
			l.used[idx/64] |= bit
			l.count++
			return uri, idx, false, nil
		}
	}
	return "", 0, false, errors.New("issuer: status lists: no free index found in 64 tries")
}

// sign builds and signs the token of one list, with an iat after last
// (the ledger takes only newer tokens). It holds no lock.
func (l *statusLists) sign(ctx context.Context, uri string, last time.Time) (string, time.Time, error) {
	statuses, err := l.is.store.Statuses(ctx, uri)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issuer: status list %s: %w", uri, err)
	}
	list, err := statuslist.New(l.is.cfg.StatusListSize, statusBits)
	if err != nil {
		return "", time.Time{}, err
	}
	for idx, s := range statuses {
		if err := list.Set(idx, uint8(s)); err != nil {
			return "", time.Time{}, fmt.Errorf("issuer: status list %s: %w", uri, err)
		}
	}
	iat := l.is.cfg.Now().UTC().Truncate(time.Second)
	if !iat.After(last) {
		iat = last.Add(time.Second)
	}
	tok, err := statuslist.Sign(ctx, l.is.signer, statuslist.Claims{
		Subject: uri, Issuer: l.is.cfg.DID, IssuedAt: iat, TTL: 5 * time.Minute, List: list,
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issuer: signing status list %s: %w", uri, err)
	}
	return tok, iat, nil
}

// publishOne signs the token of one list as it stands and publishes it to
// the ledger and the HTTP endpoint. With onlyIfMissing it does nothing if
// the list has a token already. It takes pubMu, and mu only briefly.
func (l *statusLists) publishOne(ctx context.Context, uri string, onlyIfMissing bool) error {
	l.pubMu.Lock()
	defer l.pubMu.Unlock()
	l.mu.Lock()
	_, has := l.tokens[uri]
	last := l.lastIAT[uri]
	delete(l.dirty, uri) // a change from now on marks it again
	l.mu.Unlock()
	if onlyIfMissing && has {
		return nil
	}
	if lp, ok := l.is.publisher.(LastPublisher); ok && last.IsZero() {
		// First publication by this process: start after what the ledger
		// holds, which an earlier run may have published this very second.
		t, err := lp.LastPublished(ctx, uri)
		if err != nil {
			l.mu.Lock()
			l.dirty[uri] = true
			l.mu.Unlock()
			return fmt.Errorf("issuer: status list %s: when was it last published: %w", uri, err)
		}
		last = t
	}
	tok, iat, err := l.sign(ctx, uri, last)
	if err == nil && l.is.publisher != nil {
		if perr := l.is.publisher.PublishStatusList(ctx, uri, tok); perr != nil {
			err = fmt.Errorf("issuer: publishing status list %s to the ledger: %w", uri, perr)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.dirty[uri] = true
		return err
	}
	l.tokens[uri], l.lastIAT[uri] = tok, iat
	return nil
}

// StatusListToken returns the latest token of a status list of this issuer
// (for its HTTP endpoint) — the one last published — or ErrNotFound. It
// never writes to the ledger.
func (is *Issuer) StatusListToken(ctx context.Context, uri string) (string, error) {
	l := &is.lists
	l.mu.Lock()
	if err := l.load(ctx); err != nil {
		l.mu.Unlock()
		return "", err
	}
	n := l.number(uri)
	tok, ok := l.tokens[uri]
	last := l.lastIAT[uri]
	current := l.current
	l.mu.Unlock()
	if n == 0 || n > current {
		return "", ErrNotFound
	}
	if ok {
		return tok, nil // changes reach HTTP with the next batch, as they reach the ledger
	}
	// After a restart: sign the list as it stands, without publishing
	// (publication is PublishStatusLists' business, not a reader's).
	tok, iat, err := l.sign(ctx, uri, last)
	if err != nil {
		return "", err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.tokens[uri]; ok {
		return old, nil
	}
	l.tokens[uri], l.lastIAT[uri] = tok, iat
	return tok, nil
}

// PublishStatusLists re-signs and publishes every list whose statuses
// changed since it was last published: the batch that RunStatusPublisher
// makes periodically. It returns how many lists it published.
func (is *Issuer) PublishStatusLists(ctx context.Context) (int, error) {
	l := &is.lists
	l.mu.Lock()
	if err := l.load(ctx); err != nil {
		l.mu.Unlock()
		return 0, err
	}
	uris := make([]string, 0, len(l.dirty))
	for uri := range l.dirty {
		uris = append(uris, uri)
	}
	l.mu.Unlock()
	sort.Strings(uris)
	for i, uri := range uris {
		if err := l.publishOne(ctx, uri, false); err != nil {
			return i, err
		}
	}
	return len(uris), nil
}

// WipeExpiredClaims deletes the claims of the offers that can no longer be
// issued (Store.WipeClaims): PIPA Art. 21 asks personal information to be
// destroyed once no longer needed. It returns how many it wiped.
func (is *Issuer) WipeExpiredClaims(ctx context.Context) (int, error) {
	n, err := is.store.WipeClaims(ctx, is.cfg.Now())
	if err != nil {
		return 0, fmt.Errorf("issuer: wiping the claims of expired offers: %w", err)
	}
	return n, nil
}

// RunStatusPublisher publishes changed status lists every interval until
// ctx ends: revocations reach the ledger in batches, one token per list
// per interval however many credentials changed.
func (is *Issuer) RunStatusPublisher(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := is.PublishStatusLists(ctx); err != nil {
				is.log.Error("publishing status lists", "err", err)
			} else if n > 0 {
				is.log.Info("published status lists", "lists", n)
			}
		}
	}
}

// SetStatus revokes, suspends or reinstates a credential on behalf of an
// operator. The change reaches the status list at the next publication
// (PublishStatusLists).
func (is *Issuer) SetStatus(ctx context.Context, operator, id string, s Status) (*Credential, error) {
	if s != StatusValid && s != StatusRevoked && s != StatusSuspended {
		return nil, fmt.Errorf("issuer: unknown status %d", s)
	}
	old, err := is.store.Credential(ctx, id)
	if err != nil {
		return nil, err
	}
	if old.Status == s {
		return old, nil // nothing changes: no audit entry, no republication
	}
	action := map[Status]string{StatusValid: "credential.reinstate", StatusRevoked: "credential.revoke", StatusSuspended: "credential.suspend"}[s]
	c, err := is.store.SetStatus(ctx, id, s, is.cfg.Now().UTC(), is.auditEntry(operator, action, id, old.Status.String()+" → "+s.String()))
	if err != nil {
		return nil, err // ErrRevoked when it was revoked meanwhile: revocation is final
	}
	is.lists.mu.Lock()
	is.lists.dirty[c.ListURI] = true
	is.lists.mu.Unlock()
	return c, nil
}
