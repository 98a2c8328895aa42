package dcql

import (
	"fmt"
	"sort"
)

// Presentation is what the Verifier learnt from one presentation in the
// vp_token after verifying it (§8.6 step 2.1): signature, status and trust
// are the caller's, done before Check.
type Presentation struct {
	// Format is the Credential Format Identifier it was presented in.
	Format string
	// Type is the credential's type: the vct of an SD-JWT VC, the doctype
	// of an mdoc.
	Type string
	// Claims are the claims the Verifier received: for an SD-JWT VC, the
	// processed payload with the Disclosures that came with it.
	Claims map[string]any
	// HolderBinding is whether the presentation carried a proof of holder
	// binding that the caller verified (for SD-JWT VC: a KB-JWT with the
	// request's nonce and the Verifier's client_id, §14.1.2).
	HolderBinding bool
}

// Checked is the outcome of a Check that passed.
type Checked struct {
	// Accepted maps each Credential Query id of the response to the
	// indexes, in the response's array for it, of the presentations that
	// answer the query.
	Accepted map[string][]int
	// Discarded are the presentations that did not, and why (§8.6: "the
	// affected Presentation MUST be discarded").
	Discarded []*Mismatch
}

// Check verifies that a response answers the query, as a Verifier must
// (§8.6 steps 1, 2.2, 2.3 and 3; §14.9: it never relies on the Wallet to
// have applied the query). vpToken maps Credential Query ids to the
// presentations the response holds for them, in order.
//
// The response as a whole is refused, with a *ResponseError, when it does
// not have the form of §8.1 — an id that is not a Credential Query's, an
// empty array, more than one presentation for a query without "multiple" —
// or when, once the presentations that do not answer their query are
// discarded, a required Credential Set has no option whose every query has
// a presentation left (§6.4.2; without credential_sets, every query is
// required). A presentation answers its Credential Query when it has the
// query's format and meets its "meta" (B.3.5: vct among vct_values; B.2.3:
// the doctype), carries holder binding unless the query waives it (§6.1,
// B.3), and holds the claims asked for (§6.4.1: all of them, or all of one
// claim_sets option — any option, not necessarily the first), with a value
// among "values" where the query gives some.
//
// What Check does not do: §6.4 forbids the Wallet to disclose selectively
// disclosable claims it was not asked for, and Check cannot tell them from
// the claims that are always disclosed, so it does not look for them.
// "trusted_authorities" is the Verifier's own trust policy.
func (q *Query) Check(vpToken map[string][]Presentation) (*Checked, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var fatal []*Mismatch
	out := &Checked{Accepted: make(map[string][]int, len(vpToken))}
	ids := make([]string, 0, len(vpToken))
	for id := range vpToken {
		ids = append(ids, id)
	}
	sort.Strings(ids) // the same response always gives the same error
	for _, id := range ids {
		pres := vpToken[id]
		cq := q.CredentialQuery(id)
		switch {
		case cq == nil:
			// §8.1: the keys are the ids of Credential Queries.
			fatal = append(fatal, mismatch(id, -1, "is not the id of a credential query (§8.1)"))
			continue
		case len(pres) == 0:
			// §8.1: "an array of one or more Presentations".
			fatal = append(fatal, mismatch(id, -1, "has an empty array of presentations (§8.1)"))
			continue
		case len(pres) > 1 && !cq.Multiple:
			// §8.1: "When multiple is omitted, or set to false, the array
			// MUST contain only one Presentation."
			fatal = append(fatal, mismatch(id, -1, fmt.Sprintf("has %d presentations, and the query does not allow multiple (§8.1)", len(pres))))
			continue
		}
		for i := range pres {
			ms := cq.check(&pres[i], i)
			if ms == nil {
				out.Accepted[id] = append(out.Accepted[id], i)
				continue
			}
			out.Discarded = append(out.Discarded, ms...)
		}
	}
	if fatal != nil {
		return nil, &ResponseError{Mismatches: append(fatal, out.Discarded...)}
	}
	// §8.6 step 3, §6.4.2: the credential sets.
	present := func(id string) bool { return len(out.Accepted[id]) > 0 }
	var unmet []*Mismatch
	for _, s := range q.sets(present) {
		if !s.Required || s.Satisfiable() {
			continue
		}
		for j, o := range s.Options {
			for _, id := range o.IDs {
				if present(id) {
					continue
				}
				m := mismatch(id, -1, "no presentation answers it")
				if s.Index >= 0 {
					m.CredentialSet = s.Index
					m.Reason = fmt.Sprintf("no presentation answers it, and option %d of this required set needs it (§6.4.2)", j)
				} else {
					m.Reason = "no presentation answers it, and the query asks for every credential query (§6.4.2)"
				}
				unmet = append(unmet, m)
			}
		}
	}
	if unmet != nil {
		// The reasons first, then what they leave unmet.
		return nil, &ResponseError{Mismatches: append(out.Discarded, unmet...)}
	}
	return out, nil
}

func mismatch(id string, presentation int, reason string) *Mismatch {
	return &Mismatch{CredentialQuery: id, Presentation: presentation, CredentialSet: -1, ClaimSet: -1, Reason: reason}
}

// check returns why a presentation does not answer the Credential Query,
// or nil.
func (cq *CredentialQuery) check(p *Presentation, i int) []*Mismatch {
	if ok, why := cq.metaMatches(p.Format, p.Type); !ok {
		return []*Mismatch{mismatch(cq.ID, i, why+" (§6.1, Appendix B)")}
	}
	if cq.HolderBindingRequired() && !p.HolderBinding {
		// §6.1, §8.6 step 2.3; B.3: an SD-JWT+KB.
		return []*Mismatch{mismatch(cq.ID, i, "has no verified holder binding, and the query requires it (§6.1, §8.6)")}
	}
	claims := p.Claims
	if claims == nil {
		claims = map[string]any{}
	}
	_, miss := cq.claimOptions(claims)
	if miss == nil {
		return nil
	}
	out := make([]*Mismatch, 0, len(miss))
	for _, m := range miss {
		mm := mismatch(cq.ID, i, m.reason)
		mm.ClaimSet = m.claimSet
		mm.Path = m.path
		if m.claimSet >= 0 {
			mm.Reason += " (§6.4.1: no claim_sets option is complete)"
		} else {
			mm.Reason += " (§6.4.1)"
		}
		out = append(out, mm)
	}
	return out
}
