package dcql

import (
	"fmt"
	"slices"

	"github.com/seoulid/seoulid/internal/sdjwt"
)

// Credential is a credential the Wallet holds, as DCQL sees it. The value
// itself is the Wallet's handle: Match returns it as it was given, so the
// Wallet gets its own type back.
type Credential interface {
	// Format is the Credential Format Identifier (Appendix B), such as
	// "dc+sd-jwt".
	Format() string
	// Type is the credential's type: the "vct" of an SD-JWT VC, the
	// doctype of an mdoc.
	Type() string
	// Claims are the credential's claims with every selectively disclosable
	// claim disclosed: for an SD-JWT VC, sdjwt.HolderView.Claims. Match
	// only reads them.
	Claims() map[string]any
}

// AuthorityMatcher is implemented by a Credential that can tell whether
// its issuer is certified by one of the authorities of a Trusted
// Authorities Query (§6.1.1: "type" and "values"). Match applies
// "trusted_authorities" to credentials that implement it, and not to the
// others: §6.1 makes the check a SHOULD, and the Verifier checks trust
// itself.
type AuthorityMatcher interface {
	MatchesAuthority(typ string, values []string) bool
}

// Result is how a Wallet's credentials answer a query (§6.4).
type Result struct {
	// Credentials has one entry per Credential Query, in query order.
	Credentials []CredentialMatch
	// Sets has one entry per Credential Set Query; when the query has no
	// credential_sets, one required set per Credential Query, with that
	// query as its only option (§6.4.2: all of them are asked for).
	Sets []SetMatch
	// Satisfied is whether every required set has an option whose every
	// Credential Query has a candidate (§6.4.2). When it is false the
	// Wallet returns no credential at all.
	Satisfied bool
}

// CredentialMatch is the candidates for one Credential Query.
type CredentialMatch struct {
	// ID is the Credential Query's id.
	ID string
	// Multiple is whether several candidates may be presented for it.
	Multiple bool
	// Candidates are the credentials that match, in the order Match was
	// given them; the End-User chooses among them (§6.4.3).
	Candidates []Candidate
}

// Candidate is a credential that answers a Credential Query.
type Candidate struct {
	// Credential is the credential as given to Match.
	Credential Credential
	// Options are the ways it answers the query's claims, at least one, in
	// the Verifier's order of preference: Options[0] is the one to present
	// unless there is a reason to deviate (§6.4.1).
	Options []ClaimOption
}

// Disclose returns the claim paths of the preferred option.
func (c Candidate) Disclose() []sdjwt.Path { return c.Options[0].Disclose }

// SetMatch is one Credential Set Query and which of its options the
// Wallet can satisfy.
type SetMatch struct {
	// Index is the set's index in credential_sets, or -1 for a set implied
	// by a query without credential_sets.
	Index int
	// Required is whether the set must be satisfied.
	Required bool
	// Options are the set's options in the query's order.
	Options []SetOption
}

// Satisfiable reports whether one of the set's options can be satisfied.
func (s SetMatch) Satisfiable() bool {
	return slices.ContainsFunc(s.Options, func(o SetOption) bool { return o.Satisfiable })
}

// SetOption is one option of a Credential Set Query.
type SetOption struct {
	// IDs are the ids of the Credential Queries the option needs.
	IDs []string
	// Satisfiable is whether each of them has a candidate.
	Satisfiable bool
}

// Match evaluates the query against the Wallet's credentials (§6.4). A
// credential is a candidate for a Credential Query when it has the query's
// format and meets its "meta" (B.3.5 for dc+sd-jwt: its vct is one of
// vct_values; B.2.3 for mso_mdoc), when it can give the holder binding the
// query requires (B.3: a dc+sd-jwt credential without a "cnf" claim cannot),
// when it meets "trusted_authorities" if it implements AuthorityMatcher,
// and when it answers the claims: all of them without claim_sets, at least
// one claim_sets option with them (§6.4.1). A claim whose value is not
// among "values" counts as absent.
//
// Match refuses an invalid query (see Validate) and otherwise always
// returns a Result; whether the query can be answered is
// Result.Satisfied.
func (q *Query) Match(creds []Credential) (*Result, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	r := &Result{Credentials: make([]CredentialMatch, len(q.Credentials))}
	has := make(map[string]bool, len(q.Credentials))
	for i := range q.Credentials {
		cq := &q.Credentials[i]
		cm := CredentialMatch{ID: cq.ID, Multiple: cq.Multiple}
		for _, c := range creds {
			if c == nil {
				continue
			}
			if ok, _ := cq.candidate(c); !ok {
				continue
			}
			opts, _ := cq.claimOptions(c.Claims())
			if opts == nil {
				continue
			}
			cm.Candidates = append(cm.Candidates, Candidate{Credential: c, Options: opts})
		}
		has[cq.ID] = len(cm.Candidates) > 0
		r.Credentials[i] = cm
	}
	r.Sets = q.sets(func(id string) bool { return has[id] })
	r.Satisfied = true
	for _, s := range r.Sets {
		if s.Required && !s.Satisfiable() {
			r.Satisfied = false
		}
	}
	return r, nil
}

