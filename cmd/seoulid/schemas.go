package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/schemas"
)

func newSchemasCmd(a *app) *cobra.Command {
	return group("schemas", "The credential catalogue: types, claims, validation, metadata",
		`The catalogue defines every credential type seoulid issues, holds and
verifies: its vct, the JSON Schema of its claims, who issues it, how long it is
valid, which claims a holder can withhold, which are sensitive under PIPA, and
how it is shown in Korean and English. A type is named by its vct
(urn:seoulid:vct:<slug>:<major>) or by its slug.`,
		newSchemasListCmd(a), newSchemasShowCmd(a), newSchemasValidateCmd(a), newSchemasMetadataCmd(a))
}

// langFlag reads --lang.
func langFlag(s string) (schemas.Lang, error) {
	l, err := schemas.ParseLang(s)
	if err != nil {
		return "", usageError{fmt.Errorf("--lang: %w", err)}
	}
	return l, nil
}

// findType resolves a vct, or a slug to its highest major version.
func findType(name string) (*schemas.Type, error) {
	c := schemas.Default()
	if t, err := c.Lookup(name); err == nil {
		return t, nil
	}
	var best *schemas.Type
	for _, t := range c.Types() {
		if t.Slug == name && (best == nil || t.Major > best.Major) {
			best = t
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%q is not a credential type of the catalogue (see seoulid schemas list)", name)
	}
	return best, nil
}

func newSchemasListCmd(a *app) *cobra.Command {
	var lang string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--lang ko|en] [--json]",
		Short: "List the credential types",
		Long: `List every credential type: its vct, its name, the kind of authority that
issues it and how many claim paths it has. The 29 civil certificates come
first, by number.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := langFlag(lang)
			if err != nil {
				return err
			}
			types := schemas.Default().Types()
			if asJSON {
				out := make([]any, 0, len(types))
				for _, t := range types {
					e := map[string]any{
						"vct": t.VCT, "name": t.Name(l), "group": string(t.Group),
						"issuer_kind": t.IssuerKind.ID, "claims": len(t.Claims),
					}
					if t.CivilNumber != 0 {
						e["civil_number"] = t.CivilNumber
					}
					out = append(out, e)
				}
				return a.writeJSON(out)
			}
			var tab table
			tab.add("VCT", "NAME", "ISSUER", "CLAIMS")
			for _, t := range types {
				tab.add(t.VCT, t.Name(l), t.IssuerKind.Label.In(l), strconv.Itoa(len(t.Claims)))
			}
			return tab.write(a.stdout)
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "en", "language of names: ko or en")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newSchemasShowCmd(a *app) *cobra.Command {
	var lang string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show VCT|SLUG [--lang ko|en] [--json]",
		Short: "Show a credential type and its claims",
		Long: `Show a credential type: names, issuer, validity, where its definition comes
from, and per claim path its label, whether the holder can withhold it (sd),
its sensitivity under PIPA and whether every credential has it. --json prints
the whole definition with its JSON Schema and example.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := langFlag(lang)
			if err != nil {
				return err
			}
			t, err := findType(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return a.writeJSON(typeJSON(t))
			}
			fmt.Fprintf(a.stdout, "%s\n  %s\n\n", t.Name(l), t.Display[l].Description)
			var head table
			head.add("vct", t.VCT)
			if t.CivilNumber != 0 {
				head.add("civil certificate", fmt.Sprintf("#%d (%s)", t.CivilNumber, t.Group))
			} else {
				head.add("group", string(t.Group))
			}
			head.add("issuer", t.Display[l].Issuer+" — "+t.IssuerKind.Label.In(l))
			head.add("validity", t.Validity.String())
			head.add("provenance", string(t.Provenance)+": "+t.ProvenanceNote)
			if err := head.write(a.stdout); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout)
			var tab table
			tab.add("CLAIM", "LABEL", "SD", "SENSITIVITY", "MANDATORY")
			for _, c := range t.Claims {
				sens := string(c.Sensitivity)
				if c.EffectiveSensitivity != c.Sensitivity {
					sens += " (in " + string(c.EffectiveSensitivity) + ")"
				}
				sd := string(c.SD)
				if c.DefaultWithheld {
					sd += ", withheld by default"
				}
				tab.add(c.Path.String(), c.Label[l], sd, sens, yesNo(c.Mandatory))
			}
			return tab.write(a.stdout)
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "en", "language of labels: ko or en")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the definition as JSON")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// typeJSON is the definition as the show command prints it.
func typeJSON(t *schemas.Type) map[string]any {
	claims := make([]any, 0, len(t.Claims))
	for _, c := range t.Claims {
		e := map[string]any{
			"path": []any(c.Path), "sd": string(c.SD), "sensitivity": string(c.Sensitivity),
			"effective_sensitivity": string(c.EffectiveSensitivity), "mandatory": c.Mandatory,
			"label": textJSON(c.Label),
		}
		if c.DefaultWithheld {
			e["default_withheld"] = true
		}
		if c.Values != nil {
			vals := map[string]any{}
			for v, label := range c.Values {
				vals[v] = textJSON(label)
			}
			e["values"] = vals
		}
		claims = append(claims, e)
	}
	display := map[string]any{}
	for l, d := range t.Display {
		display[string(l)] = map[string]any{"name": d.Name, "description": d.Description, "issuer": d.Issuer}
	}
	out := map[string]any{
		"vct": t.VCT, "slug": t.Slug, "major": t.Major, "group": string(t.Group),
		"provenance": string(t.Provenance), "provenance_note": t.ProvenanceNote,
		"issuer_kind": map[string]any{"id": t.IssuerKind.ID, "label": textJSON(t.IssuerKind.Label)},
		"validity":    t.Validity.String(), "display": display,
		"colors": map[string]any{"background": t.Colors.Background, "text": t.Colors.Text},
		"claims": claims, "schema": mustParse(t.Schema()), "example": t.Example(),
	}
	if t.CivilNumber != 0 {
		out["civil_number"] = t.CivilNumber
	}
	return out
}

