package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
)

func newKeysCmd(a *app) *cobra.Command {
	return group("keys", "Make and inspect signing keys", "", newKeysGenerateCmd(a), newKeysShowCmd(a))
}

func newKeysGenerateCmd(a *app) *cobra.Command {
	var alg, out, kid string
	var force bool
	cmd := &cobra.Command{
		Use:   "generate --alg EdDSA|ES256 [--out FILE] [--kid KID]",
		Short: "Generate a signing key",
		Long: `Generate an Ed25519 (EdDSA) or P-256 (ES256) signing key.

With --out the private JWK is written to FILE, readable by its owner only, and
an existing file is never replaced unless --force is given. Without --out the
private JWK is printed with the rest. The public JWK, its RFC 7638 thumbprint,
and the key's did:key and did:jwk are printed as JSON.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			algorithm, err := keys.ParseAlgorithm(alg)
			if err != nil {
				return usageError{fmt.Errorf("--alg: %w", err)}
			}
			k, err := keys.Generate(algorithm)
			if err != nil {
				return err
			}
			if kid != "" {
				k = k.WithKeyID(kid)
			}
			return writeKeyReport(a, k, out, force)
		},
	}
	cmd.Flags().StringVar(&alg, "alg", "", "algorithm: EdDSA (Ed25519) or ES256 (P-256)")
	cmd.Flags().StringVar(&out, "out", "", "file to write the private JWK to")
	cmd.Flags().StringVar(&kid, "kid", "", "key id to put in the JWK")
	cmd.Flags().BoolVar(&force, "force", false, "replace --out if it exists")
	_ = cmd.MarkFlagRequired("alg")
	return cmd
}

func writeKeyReport(a *app, k *keys.PrivateKey, out string, force bool) error {
	report := keyReport(k.Public())
	if out != "" {
		b, err := k.MarshalPrivateJWK()
		if err != nil {
			return err
		}
		if err := writeSecretFile(out, append(b, '\n'), force); err != nil {
			return fmt.Errorf("keys: %w", err)
		}
		report["private_jwk_file"] = out
	} else {
		report["private_jwk"] = k.PrivateJWK()
	}
	return a.writeJSON(report)
}

func keyReport(pub *keys.PublicKey) map[string]any {
	r := map[string]any{
		"alg":        string(pub.Algorithm()),
		"public_jwk": pub.JWK(),
		"thumbprint": pub.Thumbprint(),
		"did_key":    did.KeyDID(pub),
		"did_jwk":    did.JWKDID(pub),
	}
	if pub.KeyID() != "" {
		r["kid"] = pub.KeyID()
	}
	return r
}

func newKeysShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show [FILE|-]",
		Short: "Print the public JWK, thumbprint, did:key and did:jwk of a JWK",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := a.readPublicKey(firstArg(args), "key")
			if err != nil {
				return err
			}
			return a.writeJSON(keyReport(pub))
		},
	}
}

func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}
