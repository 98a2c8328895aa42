package dpop

import (
	"container/heap"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// ProofType is the "typ" of a DPoP proof (RFC 9449 §4.2).
const ProofType = "dpop+jwt"

// MaxProofBytes bounds a DPoP proof: a header with a P-256 JWK, five claims
// and a signature take well under 1 KiB.
const MaxProofBytes = 4 << 10

// maxJTIBytes bounds the jti: §4.2 asks for 96 random bits, a UUID or the
// like.
const maxJTIBytes = 256

// Errors callers branch on. Every error of Verify wraps ErrInvalidProof;
// a replayed proof wraps ErrReplay as well.
var (
	ErrInvalidProof = errors.New("dpop: invalid DPoP proof")
	ErrReplay       = fmt.Errorf("%w: replayed (its jti was already used at this URL)", ErrInvalidProof)
	ErrConfig       = errors.New("dpop: invalid configuration")
)

// Config is a Verifier's policy. The zero value is the default.
type Config struct {
	// Algorithms are the acceptable "alg" values; nil means EdDSA and
	// ES256, which are also the only ones allowed.
	Algorithms []keys.Algorithm
	// MaxAge is how old a proof's iat may be; zero means 60 seconds.
	MaxAge time.Duration
	// MaxClockSkew is how far in the future a proof's iat may be; zero
	// means 10 seconds.
	MaxClockSkew time.Duration
	// ReplayCacheSize bounds the replay cache; zero means 100,000 entries
	// (about 10 MB).
	ReplayCacheSize int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier checks DPoP proofs and remembers their jti values. It is safe
// for concurrent use.
type Verifier struct {
	cfg Config

	mu   sync.Mutex
	seen map[[32]byte]int64 // replay key → expiry (Unix seconds)
	exp  expiryHeap
}

// NewVerifier checks cfg and makes a Verifier.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.Algorithms == nil {
		cfg.Algorithms = []keys.Algorithm{keys.EdDSA, keys.ES256}
	}
	if len(cfg.Algorithms) == 0 {
		return nil, fmt.Errorf("%w: an empty algorithm allow-list", ErrConfig)
	}
	for _, a := range cfg.Algorithms {
		if _, err := keys.ParseAlgorithm(string(a)); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	cfg.Algorithms = slices.Clone(cfg.Algorithms)
	if cfg.MaxAge < 0 || cfg.MaxClockSkew < 0 || cfg.ReplayCacheSize < 0 {
		return nil, fmt.Errorf("%w: negative limits", ErrConfig)
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = 60 * time.Second
	}
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = 10 * time.Second
	}
	if cfg.ReplayCacheSize == 0 {
		cfg.ReplayCacheSize = 100_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg, seen: make(map[[32]byte]int64)}, nil
}

// Algorithms returns the acceptable algorithms (for the
// dpop_signing_alg_values_supported metadata of RFC 9449 §5.1 and the
// algs parameter of a DPoP challenge, §7.1).
func (v *Verifier) Algorithms() []keys.Algorithm { return slices.Clone(v.cfg.Algorithms) }

// Request is what a proof must match.
type Request struct {
	// Method is the HTTP method of the request ("POST").
	Method string
	// URL is the endpoint's URL as the server publishes it (its token or
	// resource URL), not as the request's Host header says: behind a proxy
	// the two differ, and only the published one is the client's.
	URL string
	// AccessToken is the access token sent with the request, "" at the
	// token endpoint. When set, the proof's ath must be its hash (§4.3).
	AccessToken string
}

// Proof is a verified DPoP proof.
type Proof struct {
	// Key is the proof's public key (the "jwk" header).
	Key *keys.PublicKey
	// JKT is the RFC 7638 SHA-256 thumbprint of Key, base64url: what an
	// access token is bound to (§6.1).
	JKT string
	// JTI, IssuedAt are the proof's jti and iat.
	JTI      string
	IssuedAt time.Time
}

