package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// benchMaxBody bounds a response body the load generators read.
const benchMaxBody = 4 << 20

// benchHTTP is the load generators' HTTP/1.1 client: keep-alive
// connections over plain TCP, each request written and its response read
// on the calling goroutine, the body read whole.
//
// It exists because the load generators share the machine's two cores with
// the server they measure, and net/http's client spent, per request, two
// goroutines' hand-offs (its Transport's read and write loops), the
// channels between them, the Client's timers, and a general header parser:
// ~280 µs of the ~800 µs of CPU a generated OpenID4VP exchange took on the
// wallet side; this client takes ~100 µs. What goes over the wire is ordinary HTTP/1.1: a request
// line, Host, Content-Type and Content-Length (plus the headers of a
// request that comes through RoundTrip); a response with a Content-Length,
// a chunked body, or a body to the connection's end. https:// URLs (bench
// issue --issuer against a deployed issuer) go through net/http.
type benchHTTP struct {
	mu   sync.Mutex
	idle map[string][]*benchConn // by host:port
	max  int                     // idle connections kept per host

	https *http.Client
}

type benchConn struct {
	c  net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

// benchResponse is a response read whole.
type benchResponse struct {
	status int
	header [][2]string // as received, in order
	close  bool        // the server closes the connection after it
	body   []byte
}

func newBenchHTTP(concurrency int) *benchHTTP {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = concurrency * 2
	tr.MaxIdleConnsPerHost = concurrency * 2
	return &benchHTTP{idle: map[string][]*benchConn{}, max: 2 * concurrency, https: &http.Client{Transport: tr}}
}

// benchTransport is benchHTTP as an http.RoundTripper, for clients built
// on *http.Client (the issuance bench's wallet).
func benchTransport(concurrency int) http.RoundTripper { return newBenchHTTP(concurrency) }

// do sends one request and returns its response. header holds extra
// request headers, as name/value pairs.
func (t *benchHTTP) do(ctx context.Context, method, rawURL, contentType string, body []byte, header ...[2]string) (*benchResponse, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "https" {
		return t.viaNetHTTP(ctx, method, rawURL, contentType, body, header)
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("bench client: %s: not an http or https URL", u.Redacted())
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	var head []byte
	head = append(head, method...)
	head = append(head, ' ')
	head = append(head, u.RequestURI()...)
	head = append(head, " HTTP/1.1\r\nHost: "...)
	head = append(head, u.Host...)
	head = append(head, "\r\nUser-Agent: seoulid-bench\r\n"...)
	if contentType != "" {
		head = append(head, "Content-Type: "...)
		head = append(head, contentType...)
		head = append(head, "\r\n"...)
	}
	if body != nil || method == http.MethodPost || method == http.MethodPut {
		head = append(head, "Content-Length: "...)
		head = strconv.AppendInt(head, int64(len(body)), 10)
		head = append(head, "\r\n"...)
	}
	for _, h := range header {
		if strings.ContainsAny(h[0]+h[1], "\r\n") {
			return nil, fmt.Errorf("bench client: a header %q with a line break", h[0])
		}
		head = append(head, h[0]...)
		head = append(head, ": "...)
		head = append(head, h[1]...)
		head = append(head, "\r\n"...)
	}
	head = append(head, "\r\n"...)

	for attempt := 0; ; attempt++ {
		c, reused, err := t.get(ctx, host)
		if err != nil {
			return nil, err
		}
		resp, err := c.roundTrip(ctx, method, head, body)
		if err == nil {
			if resp.close {
				c.c.Close()
			} else {
				t.put(host, c)
			}
			return resp, nil
		}
		c.c.Close()
		// A kept-alive connection the server had closed fails before any
		// of the response arrives; only then does the request go again,
		// on a new connection (the server cannot have answered it).
		if !reused || attempt > 0 || ctx.Err() != nil || !errors.Is(err, errConnClosed) {
			return nil, err
		}
	}
}

func (t *benchHTTP) get(ctx context.Context, host string) (*benchConn, bool, error) {
	t.mu.Lock()
	if cs := t.idle[host]; len(cs) > 0 {
		c := cs[len(cs)-1]
		t.idle[host] = cs[:len(cs)-1]
		t.mu.Unlock()
		return c, true, nil
	}
	t.mu.Unlock()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, false, err
	}
	return &benchConn{c: nc, br: bufio.NewReaderSize(nc, 16<<10), bw: bufio.NewWriterSize(nc, 16<<10)}, false, nil
}

func (t *benchHTTP) put(host string, c *benchConn) {
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
func (t *benchHTTP) CloseIdleConnections() {
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

func (c *benchConn) roundTrip(ctx context.Context, method string, head, body []byte) (*benchResponse, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	if err := c.c.SetDeadline(deadline); err != nil {
		return nil, err
	}
	c.bw.Write(head)
	c.bw.Write(body)
	if err := c.bw.Flush(); err != nil {
		return nil, fmt.Errorf("%w: %w", errConnClosed, err)
	}
	if _, err := c.br.Peek(1); err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return nil, err // the server may be at work on it
		}
		return nil, fmt.Errorf("%w: %w", errConnClosed, err)
	}
	return readBenchResponse(c.br, method)
}

// errConnClosed marks a connection found closed before any byte of the
// response arrived.
var errConnClosed = errors.New("bench client: the connection was closed before the response")

// readBenchResponse reads one HTTP/1.1 response (RFC 9112 §4–§7): its
// status line, its header fields, and its body by Content-Length, chunked
// transfer coding, or to the connection's end.
func readBenchResponse(br *bufio.Reader, method string) (*benchResponse, error) {
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return nil, err
	}
	proto, rest, ok := strings.Cut(line, " ")
	if !ok || !strings.HasPrefix(proto, "HTTP/1.") || len(rest) < 3 {
		return nil, fmt.Errorf("bench client: a malformed status line %q", line)
	}
	status, err := strconv.Atoi(rest[:3])
	if err != nil || status < 100 || status > 999 {
		return nil, fmt.Errorf("bench client: a malformed status line %q", line)
	}
	r := &benchResponse{status: status, close: proto == "HTTP/1.0"}
	length, chunked := int64(-1), false
	for {
		l, err := tp.ReadLine()
		if err != nil {
			return nil, err
		}
		if l == "" {
			break
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("bench client: a malformed header line %q", l)
		}
		value = strings.TrimSpace(value)
		r.header = append(r.header, [2]string{name, value})
		switch {
		case strings.EqualFold(name, "Content-Length"):
			if length, err = strconv.ParseInt(value, 10, 64); err != nil || length < 0 {
				return nil, fmt.Errorf("bench client: Content-Length %q", value)
			}
		case strings.EqualFold(name, "Transfer-Encoding"):
			chunked = strings.EqualFold(value, "chunked")
			if !chunked {
				return nil, fmt.Errorf("bench client: Transfer-Encoding %q", value)
			}
		case strings.EqualFold(name, "Connection"):
			if strings.EqualFold(value, "close") {
				r.close = true
			}
		}
	}
	switch {
	case method == http.MethodHead || status/100 == 1 || status == http.StatusNoContent || status == http.StatusNotModified:
	case chunked:
		if r.body, err = io.ReadAll(io.LimitReader(httputil.NewChunkedReader(br), benchMaxBody+1)); err != nil {
			return nil, err
		}
		if _, err := tp.ReadMIMEHeader(); err != nil { // the trailer section, usually empty
			return nil, err
		}
	case length >= 0:
		if length > benchMaxBody {
			return nil, errors.New("bench client: a response body over 4 MiB")
		}
		r.body = make([]byte, length)
		if _, err := io.ReadFull(br, r.body); err != nil {
			return nil, err
		}
	default:
		r.close = true
		if r.body, err = io.ReadAll(io.LimitReader(br, benchMaxBody+1)); err != nil {
			return nil, err
		}
	}
	if len(r.body) > benchMaxBody {
		return nil, errors.New("bench client: a response body over 4 MiB")
	}
	return r, nil
}

