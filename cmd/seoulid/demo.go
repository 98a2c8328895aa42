package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/city/demo"
)

func newDemoCmd(a *app) *cobra.Command {
	var lang, level, dataDir string
	cmd := &cobra.Command{
		Use:   "demo [--lang ko|en] [--log-level LEVEL] [--data-dir DIR]",
		Short: "Tell the citizens' stories end to end through a city on this machine",
		Long: `Start a city in a temporary directory (as "seoulid up" does) and tell these
stories through the real protocols, printing what each party saw:

  1. Jeong, a recent graduate, receives her credentials, asks the welfare
     portal whether she qualifies for the youth allowance, approves with her
     PIN and gets the decision with its reasons; the portal saw only the
     claims its registered purpose allows.
  2. Mrs. Yoon's husband receives his medication list from his clinic and
     shares it with a new clinic, the sensitive claims approved separately.
  3. A district office revokes a certificate; the next verification says so.
  4. City Hall rotates its key: a card signed before still verifies, a new
     one is signed with the new key.
  5. An over-asking verifier is refused by the wallet.
  6. A forged credential is refused by the verifier.

It exits with status 1 at the first step that does not behave. The city's
logs go to standard error at --log-level (default: errors only).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if lang != "ko" && lang != "en" {
				return usageError{fmt.Errorf("--lang %q: ko or en", lang)}
			}
			var lv slog.Level
			if err := lv.UnmarshalText([]byte(level)); err != nil {
				return usageError{fmt.Errorf("--log-level: %q is not debug, info, warn or error", level)}
			}
			if dataDir != "" {
				if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 {
					return usageError{fmt.Errorf("--data-dir %s is not empty: the demo starts a new city", dataDir)}
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return demo.Run(ctx, demo.Config{Lang: lang, Out: a.stdout, DataDir: dataDir,
				Logger: slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: lv}))})
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "en", "language of the stories: ko or en")
	cmd.Flags().StringVar(&level, "log-level", "error", "least severe level of the city's logs: debug, info, warn or error")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "run the city in this empty directory and keep it (default: a temporary one, removed)")
	return cmd
}
