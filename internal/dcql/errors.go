package dcql

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/seoulid/seoulid/internal/sdjwt"
)

// Errors callers branch on.
var (
	// ErrInvalidQuery: a query breaks a rule of OpenID4VP 1.0 §6, §7 or
	// Appendix B, or is not JSON. Every error of Parse and Validate wraps
	// it; it comes as a *QueryError, or with a jsonx.SyntaxError.
	ErrInvalidQuery = errors.New("dcql: invalid query")

	// ErrNoClaim: a claims path pointer selects no claim in a credential
	// (§7.1.1 step 3), or meets an element of the wrong kind on the way
	// (steps 2.1 to 2.4).
	ErrNoClaim = errors.New("dcql: no claim at this path")

	// ErrUnsatisfied: what was presented does not answer the query
	// (§6.4, §8.1, §8.6). Every error of Check wraps it, as a
	// *ResponseError.
	ErrUnsatisfied = errors.New("dcql: the response does not satisfy the query")

	// ErrUnsatisfiable: the Wallet's credentials cannot answer the query
	// (§6.4.2: it then returns none).
	ErrUnsatisfiable = errors.New("dcql: the credentials cannot satisfy the query")
)

// Problem is one rule a query breaks.
type Problem struct {
	// Where names the member, as in credentials[1].claims[0].path, or ""
	// for the query as a whole.
	Where string
	// Msg says what is wrong and, for a rule of the specification, which
	// section states it.
	Msg string
}

func (p Problem) String() string {
	if p.Where == "" {
		return p.Msg
	}
	return p.Where + ": " + p.Msg
}

// QueryError lists every problem Validate (or Parse) found in a query.
type QueryError struct {
	Problems []Problem
}

// maxListed bounds how many problems or mismatches an error message lists,
// so that it stays one readable line whatever the input.
const maxListed = 5

func (e *QueryError) Error() string {
	parts := make([]string, 0, maxListed+1)
	for i, p := range e.Problems {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Problems)-maxListed))
			break
		}
		parts = append(parts, p.String())
	}
	return "dcql: invalid query: " + strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalidQuery) true.
func (e *QueryError) Unwrap() error { return ErrInvalidQuery }

// Mismatch is one way a response falls short of its query, or one reason a
// presentation was discarded.
type Mismatch struct {
	// CredentialQuery is the id of the Credential Query concerned, "" when
	// the mismatch is about the response as a whole.
	CredentialQuery string
	// Presentation is the index of the presentation in the response's
	// array for CredentialQuery, or -1 when the mismatch is not about one
	// presentation.
	Presentation int
	// CredentialSet is the index of the Credential Set Query in
	// credential_sets, or -1.
	CredentialSet int
	// ClaimSet is the index of the claim_sets option, or -1.
	ClaimSet int
	// Path is the claims path pointer of the claim concerned, or nil.
	Path sdjwt.Path
	// Reason says what is wrong.
	Reason string
}

func (m *Mismatch) Error() string {
	var b strings.Builder
	b.WriteString("dcql: ")
	sep := ""
	add := func(s string) { b.WriteString(sep + s); sep = ", " }
	if m.CredentialQuery != "" {
		add("credential query " + strconv.Quote(m.CredentialQuery))
	}
	if m.Presentation >= 0 {
		add("presentation " + strconv.Itoa(m.Presentation))
	}
	if m.CredentialSet >= 0 {
		add("credential set " + strconv.Itoa(m.CredentialSet))
	}
	if m.ClaimSet >= 0 {
		add("claim set " + strconv.Itoa(m.ClaimSet))
	}
	if m.Path != nil {
		add("claim " + pathString(m.Path))
	}
	if sep != "" {
		b.WriteString(": ")
	}
	b.WriteString(m.Reason)
	return b.String()
}

// ResponseError lists every Mismatch Check found.
type ResponseError struct {
	Mismatches []*Mismatch
}

func (e *ResponseError) Error() string {
	parts := make([]string, 0, maxListed+1)
	for i, m := range e.Mismatches {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Mismatches)-maxListed))
			break
		}
		parts = append(parts, strings.TrimPrefix(m.Error(), "dcql: "))
	}
	return ErrUnsatisfied.Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap exposes ErrUnsatisfied and every Mismatch to errors.Is and
// errors.As (which finds the first).
func (e *ResponseError) Unwrap() []error {
	errs := make([]error, 0, 1+len(e.Mismatches))
	errs = append(errs, ErrUnsatisfied)
	for _, m := range e.Mismatches {
		errs = append(errs, m)
	}
	return errs
}

// maxQuoted bounds how much of a string from the input an error repeats.
const maxQuoted = 64

// quote is strconv.Quote of at most maxQuoted bytes of s.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && s[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// pathString writes a claims path pointer as JSON for an error message,
// as §7 writes them: ["address","street_address"], ["degrees",null,"type"].
func pathString(p sdjwt.Path) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		if i == 8 && len(p) > 10 {
			fmt.Fprintf(&b, "… %d more", len(p)-8)
			break
		}
		switch v := e.(type) {
		case string:
			b.WriteString(quote(v))
		case nil:
			b.WriteString("null")
		default:
			fmt.Fprint(&b, v)
		}
	}
	b.WriteByte(']')
	return b.String()
}
