package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// Level is how strongly the profile requires a behaviour.
type Level string

// The levels of RFC 2119 the profile uses.
const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
)

// Requirement is one requirement of the seoulid profile.
type Requirement struct {
	// ID names it, suite first: "resolver.not-found".
	ID string `json:"id"`
	// Title says what the target must do, in one line.
	Title string `json:"title"`
	// Spec is the specification and section it comes from.
	Spec  string `json:"spec"`
	Level Level  `json:"level"`
	// Negative marks a requirement that a conforming target refuses
	// something: each is shown able to fail by a broken test double.
	Negative bool `json:"negative,omitempty"`
}

// Suite returns the requirement's suite: its ID up to the first dot.
func (r Requirement) Suite() string { s, _, _ := strings.Cut(r.ID, "."); return s }

// Outcome is what a check found.
type Outcome string

// The outcomes.
const (
	Pass Outcome = "pass"
	Fail Outcome = "fail"
	Skip Outcome = "skip"
)

// Result is the outcome of one requirement against one target.
type Result struct {
	Requirement
	Outcome  Outcome       `json:"outcome"`
	Reason   string        `json:"reason,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// ErrSkip, wrapped, is a check's answer when the target gave nothing to
// check the requirement with (a resolver without a deactivated DID, say).
var ErrSkip = errors.New("conformance: skipped")

// Target is what a suite runs against.
type Target struct {
	// URL is the base URL of the implementation under test.
	URL string
	// Params are the suite's parameters (for the resolver suite: "did", a
	// DID the resolver resolves; "deactivated", a deactivated one).
	Params map[string]string
	// HTTP makes the requests; nil means a client with a 30 s timeout.
	HTTP *http.Client
	// Wallet works the wallet under test for the wallet suite; nil means
	// seoulid's wallet UI at URL, unlocked with the "pin" parameter
	// (NewWalletUIDriver).
	Wallet WalletDriver

	// What one run of a suite shares between its checks, and undoes at
	// its end.
	wallet    *walletWorld
	walletErr error
	closers   []func()
}

func (t *Target) client() *http.Client {
	if t.HTTP != nil {
		return t.HTTP
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// check is a requirement and how to check it.
type check struct {
	Requirement
	run func(ctx context.Context, t *Target) error
}

// suites are the suites by name.
var suites = map[string][]check{}

func register(name string, checks ...check) {
	for _, c := range checks {
		if c.Suite() != name {
			panic(fmt.Sprintf("conformance: %s is registered in suite %s", c.ID, name))
		}
	}
	suites[name] = append(suites[name], checks...)
}

// Suites returns the names of the suites.
func Suites() []string {
	var out []string
	for n := range suites {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Requirements returns every requirement of the named suites (all when
// none is named), in suite order.
func Requirements(names ...string) ([]Requirement, error) {
	if len(names) == 0 {
		names = Suites()
	}
	var out []Requirement
	for _, n := range names {
		cs, ok := suites[n]
		if !ok {
			return nil, fmt.Errorf("conformance: no suite %q (there are %s)", n, strings.Join(Suites(), ", "))
		}
		for _, c := range cs {
			out = append(out, c.Requirement)
		}
	}
	return out, nil
}

// Run checks every requirement of the suite against the target, telling
// progress of each result as it comes (nil: nothing). An unknown suite is
// an error; a requirement the target does not meet is a Result with
// outcome Fail, not an error.
func Run(ctx context.Context, suite string, t Target, progress func(Result)) ([]Result, error) {
	cs, ok := suites[suite]
	if !ok {
		return nil, fmt.Errorf("conformance: no suite %q (there are %s)", suite, strings.Join(Suites(), ", "))
	}
	if t.URL == "" {
		return nil, errors.New("conformance: a target URL is required")
	}
	t.URL = strings.TrimSuffix(t.URL, "/")
	defer func() {
		for _, c := range slices.Backward(t.closers) {
			c()
		}
	}()
	var out []Result
	for _, c := range cs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		start := time.Now()
		err := c.run(ctx, &t)
		r := Result{Requirement: c.Requirement, Outcome: Pass, Duration: time.Since(start)}
		switch {
		case errors.Is(err, ErrSkip):
			r.Outcome, r.Reason = Skip, strings.TrimPrefix(err.Error(), ErrSkip.Error()+": ")
		case err != nil:
			r.Outcome, r.Reason = Fail, err.Error()
		}
		out = append(out, r)
		if progress != nil {
			progress(r)
		}
	}
	return out, nil
}

// RunT runs the suite as subtests of t, one per requirement, named by its
// ID; a failed requirement fails its subtest with the reason and the
// specification section.
func RunT(t *testing.T, suite string, target Target) {
	t.Helper()
	results, err := Run(context.Background(), suite, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		t.Run(r.ID, func(t *testing.T) {
			switch r.Outcome {
			case Fail:
				t.Errorf("%s (%s, %s): %s", r.Title, r.Spec, r.Level, r.Reason)
			case Skip:
				t.Skipf("%s: %s", r.Title, r.Reason)
			}
		})
	}
}

// Failed reports whether any result failed.
func Failed(results []Result) bool {
	return slices.ContainsFunc(results, func(r Result) bool { return r.Outcome == Fail })
}