// candidate checks everything but the claims: format, meta, holder
// binding, trusted authorities.
func (cq *CredentialQuery) candidate(c Credential) (bool, string) {
	if ok, why := cq.metaMatches(c.Format(), c.Type()); !ok {
		return false, why
	}
	if cq.HolderBindingRequired() && cq.Format == FormatSDJWTVC {
		// B.3: "SD-JWTs that do not support Holder Binding (i.e., do not
		// have a cnf Claim) cannot be returned in this case."
		if _, ok := c.Claims()["cnf"]; !ok {
			return false, "no cnf claim, and holder binding is required (B.3)"
		}
	}
	if am, ok := c.(AuthorityMatcher); ok && len(cq.TrustedAuthorities) > 0 {
		if !slices.ContainsFunc(cq.TrustedAuthorities, func(t TrustedAuthority) bool {
			return am.MatchesAuthority(t.Type, t.Values)
		}) {
			return false, "no trusted authority certifies its issuer (§6.1.1)"
		}
	}
	return true, ""
}

// sets lists the Credential Set Queries, or the sets implied without them
// (§6.4.2), with the options that present(id) makes satisfiable.
func (q *Query) sets(present func(string) bool) []SetMatch {
	if q.CredentialSets == nil {
		out := make([]SetMatch, len(q.Credentials))
		for i, c := range q.Credentials {
			out[i] = SetMatch{Index: -1, Required: true, Options: []SetOption{{IDs: []string{c.ID}, Satisfiable: present(c.ID)}}}
		}
		return out
	}
	out := make([]SetMatch, len(q.CredentialSets))
	for i := range q.CredentialSets {
		s := &q.CredentialSets[i]
		sm := SetMatch{Index: i, Required: s.IsRequired(), Options: make([]SetOption, len(s.Options))}
		for j, opt := range s.Options {
			ok := len(opt) > 0
			for _, id := range opt {
				ok = ok && present(id)
			}
			sm.Options[j] = SetOption{IDs: slices.Clone(opt), Satisfiable: ok}
		}
		out[i] = sm
	}
	return out
}

// Selection is what a Wallet presents: for each Credential Query id, the
// chosen candidates (one, or several when the query allows "multiple").
type Selection map[string][]Candidate

// Default chooses what to present without asking: for each required set
// its first satisfiable option, and for each Credential Query of that
// option its first candidate, with that candidate's preferred claims.
// Optional sets are left out: offering them is the consent screen's job.
// It fails with ErrUnsatisfiable when the query cannot be answered.
func (r *Result) Default() (Selection, error) {
	if !r.Satisfied {
		for _, s := range r.Sets {
			if s.Required && !s.Satisfiable() {
				return nil, fmt.Errorf("%w: no option of required credential set %s has a credential for each of its queries", ErrUnsatisfiable, setName(s))
			}
		}
		return nil, ErrUnsatisfiable
	}
	sel := Selection{}
	for _, s := range r.Sets {
		if !s.Required {
			continue
		}
		for _, o := range s.Options {
			if !o.Satisfiable {
				continue
			}
			for _, id := range o.IDs {
				if _, done := sel[id]; done {
					continue
				}
				for _, cm := range r.Credentials {
					if cm.ID == id {
						sel[id] = []Candidate{cm.Candidates[0]}
					}
				}
			}
			break
		}
	}
	return sel, nil
}

func setName(s SetMatch) string {
	if s.Index >= 0 {
		return fmt.Sprintf("credential_sets[%d]", s.Index)
	}
	return quote(s.Options[0].IDs[0])
}
