package w3c

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/atomicfile"
	"github.com/seoulid/seoulid/internal/bitstring"
	"github.com/seoulid/seoulid/internal/dataintegrity"
	"github.com/seoulid/seoulid/internal/vcdm"
)

// The status purposes of a Bitstring Status List (§2.1).
const (
	PurposeRevocation = "revocation"
	PurposeSuspension = "suspension"
)

// The types of the Bitstring Status List v1.0 (§2.1, §2.2).
const (
	TypeStatusEntry          = "BitstringStatusListEntry"
	TypeStatusList           = "BitstringStatusList"
	TypeStatusListCredential = "BitstringStatusListCredential"
)

// The errors of status: a credential revoked or suspended by its issuer,
// and a status that cannot be read.
var (
	ErrRevoked   = errors.New("w3c: revoked")
	ErrSuspended = errors.New("w3c: suspended")
	ErrStatus    = errors.New("w3c: the credential's status cannot be checked")
	ErrUnknown   = errors.New("w3c: no such credential")
)

// StatusLists are an issuer's Bitstring Status Lists: one per purpose
// (revocation, suspension), of bitstring.MinBits entries, each credential
// given an index at random in each (herd privacy, §6.1). The lists and
// which credential holds which index are kept in one JSON file, written
// atomically on every change. It is safe for concurrent use.
type StatusLists struct {
	mu    sync.Mutex
	file  string
	base  string
	lists map[string]*bitstring.List
	used  map[string]map[int]bool
	creds map[string]map[string]int // credential id → purpose → index
	// published is when each list was last put on the ledger by this
	// process (zero: not yet).
	published map[string]time.Time
	// signed are the list credentials last signed, by purpose and signing
	// key: served until the list changes (Set), not re-signed on each
	// request or verification.
	signed map[string]map[string]any
	gen    int // changes of status so far: a signature begun before one is not kept
}

// statusFile is the JSON of StatusLists' file.
type statusFile struct {
	Lists       map[string]string         `json:"lists"`       // purpose → encodedList
	Credentials map[string]map[string]int `json:"credentials"` // credential id → purpose → index
}

// OpenStatusLists opens (or creates) the lists kept in file, published at
// base + "/" + purpose.
func OpenStatusLists(file, base string) (*StatusLists, error) {
	s := &StatusLists{file: file, base: strings.TrimSuffix(base, "/"), lists: map[string]*bitstring.List{},
		used: map[string]map[int]bool{}, creds: map[string]map[string]int{}, published: map[string]time.Time{},
		signed: map[string]map[string]any{}}
	b, err := os.ReadFile(file)
	switch {
	case errors.Is(err, os.ErrNotExist):
		for _, p := range []string{PurposeRevocation, PurposeSuspension} {
			if s.lists[p], err = bitstring.New(bitstring.MinBits, 1); err != nil {
				return nil, err
			}
			s.used[p] = map[int]bool{}
		}
		return s, nil
	case err != nil:
		return nil, err
	}
	var f statusFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("w3c: %s: %w", file, err)
	}
	for _, p := range []string{PurposeRevocation, PurposeSuspension} {
		enc, ok := f.Lists[p]
		if !ok {
			return nil, fmt.Errorf("w3c: %s has no %s list", file, p)
		}
		if s.lists[p], err = bitstring.Decode(enc, 1); err != nil {
			return nil, fmt.Errorf("w3c: %s: %w", file, err)
		}
		s.used[p] = map[int]bool{}
	}
	for id, byPurpose := range f.Credentials {
		s.creds[id] = byPurpose
		for p, i := range byPurpose {
			if s.used[p] == nil {
				return nil, fmt.Errorf("w3c: %s: unknown purpose %q", file, p)
			}
			s.used[p][i] = true
		}
	}
	return s, nil
}

// URL is the URL of the list of purpose.
func (s *StatusLists) URL(purpose string) string { return s.base + "/" + purpose }

