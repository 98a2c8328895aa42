package didweb

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
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/safehttp"
)

// Method is the DID method this package resolves.
const Method = "web"

// Errors callers branch on, beside those of package did: did.ErrInvalidDID
// (not a did:web this package can map to a URL), did.ErrNotFound (the host
// answered 404 or 410) and did.ErrInvalidDocument (what it served is not
// the DID document of that DID).
var (
	// ErrFetch: the document could not be retrieved: no connection, TLS
	// failure, a status other than 200, 404 and 410, a media type that is
	// not JSON, a body over the limit, a bad redirect, a timeout.
	ErrFetch = errors.New("didweb: cannot fetch the DID document")
	// ErrForbidden: the host resolved to an address the guard refuses
	// (loopback, private, link-local…). It is safehttp.ErrForbidden, and
	// comes wrapped in ErrFetch.
	ErrForbidden = safehttp.ErrForbidden
)

// Limits and defaults.
const (
	// DefaultTimeout bounds a resolution when Config.Timeout is zero.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxBytes bounds the document when Config.MaxBytes is zero.
	DefaultMaxBytes = 64 << 10
	// maxRedirects is how many redirects a fetch follows.
	maxRedirects = 3
	// maxHost is the longest host name (RFC 1035 §2.3.4, less the root).
	maxHost = 253
)

// Config tunes a Resolver. The zero value is the safe default for a
// service on the internet.
type Config struct {
	// Client makes the requests. Nil means a client of this package with
	// the address guard on every connection, no proxy, Timeout, and at
	// most three redirects, all to HTTPS. A Client given here is used as
	// it is: its transport decides which addresses may be reached and
	// AllowPrivateNetworks is ignored.
	Client *http.Client
	// AllowPrivateNetworks lets the default client reach loopback,
	// private and link-local addresses: for a city whose agencies publish
	// did:web documents on an internal network, and for tests. False
	// refuses them.
	AllowPrivateNetworks bool
	// Timeout bounds each resolution, connection to last byte; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxBytes bounds the document; zero means DefaultMaxBytes. It may not
	// exceed did.MaxDocumentBytes.
	MaxBytes int64
}

// Resolver resolves did:web DIDs over HTTPS. It is safe for concurrent
// use. It satisfies the resolver interfaces of packages did and sdjwtvc
// (Resolve(ctx, did)).
type Resolver struct {
	client   *http.Client
	timeout  time.Duration
	maxBytes int64
}

// New makes a Resolver. It fails on a negative Timeout or MaxBytes, or a
// MaxBytes over did.MaxDocumentBytes.
func New(cfg Config) (*Resolver, error) {
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("didweb: Timeout %v is negative", cfg.Timeout)
	case cfg.MaxBytes < 0 || cfg.MaxBytes > did.MaxDocumentBytes:
		return nil, fmt.Errorf("didweb: MaxBytes %d is not between 0 and %d", cfg.MaxBytes, did.MaxDocumentBytes)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	client := cfg.Client
	if client == nil {
		client = safehttp.Client(safehttp.Options{AllowPrivateNetworks: cfg.AllowPrivateNetworks, Timeout: cfg.Timeout, MaxRedirects: maxRedirects})
	}
	return &Resolver{client: client, timeout: cfg.Timeout, maxBytes: cfg.MaxBytes}, nil
}

// URL returns where the DID document of a did:web lives, following "Read
// (Resolve)" of the did:web method: the method-specific id's ':' become
// '/', a percent-encoded port colon ("%3A") in the first segment is
// decoded, "https://" is prepended, "/.well-known" is appended when there
// is no path, then "/did.json".
//
// Beyond the method's ABNF it refuses (did.ErrInvalidDID): a host that is
// not a domain name of letters, digits and hyphens (IP addresses are
// forbidden by the method; a numeric last label is taken for one), a port
// that is not 1 to 65535 written without leading zeros, any other
// percent-encoding in the host, and path segments that are empty or that
// decode to ".", "..", or contain '/' or '\', and the single segment
// ".well-known" — so the URL has exactly the path the DID names, and no two
// DIDs share a URL.
func URL(d string) (string, error) {
	p, err := did.Parse(d)
	if err != nil {
		return "", err
	}
	if p.Method != Method {
		return "", fmt.Errorf("%w: %q is a did:%s, not a did:web", did.ErrInvalidDID, short(d), p.Method)
	}
	segs := strings.Split(p.ID, ":")
	host, err := hostPort(segs[0])
	if err != nil {
		return "", fmt.Errorf("%w: %q: %s", did.ErrInvalidDID, short(d), err)
	}
	path := "/.well-known"
	if len(segs) > 1 {
		for i, s := range segs[1:] {
			if err := checkSegment(s); err != nil {
				return "", fmt.Errorf("%w: %q: path segment %d %s", did.ErrInvalidDID, short(d), i+1, err)
			}
		}
		path = "/" + strings.Join(segs[1:], "/")
		if path == "/.well-known" {
			// That is where did:web:<host> lives; refused so that no two
			// DIDs map to one URL.
			return "", fmt.Errorf("%w: %q names the location of the DID of its bare host", did.ErrInvalidDID, short(d))
		}
	}
	return "https://" + host + path + "/did.json", nil
}

