package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/internal/sdjwtvc/issuermeta"
	"github.com/seoulid/seoulid/schemas"
)

func newSDJWTCmd(a *app) *cobra.Command {
	return group("sdjwt", "Issue, present, verify and decode SD-JWTs and SD-JWT VCs", `Issue, present, verify and decode SD-JWTs (RFC 9901) and SD-JWT VCs
(draft-ietf-oauth-sd-jwt-vc, typ "dc+sd-jwt").

Claims are named by paths with dots and indexes: given_name, address.locality,
nationalities[0], nationalities[*] (every element), ["a.b"] (a name with dots).`,
		newSDJWTIssueCmd(a), newSDJWTPresentCmd(a), newSDJWTVerifyCmd(a), newSDJWTDecodeCmd(a))
}

func newSDJWTIssueCmd(a *app) *cobra.Command {
	var f struct {
		issuerKey, claims, sd, holderKey, vct, iss, typ, hash string
		validFor                                              time.Duration
		decoys                                                int
		json                                                  bool
	}
	cmd := &cobra.Command{
		Use:   "issue --issuer-key FILE --claims FILE|- [--sd PATH,...] [--holder-key FILE] [--vct VCT] [--iss ISS]",
		Short: "Issue an SD-JWT, or an SD-JWT VC when a vct is given",
		Long: `Issue an SD-JWT signed with the issuer's private JWK.

The claims file is a JSON object. --sd lists the claims the holder may
withhold; naming a claim and something inside it gives a recursive
disclosure. --holder-key binds the credential to a holder's key (cnf.jwk).

With --vct, or a "vct" in the claims, the result is an SD-JWT VC (typ
dc+sd-jwt): vct, iss, iat, nbf, exp, cnf and status are taken out of the
claims and are never selectively disclosable. Its issuer is --iss, else the
claims' iss, else the issuer key's did:jwk (with the key's DID URL as kid), so
that anyone can verify it by resolving the DID.

When the vct is a type of the catalogue (seoulid schemas list), the claims must
fit it (every violation is listed), the catalogue decides which claims are
selectively disclosable (--sd is refused), the default validity sets exp
unless --valid-for or an exp is given, and vct#integrity binds the type's
metadata.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			signer, err := a.readPrivateKey(f.issuerKey, "--issuer-key")
			if err != nil {
				return err
			}
			claims, err := a.readJSONObject(f.claims, "--claims")
			if err != nil {
				return err
			}
			paths, err := sdjwt.ParsePaths(f.sd)
			if err != nil {
				return usageError{fmt.Errorf("--sd: %w", err)}
			}
			var holder *keys.PublicKey
			if f.holderKey != "" {
				if holder, err = a.readPublicKey(f.holderKey, "--holder-key"); err != nil {
					return err
				}
			}
			if f.decoys < 0 {
				return usageError{fmt.Errorf("--decoys must not be negative")}
			}
			var issued *sdjwt.SDJWT
			if _, hasVCT := claims["vct"]; f.vct != "" || hasVCT {
				issued, err = a.issueVC(cmd.Context(), signer, claims, paths, holder, f.vct, f.iss, f.validFor, sdjwtvc.IssueOptions{HashAlg: sdjwt.HashAlg(f.hash), Decoys: f.decoys, Now: a.now})
			} else {
				issued, err = a.issuePlain(cmd.Context(), signer, claims, paths, holder, f.iss, f.typ, f.validFor, sdjwt.IssueOptions{HashAlg: sdjwt.HashAlg(f.hash), Decoys: f.decoys})
			}
			if err != nil {
				return err
			}
			return a.writeSDJWT(issued, f.json)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.issuerKey, "issuer-key", "", "the issuer's private JWK file")
	fl.StringVar(&f.claims, "claims", "", "the claims, a JSON object file (- for standard input)")
	fl.StringVar(&f.sd, "sd", "", "comma-separated paths of the selectively disclosable claims")
	fl.StringVar(&f.holderKey, "holder-key", "", "the holder's JWK file (public or private) to bind the credential to")
	fl.StringVar(&f.vct, "vct", "", "credential type: issue an SD-JWT VC")
	fl.StringVar(&f.iss, "iss", "", "issuer identifier (iss)")
	fl.StringVar(&f.typ, "typ", "", "typ header of a plain SD-JWT (an SD-JWT VC is always dc+sd-jwt)")
	fl.StringVar(&f.hash, "hash", "sha-256", "digest algorithm: sha-256, sha-384 or sha-512")
	fl.DurationVar(&f.validFor, "valid-for", 0, "set exp this long after iat (e.g. 8760h)")
	fl.IntVar(&f.decoys, "decoys", 0, "add up to this many decoy digests per _sd array")
	fl.BoolVar(&f.json, "json", false, "write the JWS JSON serialization instead of the compact one")
	_ = cmd.MarkFlagRequired("issuer-key")
	_ = cmd.MarkFlagRequired("claims")
	return cmd
}

func (a *app) issueVC(ctx context.Context, signer *keys.PrivateKey, claims map[string]any, paths []sdjwt.Path, holder *keys.PublicKey, vct, iss string, validFor time.Duration, opts sdjwtvc.IssueOptions) (*sdjwt.SDJWT, error) {
	c := sdjwtvc.Credential{Claims: map[string]any{}, Disclosable: paths, Holder: holder}
	for name, v := range claims {
		var err error
		switch name {
		case "vct":
			c.VCT, err = stringClaim(name, v)
		case "iss":
			c.Issuer, err = stringClaim(name, v)
		case "iat":
			c.IssuedAt, err = timeClaim(name, v)
		case "nbf":
			c.NotBefore, err = timeClaim(name, v)
		case "exp":
			c.Expiry, err = timeClaim(name, v)
		case "status":
			st, ok := v.(map[string]any)
			if !ok {
				err = fmt.Errorf("--claims: status must be an object")
			}
			c.Status = st
		case "cnf":
			if holder != nil {
				err = fmt.Errorf("--claims has a cnf and --holder-key is given; use one")
				break
			}
			c.Holder, err = cnfKey(v)
		default:
			c.Claims[name] = v
		}
		if err != nil {
			return nil, err
		}
	}
	if vct != "" {
		c.VCT = vct
	}
	if iss != "" {
		c.Issuer = iss
	}
	if c.Issuer == "" {
		// The issuer is its key's did:jwk, and the kid names the key in it,
		// so a verifier needs nothing but the credential.
		c.Issuer = did.JWKDID(signer.Public())
		signer = signer.WithKeyID(c.Issuer + "#0")
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = a.now()
	}
	if validFor > 0 {
		c.Expiry = c.IssuedAt.Add(validFor)
	}
	// A type of the catalogue decides which claims are disclosable and
	// its default validity, and its claims must fit it.
	if t, err := schemas.Default().Lookup(c.VCT); err == nil {
		if paths != nil {
			return nil, usageError{fmt.Errorf("--sd: the catalogue decides which claims of %s are selectively disclosable (see seoulid schemas show %s)", c.VCT, t.Slug)}
		}
		if err := t.Validate(c.Claims); err != nil {
			return nil, fmt.Errorf("--claims: %w", err)
		}
		c.Disclosable = t.Disclosable(c.Claims)
		c.VCTIntegrity = t.TypeMetadataIntegrity()
		if c.Expiry.IsZero() {
			c.Expiry = t.Validity.Expiry(c.IssuedAt)
		}
	}
	issued, err := sdjwtvc.Issue(ctx, signer, c, opts)
	if err != nil {
		return nil, err
	}
	return issued, nil
}

func (a *app) issuePlain(ctx context.Context, signer *keys.PrivateKey, claims map[string]any, paths []sdjwt.Path, holder *keys.PublicKey, iss, typ string, validFor time.Duration, opts sdjwt.IssueOptions) (*sdjwt.SDJWT, error) {
	if iss != "" {
		claims["iss"] = iss
	}
	if _, ok := claims["iat"]; !ok {
		claims["iat"] = a.now().Unix()
	}
	if validFor > 0 {
		iat, err := timeClaim("iat", claims["iat"])
		if err != nil {
			return nil, err
		}
		claims["exp"] = iat.Add(validFor).Unix()
	}
	if holder != nil {
		if _, ok := claims["cnf"]; ok {
			return nil, fmt.Errorf("--claims has a cnf and --holder-key is given; use one")
		}
		jwk := holder.JWK()
		delete(jwk, "kid")
		claims["cnf"] = map[string]any{"jwk": jwk}
	}
	if typ != "" {
		opts.Header = map[string]any{"typ": typ}
	}
	opts.Disclosable = paths
	return sdjwt.Issue(ctx, signer, claims, opts)
}

func stringClaim(name string, v any) (string, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("--claims: %s must be a non-empty string", name)
	}
	return s, nil
}

func timeClaim(name string, v any) (time.Time, error) {
	i, ok := jsonx.Int64(v)
	if !ok || i < 0 {
		return time.Time{}, fmt.Errorf("--claims: %s must be a time in seconds since 1970 (a NumericDate)", name)
	}
	return time.Unix(i, 0), nil
}

func cnfKey(v any) (*keys.PublicKey, error) {
	cnf, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("--claims: cnf must be an object")
	}
	jwk, ok := cnf["jwk"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("--claims: cnf must hold a jwk object")
	}
	k, err := keys.PublicKeyFromJWK(jwk)
	if err != nil {
		return nil, fmt.Errorf("--claims: cnf.jwk: %w", err)
	}
	return k, nil
}

// readSDJWT reads and parses an SD-JWT from a file or standard input, and
// returns it with its text.
func (a *app) readSDJWT(name string) (*sdjwt.SDJWT, string, error) {
	in, err := a.readInput(name, "SD-JWT")
	if err != nil {
		return nil, "", err
	}
	s, err := sdjwt.Parse(string(in))
	if err != nil {
		return nil, "", err
	}
	return s, string(in), nil
}

func (a *app) writeSDJWT(s *sdjwt.SDJWT, asJSON bool) error {
	if asJSON {
		b, err := s.MarshalJSONSerialization()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(a.stdout, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintln(a.stdout, s.String())
	return err
}

func newSDJWTPresentCmd(a *app) *cobra.Command {
	var f struct {
		disclose, holderKey, aud, nonce string
		all, json                       bool
	}
	cmd := &cobra.Command{
		Use:   "present [FILE|-] [--disclose PATH,... | --all] [--holder-key FILE --aud AUD --nonce NONCE]",
		Short: "Make a presentation of an SD-JWT: choose what to disclose, bind it to a verifier",
		Long: `Make a presentation of an SD-JWT held in FILE (or standard input).

--disclose names the claims to reveal; what contains them is revealed too, so
the verifier can place them, and everything inside them is revealed with
them. Claims that were never selectively disclosable are always seen. With no
--disclose, only those are. A path that names no claim is an error.

With --holder-key (the private JWK whose public key is the credential's
cnf.jwk), a Key Binding JWT for the verifier's --aud and --nonce is added.

The issuer's signature is not checked here; the digests are (sdjwt verify
--holder checks a credential on receipt).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.all && f.disclose != "" {
				return usageError{fmt.Errorf("--all and --disclose exclude each other")}
			}
			if f.holderKey == "" && (f.aud != "" || f.nonce != "") {
				return usageError{fmt.Errorf("--aud and --nonce need --holder-key to sign the key binding")}
			}
			if f.holderKey != "" && (f.aud == "" || f.nonce == "") {
				return usageError{fmt.Errorf("--holder-key needs the verifier's --aud and --nonce")}
			}
			paths, err := sdjwt.ParsePaths(f.disclose)
			if err != nil {
				return usageError{fmt.Errorf("--disclose: %w", err)}
			}
			s, _, err := a.readSDJWT(firstArg(args))
			if err != nil {
				return err
			}
			var pres *sdjwt.SDJWT
			if f.all {
				pres, err = s.Select()
				if err == nil {
					pres.Disclosures = s.Disclosures
				}
			} else {
				pres, err = s.Select(paths...)
			}
			if err != nil {
				return err
			}
			if f.holderKey != "" {
				holder, err := a.readPrivateKey(f.holderKey, "--holder-key")
				if err != nil {
					return err
				}
				if pres, err = pres.WithKeyBinding(cmd.Context(), holder, sdjwt.KeyBindingInput{Audience: f.aud, Nonce: f.nonce, IssuedAt: a.now()}); err != nil {
					return err
				}
			}
			return a.writeSDJWT(pres, f.json)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.disclose, "disclose", "", "comma-separated paths of the claims to reveal")
	fl.BoolVar(&f.all, "all", false, "reveal every claim")
	fl.StringVar(&f.holderKey, "holder-key", "", "the holder's private JWK file, to sign a Key Binding JWT")
	fl.StringVar(&f.aud, "aud", "", "the verifier's identifier (KB-JWT aud)")
	fl.StringVar(&f.nonce, "nonce", "", "the verifier's nonce (KB-JWT nonce)")
	fl.BoolVar(&f.json, "json", false, "write the JWS JSON serialization instead of the compact one")
	return cmd
}

