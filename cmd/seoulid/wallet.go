package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/seoulid/seoulid/city"
	"github.com/seoulid/seoulid/internal/ops"
	"github.com/seoulid/seoulid/registry/node"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/keystore"
	"github.com/seoulid/seoulid/wallet/oid4vci"
	"github.com/seoulid/seoulid/wallet/oid4vp"
	"github.com/seoulid/seoulid/wallet/store"
	"github.com/seoulid/seoulid/wallet/web"
)

// walletFlags are the flags every wallet command shares.
type walletFlags struct {
	dataDir string
	pinFile string
	node    string
	lang    string
	asJSON  bool
}

func (f *walletFlags) register(cmd *cobra.Command) {
	fl := cmd.PersistentFlags()
	fl.StringVar(&f.dataDir, "data-dir", "", "the wallet's directory (default: seoulid/wallet under the user's configuration directory)")
	fl.StringVar(&f.pinFile, "pin-file", "", "read the PIN from this file instead of the terminal (for scripts)")
	fl.StringVar(&f.node, "node", "http://127.0.0.1:26657", "RPC address of a registry node: the ledger the wallet checks issuers and verifiers against")
	fl.StringVar(&f.lang, "lang", "ko", "language of names and labels: ko or en")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON")
}

func newWalletCmd(a *app) *cobra.Command {
	f := &walletFlags{}
	cmd := group("wallet", "The citizen's wallet: receive, hold and present credentials", `The holder wallet of the Seoul Citizen Card, on this machine: an encrypted
store under --data-dir, opened with a PIN (read from the terminal without
echo, or --pin-file F for scripts), holder keys that never leave it, and a
history and receipts of every disclosure.

The wallet checks every credential it receives against the ledger (--node)
and refuses any request of a verifier for more than the ledger registers it
for. URLs are https; http is accepted for loopback hosts only, so that the
wallet works against a city running on this machine (seoulid up).`,
		newWalletInitCmd(a, f), newWalletReceiveCmd(a, f), newWalletListCmd(a, f), newWalletShowCmd(a, f),
		newWalletPresentCmd(a, f), newWalletHistoryCmd(a, f), newWalletDeleteCmd(a, f),
		newWalletBackupCmd(a, f), newWalletRestoreCmd(a, f), newWalletChangePINCmd(a, f), newWalletServeCmd(a, f))
	f.register(cmd)
	return cmd
}

// lang checks --lang.
func (f *walletFlags) language() (schemas.Lang, error) {
	switch f.lang {
	case "ko":
		return schemas.Korean, nil
	case "en":
		return schemas.English, nil
	}
	return "", usageError{fmt.Errorf("--lang %q: ko or en", f.lang)}
}

// dir returns the data directory.
func (f *walletFlags) dir() (string, error) {
	if f.dataDir != "" {
		return f.dataDir, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", usageError{fmt.Errorf("no --data-dir and no user configuration directory: %w", err)}
	}
	return filepath.Join(base, "seoulid", "wallet"), nil
}

const (
	walletFile = "wallet.db"
	deviceFile = "device.key"
)

// readSecret reads a PIN or a passphrase: the first line of --pin-file (or
// of file, for passphrases), else from the terminal without echo.
func (a *app) readSecret(file, flag, prompt string) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flag, describePathErr(err))
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return []byte(strings.TrimRight(line, "\r")), nil
	}
	in, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return nil, usageError{fmt.Errorf("no terminal to read the %s from: give %s", strings.TrimSuffix(prompt, ": "), flag)}
	}
	fmt.Fprint(a.stderr, prompt)
	b, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading the %s: %w", strings.TrimSuffix(prompt, ": "), err)
	}
	return b, nil
}

// openStore opens the wallet's store, locked.
func (a *app) openStore(ctx context.Context, f *walletFlags) (*store.Store, error) {
	dir, err := f.dir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, walletFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("there is no wallet in %s: make one with seoulid wallet init --data-dir %s", dir, dir)
	}
	dev, err := store.OpenFileDeviceSecret(filepath.Join(dir, deviceFile))
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, path, dev, store.Options{})
}

