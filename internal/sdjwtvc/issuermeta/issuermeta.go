package issuermeta

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/safehttp"
)

// Errors callers branch on.
var (
	ErrIssuerURL = errors.New("issuermeta: issuer is not an HTTPS URL fit for metadata discovery")
	// ErrForbidden: the default client refused the address (§8.1). It is
	// safehttp.ErrForbidden, and comes wrapped in ErrFetch.
	ErrForbidden = safehttp.ErrForbidden
	ErrFetch     = errors.New("issuermeta: cannot fetch issuer metadata")
	ErrMetadata  = errors.New("issuermeta: invalid issuer metadata")
	ErrNoKey     = errors.New("issuermeta: no matching issuer key")
)

// WellKnownPath is the well-known URI suffix of §4.
const WellKnownPath = "/.well-known/jwt-vc-issuer"

// Config tunes a Resolver. The zero value is the safe default for a
// service on the internet.
type Config struct {
	// Client makes the requests. Nil means a client of this package with
	// the address guard on every connection, Timeout, and at most three
	// redirects, all to HTTPS. A Client given here is used as it is: its
	// transport decides which addresses may be reached.
	Client *http.Client
	// AllowPrivateNetworks lets the default client reach loopback, private
	// and link-local addresses: for a city running its issuers on an
	// internal network, and for tests. False refuses them (§8.1).
	AllowPrivateNetworks bool
	// Timeout bounds each retrieval; zero means 10 seconds.
	Timeout time.Duration
	// MaxBytes bounds each response body; zero means 64 KiB.
	MaxBytes int64
	// DefaultTTL is how long a response without Cache-Control max-age is
	// reused; zero means 5 minutes. Responses with no-store or no-cache are
	// never reused.
	DefaultTTL time.Duration
	// Now is the clock of the cache; nil means time.Now.
	Now func() time.Time
}

// Resolver finds issuer keys through JWT VC Issuer Metadata. It satisfies
// sdjwtvc.KeyResolver. It is safe for concurrent use.
type Resolver struct {
	cfg    Config
	client *http.Client

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	meta    *Metadata
	expires time.Time
}

// Metadata is a validated JWT VC Issuer Metadata document with its keys
// fetched.
type Metadata struct {
	Issuer string
	// JWKSURI is where the keys came from, or "" when they were inline.
	JWKSURI string
	// Keys are the issuer's usable signing keys: the Ed25519 and P-256 keys
	// of the JWK Set. Keys of other types are left out.
	Keys []*keys.PublicKey
	// Skipped counts the keys of the set that are of an unsupported type
	// or invalid.
	Skipped int
}

// New makes a Resolver.
func New(cfg Config) *Resolver {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 64 << 10
	}
	if cfg.DefaultTTL <= 0 {
		cfg.DefaultTTL = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := cfg.Client
	if client == nil {
		client = safehttp.Client(safehttp.Options{AllowPrivateNetworks: cfg.AllowPrivateNetworks, Timeout: cfg.Timeout, MaxRedirects: 3})
	}
	return &Resolver{cfg: cfg, client: client, cache: make(map[string]cached)}
}

// WellKnownURL returns where the metadata of iss lives (§4): the well-known
// suffix goes between the host and the path, and a trailing '/' of the path
// is dropped. iss must be an HTTPS URL without query or fragment.
func WellKnownURL(iss string) (string, error) {
	u, err := url.Parse(iss)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrIssuerURL, iss, err)
	}
	if u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("%w: %q (needs https://host[:port][/path], no user, query or fragment)", ErrIssuerURL, iss)
	}
	return "https://" + u.Host + WellKnownPath + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