// Verify checks the DPoP proof of a request (RFC 9449 §4.3, see the package
// documentation). values are the values of every DPoP header field of the
// request, as received. A proof that passes is remembered, and the same
// jti at the same URL is refused with ErrReplay until the proof is too old
// to pass anyway.
func (v *Verifier) Verify(values []string, req Request) (*Proof, error) {
	bad := func(format string, args ...any) (*Proof, error) {
		return nil, fmt.Errorf("%w: %s", ErrInvalidProof, fmt.Sprintf(format, args...))
	}
	switch {
	case len(values) == 0:
		return bad("no DPoP header")
	case len(values) > 1:
		return bad("%d DPoP headers; a request carries one (§4.3)", len(values))
	}
	raw := values[0]
	if len(raw) > MaxProofBytes {
		return bad("the proof is %d bytes, more than %d", len(raw), MaxProofBytes)
	}
	if raw == "" || strings.ContainsAny(raw, " ,\t") {
		return bad("the DPoP header is not one JWT")
	}
	tok, err := jws.Parse(raw, jws.Limits{MaxBytes: MaxProofBytes, MaxHeaderBytes: 2 << 10})
	if err != nil {
		return bad("%v", err)
	}
	if !strings.EqualFold(tok.HeaderString("typ"), ProofType) {
		return bad("typ must be %s", ProofType)
	}
	jv, ok := tok.Header()["jwk"]
	if !ok {
		return bad("no jwk header")
	}
	jm, ok := jv.(map[string]any)
	if !ok {
		return bad("the jwk header is %s, not a JWK", jsonx.Describe(jv))
	}
	key, err := keys.PublicKeyFromJWK(jm) // refuses "d" and every other private member
	if err != nil {
		return bad("the jwk header: %v", err)
	}
	if err := tok.Verify(key, v.cfg.Algorithms); err != nil {
		return bad("%v", err)
	}
	payload, err := tok.Payload()
	if err != nil {
		return bad("%v", err)
	}
	claims, err := jsonx.ParseObjectWithLimits(payload, jsonx.Limits{MaxBytes: MaxProofBytes, MaxDepth: 8})
	if err != nil {
		return bad("the claims: %v", err)
	}
	str := func(name string) (string, bool) {
		s, ok := claims[name].(string)
		return s, ok && s != ""
	}
	jti, ok := str("jti")
	if !ok || len(jti) > maxJTIBytes {
		return bad("jti must be a string of 1 to %d bytes", maxJTIBytes)
	}
	htm, ok := str("htm")
	if !ok {
		return bad("no htm")
	}
	if htm != req.Method {
		return bad("htm is %q, not %q", htm, req.Method)
	}
	htu, ok := str("htu")
	if !ok {
		return bad("no htu")
	}
	got, err := NormalizeURL(htu)
	if err != nil {
		return bad("htu: %v", err)
	}
	want, err := NormalizeURL(req.URL)
	if err != nil {
		return bad("the endpoint URL: %v", err) // a server misconfiguration, seen by its client
	}
	if got != want {
		return bad("htu is %q, not this endpoint (%s)", htu, req.URL)
	}
	iatv, ok := claims["iat"]
	if !ok {
		return bad("no iat")
	}
	iat, ok := jsonx.Int64(iatv)
	if !ok {
		f, isNum := jsonx.Float64(iatv)
		if !isNum || f < -1e15 || f > 1e15 {
			return bad("iat is %s, not a time", jsonx.Describe(iatv))
		}
		iat = int64(f)
	}
	now := v.cfg.Now()
	at := time.Unix(iat, 0)
	switch {
	case at.Before(now.Add(-v.cfg.MaxAge)):
		return bad("iat %s is more than %s ago", at.UTC().Format(time.RFC3339), v.cfg.MaxAge)
	case at.After(now.Add(v.cfg.MaxClockSkew)):
		return bad("iat %s is in the future", at.UTC().Format(time.RFC3339))
	}
	if req.AccessToken != "" {
		ath, ok := str("ath")
		if !ok {
			return bad("no ath: a proof sent with an access token carries its hash")
		}
		if subtle.ConstantTimeCompare([]byte(ath), []byte(AccessTokenHash(req.AccessToken))) != 1 {
			return bad("ath is not the hash of this access token")
		}
	}
	if !v.remember(want, jti, at.Add(v.cfg.MaxAge), now) {
		return nil, ErrReplay
	}
	return &Proof{Key: key, JKT: key.Thumbprint(), JTI: jti, IssuedAt: at}, nil
}