// unlock opens the store and unlocks it with the PIN.
func (a *app) unlock(ctx context.Context, f *walletFlags) (*store.Store, error) {
	st, err := a.openStore(ctx, f)
	if err != nil {
		return nil, err
	}
	pin, err := a.readSecret(f.pinFile, "--pin-file", "PIN: ")
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := st.Unlock(ctx, pin); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// withWallet checks --lang, unlocks the wallet, runs fn with it, and
// closes it.
func (a *app) withWallet(ctx context.Context, f *walletFlags, fn func(w *wallet.Wallet, lang schemas.Lang) error) error {
	lang, err := f.language()
	if err != nil {
		return err
	}
	w, st, err := a.openWallet(ctx, f)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(w, lang)
}

// openWallet unlocks the store and makes the wallet with the ledger of
// --node. The PIN is read once; pin returns it for approvals.
func (a *app) openWallet(ctx context.Context, f *walletFlags) (*wallet.Wallet, *store.Store, error) {
	st, err := a.unlock(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	remote, err := node.Dial(f.node)
	if err != nil {
		st.Close()
		return nil, nil, usageError{fmt.Errorf("--node: %w", err)}
	}
	ledger := city.WalletLedger{Remote: remote}
	w, err := wallet.New(st, keystore.New(st), ledger, remote,
		oid4vci.New(oid4vci.Config{AllowHTTP: true}), oid4vp.New(remote, oid4vp.Config{AllowHTTP: true}),
		wallet.Config{Now: a.now})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return w, st, nil
}

func newWalletInitCmd(a *app, f *walletFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Make a new, empty wallet protected by a PIN",
		Long: `Make a new wallet in --data-dir: an encrypted store (wallet.db) and the
device secret that, with the PIN, unlocks it (device.key, readable by you
only). The PIN is 6 to 64 characters; ten wrong PINs in a row lock the
wallet for good, so make a backup (seoulid wallet backup).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := f.dir()
			if err != nil {
				return err
			}
			path := filepath.Join(dir, walletFile)
			if _, err := os.Stat(path); err == nil {
				return fmt.Errorf("%s already holds a wallet", dir)
			}
			pin, err := a.readSecret(f.pinFile, "--pin-file", "new PIN: ")
			if err != nil {
				return err
			}
			if f.pinFile == "" {
				again, err := a.readSecret("", "--pin-file", "the PIN again: ")
				if err != nil {
					return err
				}
				if string(again) != string(pin) {
					return errors.New("the two PINs differ")
				}
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			dev, err := store.OpenFileDeviceSecret(filepath.Join(dir, deviceFile))
			if err != nil {
				return err
			}
			st, err := store.Create(cmd.Context(), path, dev, pin, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			if f.asJSON {
				return a.writeJSON(map[string]any{"data_dir": dir})
			}
			fmt.Fprintf(a.stdout, "made a wallet in %s\n", dir)
			return nil
		},
	}
}

func newWalletReceiveCmd(a *app, f *walletFlags) *cobra.Command {
	var txCode, txCodeFile, configID string
	cmd := &cobra.Command{
		Use:   "receive OFFER [--tx-code CODE | --tx-code-file F]",
		Short: "Receive a credential from an issuer's offer (openid-credential-offer://…)",
		Long: `Redeem a credential offer (OpenID4VCI 1.0, pre-authorized code) with the
transaction code the issuer sent you (by SMS): asked for on the terminal
unless --tx-code or --tx-code-file gives it. The wallet asks for three copies,
each bound to its own key, checks each — the issuer's signature, its
authorisation on the ledger for the type, the claims against the catalogue —
and keeps the credential, or refuses it and says why.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withWallet(cmd.Context(), f, func(w *wallet.Wallet, lang schemas.Lang) error {
				offer, err := w.Preview(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				code := []byte(txCode)
				if txCodeFile != "" {
					if code, err = a.readSecret(txCodeFile, "--tx-code-file", "transaction code: "); err != nil {
						return err
					}
				} else if txCode == "" && offer.TxCode != nil {
					prompt := "transaction code: "
					if offer.TxCode.Description != "" {
						prompt = offer.TxCode.Description + ": "
					}
					if code, err = a.readSecret("", "--tx-code", prompt); err != nil {
						return err
					}
				}
				c, err := w.ReceiveOffer(cmd.Context(), offer, configID, string(code))
				if err != nil {
					return err
				}
				if f.asJSON {
					return a.writeJSON(credentialJSON(w, c))
				}
				fmt.Fprintf(a.stdout, "received %s from %s: %s (%d copies)\n", typeName(w, c, lang), issuerName(c, lang), c.ID, len(c.Copies))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&txCode, "tx-code", "", "the transaction code")
	cmd.Flags().StringVar(&txCodeFile, "tx-code-file", "", "read the transaction code from this file")
	cmd.Flags().StringVar(&configID, "configuration", "", "the credential configuration to take when the offer has several (default: the first)")
	return cmd
}

func typeName(w *wallet.Wallet, c *wallet.Credential, lang schemas.Lang) string {
	if t := w.Type(c); t != nil {
		return t.Name(lang)
	}
	return c.VCT
}

func issuerName(c *wallet.Credential, lang schemas.Lang) string {
	if n := c.IssuerName[string(lang)]; n != "" {
		return n
	}
	if n := c.IssuerName["en"]; n != "" {
		return n
	}
	return c.Issuer
}

// credentialJSON is a credential as the commands print it: no SD-JWT, no
// key references.
func credentialJSON(w *wallet.Wallet, c *wallet.Credential) map[string]any {
	out := map[string]any{"id": c.ID, "vct": c.VCT, "issuer": c.Issuer, "issuer_url": c.IssuerURL, "issuer_name": c.IssuerName,
		"claims": c.Claims, "received_at": c.ReceivedAt.UTC().Format(time.RFC3339), "copies": len(c.Copies)}
	if t := w.Type(c); t != nil {
		out["name"] = map[string]string{"ko": t.Name(schemas.Korean), "en": t.Name(schemas.English)}
	}
	if !c.Expiry.IsZero() {
		out["expiry"] = c.Expiry.UTC().Format(time.RFC3339)
	}
	if c.Status != nil {
		out["status"] = map[string]any{"idx": c.Status.Index, "uri": c.Status.URI}
	}
	return out
}

func newWalletListCmd(a *app, f *walletFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the credentials in the wallet",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withWallet(cmd.Context(), f, func(w *wallet.Wallet, lang schemas.Lang) error {
				creds, err := w.Credentials(cmd.Context())
				if err != nil {
					return err
				}
				if f.asJSON {
					out := []any{}
					for _, c := range creds {
						out = append(out, credentialJSON(w, c))
					}
					return a.writeJSON(map[string]any{"credentials": out})
				}
				if len(creds) == 0 {
					fmt.Fprintln(a.stdout, "the wallet holds no credential")
					return nil
				}
				t := &table{}
				t.add("ID", "CREDENTIAL", "ISSUER", "RECEIVED", "EXPIRES")
				for _, c := range creds {
					exp := "-"
					if !c.Expiry.IsZero() {
						exp = c.Expiry.Format("2006-01-02")
					}
					t.add(c.ID, typeName(w, c, lang), issuerName(c, lang), c.ReceivedAt.Format("2006-01-02 15:04"), exp)
				}
				return t.write(a.stdout)
			})
		},
	}
}

