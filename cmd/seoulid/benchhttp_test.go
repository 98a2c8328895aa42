package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The load generators' client keeps connections alive, sends a request
// again on a new connection when the server has closed a kept-alive one,
// honours Connection: close, reads chunked bodies and bounds what it
// reads; through RoundTrip it carries a request's headers and gives back
// the response's.
func TestBenchHTTP(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/close":
			w.Header().Set("Connection", "close")
		case "/big":
			w.Write([]byte(strings.Repeat("x", benchMaxBody+1)))
			return
		case "/chunked":
			for range 3 {
				w.Write([]byte(strings.Repeat("y", 3000)))
				w.(http.Flusher).Flush()
			}
			return
		case "/echo-header":
			w.Header().Set("X-Got", r.Header.Get("X-Test")+"|"+r.Header.Get("Content-Type"))
			w.WriteHeader(http.StatusCreated)
			return
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Write([]byte(r.Method + " " + r.URL.RawQuery + " " + string(b)))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	ctx := context.Background()
	c := newBenchHTTP(2)
	call := func(method, path, body string) (*benchResponse, error) {
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		return c.do(ctx, method, srv.URL+path, "text/plain", b)
	}

	for range 20 {
		r, err := call(http.MethodPost, "/?a=b", "hello")
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "POST a=b hello", string(r.body))
	}
	assert.EqualValues(t, 1, conns.Load(), "one connection, kept alive")

	srv.CloseClientConnections()
	r, err := call(http.MethodPost, "/", "again")
	require.NoError(t, err, "sent again on a new connection")
	assert.Equal(t, "POST  again", string(r.body))
	assert.EqualValues(t, 2, conns.Load())

	for range 3 {
		_, err := call(http.MethodGet, "/close", "")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 4, conns.Load(), "a connection the server closes is not kept: the first /close used the kept one, the next two new ones")

	r, err = call(http.MethodGet, "/chunked", "")
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("y", 9000), string(r.body))
	r, err = call(http.MethodGet, "/empty", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, r.status)
	r, err = call(http.MethodGet, "/", "")
	require.NoError(t, err, "the connection is still in step after a chunked and an empty body")
	assert.Equal(t, "GET  ", string(r.body))

	_, err = call(http.MethodGet, "/big", "")
	assert.ErrorContains(t, err, "over 4 MiB")
	_, err = c.do(ctx, http.MethodGet, "ftp://example.com/", "", nil)
	assert.ErrorContains(t, err, "not an http or https URL")
	_, err = c.do(ctx, http.MethodGet, srv.URL, "", nil, [2]string{"X-Bad", "a\r\nInjected: 1"})
	assert.ErrorContains(t, err, "line break")

	hc := &http.Client{Transport: benchTransport(2)}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/echo-header", strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("X-Test", "yes")
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "yes|application/json", resp.Header.Get("X-Got"))
}

// A response the server garbles is an error, not a guess.
func TestReadBenchResponseRefuses(t *testing.T) {
	for _, raw := range []string{
		"",
		"SPDY/3 200 OK\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	} {
		_, err := readBenchResponse(bufio.NewReader(strings.NewReader(raw)), http.MethodGet)
		assert.Error(t, err, "%q", raw)
	}
}

// FuzzReadBenchResponse: any bytes from a server give a response or an
// error, never a panic or a body over the bound.
func FuzzReadBenchResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
		"HTTP/1.0 204 No Content\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := readBenchResponse(bufio.NewReader(strings.NewReader(string(raw))), http.MethodGet)
		if err == nil && len(r.body) > benchMaxBody {
			t.Fatalf("a body of %d bytes", len(r.body))
		}
	})
}
