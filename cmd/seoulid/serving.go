package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/seoulid/seoulid/internal/ops"
	"github.com/seoulid/seoulid/registry/node"
)

// tlsFlags are --tls-cert and --tls-key of a serving command.
type tlsFlags struct{ cert, key string }

func (f *tlsFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.cert, "tls-cert", "", "serve HTTPS with this certificate (PEM; with --tls-key)")
	fl.StringVar(&f.key, "tls-key", "", "the certificate's private key (PEM; with --tls-cert)")
}

// listen listens on addr, with TLS when the flags say so; scheme is
// "https" or "http". The certificate is read first, so that a bad one
// changes nothing.
func (f *tlsFlags) listen(flag, addr string) (ln net.Listener, scheme string, err error) {
	cfg, err := ops.LoadTLS(f.cert, f.key)
	if err != nil {
		return nil, "", usageError{err}
	}
	if ln, err = net.Listen("tcp", addr); err != nil {
		return nil, "", fmt.Errorf("%s: %w", flag, err)
	}
	if cfg == nil {
		return ln, "http", nil
	}
	return tls.NewListener(ln, cfg), "https", nil
}

// servicePublicURL is a service's public URL: --url when given (an http(s) URL),
// else scheme://ADDR of its listener, which must then be on loopback —
// for development; in production the service sits behind a TLS terminator
// whose URL --url gives. role names the service in the message.
func servicePublicURL(given string, ln net.Listener, scheme, httpAddr, role string) (string, error) {
	if given != "" {
		if u, err := url.Parse(given); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", usageError{fmt.Errorf("--url %q is not an https URL", given)}
		}
		return strings.TrimSuffix(given, "/"), nil
	}
	if !isLoopback(ln.Addr()) {
		return "", usageError{fmt.Errorf("--http %s is not a loopback address: give --url, the https URL of the TLS terminator in front of the %s", httpAddr, role)}
	}
	return scheme + "://" + ln.Addr().String(), nil
}

// listening is what a serving command sets up before its service: the
// registry node's client, its data dir (0700), its listener (TLS when the
// flags say so) and its public URL. role names the service in messages.
type listening struct {
	remote    *node.Remote
	ln        net.Listener
	publicURL string
}

func listenService(nodeURL, dataDir, httpAddr, urlFlag, role string, tf *tlsFlags) (*listening, error) {
	remote, err := node.Dial(nodeURL)
	if err != nil {
		return nil, usageError{fmt.Errorf("--node: %w", err)}
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("--data-dir: %w", describePathErr(err))
	}
	// Listen before anything is written, so that an address in use
	// changes nothing.
	ln, scheme, err := tf.listen("--http", httpAddr)
	if err != nil {
		return nil, err
	}
	u, err := servicePublicURL(urlFlag, ln, scheme, httpAddr, role)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return &listening{remote: remote, ln: ln, publicURL: u}, nil
}

// parseLevel reads --log-level.
func parseLevel(s string) (slog.Level, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(s)); err != nil {
		return 0, usageError{fmt.Errorf("--log-level: %q is not debug, info, warn or error", s)}
	}
	return lv, nil
}

// pingNode is a readiness check: the registry node answers.
func pingNode(remote *node.Remote) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := remote.ChainID(ctx)
		return err
	}
}

// newServiceServer is the HTTP server of a serving command: bounded
// header, read, write (writeTimeout) and idle times, 16 KiB of headers,
// and the server's own errors logged as warnings.
func newServiceServer(h http.Handler, logger *slog.Logger, writeTimeout time.Duration) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(logger.With("module", "http").Handler(), slog.LevelWarn),
	}
}