func newWalletShowCmd(a *app, f *walletFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a credential and its claims",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withWallet(cmd.Context(), f, func(w *wallet.Wallet, lang schemas.Lang) error {
				c, err := w.Credential(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if f.asJSON {
					return a.writeJSON(credentialJSON(w, c))
				}
				fmt.Fprintf(a.stdout, "%s — %s\n", typeName(w, c, lang), issuerName(c, lang))
				t := &table{}
				ty := w.Type(c)
				names := make([]string, 0, len(c.Claims))
				for k := range c.Claims {
					names = append(names, k)
				}
				sort.Strings(names)
				for _, k := range names {
					label := k
					if ty != nil {
						if cl := ty.Claim([]any{k}); cl != nil {
							label = cl.Label.In(lang)
						}
					}
					v, _ := json.Marshal(c.Claims[k])
					t.add("  "+label, string(v))
				}
				return t.write(a.stdout)
			})
		},
	}
}

func newWalletPresentCmd(a *app, f *walletFlags) *cobra.Command {
	var include []string
	var sensitive, yes, decline bool
	cmd := &cobra.Command{
		Use:   "present REQUEST [--yes] [--include QUERY…] [--sensitive] [--decline]",
		Short: "Answer a verifier's request (openid4vp://…) with what you approve",
		Long: `Read a verifier's signed request (OpenID4VP 1.0), check on the ledger that
the verifier is registered for the purpose it names and asks for nothing
beyond it — a request that does is refused and the verifier told so — and
show who asks, why, under which law, and each claim that would be shared.

Then it asks you to approve on the terminal, unless --yes approves (for
scripts) or --decline declines. Optional credentials are shared only when
--include names their query; sensitive claims (health, PIPA Art. 23) only
with --sensitive. Approving asks for the PIN again. The wallet keeps a
receipt (seoulid wallet history).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withWallet(cmd.Context(), f, func(w *wallet.Wallet, lang schemas.Lang) error {
				c, err := w.Ask(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if !f.asJSON {
					a.printConsent(c, lang)
				}
				if decline {
					return w.Decline(cmd.Context(), c)
				}
				if !yes {
					ok, err := a.confirm("share this? [y/N] ")
					if err != nil {
						return err
					}
					if !ok {
						if err := w.Decline(cmd.Context(), c); err != nil {
							return err
						}
						fmt.Fprintln(a.stdout, "declined; the verifier was told")
						return nil
					}
				}
				pin, err := a.readSecret(f.pinFile, "--pin-file", "PIN to approve: ")
				if err != nil {
					return err
				}
				inc := map[string]bool{}
				for _, q := range include {
					inc[q] = true
				}
				rc, err := w.Approve(cmd.Context(), c, wallet.Approval{PIN: pin, Include: inc, Sensitive: sensitive})
				if err != nil {
					return err
				}
				if f.asJSON {
					return a.writeJSON(rc)
				}
				fmt.Fprintf(a.stdout, "shared; receipt %s", rc.ID)
				if rc.AckVerified {
					fmt.Fprint(a.stdout, " (acknowledged and signed by the verifier)")
				}
				fmt.Fprintln(a.stdout)
				return nil
			})
		},
	}
	cmd.Flags().StringSliceVar(&include, "include", nil, "share the optional credential of this query id too")
	cmd.Flags().BoolVar(&sensitive, "sensitive", false, "approve the sensitive claims (health, disability)")
	cmd.Flags().BoolVar(&yes, "yes", false, "approve without asking on the terminal")
	cmd.Flags().BoolVar(&decline, "decline", false, "decline the request")
	return cmd
}

// printConsent writes the consent screen.
func (a *app) printConsent(c *wallet.Consent, lang schemas.Lang) {
	name := c.VerifierName[string(lang)]
	if name == "" {
		name = c.Verifier
	}
	fmt.Fprintf(a.stdout, "%s asks, for: %s\n", name, c.Purpose.Description[lang])
	fmt.Fprintf(a.stdout, "legal basis: %s; kept for: %s\n", c.Purpose.LegalBasis, c.Purpose.Retention)
	for _, it := range c.Items {
		tag := ""
		if it.Optional {
			tag = fmt.Sprintf(" [optional: --include %s]", it.QueryID)
		}
		fmt.Fprintf(a.stdout, "  %s%s\n", it.TypeName[lang], tag)
		t := &table{}
		for _, cl := range it.Claims {
			label := cl.Label[lang]
			if label == "" {
				label = cl.Path.String()
			}
			v, _ := json.Marshal(cl.Value)
			mark := ""
			if cl.Sensitive {
				mark = "  [sensitive: --sensitive]"
			}
			t.add("    "+label, string(v)+mark)
		}
		for _, cl := range it.Always {
			label := cl.Label[lang]
			if label == "" {
				label = cl.Path.String()
			}
			v, _ := json.Marshal(cl.Value)
			t.add("    "+label, string(v)+"  (always shared: its issuer made it so)")
		}
		t.write(a.stdout)
	}
}

// confirm asks a yes/no question on the terminal.
func (a *app) confirm(prompt string) (bool, error) {
	in, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return false, usageError{errors.New("no terminal to ask on: give --yes or --decline")}
	}
	fmt.Fprint(a.stderr, prompt)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	line = strings.ToLower(strings.TrimSpace(line))
	return line == "y" || line == "yes" || line == "예" || line == "네", nil
}

func newWalletHistoryCmd(a *app, f *walletFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "history",
		Short: "What the wallet received, shared, refused and deleted, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withWallet(cmd.Context(), f, func(w *wallet.Wallet, lang schemas.Lang) error {
				events, err := w.History(cmd.Context())
				if err != nil {
					return err
				}
				receipts, err := w.Receipts(cmd.Context())
				if err != nil {
					return err
				}
				if f.asJSON {
					return a.writeJSON(map[string]any{"events": events, "receipts": receipts})
				}
				t := &table{}
				t.add("TIME", "WHAT", "WHO", "DETAIL")
				for _, e := range events {
					who := e.PartyName[string(lang)]
					if who == "" {
						who = e.Party
					}
					detail := e.VCT
					switch e.Kind {
					case "presented":
						detail = e.Purpose + ": " + strings.Join(e.Claims, ", ")
					case "refused", "declined":
						detail = strings.TrimSpace(e.Purpose + " " + e.Reason)
					}
					t.add(e.Time.Local().Format("2006-01-02 15:04:05"), e.Kind, who, detail)
				}
				return t.write(a.stdout)
			})
		},
	}
}

func newWalletDeleteCmd(a *app, f *walletFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a credential and its keys (receipts of past disclosures stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, st, err := a.openWallet(cmd.Context(), f)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := w.Delete(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "deleted %s\n", args[0])
			return nil
		},
	}
}

func newWalletBackupCmd(a *app, f *walletFlags) *cobra.Command {
	var out, passFile string
	cmd := &cobra.Command{
		Use:   "backup --out FILE [--passphrase-file F]",
		Short: "Write an encrypted backup of the whole wallet",
		Long: `Write everything the wallet holds — credentials, keys, receipts, history —
to FILE, encrypted under a recovery passphrase that is not the PIN. Without
--passphrase-file a new passphrase is made and printed once: write it down
and keep it apart from the backup; without it the backup cannot be read.
See docs/wallet-threat-model.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.unlock(cmd.Context(), f)
			if err != nil {
				return err
			}
			defer st.Close()
			var pass []byte
			generated := passFile == ""
			if generated {
				pass = []byte(store.GenerateRecoveryPassphrase())
			} else if pass, err = a.readSecret(passFile, "--passphrase-file", "recovery passphrase: "); err != nil {
				return err
			}
			tmp := out + ".tmp"
			fh, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return fmt.Errorf("--out: %w", describePathErr(err))
			}
			if err := st.Backup(cmd.Context(), fh, pass); err != nil {
				fh.Close()
				os.Remove(tmp)
				return err
			}
			if err := errors.Join(fh.Sync(), fh.Close()); err != nil {
				os.Remove(tmp)
				return err
			}
			if err := os.Rename(tmp, out); err != nil {
				return err
			}
			if generated {
				fmt.Fprintf(a.stdout, "wrote %s\nrecovery passphrase (shown once; keep it apart from the backup): %s\n", out, pass)
				return nil
			}
			fmt.Fprintf(a.stdout, "wrote %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the backup file to write")
	cmd.Flags().StringVar(&passFile, "passphrase-file", "", "read the recovery passphrase from this file instead of making one")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func newWalletRestoreCmd(a *app, f *walletFlags) *cobra.Command {
	var passFile string
	cmd := &cobra.Command{
		Use:   "restore FILE [--passphrase-file F]",
		Short: "Restore a backup into a new wallet under a new PIN",
		Long: `Make a wallet in --data-dir from a backup written by seoulid wallet backup:
the recovery passphrase opens it, and the new wallet gets a new PIN (from
--pin-file or the terminal) and a new device secret. --data-dir must not
hold a wallet.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := f.dir()
			if err != nil {
				return err
			}
			path := filepath.Join(dir, walletFile)
			if _, err := os.Stat(path); err == nil {
				return fmt.Errorf("%s already holds a wallet: restore into an empty --data-dir", dir)
			}
			fh, err := os.Open(args[0])
			if err != nil {
				return describePathErr(err)
			}
			defer fh.Close()
			pass, err := a.readSecret(passFile, "--passphrase-file", "recovery passphrase: ")
			if err != nil {
				return err
			}
			pin, err := a.readSecret(f.pinFile, "--pin-file", "new PIN: ")
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			dev, err := store.OpenFileDeviceSecret(filepath.Join(dir, deviceFile))
			if err != nil {
				return err
			}
			st, err := store.Restore(cmd.Context(), fh, pass, path, dev, pin, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			recs, err := st.List(cmd.Context(), "credential")
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "restored a wallet with %d credentials into %s\n", len(recs), dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&passFile, "passphrase-file", "", "read the recovery passphrase from this file")
	return cmd
}

func newWalletChangePINCmd(a *app, f *walletFlags) *cobra.Command {
	var newFile string
	cmd := &cobra.Command{
		Use:   "change-pin [--new-pin-file F]",
		Short: "Change the wallet's PIN (only the data key is wrapped again)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.openStore(cmd.Context(), f)
			if err != nil {
				return err
			}
			defer st.Close()
			old, err := a.readSecret(f.pinFile, "--pin-file", "PIN: ")
			if err != nil {
				return err
			}
			pin, err := a.readSecret(newFile, "--new-pin-file", "new PIN: ")
			if err != nil {
				return err
			}
			if err := st.ChangePIN(cmd.Context(), old, pin); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, "the PIN is changed")
			return nil
		},
	}
	cmd.Flags().StringVar(&newFile, "new-pin-file", "", "read the new PIN from this file")
	return cmd
}

func newWalletServeCmd(a *app, f *walletFlags) *cobra.Command {
	var httpAddr string
	var idle time.Duration
	var tf tlsFlags
	cmd := &cobra.Command{
		Use:   "serve [--http 127.0.0.1:PORT] [--idle-lock D] [--tls-cert F --tls-key F]",
		Short: "Serve the wallet's web UI on this machine until interrupted",
		Long: `Serve the wallet's web UI — the PIN pad, the credential cards, receiving an
offer, the consent screen, the history — in Korean and English, laid out for
a phone first. It listens on a loopback address only and refuses requests
for any other host name (DNS rebinding); every form is CSRF-protected. The
wallet locks itself after --idle-lock of inactivity. It speaks HTTPS with
--tls-cert and --tls-key, and answers /healthz, /readyz and /metrics.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lang, err := f.language()
			if err != nil {
				return err
			}
			ln, scheme, err := tf.listen("--http", httpAddr)
			if err != nil {
				return err
			}
			defer ln.Close()
			if !isLoopback(ln.Addr()) {
				return usageError{fmt.Errorf("--http %s is not a loopback address: the wallet serves this machine only", httpAddr)}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			st, err := a.openStore(ctx, f)
			if err != nil {
				return err
			}
			defer st.Close()
			remote, err := node.Dial(f.node)
			if err != nil {
				return usageError{fmt.Errorf("--node: %w", err)}
			}
			logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			h, err := web.New(web.Config{
				Unlock: func(ctx context.Context, pin []byte) (*wallet.Wallet, error) {
					if err := st.Unlock(ctx, pin); err != nil {
						return nil, err
					}
					return wallet.New(st, keystore.New(st), city.WalletLedger{Remote: remote}, remote,
						oid4vci.New(oid4vci.Config{AllowHTTP: true}), oid4vp.New(remote, oid4vp.Config{AllowHTTP: true}),
						wallet.Config{Now: a.now, Logger: logger.With("module", "wallet")})
				},
				Lock:        st.Lock,
				DefaultLang: lang,
				IdleTimeout: idle,
				Now:         a.now,
				Logger:      logger.With("module", "web"),
			})
			if err != nil {
				return err
			}
			defer h.Close()
			srv := &http.Server{Handler: ops.New("wallet").Handler(h), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
				IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()
			logger.Info("wallet running", "url", scheme+"://"+ln.Addr().String(), "node", f.node)
			var failed error
			select {
			case <-ctx.Done():
			case err := <-served:
				failed = fmt.Errorf("--http: %w", err)
			}
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
			logger.Info("stopped")
			return failed
		},
	}
	cmd.Flags().StringVar(&httpAddr, "http", "127.0.0.1:8780", "loopback address to listen on")
	cmd.Flags().DurationVar(&idle, "idle-lock", 5*time.Minute, "lock the wallet after this long without a request")
	tf.register(cmd.Flags())
	return cmd
}
