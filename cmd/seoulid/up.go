package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/city"
)

// defaultCityDir is where up keeps the city when --data-dir is not given.
func defaultCityDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", usageError{fmt.Errorf("no home directory (%v): give --data-dir", err)}
	}
	return filepath.Join(home, ".seoulid", "city"), nil
}

func newUpCmd(a *app) *cobra.Command {
	var dataDir, level string
	var firstPort int
	var asJSON, withTLS bool
	cmd := &cobra.Command{
		Use:   "up [--data-dir DIR] [--first-port N] [--tls] [--log-level LEVEL] [--json]",
		Short: "Run the whole city on this machine until interrupted",
		Long: `Run the whole city in this process: the registry ledger (one CometBFT
validator, with the genesis council: Seoul Metropolitan Government, MOIS,
MOEL, MOHW and NHIS), the DID resolver, the issuers (Seoul City Hall, Gwanak-gu
Office, NHIS, COMWEL, the University of Seoul, a clinic and an employer), the
verifiers (the welfare portal, another clinic, the Seoul Library) and a
citizen's wallet UI — each registered and authorised on the ledger, each on
its own port of 127.0.0.1.

It prints a table of the services (name, role, URL, DID) and writes the same
to DIR/services.json, with the files of each issuer's operator token and of
the wallet's PIN (development only: they sit in DIR, readable by you only).
Logs go to standard error. SIGINT (Ctrl-C) or SIGTERM stops it cleanly;
started again with the same --data-dir, it finds everything it kept: the
ledger, the keys, the offers, the decisions, the wallet.

The first start makes the keys (mode 0600) and the ledger, and chooses the
ports: --first-port and the ports after it (0 for free ports chosen by the
system); later starts use the ports DIR/city.json recorded.

Every service answers /healthz, /readyz and, for Prometheus, /metrics (the
ledger's RPC, CometBFT's own server, through its HTTP face, the resolver).
With --tls they serve HTTPS with a certificate for 127.0.0.1, ::1 and
localhost from a local CA made under DIR/tls (its certificate,
DIR/tls/ca.pem, is what a phone or browser must trust), for wallets that
insist on https.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var lv slog.Level
			if err := lv.UnmarshalText([]byte(level)); err != nil {
				return usageError{fmt.Errorf("--log-level: %q is not debug, info, warn or error", level)}
			}
			if firstPort < 0 || firstPort > 65000 {
				return usageError{fmt.Errorf("--first-port %d: give 1 to 65000, or 0 for free ports", firstPort)}
			}
			if dataDir == "" {
				var err error
				if dataDir, err = defaultCityDir(); err != nil {
					return err
				}
			}
			if firstPort == 0 {
				firstPort = -1 // city.Config: negative means free ports
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: lv}))
			c, err := city.Start(ctx, city.Config{DataDir: dataDir, FirstPort: firstPort, TLS: withTLS, Logger: logger, Now: a.now})
			if err != nil {
				return err
			}
			if err := a.printServices(c.Services(), dataDir, c.CAFile(), asJSON); err != nil {
				return joinStop(err, c.Close())
			}
			var failed error
			select {
			case <-ctx.Done():
			case failed = <-c.Failed():
			}
			logger.Info("stopping the city")
			return joinStop(failed, c.Close())
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "where the city keeps everything (default ~/.seoulid/city)")
	cmd.Flags().IntVar(&firstPort, "first-port", 8400, "port of the first service at the first start; the others follow (0: free ports)")
	cmd.Flags().StringVar(&level, "log-level", "info", "least severe log level: debug, info, warn or error")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the services as JSON")
	cmd.Flags().BoolVar(&withTLS, "tls", false, "serve HTTPS with certificates of a local CA made under the data dir")
	return cmd
}

// joinStop joins a failure with the error of stopping.
func joinStop(failed, stopping error) error {
	if stopping != nil {
		stopping = fmt.Errorf("stopping the city: %w", stopping)
	}
	if failed == nil {
		return stopping
	}
	if stopping == nil {
		return failed
	}
	return fmt.Errorf("%w; %w", failed, stopping)
}

// printServices prints the table of the city's services (or JSON).
func (a *app) printServices(svcs []city.Service, dir, caFile string, asJSON bool) error {
	if asJSON {
		out := map[string]any{"data_dir": dir, "services": svcs}
		if caFile != "" {
			out["ca_file"] = caFile
		}
		return a.writeJSON(out)
	}
	var tb table
	tb.add("SERVICE", "ROLE", "URL", "DID")
	var notes []string
	for _, s := range svcs {
		tb.add(s.Name.En+" ("+s.Name.Ko+")", string(s.Role), s.URL, s.DID)
		if s.TokenFile != "" {
			notes = append(notes, fmt.Sprintf("  %s back office: --issuer %s --token-file %s", s.Name.En, s.URL, s.TokenFile))
		}
		if s.PINFile != "" {
			notes = append(notes, fmt.Sprintf("  the wallet's PIN is in %s", s.PINFile))
		}
	}
	if caFile != "" {
		notes = append(notes, fmt.Sprintf("  HTTPS: trust the local CA %s", caFile))
	}
	if err := tb.write(a.stdout); err != nil {
		return err
	}
	_, err := fmt.Fprintf(a.stdout, "\nservices.json, the keys and the data are in %s. Every service answers /healthz, /readyz and /metrics. Development only:\n%s\nCtrl-C stops the city; up again finds it as it was.\n",
		dir, strings.Join(notes, "\n"))
	return err
}
