package main

import (
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

// The load generators' transport keeps connections alive, sends a request
// again on a new connection when the server has closed a kept-alive one,
// honours Connection: close, and bounds what it reads.
func TestBenchTransport(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/close":
			w.Header().Set("Connection", "close")
		case "/big":
			w.Write([]byte(strings.Repeat("x", benchMaxBody+1)))
			return
		}
		w.Write([]byte(r.Method + " " + string(b)))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	hc := &http.Client{Transport: benchTransport(2)}
	call := func(method, path, body string) (string, error) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, srv.URL+path, rd)
		require.NoError(t, err)
		r, err := hc.Do(req)
		if err != nil {
			return "", err
		}
		defer r.Body.Close()
		b, err := io.ReadAll(r.Body)
		return string(b), err
	}

	for range 20 {
		got, err := call(http.MethodPost, "/", "hello")
		require.NoError(t, err)
		assert.Equal(t, "POST hello", got)
	}
	assert.EqualValues(t, 1, conns.Load(), "one connection, kept alive")

	srv.CloseClientConnections()
	got, err := call(http.MethodPost, "/", "again")
	require.NoError(t, err, "sent again on a new connection")
	assert.Equal(t, "POST again", got)
	assert.EqualValues(t, 2, conns.Load())

	for range 3 {
		_, err := call(http.MethodGet, "/close", "")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 4, conns.Load(), "a connection the server closes is not kept: the first /close used the kept one, the next two new ones")

	_, err = call(http.MethodGet, "/big", "")
	assert.ErrorContains(t, err, "over 4 MiB")

	_, err = call(http.MethodGet, "/", "")
	require.NoError(t, err)
	_, err = hc.Get("ftp://example.com/")
	assert.ErrorContains(t, err, "not an http or https URL")
}
