package portal

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/programmes"
)

// kst is Korea Standard Time (UTC+9, no daylight saving time): times are
// shown as a citizen of Seoul reads them.
var kst = time.FixedZone("KST", 9*60*60)

// programmeView is a programme as the portal shows it and the API
// describes it: what it asks and why, in both languages. It is made once,
// at New, and never changes.
type programmeView struct {
	ID         string                 `json:"id"`
	Version    string                 `json:"version"`
	Name       programmes.Text        `json:"name"`
	Purpose    purposeView            `json:"purpose"`
	Parameters []programmes.Parameter `json:"parameters"`
	// Asks are the credentials the programme's DCQL query asks for, in
	// the query's order, each with its claims.
	Asks []askView `json:"asks"`
	// Criteria are what the rules check, in order.
	Criteria []criterionView `json:"criteria"`
	// NotCovered are the programme's conditions its rules do not decide.
	NotCovered []programmes.Text `json:"not_covered"`
}

// purposeView is the programme's registered purpose, without the claims
// (Asks lists them with their labels).
type purposeView struct {
	ID          string          `json:"id"`
	Description programmes.Text `json:"description"`
	LegalBasis  string          `json:"legal_basis"`
	// Retention is the ISO 8601 duration the decision record is kept with
	// the claims (P0D: no claim is kept).
	Retention string `json:"retention"`
}

// askView is one credential query: the credential type and the claims.
type askView struct {
	// Query is the credential query's id, as Decision.Missing names it.
	Query string          `json:"query"`
	VCT   string          `json:"vct"`
	Name  programmes.Text `json:"name"`
	// Optional: the query is only in credential sets that are not
	// required; the programme decides without it.
	Optional bool        `json:"optional"`
	Claims   []claimView `json:"claims"`

	typ *schemas.Type
}

// claimView is one claim asked for, with its label.
type claimView struct {
	Path  sdjwt.Path      `json:"path"`
	Label programmes.Text `json:"label"`
	// Optional: the claim is not in every claim set: a wallet may answer
	// without it.
	Optional bool `json:"optional"`
	// Sensitive: health or other sensitive information (PIPA Art. 23),
	// which the wallet asks a separate consent for.
	Sensitive bool `json:"sensitive"`
}

// criterionView is one criterion, as a citizen reads it.
type criterionView struct {
	ID    string          `json:"id"`
	Label programmes.Text `json:"label"`
}

// newProgrammeView describes a programme with the catalogue's names and
// labels.
func newProgrammeView(p *programmes.Programme, types *schemas.Catalogue) (*programmeView, error) {
	pp := p.Purpose()
	v := &programmeView{
		ID: p.ID(), Version: p.Version(), Name: p.Name(),
		Purpose:    purposeView{ID: pp.ID, Description: pp.Description, LegalBasis: pp.LegalBasis, Retention: pp.Retention},
		Parameters: p.Parameters(), NotCovered: p.NotCovered(),
	}
	if v.Parameters == nil {
		v.Parameters = []programmes.Parameter{}
	}
	if v.NotCovered == nil {
		v.NotCovered = []programmes.Text{}
	}
	for _, c := range p.Criteria() {
		v.Criteria = append(v.Criteria, criterionView{ID: c.ID, Label: c.Label})
	}
	q := p.Query()
	// A query is required when some required credential set (all of them
	// when there are none) has an option with it.
	required := map[string]bool{}
	if len(q.CredentialSets) == 0 {
		for _, cq := range q.Credentials {
			required[cq.ID] = true
		}
	}
	for _, set := range q.CredentialSets {
		if !set.IsRequired() {
			continue
		}
		for _, opt := range set.Options {
			for _, id := range opt {
				required[id] = true
			}
		}
	}
	for _, cq := range q.Credentials {
		if len(cq.Meta.VCTValues) == 0 {
			return nil, fmt.Errorf("portal: programme %s: credential query %s names no vct", p.ID(), cq.ID)
		}
		vct := cq.Meta.VCTValues[0]
		t, err := types.Lookup(vct)
		if err != nil {
			return nil, fmt.Errorf("portal: programme %s asks for %s: %w", p.ID(), vct, err)
		}
		a := askView{Query: cq.ID, VCT: vct, Name: programmes.Text{Ko: t.Name(schemas.Korean), En: t.Name(schemas.English)},
			Optional: !required[cq.ID], Claims: []claimView{}, typ: t}
		for _, cl := range cq.Claims {
			inAll := true
			for _, set := range cq.ClaimSets {
				if !slices.Contains(set, cl.ID) {
					inAll = false
				}
			}
			cv := claimView{Path: cl.Path, Label: claimLabel(t, cl.Path), Optional: !inAll}
			if c := t.Claim(generic(cl.Path)); c != nil {
				cv.Sensitive = c.EffectiveSensitivity == schemas.Sensitive
			}
			a.Claims = append(a.Claims, cv)
		}
		v.Asks = append(v.Asks, a)
	}
	return v, nil
}