// save writes the file; the caller holds mu.
func (s *StatusLists) save() error {
	f := statusFile{Lists: map[string]string{}, Credentials: s.creds}
	for p, l := range s.lists {
		enc, err := l.Encode()
		if err != nil {
			return err
		}
		f.Lists[p] = enc
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return atomicfile.Write(s.file, b, 0o600)
}

// entries gives the credential id an index in each list and returns its
// credentialStatus entries (§2.1). A credential issued again with the same
// id is the same credential: it keeps its indices, and so its status (a
// revoked id stays revoked). Issue gives a credential without id a random
// one.
func (s *StatusLists) entries(id string) ([]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	entry := func(p string, i int) map[string]any {
		return map[string]any{
			"id": s.URL(p) + "#" + strconv.Itoa(i), "type": TypeStatusEntry, "statusPurpose": p,
			"statusListIndex": strconv.Itoa(i), "statusListCredential": s.URL(p),
		}
	}
	if known, ok := s.creds[id]; ok && id != "" {
		var out []any
		for _, p := range []string{PurposeRevocation, PurposeSuspension} {
			out = append(out, entry(p, known[p]))
		}
		return out, nil
	}
	byPurpose := map[string]int{}
	var out []any
	for _, p := range []string{PurposeRevocation, PurposeSuspension} {
		l := s.lists[p]
		if len(s.used[p]) >= l.Len()/2 {
			return nil, fmt.Errorf("w3c: the %s list is half full", p)
		}
		var i int
		for {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(l.Len())))
			if err != nil {
				return nil, err
			}
			if i = int(n.Int64()); !s.used[p][i] {
				break
			}
		}
		s.used[p][i] = true
		byPurpose[p] = i
		out = append(out, entry(p, i))
	}
	if id != "" {
		s.creds[id] = byPurpose
	}
	if err := s.save(); err != nil {
		return nil, err
	}
	return out, nil
}

// Knows reports whether the lists hold the credential id.
func (s *StatusLists) Knows(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.creds[id]
	return ok
}

// Set sets the status of the credential id for purpose: true revokes or
// suspends, false reinstates (a revocation is final: false on revocation
// is refused).
func (s *StatusLists) Set(id, purpose string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	byPurpose, ok := s.creds[id]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknown, id)
	}
	i, ok := byPurpose[purpose]
	if !ok {
		return fmt.Errorf("%w: statusPurpose %q (revocation or suspension)", ErrInput, purpose)
	}
	l := s.lists[purpose]
	cur, err := l.Get(i)
	if err != nil {
		return err
	}
	if purpose == PurposeRevocation && cur == 1 && !on {
		return fmt.Errorf("%w: %s is revoked, which is final", ErrInput, id)
	}
	v := uint8(0)
	if on {
		v = 1
	}
	if err := l.Set(i, v); err != nil {
		return err
	}
	clear(s.signed)
	s.gen++
	return s.save()
}

// document is the unsecured BitstringStatusListCredential of purpose
// (§2.2) by is, valid from from.
func (s *StatusLists) document(is *Issuer, purpose string, from time.Time) (map[string]any, error) {
	s.mu.Lock()
	l, ok := s.lists[purpose]
	var enc string
	var err error
	if ok {
		enc, err = l.Encode()
	}
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: no %s list", ErrUnknown, purpose)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"@context":  []any{vcdm.ContextV2},
		"id":        s.URL(purpose),
		"type":      []any{"VerifiableCredential", TypeStatusListCredential},
		"issuer":    is.did,
		"validFrom": from.UTC().Format(time.RFC3339),
		"credentialSubject": map[string]any{
			"id": s.URL(purpose) + "#list", "type": TypeStatusList, "statusPurpose": purpose, "encodedList": enc,
		},
	}, nil
}

// Credential returns the BitstringStatusListCredential of purpose (§2.2),
// secured by is (a Data Integrity issuer), valid from when it was signed:
// the list as it is, signed once after each change. The result is shared:
// callers must not modify it.
func (s *StatusLists) Credential(ctx context.Context, is *Issuer, purpose string) (map[string]any, error) {
	if is.suite == JOSE {
		return nil, errors.New("w3c: a vc+jwt issuer publishes no Bitstring Status List")
	}
	key := purpose + " " + is.suite + " " + is.signer.KeyID()
	s.mu.Lock()
	cached, gen := s.signed[key], s.gen
	s.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	doc, err := s.document(is, purpose, is.now())
	if err != nil {
		return nil, err
	}
	signed, err := dataintegrity.Sign(ctx, doc, is.signer, dataintegrity.Options{Cryptosuite: is.suite, Created: is.now()})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.gen == gen {
		s.signed[key] = signed
	}
	s.mu.Unlock()
	return signed, nil
}

