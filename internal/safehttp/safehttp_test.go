package safehttp_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/safehttp"
)

func TestPublic(t *testing.T) {
	for s, want := range map[string]bool{
		"8.8.8.8": true, "211.234.10.1": true, "2001:4860:4860::8888": true, "2606:4700:4700::1111": true,
		"127.0.0.1": false, "127.1.2.3": false, "::1": false, // loopback
		"10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "fc00::1": false, "fd00::1": false, // private
		"169.254.169.254": false, "fe80::1": false, // link-local (cloud metadata)
		"100.64.0.1": false,                                // CGNAT
		"0.0.0.0":    false, "0.1.2.3": false, "::": false, // unspecified, "this network"
		"224.0.0.1": false, "ff02::1": false, "ff01::1": false, // multicast
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "::ffff:8.8.8.8": true, // IPv4-mapped
		"192.0.0.8": false, "192.0.2.1": false, "198.18.0.1": false, "198.51.100.7": false, "203.0.113.9": false, // RFC 6890
		"240.0.0.1": false, "255.255.255.255": false, // reserved, broadcast
		"64:ff9b:1::1": false, "100::1": false, "2001::1": false, "2001:db8::1": false,
	} {
		assert.Equal(t, want, safehttp.Public(netip.MustParseAddr(s)), s)
	}
	assert.False(t, safehttp.Public(netip.Addr{}), "the zero Addr")
}

// server is a TLS test server on loopback that counts its requests.
// /hop/n redirects to /hop/n-1, /hop/0 answers "ok", /http redirects to
// plain HTTP, and /big/n answers n bytes (with Content-Length unless
// ?stream).
type server struct {
	*httptest.Server
	hits atomic.Int32
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/hop/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(p, "/hop/"))
			if n == 0 {
				fmt.Fprint(w, "ok")
				return
			}
			http.Redirect(w, r, "/hop/"+strconv.Itoa(n-1), http.StatusFound)
		case p == "/http":
			http.Redirect(w, r, "http://"+r.Host+"/hop/0", http.StatusFound)
		case strings.HasPrefix(p, "/big/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(p, "/big/"))
			if r.URL.Query().Has("stream") {
				w.(http.Flusher).Flush() // chunked: no Content-Length
			} else {
				w.Header().Set("Content-Length", strconv.Itoa(n))
			}
			fmt.Fprint(w, strings.Repeat("x", n))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// client is safehttp.Client(opts), made to trust the test server's
// certificate.
func (s *server) client(opts safehttp.Options) *http.Client {
	c := safehttp.Client(opts)
	c.Transport.(*http.Transport).TLSClientConfig = s.Client().Transport.(*http.Transport).TLSClientConfig
	return c
}

func (s *server) get(c *http.Client, path string) (string, error) {
	resp, err := c.Get(s.URL + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestGuard: by default a loopback server is refused, by IP address and
// by name (the check runs after DNS resolution), before any byte is sent;
// AllowPrivateNetworks lets the same request through.
func TestGuard(t *testing.T) {
	s := newServer(t)
	c := s.client(safehttp.Options{})
	_, err := s.get(c, "/hop/0")
	require.ErrorIs(t, err, safehttp.ErrForbidden)
	require.ErrorContains(t, err, "127.0.0.1 is not a public address")
	_, err = c.Get(strings.Replace(s.URL, "127.0.0.1", "localhost", 1) + "/hop/0")
	require.ErrorIs(t, err, safehttp.ErrForbidden)
	assert.Zero(t, s.hits.Load(), "nothing reached the server")

	body, err := s.get(s.client(safehttp.Options{AllowPrivateNetworks: true}), "/hop/0")
	require.NoError(t, err)
	assert.Equal(t, "ok", body)
}

// TestRedirects: at most MaxRedirects redirects (three by default, none
// when negative), and only to HTTPS.
func TestRedirects(t *testing.T) {
	s := newServer(t)
	for _, tc := range []struct {
		max  int
		path string
		ok   bool
	}{
		{0, "/hop/3", true}, {0, "/hop/4", false},
		{1, "/hop/1", true}, {1, "/hop/2", false},
		{5, "/hop/5", true}, {5, "/hop/6", false},
		{-1, "/hop/0", true}, {-1, "/hop/1", false},
		{0, "/http", false},
	} {
		body, err := s.get(s.client(safehttp.Options{AllowPrivateNetworks: true, MaxRedirects: tc.max}), tc.path)
		if tc.ok {
			require.NoError(t, err, "%d %s", tc.max, tc.path)
			assert.Equal(t, "ok", body)
		} else {
			require.ErrorIs(t, err, safehttp.ErrRedirect, "%d %s", tc.max, tc.path)
		}
	}
}

// TestTimeout: a server that does not answer is given up on after
// Timeout.
func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := safehttp.Client(safehttp.Options{AllowPrivateNetworks: true, Timeout: 100 * time.Millisecond})
	c.Transport.(*http.Transport).TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	start := time.Now()
	_, err := c.Get(srv.URL)
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
}

// TestReadLimited: a body up to the limit is read; one over it is refused,
// whether its length is declared or not.
func TestReadLimited(t *testing.T) {
	s := newServer(t)
	c := s.client(safehttp.Options{AllowPrivateNetworks: true})
	for _, tc := range []struct {
		n      int
		stream bool
	}{{0, false}, {1024, false}, {1024, true}, {1025, false}, {1025, true}, {100000, true}} {
		path := "/big/" + strconv.Itoa(tc.n)
		if tc.stream {
			path += "?stream"
		}
		resp, err := c.Get(s.URL + path)
		require.NoError(t, err)
		body, err := safehttp.ReadLimited(resp, 1024)
		resp.Body.Close()
		if tc.n <= 1024 {
			require.NoError(t, err, path)
			assert.Len(t, body, tc.n, path)
		} else {
			require.ErrorIs(t, err, safehttp.ErrTooLarge, path)
			assert.Nil(t, body, path)
		}
	}
}

// A client of the default policy refuses a loopback address before
// connecting.
func ExampleClient() {
	c := safehttp.Client(safehttp.Options{})
	_, err := c.Get("https://127.0.0.1:1/")
	fmt.Println(errors.Is(err, safehttp.ErrForbidden))
	// Output: true
}