// hostPort reads the first segment: a host name, optionally "%3A" and a
// port. It returns host or host:port.
func hostPort(s string) (string, error) {
	host, port := s, ""
	if i := strings.IndexByte(s, '%'); i >= 0 {
		if !strings.EqualFold(s[i:min(i+3, len(s))], "%3A") {
			return "", fmt.Errorf("the host may hold no percent-encoding but the port colon %%3A")
		}
		host, port = s[:i], s[i+3:]
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' || strconv.Itoa(n) != port {
			return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
		}
	}
	if err := checkHost(host); err != nil {
		return "", err
	}
	if port != "" {
		return host + ":" + port, nil
	}
	return host, nil
}

// checkHost checks a DNS host name (RFC 1123 §2.1): dot-separated labels
// of 1 to 63 letters, digits and hyphens, not starting or ending with a
// hyphen, at most 253 bytes, whose last label is not all digits.
func checkHost(h string) error {
	if h == "" || len(h) > maxHost {
		return fmt.Errorf("the host must be 1 to %d bytes", maxHost)
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return fmt.Errorf("the host %q is an IP address; did:web needs a domain name", h)
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("the host %q has an empty, over-long or hyphen-edged label", h)
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("the host %q holds %q; a host name is letters, digits, '-' and '.'", h, c)
			}
		}
	}
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" {
		return fmt.Errorf("the host %q ends in a numeric label, like an IP address", h)
	}
	return nil
}

// checkSegment refuses a path segment that would not name itself: empty,
// a dot segment, or one whose percent-decoding holds a separator.
func checkSegment(s string) error {
	if s == "" {
		return fmt.Errorf("is empty")
	}
	dec, err := url.PathUnescape(s)
	if err != nil {
		return fmt.Errorf("%q has an invalid percent-encoding", s)
	}
	if dec == "." || dec == ".." || strings.ContainsAny(dec, "/\\") {
		return fmt.Errorf("%q is a dot segment or holds a path separator", s)
	}
	return nil
}

// Resolve fetches and checks the DID document of a did:web (did:web "Read
// (Resolve)"; DID Core §7.1): a GET of URL(d) under the guard and limits of
// the package, a 200 answer with a JSON media type, a body parsed by
// did.ParseDocument, and an "id" equal to d.
//
// Errors: did.ErrInvalidDID (see URL), did.ErrNotFound (404 or 410),
// did.ErrInvalidDocument (not a DID document, or another DID's), ErrFetch
// (anything else; ErrForbidden inside it when the guard refused the
// address), or the context's error. It does not check what a did:web
// cannot say: versions, deactivation other than by removal.
func (r *Resolver) Resolve(ctx context.Context, d string) (*did.Document, error) {
	u, err := URL(d)
	if err != nil {
		return nil, err
	}
	body, err := r.get(ctx, u)
	if err != nil {
		return nil, err
	}
	doc, err := did.ParseDocument(body)
	if err != nil {
		return nil, fmt.Errorf("didweb: %s: %w", u, err)
	}
	if doc.ID != d {
		return nil, fmt.Errorf("%w: %s holds the document of %q, not of %q", did.ErrInvalidDocument, u, short(doc.ID), short(d))
	}
	return doc, nil
}

// mediaTypes are the media types a did.json may be served with: the
// method expects application/json; the DID Core ones are accepted too.
var mediaTypes = []string{"application/did+json", "application/did+ld+json", "application/json", "application/ld+json"}

func (r *Resolver) get(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	req.Header.Set("Accept", "application/did+json, application/did+ld+json, application/json;q=0.9")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err) // a *url.Error: it names the URL
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		return nil, fmt.Errorf("%w: %s answered %s", did.ErrNotFound, u, resp.Status)
	default:
		return nil, fmt.Errorf("%w: %s answered %s", ErrFetch, u, resp.Status)
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || !slices.Contains(mediaTypes, mt) {
		return nil, fmt.Errorf("%w: %s answered with media type %q, not JSON", ErrFetch, u, short(ct))
	}
	body, err := safehttp.ReadLimited(resp, r.maxBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFetch, u, err)
	}
	return body, nil
}

// short cuts what an error repeats of its input to 128 bytes.
func short(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}