// remember records jti at url until expiry, and reports false if it is
// already there.
func (v *Verifier) remember(url, jti string, expiry, now time.Time) bool {
	h := sha256.New()
	h.Write([]byte(url))
	h.Write([]byte{0})
	h.Write([]byte(jti))
	var k [32]byte
	h.Sum(k[:0])
	v.mu.Lock()
	defer v.mu.Unlock()
	for v.exp.Len() > 0 && v.exp[0].expiry < now.Unix() {
		delete(v.seen, heap.Pop(&v.exp).(entry).key)
	}
	if e, ok := v.seen[k]; ok && e >= now.Unix() {
		return false
	}
	for v.exp.Len() >= v.cfg.ReplayCacheSize {
		delete(v.seen, heap.Pop(&v.exp).(entry).key)
	}
	v.seen[k] = expiry.Unix()
	heap.Push(&v.exp, entry{key: k, expiry: expiry.Unix()})
	return true
}

// entry is a remembered jti; expiryHeap orders them soonest expiry first.
type entry struct {
	key    [32]byte
	expiry int64
}

type expiryHeap []entry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expiry < h[j].expiry }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// AccessTokenHash is the "ath" of a proof sent with accessToken: the
// base64url SHA-256 of its ASCII bytes (§4.2).
func AccessTokenHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return b64url.Encode(sum[:])
}

// NormalizeURL is the form in which htu and the endpoint URL are compared:
// an absolute http(s) URL with the scheme and host in lower case, the
// scheme's default port removed, percent-encodings in upper case and
// unreserved characters decoded (RFC 3986 §6.2.2.1–2), dot segments
// removed (§6.2.2.3), an empty path as "/" (§6.2.3), and no query, fragment
// or user information.
func NormalizeURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("not a URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "https" && scheme != "http") || u.Host == "" || u.Opaque != "" || u.User != nil {
		return "", errors.New("not an absolute http(s) URL with a host")
	}
	host := strings.ToLower(u.Host)
	if p := u.Port(); (scheme == "https" && p == "443") || (scheme == "http" && p == "80") {
		host = strings.TrimSuffix(host, ":"+p)
	}
	host = strings.TrimSuffix(host, ":") // an empty port is the default one
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	p = removeDotSegments(normalizeEscapes(p))
	return scheme + "://" + host + p, nil
}

// normalizeEscapes upper-cases percent-encodings and decodes those of
// unreserved characters. The input is an escaped path, whose escapes
// url.Parse has checked.
func normalizeEscapes(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' || i+2 >= len(p) {
			b.WriteByte(p[i])
			continue
		}
		hi, lo := unhex(p[i+1]), unhex(p[i+2])
		if hi < 0 || lo < 0 {
			b.WriteByte(p[i])
			continue
		}
		c := byte(hi<<4 | lo)
		if unreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(p[i+1 : i+3]))
		}
		i += 2
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// removeDotSegments is RFC 3986 §5.2.4 for an absolute path.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	var out []string
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}

// Signer is a key that makes DPoP proofs: a JWS signer that can show its
// public key. keys.PrivateKey and keys.CryptoSigner satisfy it.
type Signer interface {
	Algorithm() keys.Algorithm
	KeyID() string
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
	Public() *keys.PublicKey
}

// NewProof makes a DPoP proof for a request (RFC 9449 §4.2): typ dpop+jwt,
// the signer's public key as jwk (without its kid), a random jti of 128
// bits, htm, htu (without query and fragment), iat from now and, when
// accessToken is not "", its ath.
func NewProof(ctx context.Context, s Signer, method, endpoint, accessToken string, now time.Time) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("dpop: endpoint: %w", err)
	}
	u.RawQuery, u.Fragment, u.RawFragment, u.ForceQuery = "", "", "", false
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", fmt.Errorf("dpop: %w", err)
	}
	jwk := s.Public().JWK()
	delete(jwk, "kid")
	header, err := jsonx.Marshal(map[string]any{"typ": ProofType, "alg": string(s.Algorithm()), "jwk": jwk})
	if err != nil {
		return "", fmt.Errorf("dpop: %w", err)
	}
	claims := map[string]any{"jti": b64url.Encode(jti[:]), "htm": method, "htu": u.String(), "iat": now.Unix()}
	if accessToken != "" {
		claims["ath"] = AccessTokenHash(accessToken)
	}
	payload, err := jsonx.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("dpop: %w", err)
	}
	return jws.SignRaw(ctx, s, header, payload)
}