// viaNetHTTP sends an https request through net/http.
func (t *benchHTTP) viaNetHTTP(ctx context.Context, method, rawURL, contentType string, body []byte, header [][2]string) (*benchResponse, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, h := range header {
		req.Header.Add(h[0], h[1])
	}
	resp, err := t.https.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := &benchResponse{status: resp.StatusCode}
	for k, vs := range resp.Header {
		for _, v := range vs {
			r.header = append(r.header, [2]string{k, v})
		}
	}
	if r.body, err = io.ReadAll(io.LimitReader(resp.Body, benchMaxBody+1)); err != nil {
		return nil, err
	}
	if len(r.body) > benchMaxBody {
		return nil, errors.New("bench client: a response body over 4 MiB")
	}
	return r, nil
}

// RoundTrip sends req through do and returns its response.
func (t *benchHTTP) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "https" {
		return t.https.Transport.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	var header [][2]string
	for k, vs := range req.Header {
		if k == "Content-Type" || k == "Content-Length" || k == "Host" || k == "User-Agent" {
			continue
		}
		for _, v := range vs {
			header = append(header, [2]string{k, v})
		}
	}
	r, err := t.do(req.Context(), req.Method, req.URL.String(), req.Header.Get("Content-Type"), body, header...)
	if err != nil {
		return nil, err
	}
	h := make(http.Header, len(r.header))
	for _, kv := range r.header {
		h.Add(kv[0], kv[1])
	}
	return &http.Response{
		Status: strconv.Itoa(r.status) + " " + http.StatusText(r.status), StatusCode: r.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h,
		Body: io.NopCloser(bytes.NewReader(r.body)), ContentLength: int64(len(r.body)), Close: r.close, Request: req,
	}, nil
}
