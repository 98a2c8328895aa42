package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// benchMaxBody bounds a response body the load generators read.
const benchMaxBody = 4 << 20

// benchTransport is the load generators' HTTP/1.1 client transport: keep-
// alive connections over plain TCP, each request written and its response
// read on the calling goroutine, the body read whole before RoundTrip
// returns.
//
// It exists because the load generators share the machine's two cores with
// the server they measure, and net/http's Transport spends, per request, two
// goroutines' hand-offs (its read and write loops) and the channels between
// them: ~70 µs of CPU per request on this machine, ~280 µs of the ~800 µs a
// generated OpenID4VP exchange took on the wallet side. What is sent and
// received is ordinary HTTP/1.1 (net/http writes the request and parses the
// response); only the plumbing is leaner. https:// requests (bench issue
// --issuer against a deployed issuer) go through net/http's Transport.
type benchRoundTripper struct {
	mu    sync.Mutex
	idle  map[string][]*benchConn // by host:port
	max   int                     // idle connections kept per host
	https *http.Transport
}

type benchConn struct {
	c  net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func benchTransport(concurrency int) http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = concurrency * 2
	tr.MaxIdleConnsPerHost = concurrency * 2
	return &benchRoundTripper{idle: map[string][]*benchConn{}, max: 2 * concurrency, https: tr}
}

// RoundTrip sends req and returns its response with the body already read.
func (t *benchRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.URL.Scheme {
	case "https":
		return t.https.RoundTrip(req)
	case "http":
	default:
		return nil, fmt.Errorf("bench transport: %s: not an http or https URL", req.URL.Redacted())
	}
	host := req.URL.Host
	if req.URL.Port() == "" {
		host = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	for attempt := 0; ; attempt++ {
		c, reused, err := t.get(req, host)
		if err != nil {
			return nil, err
		}
		resp, err := c.roundTrip(req)
		if err == nil {
			if resp.Close {
				c.c.Close()
			} else {
				t.put(host, c)
			}
			return resp, nil
		}
		c.c.Close()
		// A kept-alive connection the server has closed fails at once;
		// the request is sent again on a new one if its body can be.
		if !reused || attempt > 0 || (req.Body != nil && req.GetBody == nil) || req.Context().Err() != nil {
			return nil, err
		}
		if req.GetBody != nil {
			if req.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
	}
}

func (t *benchRoundTripper) get(req *http.Request, host string) (*benchConn, bool, error) {
	t.mu.Lock()
	if cs := t.idle[host]; len(cs) > 0 {
		c := cs[len(cs)-1]
		t.idle[host] = cs[:len(cs)-1]
		t.mu.Unlock()
		return c, true, nil
	}
	t.mu.Unlock()
	var d net.Dialer
	nc, err := d.DialContext(req.Context(), "tcp", host)
	if err != nil {
		return nil, false, err
	}
	return &benchConn{c: nc, br: bufio.NewReaderSize(nc, 16<<10), bw: bufio.NewWriterSize(nc, 16<<10)}, false, nil
}

func (t *benchRoundTripper) put(host string, c *benchConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.idle[host]) >= t.max {
		c.c.Close()
		return
	}
	t.idle[host] = append(t.idle[host], c)
}

// CloseIdleConnections closes the kept-alive connections (http.Client
// calls it).
func (t *benchRoundTripper) CloseIdleConnections() {
	t.https.CloseIdleConnections()
	t.mu.Lock()
	defer t.mu.Unlock()
	for h, cs := range t.idle {
		for _, c := range cs {
			c.c.Close()
		}
		delete(t.idle, h)
	}
}

func (c *benchConn) roundTrip(req *http.Request) (*http.Response, error) {
	deadline, ok := req.Context().Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	if err := c.c.SetDeadline(deadline); err != nil {
		return nil, err
	}
	if err := req.Write(c.bw); err != nil {
		return nil, err
	}
	if err := c.bw.Flush(); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(c.br, req)
	if err != nil {
		return nil, err
	}
	var body []byte
	if n := resp.ContentLength; n >= 0 && n <= benchMaxBody {
		body = make([]byte, n)
		_, err = io.ReadFull(resp.Body, body)
	} else {
		body, err = io.ReadAll(io.LimitReader(resp.Body, benchMaxBody+1))
	}
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if len(body) > benchMaxBody {
		return nil, errors.New("bench transport: a response body over 4 MiB")
	}
	resp.Body = &benchBody{Reader: bytes.NewReader(body), b: body}
	return resp, nil
}

// benchBody is a response body already read: readBenchBody takes its bytes
// without copying them again.
type benchBody struct {
	*bytes.Reader
	b []byte
}

func (*benchBody) Close() error { return nil }

// readBenchBody returns a response's body (at most benchMaxBody bytes).
func readBenchBody(r *http.Response) ([]byte, error) {
	if b, ok := r.Body.(*benchBody); ok && b.Len() == len(b.b) {
		return b.b, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, benchMaxBody))
}