// Publisher puts a status list on the ledger (the registry's
// node.StatusPublisher): the token is the list credential enveloped as
// vc+jwt, which the registry checks like a Token Status List.
type Publisher interface {
	PublishStatusList(ctx context.Context, uri, token string) error
}

// LastPublisher is a Publisher that can say when the ledger's list at uri
// was made (zero: none): a list published anew must be newer.
type LastPublisher interface {
	LastPublished(ctx context.Context, uri string) (time.Time, error)
}

// publish puts the list of purpose on the ledger as a vc+jwt by is, valid
// from a second after the last publication at the latest (the ledger
// takes only newer lists).
func (s *StatusLists) publish(ctx context.Context, is *Issuer, p Publisher, purpose string) error {
	last := s.publishedAt(purpose)
	if lp, ok := p.(LastPublisher); ok && last.IsZero() {
		// A process that has not published yet (restarted, or rebuilt for
		// a new key) asks the ledger what it holds.
		t, err := lp.LastPublished(ctx, s.URL(purpose))
		if err != nil {
			return fmt.Errorf("w3c: asking the ledger for %s: %w", s.URL(purpose), err)
		}
		last = t
	}
	from := is.now().UTC().Truncate(time.Second)
	if !from.After(last) {
		from = last.Add(time.Second)
	}
	doc, err := s.document(is, purpose, from)
	if err != nil {
		return err
	}
	tok, err := vcdm.SignJOSE(ctx, doc, is.signer)
	if err != nil {
		return err
	}
	if err := p.PublishStatusList(ctx, s.URL(purpose), tok); err != nil {
		return fmt.Errorf("w3c: publishing %s on the ledger: %w", s.URL(purpose), err)
	}
	s.mu.Lock()
	s.published[purpose] = from
	s.mu.Unlock()
	return nil
}

// StatusSource finds a BitstringStatusListCredential by its URL: the
// verifier's own lists, or a fetch over HTTPS.
type StatusSource interface {
	StatusListCredential(ctx context.Context, url string) (map[string]any, error)
}

