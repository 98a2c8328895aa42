package safehttp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Errors callers branch on. They come wrapped in the *url.Error of
// http.Client.Do (ErrForbidden, ErrRedirect) or returned by ReadLimited
// (ErrTooLarge).
var (
	// ErrForbidden: the guard refused to connect to an address (not a
	// public one, or not an IP address and port). No byte was sent to it.
	ErrForbidden = errors.New("safehttp: address not allowed")
	// ErrRedirect: a redirect was not followed: too many, or not to HTTPS.
	ErrRedirect = errors.New("safehttp: redirect not followed")
	// ErrTooLarge: a response body is over the limit given to ReadLimited.
	ErrTooLarge = errors.New("safehttp: response over the size limit")
)

// Defaults for the zero values of Options.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxRedirects = 3
)

// Options tune Client. The zero value is the policy for a service on the
// internet.
type Options struct {
	// AllowPrivateNetworks lets the client connect to loopback, private,
	// link-local and the other addresses Public refuses: for services on
	// an internal network, and for tests. False refuses them.
	AllowPrivateNetworks bool
	// Timeout bounds dialling, the TLS handshake, the wait for response
	// headers, and the whole exchange (http.Client.Timeout); zero (or
	// negative) means DefaultTimeout.
	Timeout time.Duration
	// MaxRedirects is how many redirects one request follows; zero means
	// DefaultMaxRedirects, negative means none.
	MaxRedirects int
}

// Client returns an HTTP client under the package's policy (see the
// package documentation). Its Transport is an *http.Transport of its own,
// so a caller (a test) may still adjust its TLS configuration; changing
// its DialContext or Proxy would remove the guard.
func Client(opts Options) *http.Client {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	maxRedirects := opts.MaxRedirects
	switch {
	case maxRedirects == 0:
		maxRedirects = DefaultMaxRedirects
	case maxRedirects < 0:
		maxRedirects = 0
	}
	dialer := &net.Dialer{
		Timeout: timeout,
		Control: func(_, address string, _ syscall.RawConn) error {
			return checkAddress(address, opts.AllowPrivateNetworks)
		},
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would hide the real destination from the guard
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			return checkRedirect(req, via, maxRedirects)
		},
	}
}

// checkAddress refuses, with ErrForbidden, an address ("host:port", as a
// net.Dialer's Control function receives it after DNS resolution) whose
// host is not an IP address or, unless allowPrivate, not a public one (see
// Public).
func checkAddress(address string, allowPrivate bool) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbidden, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbidden, address)
	}
	if !allowPrivate && !Public(ip) {
		return fmt.Errorf("%w: %s is not a public address (SSRF guard)", ErrForbidden, ip)
	}
	return nil
}

// checkRedirect allows the redirect to req if it is one of the first limit
// of its request (via holds the requests made so far, the first one
// included, so this is redirect number len(via)) and it is to HTTPS.
func checkRedirect(req *http.Request, via []*http.Request, limit int) error {
	if len(via) > limit {
		return fmt.Errorf("%w: more than %d redirects", ErrRedirect, limit)
	}
	if req.URL.Scheme != "https" {
		return fmt.Errorf("%w: redirect to a non-HTTPS URL %s", ErrRedirect, req.URL.Redacted())
	}
	return nil
}

// Public reports whether ip is a globally reachable unicast address: not
// loopback, private (RFC 1918, RFC 4193), link-local, CGNAT (RFC 6598),
// unspecified, multicast, or another special-purpose block of RFC 6890
// (documentation, benchmarking, reserved, IPv4/IPv6 translation). An
// IPv4-mapped IPv6 address is judged as the IPv4 address it maps.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range specialPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// specialPrefixes are the special-purpose blocks (RFC 6890 and its
// updates) that the netip predicates do not cover.
var specialPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001::/23"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// ReadLimited reads resp's body, refusing with ErrTooLarge one of more
// than limit bytes: at once when the response declares a longer
// Content-Length, else after reading limit+1 bytes. It does not close the
// body, nor check the status or the media type.
func ReadLimited(resp *http.Response, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes declared, more than the limit of %d", ErrTooLarge, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: larger than the limit of %d bytes", ErrTooLarge, limit)
	}
	return body, nil
}
