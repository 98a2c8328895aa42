package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

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

// pingNode is a readiness check: the registry node answers.
func pingNode(remote *node.Remote) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := remote.ChainID(ctx)
		return err
	}
}