// checkStatus checks every BitstringStatusListEntry of vc (Bitstring
// Status List v1.0 §3.2, validate algorithm): the entry's shape, its list
// credential found through src, verified, issued by vc's issuer, of the
// entry's purpose; the entry's bits. A set bit of revocation or
// suspension is ErrRevoked or ErrSuspended. Entries of other types are
// left to the caller (a warning).
func checkStatus(ctx context.Context, vc map[string]any, r Resolver, src StatusSource, opts VerifyOptions) (warnings []string, err error) {
	raw, ok := vc["credentialStatus"]
	if !ok {
		return nil, nil
	}
	entries, isList := raw.([]any)
	if !isList {
		entries = []any{raw}
	}
	for i, e := range entries {
		entry, _ := e.(map[string]any)
		if entry["type"] != TypeStatusEntry {
			warnings = append(warnings, fmt.Sprintf("credentialStatus[%d] of type %v was not checked", i, entry["type"]))
			continue
		}
		purpose, _ := entry["statusPurpose"].(string)
		idxText, _ := entry["statusListIndex"].(string)
		listURL, _ := entry["statusListCredential"].(string)
		idx, perr := strconv.Atoi(idxText)
		if purpose == "" || perr != nil || idx < 0 || !strings.HasPrefix(listURL, "https://") && !strings.HasPrefix(listURL, "http://") {
			return nil, fmt.Errorf("%w: credentialStatus[%d] needs a statusPurpose, a statusListIndex of decimal digits and a statusListCredential URL (Bitstring Status List §2.1)", ErrInput, i)
		}
		size := 1
		if v, ok := entry["statusSize"]; ok {
			n, ok := number(v)
			if !ok || n < 1 || n > 8 {
				return nil, fmt.Errorf("%w: credentialStatus[%d].statusSize must be an integer from 1 to 8", ErrInput, i)
			}
			size = n
		}
		if src == nil {
			warnings = append(warnings, fmt.Sprintf("credentialStatus[%d] was not checked: this verifier reads no status lists", i))
			continue
		}
		slc, err := src.StatusListCredential(ctx, listURL)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrStatus, listURL, err)
		}
		sv, err := verifyCredential(ctx, slc, r, opts)
		if err != nil {
			return nil, fmt.Errorf("%w: the list %s: %w", ErrStatus, listURL, err)
		}
		slc = sv.Credential // an enveloped list (from the ledger) opened
		if !vcdm.HasType(slc, TypeStatusListCredential) {
			return nil, fmt.Errorf("%w: %s is not a %s", ErrStatus, listURL, TypeStatusListCredential)
		}
		if sv.Issuer != vcdm.IssuerID(vc) {
			return nil, fmt.Errorf("%w: the list %s is issued by %s, not by the credential's issuer", ErrStatus, listURL, sv.Issuer)
		}
		subject, _ := slc["credentialSubject"].(map[string]any)
		if subject["statusPurpose"] != purpose {
			return nil, fmt.Errorf("%w: the list %s is for %v, the entry for %s", ErrStatus, listURL, subject["statusPurpose"], purpose)
		}
		enc, _ := subject["encodedList"].(string)
		list, err := bitstring.Decode(enc, size)
		if err != nil {
			return nil, fmt.Errorf("%w: the list %s: %w", ErrStatus, listURL, err)
		}
		v, err := list.Get(idx)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrStatus, err)
		}
		switch {
		case v != 0 && purpose == PurposeRevocation:
			return nil, fmt.Errorf("%w: index %d of %s", ErrRevoked, idx, listURL)
		case v != 0 && purpose == PurposeSuspension:
			return nil, fmt.Errorf("%w: index %d of %s", ErrSuspended, idx, listURL)
		case purpose != PurposeRevocation && purpose != PurposeSuspension:
			warnings = append(warnings, fmt.Sprintf("credentialStatus[%d]: status %d for the purpose %s", i, v, purpose))
		}
	}
	return warnings, nil
}

func number(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.Atoi(string(x))
		return n, err == nil
	case float64:
		return int(x), float64(int(x)) == x
	case int:
		return x, true
	}
	return 0, false
}

// LocalStatus is a StatusSource over issuers' own lists, found by URL,
// and Fallback (nil: none) for the lists of others.
type LocalStatus struct {
	Issuers  []*Issuer
	Fallback StatusSource
}

// StatusListCredential implements StatusSource.
func (l LocalStatus) StatusListCredential(ctx context.Context, url string) (map[string]any, error) {
	for _, is := range l.Issuers {
		if is.status == nil {
			continue
		}
		for _, p := range []string{PurposeRevocation, PurposeSuspension} {
			if is.status.URL(p) == url {
				return is.status.Credential(ctx, is, p)
			}
		}
	}
	if l.Fallback != nil {
		return l.Fallback.StatusListCredential(ctx, url)
	}
	return nil, fmt.Errorf("%w: no status list at %s", ErrUnknown, url)
}

// LedgerStatus is a StatusSource over the lists on the ledger (what
// publishers put there), read with Ledger (the registry's client).
type LedgerStatus struct {
	Ledger interface {
		StatusToken(ctx context.Context, uri string) (token, issuer string, err error)
	}
	// Fallback (nil: none) is asked for lists the ledger does not hold.
	Fallback StatusSource
}

// StatusListCredential implements StatusSource: the vc+jwt on the ledger
// as an EnvelopedVerifiableCredential.
func (l LedgerStatus) StatusListCredential(ctx context.Context, url string) (map[string]any, error) {
	tok, _, err := l.Ledger.StatusToken(ctx, url)
	if err != nil {
		if l.Fallback != nil {
			return l.Fallback.StatusListCredential(ctx, url)
		}
		return nil, err
	}
	return Envelope(tok), nil
}

// publishedAt is when the list of purpose was last published by this
// process (zero: not yet).
func (s *StatusLists) publishedAt(purpose string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.published[purpose]
}
