package resolverhttp

import (
	"strconv"
	"strings"
)

// representation is what GET /1.0/identifiers/{did} answers with.
type representation int

const (
	repNone   representation = iota // nothing the client accepts
	repResult                       // a DID resolution result
	repLD                           // the document, application/did+ld+json
	repJSON                         // the document, application/did+json
)

// offers are the media types the endpoint can produce, in the order it
// prefers them when the client's q-values tie.
var offers = []struct {
	typ, sub string
	rep      representation
}{
	{"application", "did-resolution", repResult},
	{"application", "did+ld+json", repLD},
	{"application", "did+json", repJSON},
	{"application", "json", repResult},
}

// maxRanges bounds how many media ranges of an Accept header are read.
const maxRanges = 32

type mediaRange struct {
	typ, sub string
	q        int // thousandths
}

// negotiate picks the representation for the Accept header values (RFC
// 9110 §12.5.1): each offer gets the q-value of the most specific range
// that matches it (type/subtype, then type/*, then */*); the offer with
// the highest non-zero q wins, ties going to the order of offers. No
// Accept header, or one with no readable range, means */*. Media type
// parameters other than q are ignored; a range with an invalid q is
// skipped.
func negotiate(values []string) representation {
	var ranges []mediaRange
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if len(ranges) == maxRanges {
				break
			}
			if mr, ok := parseRange(part); ok {
				ranges = append(ranges, mr)
			}
		}
	}
	if len(ranges) == 0 {
		return repResult
	}
	best, bestQ := repNone, 0
	for _, o := range offers {
		q, specificity := 0, -1
		for _, mr := range ranges {
			s := -1
			switch {
			case mr.typ == o.typ && mr.sub == o.sub:
				s = 2
			case mr.typ == o.typ && mr.sub == "*":
				s = 1
			case mr.typ == "*" && mr.sub == "*":
				s = 0
			}
			if s > specificity {
				q, specificity = mr.q, s
			}
		}
		if q > bestQ {
			best, bestQ = o.rep, q
		}
	}
	return best
}

// parseRange reads one media range: type "/" subtype *( ";" parameter ).
func parseRange(s string) (mediaRange, bool) {
	params := strings.Split(s, ";")
	typ, sub, ok := strings.Cut(strings.TrimSpace(params[0]), "/")
	if !ok || !isToken(typ) || !isToken(sub) || (typ == "*" && sub != "*") {
		return mediaRange{}, false
	}
	mr := mediaRange{typ: strings.ToLower(typ), sub: strings.ToLower(sub), q: 1000}
	for _, p := range params[1:] {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, ok := parseQ(strings.TrimSpace(value))
		if !ok {
			return mediaRange{}, false
		}
		mr.q = q
	}
	return mr, true
}

// parseQ reads a qvalue (RFC 9110 §12.4.2): "0" or "1" with up to three
// decimals, in thousandths.
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	whole := int(s[0] - '0')
	frac := ""
	if len(s) > 1 {
		if s[1] != '.' {
			return 0, false
		}
		frac = s[2:]
	}
	n := 0
	if frac != "" {
		v, err := strconv.Atoi(frac)
		if err != nil || v < 0 || strings.ContainsAny(frac, "+-") {
			return 0, false
		}
		n = v
		for i := len(frac); i < 3; i++ {
			n *= 10
		}
	}
	q := whole*1000 + n
	if q > 1000 {
		return 0, false
	}
	return q, true
}

// isToken reports whether s is an RFC 9110 §5.6.2 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
