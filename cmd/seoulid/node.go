package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/internal/ops"
	"github.com/seoulid/seoulid/registry/node"
	"github.com/seoulid/seoulid/registry/resolver"
	"github.com/seoulid/seoulid/registry/resolverhttp"
)

func newNodeCmd(a *app) *cobra.Command {
	return group("node", "Set up and run a registry node",
		`A registry node is a CometBFT validator with the DID registry's state
machine linked in. "node init" writes a one-validator network with the genesis
council of agencies and their controller keys; "node testnet" writes several
validators on this machine; "node start" runs one of them.`,
		newNodeInitCmd(a), newNodeStartCmd(a), newNodeTestnetCmd(a))
}

// netFlags are the settings init and testnet share.
type netFlags struct {
	chainID          string
	p2pPort, rpcPort int
	emptyBlocks      time.Duration
	json             bool
}

func (f *netFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.chainID, "chain-id", "", `chain id (default "seoulid-local")`)
	cmd.Flags().IntVar(&f.p2pPort, "p2p-port", 0, "P2P port of the first node on 127.0.0.1 (default 26656)")
	cmd.Flags().IntVar(&f.rpcPort, "rpc-port", 0, "RPC port of the first node on 127.0.0.1 (default 26657)")
	cmd.Flags().DurationVar(&f.emptyBlocks, "empty-block-interval", 0, "make an empty block after this long without transactions, so that block time keeps up with the clock (default 30s)")
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON")
}

func (f *netFlags) options(a *app) (node.Options, error) {
	for _, p := range []struct {
		flag string
		port int
	}{{"--p2p-port", f.p2pPort}, {"--rpc-port", f.rpcPort}} {
		if p.port < 0 || p.port > 65535 {
			return node.Options{}, usageError{fmt.Errorf("%s %d is not a port", p.flag, p.port)}
		}
	}
	if f.emptyBlocks < 0 {
		return node.Options{}, usageError{fmt.Errorf("--empty-block-interval must not be negative")}
	}
	return node.Options{ChainID: f.chainID, P2PPort: f.p2pPort, RPCPort: f.rpcPort, EmptyBlockInterval: f.emptyBlocks, Now: a.now}, nil
}

func newNodeInitCmd(a *app) *cobra.Command {
	var home string
	var f netFlags
	cmd := &cobra.Command{
		Use:   "init --home DIR [--chain-id ID] [--p2p-port N] [--rpc-port N] [--json]",
		Short: "Write a one-validator registry network",
		Long: `Write a one-validator network to DIR: CometBFT's configuration and keys, a
genesis that founds the registry with the genesis council (Seoul Metropolitan
Government, MOIS, MOEL, MOHW, NHIS; a majority must sign council operations),
and each agency's controller key in DIR/agencies/<slug>.jwk, readable by its
owner only. A DIR that already holds a node is never overwritten.

Prints the chain id, the RPC address and the council: each agency's slug,
name, DID and key file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := f.options(a)
			if err != nil {
				return err
			}
			net, err := node.Init(home, opts)
			if err != nil {
				return err
			}
			if f.json {
				return a.writeJSON(net)
			}
			var head table
			head.add("chain id", net.ChainID)
			head.add("home", net.Homes[0])
			head.add("rpc", net.RPC[0])
			head.add("council", councilLine(net))
			if err := head.write(a.stdout); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout)
			return agencyTable(net).write(a.stdout)
		},
	}
	cmd.Flags().StringVar(&home, "home", "", "directory to write the node to")
	f.register(cmd)
	_ = cmd.MarkFlagRequired("home")
	return cmd
}

func councilLine(net *node.Network) string {
	return fmt.Sprintf("%d of %d agencies sign council operations", net.Threshold, len(net.Agencies))
}

func agencyTable(net *node.Network) *table {
	t := &table{}
	t.add("SLUG", "NAME", "DID", "KEY FILE")
	for _, ag := range net.Agencies {
		t.add(ag.Slug, ag.Name.Ko+" / "+ag.Name.En, ag.DID, ag.KeyFile)
	}
	return t
}

func newNodeTestnetCmd(a *app) *cobra.Command {
	var dir string
	var validators int
	var f netFlags
	cmd := &cobra.Command{
		Use:   "testnet --validators N --dir DIR [--chain-id ID] [--p2p-port N] [--rpc-port N] [--json]",
		Short: "Write a registry network of N validators on this machine",
		Long: `Write a network of N validators (1 to 32) on 127.0.0.1: one home per node,
DIR/node0 … DIR/node<N-1> (DIR itself when N is 1), node i on the ports given
plus 10*i, every node a persistent peer of the others, one genesis, and the
genesis council's controller keys under the first home. Start each node with
seoulid node start --home DIR/node<i>.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if validators < 1 || validators > 32 {
				return usageError{fmt.Errorf("--validators must be 1 to 32, not %d", validators)}
			}
			opts, err := f.options(a)
			if err != nil {
				return err
			}
			net, err := node.Testnet(dir, validators, opts)
			if err != nil {
				return err
			}
			if f.json {
				return a.writeJSON(net)
			}
			var head table
			head.add("chain id", net.ChainID)
			head.add("council", councilLine(net))
			if err := head.write(a.stdout); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout)
			var nodes table
			nodes.add("NODE", "HOME", "RPC")
			for i, h := range net.Homes {
				nodes.add(strconv.Itoa(i), h, net.RPC[i])
			}
			if err := nodes.write(a.stdout); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout)
			return agencyTable(net).write(a.stdout)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory to write the nodes to")
	cmd.Flags().IntVar(&validators, "validators", 0, "number of validators")
	f.register(cmd)
	_ = cmd.MarkFlagRequired("dir")
	_ = cmd.MarkFlagRequired("validators")
	return cmd
}