// IssuerKey returns the key of iss named by the header's "kid", or the
// issuer's only key when there is no "kid".
func (r *Resolver) IssuerKey(ctx context.Context, iss string, header map[string]any) (*keys.PublicKey, error) {
	meta, err := r.Metadata(ctx, iss)
	if err != nil {
		return nil, err
	}
	kidRaw, hasKid := header["kid"]
	if !hasKid {
		if len(meta.Keys) == 1 {
			return meta.Keys[0], nil
		}
		return nil, fmt.Errorf("%w: the JWT has no kid and %s has %d usable keys", ErrNoKey, iss, len(meta.Keys))
	}
	kid, ok := kidRaw.(string)
	if !ok {
		return nil, fmt.Errorf("%w: kid is %s, not a string", ErrNoKey, jsonx.Describe(kidRaw))
	}
	for _, k := range meta.Keys {
		if k.KeyID() == kid {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: %s has no usable key %q", ErrNoKey, iss, kid)
}

// Metadata fetches, validates and caches the metadata of iss.
func (r *Resolver) Metadata(ctx context.Context, iss string) (*Metadata, error) {
	wk, err := WellKnownURL(iss)
	if err != nil {
		return nil, err
	}
	now := r.cfg.Now()
	r.mu.Lock()
	if c, ok := r.cache[iss]; ok && now.Before(c.expires) {
		r.mu.Unlock()
		return c.meta, nil
	}
	r.mu.Unlock()

	doc, ttl, err := r.get(ctx, wk, "application/json")
	if err != nil {
		return nil, err
	}
	meta, jwksTTL, err := r.parse(ctx, iss, doc)
	if err != nil {
		return nil, err
	}
	if jwksTTL < ttl {
		ttl = jwksTTL
	}
	if ttl > 0 {
		r.mu.Lock()
		r.cache[iss] = cached{meta: meta, expires: now.Add(ttl)}
		r.mu.Unlock()
	}
	return meta, nil
}

func (r *Resolver) parse(ctx context.Context, iss string, doc []byte) (*Metadata, time.Duration, error) {
	m, err := jsonx.ParseObjectWithLimits(doc, jsonx.Limits{MaxBytes: int(r.cfg.MaxBytes), MaxDepth: 8})
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrMetadata, err)
	}
	// §4.3: the issuer must be identical to iss, or nothing in it is used.
	if got, _ := m["issuer"].(string); got != iss {
		return nil, 0, fmt.Errorf("%w: issuer is %q, not %q", ErrMetadata, got, iss)
	}
	jwks, hasJWKS := m["jwks"]
	jwksURI, hasURI := m["jwks_uri"]
	meta := &Metadata{Issuer: iss}
	ttl := time.Duration(1<<63 - 1)
	switch {
	case hasJWKS && hasURI:
		return nil, 0, fmt.Errorf("%w: both jwks and jwks_uri (§4.2 allows one)", ErrMetadata)
	case hasJWKS:
		set, ok := jwks.(map[string]any)
		if !ok {
			return nil, 0, fmt.Errorf("%w: jwks is %s, not a JWK Set object", ErrMetadata, jsonx.Describe(jwks))
		}
		if err := meta.readSet(set); err != nil {
			return nil, 0, err
		}
	case hasURI:
		u, ok := jwksURI.(string)
		if !ok {
			return nil, 0, fmt.Errorf("%w: jwks_uri is not a string", ErrMetadata)
		}
		if pu, err := url.Parse(u); err != nil || pu.Scheme != "https" || pu.Host == "" {
			return nil, 0, fmt.Errorf("%w: jwks_uri %q is not an HTTPS URL", ErrMetadata, u)
		}
		body, setTTL, err := r.get(ctx, u, "application/json", "application/jwk-set+json")
		if err != nil {
			return nil, 0, err
		}
		set, err := jsonx.ParseObjectWithLimits(body, jsonx.Limits{MaxBytes: int(r.cfg.MaxBytes), MaxDepth: 8})
		if err != nil {
			return nil, 0, fmt.Errorf("%w: jwks_uri document: %w", ErrMetadata, err)
		}
		meta.JWKSURI = u
		if err := meta.readSet(set); err != nil {
			return nil, 0, err
		}
		ttl = setTTL
	default:
		return nil, 0, fmt.Errorf("%w: neither jwks nor jwks_uri", ErrMetadata)
	}
	return meta, ttl, nil
}

// readSet reads a JWK Set (RFC 7517 §5), keeping the keys seoulid can use.
func (m *Metadata) readSet(set map[string]any) error {
	list, ok := set["keys"].([]any)
	if !ok {
		return fmt.Errorf("%w: JWK Set has no \"keys\" array", ErrMetadata)
	}
	seen := map[string]bool{}
	for _, e := range list {
		jwk, ok := e.(map[string]any)
		if !ok {
			m.Skipped++
			continue
		}
		k, err := keys.PublicKeyFromJWK(jwk)
		if err != nil {
			m.Skipped++
			continue
		}
		if kid := k.KeyID(); kid != "" {
			if seen[kid] {
				return fmt.Errorf("%w: two keys with kid %q", ErrMetadata, kid)
			}
			seen[kid] = true
		}
		m.Keys = append(m.Keys, k)
	}
	if len(m.Keys) == 0 {
		return fmt.Errorf("%w: no Ed25519 or P-256 signing key in the JWK Set (%d skipped)", ErrMetadata, m.Skipped)
	}
	return nil
}

// get retrieves u under the rules of §5: a GET, success only, an expected
// media type, bounded in time and size. It returns the body and how long it
// may be reused.
func (r *Resolver) get(ctx context.Context, u string, mediaTypes ...string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	req.Header.Set("Accept", strings.Join(mediaTypes, ", "))
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s: %w", ErrFetch, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("%w: %s answered %s", ErrFetch, u, resp.Status)
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || !slices.Contains(mediaTypes, mt) {
		return nil, 0, fmt.Errorf("%w: %s answered with media type %q, expected %s", ErrFetch, u, resp.Header.Get("Content-Type"), strings.Join(mediaTypes, " or "))
	}
	body, err := safehttp.ReadLimited(resp, r.cfg.MaxBytes)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s: %w", ErrFetch, u, err)
	}
	return body, r.freshness(resp.Header.Get("Cache-Control")), nil
}

// freshness reads the reuse lifetime of a response (RFC 9111 §5.2.2).
func (r *Resolver) freshness(cc string) time.Duration {
	ttl := r.cfg.DefaultTTL
	for _, d := range strings.Split(cc, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case d == "no-store" || d == "no-cache":
			return 0
		case strings.HasPrefix(d, "max-age="):
			if n, err := strconv.Atoi(strings.TrimPrefix(d, "max-age=")); err == nil && n >= 0 {
				ttl = time.Duration(n) * time.Second
			}
		}
	}
	return ttl
}

// Public reports whether ip is a globally reachable unicast address, one
// the default client may connect to: see safehttp.Public.
func Public(ip netip.Addr) bool { return safehttp.Public(ip) }