func newSDJWTVerifyCmd(a *app) *cobra.Command {
	var f struct {
		issuerKey, aud, nonce, algs, at string
		requireKB, holder, private      bool
		skew, kbMaxAge                  time.Duration
	}
	cmd := &cobra.Command{
		Use:   "verify [FILE|-] [--issuer-key FILE] [--aud AUD --nonce NONCE --require-kb]",
		Short: "Verify an SD-JWT or SD-JWT VC presentation and print its claims",
		Long: `Verify an SD-JWT, SD-JWT+KB or SD-JWT VC (compact or JSON serialization)
from FILE or standard input, and print the verified claims as JSON.

The issuer's key is --issuer-key (a public or private JWK). Without it, the key
is found from iss: a DID (did:key, did:jwk) by resolving it and taking the
header kid's key for assertionMethod; an https issuer through its JWT VC
Issuer Metadata (/.well-known/jwt-vc-issuer).

Every check of RFC 9901 §7 applies. With --require-kb a Key Binding JWT for
--aud and --nonce is required; with --aud/--nonce alone, a KB-JWT that is
present must match them. An SD-JWT VC (typ dc+sd-jwt or vc+sd-jwt) is also
checked against the SD-JWT VC rules. On failure, one line says why and the
exit status is 1.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.requireKB && (f.aud == "" || f.nonce == "") {
				return usageError{fmt.Errorf("--require-kb needs the expected --aud and --nonce")}
			}
			if f.holder && (f.requireKB || f.aud != "" || f.nonce != "") {
				return usageError{fmt.Errorf("--holder checks a credential as issued, without key binding; drop --require-kb, --aud and --nonce")}
			}
			algs, err := parseAlgs(f.algs)
			if err != nil {
				return usageError{err}
			}
			now := a.now
			if f.at != "" {
				t, err := time.Parse(time.RFC3339, f.at)
				if err != nil {
					return usageError{fmt.Errorf("--at: %q is not an RFC 3339 time such as 2026-11-22T09:00:00Z", f.at)}
				}
				now = func() time.Time { return t }
			}
			var resolver sdjwtvc.KeyResolver
			if f.issuerKey != "" {
				pub, err := a.readPublicKey(f.issuerKey, "--issuer-key")
				if err != nil {
					return err
				}
				resolver = sdjwtvc.FixedKey(pub)
			} else {
				resolver = sdjwtvc.ByIssuer{
					DID:   sdjwtvc.DIDKeys{Resolver: did.LocalResolver{}},
					HTTPS: issuermeta.New(issuermeta.Config{AllowPrivateNetworks: f.private}),
				}
			}
			s, in, err := a.readSDJWT(firstArg(args))
			if err != nil {
				return err
			}
			claims, err := verifyAny(cmd.Context(), s, in, resolver, verifyParams{
				algs: algs, now: now, skew: f.skew, kbMaxAge: f.kbMaxAge, holder: f.holder,
				kb: sdjwt.KeyBindingPolicy{Required: f.requireKB, Audience: f.aud, Nonce: f.nonce, MaxAge: f.kbMaxAge},
			})
			if err != nil {
				return err
			}
			return a.writeJSON(claims)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.issuerKey, "issuer-key", "", "the issuer's JWK file (public or private); without it the key is found from iss")
	fl.StringVar(&f.aud, "aud", "", "the expected KB-JWT audience (this verifier)")
	fl.StringVar(&f.nonce, "nonce", "", "the expected KB-JWT nonce")
	fl.BoolVar(&f.requireKB, "require-kb", false, "require a Key Binding JWT")
	fl.BoolVar(&f.holder, "holder", false, "check a credential as its holder receives it (an SD-JWT+KB is refused)")
	fl.StringVar(&f.algs, "alg", "EdDSA,ES256", "allowed signature algorithms")
	fl.DurationVar(&f.skew, "skew", time.Minute, "clock skew tolerated on exp, nbf and iat")
	fl.DurationVar(&f.kbMaxAge, "kb-max-age", sdjwt.DefaultKeyBindingMaxAge, "how old a KB-JWT may be")
	fl.StringVar(&f.at, "at", "", "verify as of this RFC 3339 time instead of now")
	fl.BoolVar(&f.private, "allow-private-networks", false, "let issuer metadata be fetched from private and loopback addresses")
	return cmd
}

type verifyParams struct {
	algs     []keys.Algorithm
	now      func() time.Time
	skew     time.Duration
	kbMaxAge time.Duration
	holder   bool
	kb       sdjwt.KeyBindingPolicy
}

// verifyAny verifies an SD-JWT VC with the SD-JWT VC rules and any other
// SD-JWT with RFC 9901's, and returns the processed claims.
func verifyAny(ctx context.Context, s *sdjwt.SDJWT, in string, resolver sdjwtvc.KeyResolver, p verifyParams) (map[string]any, error) {
	tok, err := jws.Parse(s.JWT, jws.Limits{MaxBytes: maxInput})
	if err != nil {
		return nil, fmt.Errorf("sdjwt: Issuer-signed JWT: %w", err)
	}
	if typ := tok.HeaderString("typ"); typ == sdjwtvc.MediaType || typ == sdjwtvc.LegacyMediaType {
		v, err := sdjwtvc.NewVerifier(resolver, sdjwtvc.Config{Algorithms: p.algs, ClockSkew: p.skew, KeyBindingMaxAge: p.kbMaxAge, Now: p.now})
		if err != nil {
			return nil, err
		}
		var res *sdjwtvc.Verified
		if p.holder {
			res, err = v.VerifyIssued(ctx, in)
		} else {
			res, err = v.Verify(ctx, in, sdjwtvc.Presentation{RequireKeyBinding: p.kb.Required, Audience: p.kb.Audience, Nonce: p.kb.Nonce})
		}
		if err != nil {
			return nil, err
		}
		return res.Claims, nil
	}
	res, err := s.Verify(ctx, sdjwt.VerifyOptions{
		Algorithms: p.algs,
		IssuerKey: func(ctx context.Context, header, claims map[string]any) (*keys.PublicKey, error) {
			iss, _ := claims["iss"].(string)
			return resolver.IssuerKey(ctx, iss, header)
		},
		KeyBinding: p.kb,
		Now:        p.now,
		ClockSkew:  p.skew,
		AsHolder:   p.holder,
	})
	if err != nil {
		return nil, err
	}
	return res.Claims, nil
}

func parseAlgs(s string) ([]keys.Algorithm, error) {
	var out []keys.Algorithm
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		a, err := keys.ParseAlgorithm(part)
		if err != nil {
			return nil, fmt.Errorf("--alg: %w", err)
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--alg: no algorithm allowed")
	}
	return out, nil
}

func newSDJWTDecodeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "decode [FILE|-]",
		Short: "Show what an SD-JWT contains, WITHOUT verifying it",
		Long: `Decode an SD-JWT, SD-JWT+KB or SD-JWT VC and show its header, its payload,
each Disclosure with its digest and place, the claims with every Disclosure
applied, and the KB-JWT. No signature is verified: the output says so, and a
line on standard error repeats it. The digest rules of RFC 9901 are applied,
so a malformed SD-JWT is still refused.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, _, err := a.readSDJWT(firstArg(args))
			if err != nil {
				return err
			}
			view, err := s.UnverifiedHolderView()
			if err != nil {
				return err
			}
			tok, err := jws.Parse(s.JWT, jws.Limits{MaxBytes: maxInput})
			if err != nil {
				return fmt.Errorf("sdjwt: Issuer-signed JWT: %w", err)
			}
			payload, err := jsonx.ParseObject(tok.UnsafePayload())
			if err != nil {
				return fmt.Errorf("sdjwt: Issuer-signed JWT payload: %w", err)
			}
			disclosures := make([]any, len(view.Disclosed))
			for i, d := range view.Disclosed {
				entry := map[string]any{
					"disclosure": i + 1,
					"digest":     view.HashAlg.Digest(d.Encoded),
					"salt":       d.Salt,
					"value":      d.Value,
					"path":       d.Path.String(),
				}
				if !d.Element {
					entry["name"] = d.Name
				}
				disclosures[i] = entry
			}
			out := map[string]any{
				"verified":    false,
				"warning":     "decoded only: no signature was verified",
				"header":      tok.Header(),
				"payload":     payload,
				"disclosures": disclosures,
				"claims":      view.Claims,
			}
			if s.KeyBinding != "" {
				kb, err := jws.Parse(s.KeyBinding, jws.Limits{})
				if err != nil {
					return fmt.Errorf("sdjwt: KB-JWT: %w", err)
				}
				kbPayload, err := jsonx.ParseObject(kb.UnsafePayload())
				if err != nil {
					return fmt.Errorf("sdjwt: KB-JWT payload: %w", err)
				}
				out["key_binding"] = map[string]any{"header": kb.Header(), "payload": kbPayload}
			}
			fmt.Fprintln(a.stderr, "seoulid: decoded only: no signature was verified")
			return a.writeJSON(out)
		},
	}
}