// generic is p with array indices as nil, as the catalogue names claims.
func generic(p sdjwt.Path) sdjwt.Path {
	g := make(sdjwt.Path, len(p))
	for i, e := range p {
		if _, isIndex := e.(int); !isIndex {
			g[i] = e
		}
	}
	return g
}

// claimLabel is the catalogue's label of a claim; a claim of an array's
// elements is named with its array ("회원 시설 › 시설 코드"). A claim the
// type does not name is shown as its path.
func claimLabel(t *schemas.Type, p sdjwt.Path) programmes.Text {
	g := generic(p)
	c := t.Claim(g)
	if c == nil {
		s := p.String()
		return programmes.Text{Ko: s, En: s}
	}
	l := programmes.Text{Ko: c.Label.In(schemas.Korean), En: c.Label.In(schemas.English)}
	if j := slices.Index(g, nil); j > 0 && j < len(g)-1 {
		if a := t.Claim(g[:j]); a != nil {
			l.Ko = a.Label.In(schemas.Korean) + " › " + l.Ko
			l.En = a.Label.In(schemas.English) + " › " + l.En
		}
	}
	return l
}

// ask returns the programme's credential query of this id, or nil.
func (v *programmeView) ask(query string) *askView {
	for i := range v.Asks {
		if v.Asks[i].Query == query {
			return &v.Asks[i]
		}
	}
	return nil
}

// missingLabel names a Decision.Missing entry: a credential query id (the
// type's name) or a query id and a claim path (the claim's label).
func (v *programmeView) missingLabel(m string) programmes.Text {
	qid, rest, hasPath := strings.Cut(m, ".")
	a := v.ask(qid)
	if a == nil {
		return programmes.Text{Ko: m, En: m}
	}
	if !hasPath {
		return a.Name
	}
	p, err := sdjwt.ParsePath(rest)
	if err != nil {
		return programmes.Text{Ko: m, En: m}
	}
	l := claimLabel(a.typ, p)
	return programmes.Text{Ko: a.Name.Ko + ": " + l.Ko, En: a.Name.En + ": " + l.En}
}

// States of a request, as the API and the pages name them: the Service's
// (pending, decided, declined, refused), and expired for a pending one
// past its expiry.
const (
	statePending  = "pending"
	stateDecided  = "decided"
	stateDeclined = "declined"
	stateRefused  = "refused"
	stateExpired  = "expired"
)

// statusView is a request's status as the API returns it.
type statusView struct {
	ID         string               `json:"id"`
	Programme  string               `json:"programme"`
	State      string               `json:"state"`
	Reason     string               `json:"reason,omitempty"`
	Parameters map[string]string    `json:"parameters,omitempty"`
	Created    time.Time            `json:"created"`
	Expires    time.Time            `json:"expires"`
	Decision   *programmes.Decision `json:"decision,omitempty"`
}

// newStatusView is the status without what is not for the citizen: the
// criteria's Detail (an operator's evaluation error that may quote claim
// values).
func newStatusView(st *verifier.Status, now time.Time) *statusView {
	v := &statusView{ID: st.ID, Programme: st.Programme, State: st.State, Reason: st.Reason, Parameters: st.Parameters,
		Created: st.Created, Expires: st.Expires}
	if v.State == statePending && !now.Before(st.Expires) {
		v.State = stateExpired
	}
	if st.Decision != nil {
		d := *st.Decision
		d.Criteria = slices.Clone(d.Criteria)
		for i := range d.Criteria {
			d.Criteria[i].Detail = ""
		}
		v.Decision = &d
	}
	return v
}

// retentionText says how long a programme keeps what it receives.
func retentionText(lang schemas.Lang, iso string) string {
	if iso == "" || iso == "P0D" {
		return t(lang, "retention.none", int(verifier.ReadWindow/time.Hour))
	}
	if len(iso) < 3 || iso[0] != 'P' {
		return iso
	}
	n, err := strconv.Atoi(iso[1 : len(iso)-1])
	if err != nil {
		return iso
	}
	switch iso[len(iso)-1] {
	case 'Y':
		return t(lang, "retention.years", n)
	case 'M':
		return t(lang, "retention.months", n)
	case 'W':
		return t(lang, "retention.weeks", n)
	case 'D':
		return t(lang, "retention.days", n)
	}
	return iso
}

func in(l schemas.Lang, x programmes.Text) string {
	if (l == schemas.English && x.En != "") || x.Ko == "" {
		return x.En
	}
	return x.Ko
}

func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(kst).Format("2006-01-02 15:04")
}

func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(kst).Format("15:04")
}