func newNodeStartCmd(a *app) *cobra.Command {
	var home, httpAddr, level string
	var tf tlsFlags
	cmd := &cobra.Command{
		Use:   "start --home DIR [--http ADDR] [--log-level LEVEL]",
		Short: "Run a registry node until interrupted",
		Long: `Run the node whose home "node init" or "node testnet" wrote, logging to
standard error, until SIGINT or SIGTERM; then stop it cleanly. Its state is
kept under DIR/data, and a restart picks up where it stopped.

With --http the node also serves, on ADDR (host:port), DID resolution by the
W3C DID Resolution HTTP(S) binding (GET /1.0/identifiers/{did}, for did:seoul
from this node, did:key and did:jwk) and read-only registry endpoints
(/1.0/trust/issuers/{did}, /1.0/trust/verifiers/{did}, /1.0/council,
/1.0/agencies/{did}, /1.0/catalogue, /1.0/status-lists?uri=), with /healthz,
/readyz and /metrics (Prometheus: requests, latencies, seoulid_ledger_height);
HTTPS with --tls-cert and --tls-key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var lv slog.Level
			if err := lv.UnmarshalText([]byte(level)); err != nil {
				return usageError{fmt.Errorf("--log-level: %q is not debug, info, warn or error", level)}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: lv}))
			// Listen first, so that an address in use stops nothing.
			var ln net.Listener
			if httpAddr != "" {
				var err error
				if ln, _, err = tf.listen("--http", httpAddr); err != nil {
					return err
				}
				defer ln.Close()
			} else if tf.cert != "" || tf.key != "" {
				return usageError{errors.New("--tls-cert and --tls-key are for --http")}
			}
			n, err := node.Start(home, logger)
			if err != nil {
				return err
			}
			r := n.Reader()
			logger.Info("node running", "home", home, "chain", r.Chain(), "rpc", n.RPC(), "height", r.Height())
			served := make(chan error, 1)
			var srv *http.Server
			if ln != nil {
				h, err := resolverhttp.New(&resolver.Resolver{Seoul: r}, resolverhttp.Config{Logger: logger.With("module", "http")})
				if err != nil {
					return errors.Join(err, n.Stop())
				}
				o := ops.New("node")
				o.GaugeFunc("seoulid_ledger_height", "The height of the ledger's last committed block.", func() float64 { return float64(r.Height()) })
				o.AddReadiness("ledger", func(context.Context) error {
					if r.Height() == 0 {
						return errors.New("no block committed yet")
					}
					return nil
				})
				srv = &http.Server{
					Handler:           o.Handler(h),
					ReadHeaderTimeout: 5 * time.Second,
					ReadTimeout:       10 * time.Second,
					WriteTimeout:      30 * time.Second,
					IdleTimeout:       time.Minute,
					MaxHeaderBytes:    16 << 10,
					ErrorLog:          slog.NewLogLogger(logger.With("module", "http").Handler(), slog.LevelWarn),
				}
				go func() { served <- srv.Serve(ln) }()
				logger.Info("serving DID resolution over HTTP", "addr", ln.Addr().String())
			}
			var failed error
			select {
			case <-ctx.Done():
			case err := <-served:
				failed = fmt.Errorf("--http: %w", err)
			}
			logger.Info("stopping", "height", r.Height())
			if srv != nil {
				sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				if err := srv.Shutdown(sctx); err != nil {
					logger.Warn("http server shutdown", "err", err)
				}
			}
			if err := n.Stop(); err != nil {
				return errors.Join(failed, fmt.Errorf("stopping the node: %w", err))
			}
			logger.Info("stopped")
			return failed
		},
	}
	cmd.Flags().StringVar(&home, "home", "", "the node's directory")
	cmd.Flags().StringVar(&httpAddr, "http", "", "also serve DID resolution and registry reads over HTTP on this address (host:port)")
	cmd.Flags().StringVar(&level, "log-level", "info", "least severe log level: debug, info, warn or error")
	tf.register(cmd.Flags())
	_ = cmd.MarkFlagRequired("home")
	return cmd
}
