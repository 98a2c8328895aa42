package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/conformance"
	"github.com/seoulid/seoulid/internal/atomicfile"
)

func newConformanceCmd(a *app) *cobra.Command {
	return group("conformance", "Check an implementation against the seoulid profile",
		`Run the seoulid conformance suites against an implementation through its
public interface, and list the profile's requirements (docs/conformance.md).`,
		newConformanceListCmd(a), newConformanceRunCmd(a))
}

func newConformanceListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "Print every requirement of the profile with its reference",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			reqs, err := conformance.Requirements()
			if err != nil {
				return err
			}
			if asJSON {
				return a.writeJSON(map[string]any{"requirements": reqs})
			}
			var tb table
			tb.add("REQUIREMENT", "LEVEL", "SPECIFICATION")
			for _, r := range reqs {
				level := string(r.Level)
				if r.Negative {
					level += " (negative)"
				}
				tb.add(r.ID, level, r.Spec)
			}
			return tb.write(a.stdout)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newConformanceRunCmd(a *app) *cobra.Command {
	var suite, target, report string
	var params []string
	cmd := &cobra.Command{
		Use:   "run --suite NAME|all --target URL [--param NAME=VALUE]… [--report FILE.xml|FILE.json]",
		Short: "Run a suite against an implementation",
		Long: `Run a suite (see "conformance list"), or all of them, against the implementation at --target,
printing a progress line per requirement on standard error and then a table
of requirement, result, specification section and reason. --report writes
JUnit XML (FILE.xml) or JSON (FILE.json). The exit status is 1 when a
requirement fails.

--param gives a suite what it needs:
  resolver   did=A-DID-IT-RESOLVES, and deactivated=A-DEACTIVATED-DID to check 410.
  issuer     token=A-BACK-OFFICE-OPERATOR-TOKEN (it makes its offers with it),
             resolver=URL for its ledger checks, and optionally vct=.
  verifier   resolver=URL, programme=ID, param.NAME=VALUE (the programme's
             parameters), issuer=URL and issuer-token=TOKEN (an issuer the
             verifier trusts, whose credentials it presents and revokes),
             issuer-key=FILE (that issuer's private JWK, to re-sign its
             credentials with other validity times), revocation-wait=DURATION
             (how long a revocation may take to reach the verifier; 2m).
  wallet     pin=PIN (the target is seoulid's wallet UI), resolver=URL,
             issuer-key=FILE (an issuer the ledger authorises, as which the
             suite issues) and verifier-key=FILE (a verifier the ledger
             registers, as which the suite asks); the credentials it issues
             stay in the wallet.
With --suite all, SUITE-target=URL gives a suite a target of its own
(resolver-target=…, issuer-target=…, wallet-target=…).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := map[string]string{}
			for _, kv := range params {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return usageError{fmt.Errorf("--param %q: want NAME=VALUE", kv)}
				}
				p[k] = v
			}
			if report != "" && !strings.HasSuffix(report, ".xml") && !strings.HasSuffix(report, ".json") {
				return usageError{fmt.Errorf("--report %s: name a .xml (JUnit) or a .json file", report)}
			}
			names := []string{suite}
			if suite == "all" {
				names = conformance.Suites()
			}
			reqs, err := conformance.Requirements(names...)
			if err != nil {
				return usageError{fmt.Errorf("--suite: %w", err)}
			}
			at := a.now()
			n := 0
			var results []conformance.Result
			for _, name := range names {
				// With several suites, each may have a target of its own.
				u := target
				if own := p[name+"-target"]; own != "" {
					u = own
				}
				rs, err := conformance.Run(cmd.Context(), name, conformance.Target{URL: u, Params: p}, func(r conformance.Result) {
					n++
					fmt.Fprintf(a.stderr, "[%d/%d] %-4s %s\n", n, len(reqs), r.Outcome, r.ID)
				})
				if err != nil {
					return err
				}
				results = append(results, rs...)
			}
			var tb table
			tb.add("REQUIREMENT", "RESULT", "SPECIFICATION", "REASON")
			for _, r := range results {
				tb.add(r.ID, string(r.Outcome), r.Spec, strings.Join(strings.Fields(r.Reason), " "))
			}
			if err := tb.write(a.stdout); err != nil {
				return err
			}
			if report != "" {
				var b strings.Builder
				if strings.HasSuffix(report, ".xml") {
					err = conformance.WriteJUnit(&b, at, results)
				} else {
					err = conformance.WriteJSON(&b, target, at, results)
				}
				if err != nil {
					return err
				}
				if err := atomicfile.Write(report, []byte(b.String()), 0o644); err != nil {
					return fmt.Errorf("--report: %w", describePathErr(err))
				}
				fmt.Fprintf(a.stderr, "wrote %s\n", filepath.Clean(report))
			}
			if conformance.Failed(results) {
				failed := 0
				for _, r := range results {
					if r.Outcome == conformance.Fail {
						failed++
					}
				}
				return fmt.Errorf("%d of %d requirements failed", failed, len(results))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&suite, "suite", "", "the suite: "+strings.Join(conformance.Suites(), ", ")+", or all")
	cmd.Flags().StringVar(&target, "target", "", "the implementation's base URL")
	cmd.Flags().StringArrayVar(&params, "param", nil, "a parameter of the suite, NAME=VALUE (repeatable)")
	cmd.Flags().StringVar(&report, "report", "", "also write a report: FILE.xml (JUnit) or FILE.json")
	_ = cmd.MarkFlagRequired("suite")
	_ = cmd.MarkFlagRequired("target")
	return cmd
}