func textJSON(t schemas.Text) map[string]any {
	out := map[string]any{}
	for l, s := range t {
		out[string(l)] = s
	}
	return out
}

func mustParse(b []byte) any {
	v, err := jsonx.Parse(b)
	if err != nil {
		panic(err) // the catalogue's own JSON: checked when it loaded
	}
	return v
}

func newSchemasValidateCmd(a *app) *cobra.Command {
	var asJSON, disclosed bool
	cmd := &cobra.Command{
		Use:   "validate VCT|SLUG FILE [--disclosed] [--json]",
		Short: "Check claims against a credential type",
		Long: `Check a JSON object of claims (FILE, or standard input for "-") against a
credential type: its JSON Schema, and that no value is shaped like a resident
registration number. Every violation is printed on its own line with its JSON
pointer, and the exit status is 1.

The claims are those an issuer puts in, without iss, iat, vct, cnf or status.
With --disclosed they are what a holder disclosed: claims may be missing, and
the registered claims of a verified credential are ignored.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := findType(args[0])
			if err != nil {
				return err
			}
			claims, err := a.readJSONObject(args[1], "claims")
			if err != nil {
				return err
			}
			check := t.Validate
			if disclosed {
				check = t.ValidateDisclosed
			}
			err = check(claims)
			var ve *schemas.ValidationError
			if err != nil && !errors.As(err, &ve) {
				return err
			}
			if asJSON {
				report := map[string]any{"vct": t.VCT, "valid": err == nil}
				if ve != nil {
					vs := make([]any, len(ve.Violations))
					for i, v := range ve.Violations {
						vs[i] = map[string]any{"pointer": v.Pointer, "message": v.Message}
					}
					report["violations"] = vs
				}
				if werr := a.writeJSON(report); werr != nil {
					return werr
				}
			} else if ve != nil {
				for _, v := range ve.Violations {
					fmt.Fprintln(a.stdout, v.String())
				}
			} else {
				fmt.Fprintf(a.stdout, "valid %s\n", t.VCT)
			}
			if ve != nil {
				return fmt.Errorf("%s: %d violation%s of %s", args[1], len(ve.Violations), plural(len(ve.Violations)), t.VCT)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&disclosed, "disclosed", false, "the claims are a holder's disclosure: any may be missing")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func newSchemasMetadataCmd(a *app) *cobra.Command {
	var issuerOnly, typeOnly bool
	var algs string
	cmd := &cobra.Command{
		Use:   "metadata [VCT|SLUG] [--issuer | --type] [--algs EdDSA,ES256]",
		Short: "Print OpenID4VCI issuer metadata and SD-JWT VC Type Metadata",
		Long: `Print, for one type or for the whole catalogue, the OpenID4VCI 1.0
"credential_configurations_supported" entries (format dc+sd-jwt, vct, display
and claims in Korean and English) and the SD-JWT VC Type Metadata documents
with their integrity ("vct#integrity") values. --issuer prints only the
former, --type only the latter. --algs sets the signing and proof algorithms
the issuer advertises.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if issuerOnly && typeOnly {
				return usageError{errors.New("--issuer and --type exclude each other")}
			}
			var profile schemas.IssuerProfile
			if algs != "" {
				for _, s := range strings.Split(algs, ",") {
					if s = strings.TrimSpace(s); s != "EdDSA" && s != "ES256" {
						return usageError{fmt.Errorf("--algs: %q is not EdDSA or ES256", s)}
					}
					profile.SigningAlgs = append(profile.SigningAlgs, strings.TrimSpace(s))
				}
				profile.ProofAlgs = profile.SigningAlgs
			}
			types := schemas.Default().Types()
			if len(args) == 1 {
				t, err := findType(args[0])
				if err != nil {
					return err
				}
				types = []*schemas.Type{t}
			}
			configs := map[string]any{}
			typeMeta := map[string]any{}
			for _, t := range types {
				cfg, err := structJSON(t.CredentialConfiguration(profile))
				if err != nil {
					return err
				}
				configs[t.ConfigurationID()] = cfg
				tm, err := jsonx.Parse(t.TypeMetadataJSON())
				if err != nil {
					return err
				}
				typeMeta[t.VCT] = map[string]any{"document": tm, "integrity": t.TypeMetadataIntegrity()}
			}
			out := map[string]any{}
			if !typeOnly {
				out["credential_configurations_supported"] = configs
			}
			if !issuerOnly {
				out["type_metadata"] = typeMeta
			}
			return a.writeJSON(out)
		},
	}
	cmd.Flags().BoolVar(&issuerOnly, "issuer", false, "only the OpenID4VCI credential configurations")
	cmd.Flags().BoolVar(&typeOnly, "type", false, "only the SD-JWT VC Type Metadata")
	cmd.Flags().StringVar(&algs, "algs", "", "comma-separated signing and proof algorithms (default EdDSA,ES256)")
	return cmd
}

// structJSON turns a struct into the generic JSON values writeJSON prints.
func structJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonx.Parse(b)
}
