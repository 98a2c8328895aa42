package did

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxLength is the longest DID or DID URL this package reads, in bytes.
// DID Core sets no limit; every DID seoulid meets (did:key, did:jwk of a
// public key, did:web) is far shorter.
const MaxLength = 4096

// DID is a parsed Decentralized Identifier (DID Core §3.1):
// "did:" Method ":" ID.
type DID struct {
	// Method is the method name: lowercase ASCII letters and digits.
	Method string
	// ID is the method-specific id, percent-encoding left as written.
	ID string
}

// String writes the DID back as "did:" + Method + ":" + ID. The zero DID
// writes as "".
func (d DID) String() string {
	if d.Method == "" && d.ID == "" {
		return ""
	}
	return "did:" + d.Method + ":" + d.ID
}

// IsZero reports whether d is the zero DID.
func (d DID) IsZero() bool { return d == DID{} }

// URL is a parsed DID URL (DID Core §3.2): a DID followed by an optional
// path, query and fragment. Query and Fragment exclude their '?' and '#'.
type URL struct {
	DID      DID
	Path     string // "" or starting with "/" (RFC 3986 path-abempty)
	Query    string // without the '?'; "" means no query
	Fragment string // without the '#'; "" means no fragment
}

// String writes the DID URL back in the form ParseURL reads.
func (u URL) String() string {
	var b strings.Builder
	b.WriteString(u.DID.String())
	b.WriteString(u.Path)
	if u.Query != "" {
		b.WriteByte('?')
		b.WriteString(u.Query)
	}
	if u.Fragment != "" {
		b.WriteByte('#')
		b.WriteString(u.Fragment)
	}
	return b.String()
}

// Parse reads a DID, checking it against the ABNF of DID Core §3.1:
//
//	did                = "did:" method-name ":" method-specific-id
//	method-name        = 1*method-char
//	method-char        = %x61-7A / DIGIT
//	method-specific-id = *( *idchar ":" ) 1*idchar
//	idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
//	pct-encoded        = "%" HEXDIG HEXDIG
//
// A DID URL (with a path, query or fragment) is refused; use ParseURL. Input
// longer than MaxLength is refused. Parse checks syntax only: whether the
// method exists or the id means anything is for a resolver to say.
func Parse(s string) (DID, error) {
	d, rest, err := parseDID(s)
	if err != nil {
		return DID{}, err
	}
	if rest != "" {
		return DID{}, invalid(s, "is a DID URL, not a DID (%q at byte %d starts a %s)", rest[:1], len(s)-len(rest), partName(rest[0]))
	}
	return d, nil
}

// ParseURL reads a DID URL (DID Core §3.2):
//
//	did-url = did path-abempty [ "?" query ] [ "#" fragment ]
//
// with path-abempty, query and fragment as in RFC 3986 §3.3–3.5: only
// unreserved characters, sub-delims, ":", "@", percent-encodings and, in the
// path, "/" and, in query and fragment, "/" and "?". Spaces, control
// characters, non-ASCII characters and a second '#' are refused. A '?' or '#'
// with nothing after it is refused too, so that every accepted DID URL
// writes back byte for byte. Relative DID URLs are read by ResolveReference.
func ParseURL(s string) (URL, error) {
	d, rest, err := parseDID(s)
	if err != nil {
		return URL{}, err
	}
	u := URL{DID: d}
	at := len(s) - len(rest)
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		u.Path, rest = rest[:i], rest[i:]
	} else {
		u.Path, rest = rest, ""
	}
	if err := checkURIChars(s, u.Path, at, "path", "/"); err != nil {
		return URL{}, err
	}
	at += len(u.Path)
	if strings.HasPrefix(rest, "?") {
		q := rest[1:]
		if i := strings.IndexByte(q, '#'); i >= 0 {
			q = q[:i]
		}
		if q == "" {
			return URL{}, invalid(s, "has an empty query after '?'")
		}
		if err := checkURIChars(s, q, at+1, "query", "/?"); err != nil {
			return URL{}, err
		}
		u.Query = q
		rest = rest[1+len(q):]
		at += 1 + len(q)
	}
	if strings.HasPrefix(rest, "#") {
		f, err := parseFragment(s, rest[1:], at+1)
		if err != nil {
			return URL{}, err
		}
		u.Fragment = f
	}
	return u, nil
}

// ResolveReference reads ref, a DID URL found in the DID document of base:
// either an absolute DID URL, returned as ParseURL reads it, or a relative
// DID URL "#fragment", which resolves to base + "#fragment" (DID Core
// §3.2.2, RFC 3986 §5.2). Relative references with a path or query are
// refused: DID documents use them only to name verification methods and
// services, which have fragment ids.
func ResolveReference(base DID, ref string) (URL, error) {
	if !strings.HasPrefix(ref, "#") {
		if len(ref) < 4 || !strings.EqualFold(ref[:4], "did:") {
			return URL{}, invalid(ref, "is neither a DID URL nor a relative reference \"#fragment\"")
		}
		return ParseURL(ref)
	}
	if len(ref) > MaxLength {
		return URL{}, invalid(ref, "is %d bytes, more than the limit of %d", len(ref), MaxLength)
	}
	if base.IsZero() {
		return URL{}, invalid(ref, "is a relative DID URL and there is no base DID to resolve it against")
	}
	if _, err := Parse(base.String()); err != nil {
		return URL{}, fmt.Errorf("%w (the base DID to resolve %s against)", err, quote(ref))
	}
	f, err := parseFragment(ref, ref[1:], 1)
	if err != nil {
		return URL{}, err
	}
	u := URL{DID: base, Fragment: f}
	if n := len(u.String()); n > MaxLength {
		return URL{}, invalid(ref, "resolves against %s to %d bytes, more than the limit of %d", base, n, MaxLength)
	}
	return u, nil
}

// parseDID reads the DID at the start of s and returns the rest, which is
// empty or starts with '/', '?' or '#'.
func parseDID(s string) (DID, string, error) {
	if len(s) > MaxLength {
		return DID{}, "", invalid(s, "is %d bytes, more than the limit of %d", len(s), MaxLength)
	}
	if !strings.HasPrefix(s, "did:") {
		if len(s) >= 4 && strings.EqualFold(s[:4], "did:") {
			return DID{}, "", invalid(s, "has scheme %q; the DID scheme is lowercase \"did:\"", s[:4])
		}
		return DID{}, "", invalid(s, "does not start with \"did:\"")
	}
	rest := s[4:]
	end := strings.IndexAny(rest, ":/?#")
	if end < 0 {
		end = len(rest)
	}
	method := rest[:end]
	if method == "" {
		return DID{}, "", invalid(s, "has an empty method name")
	}
	for i := 0; i < len(method); i++ {
		if c := method[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return DID{}, "", invalid(s, "has an invalid method name %s (lowercase letters and digits only)", quote(method))
		}
	}
	if end == len(rest) || rest[end] != ':' {
		return DID{}, "", invalid(s, "has no method-specific id (expected did:%s:<id>)", method)
	}
	rest = rest[end+1:]
	at := len(s) - len(rest)
	i := 0
	for i < len(rest) {
		c := rest[i]
		switch {
		case isIDChar(c) || c == ':':
			i++
		case c == '%':
			if !isPctEncoded(rest[i:]) {
				return DID{}, "", invalid(s, "has an invalid percent-encoding at byte %d (expected %%XX with two hex digits)", at+i)
			}
			i += 3
		case c == '/' || c == '?' || c == '#':
			return finishDID(s, method, rest[:i], rest[i:])
		default:
			return DID{}, "", invalid(s, "has an invalid character %s at byte %d in the method-specific id (allowed: letters, digits, '.', '-', '_', ':' and %%XX)", charAt(rest, i), at+i)
		}
	}
	return finishDID(s, method, rest, "")
}

func finishDID(s, method, id, rest string) (DID, string, error) {
	if id == "" {
		return DID{}, "", invalid(s, "has an empty method-specific id")
	}
	if id[len(id)-1] == ':' {
		return DID{}, "", invalid(s, "has a method-specific id that ends with ':'")
	}
	return DID{Method: method, ID: id}, rest, nil
}

// parseFragment checks an RFC 3986 §3.5 fragment (without its '#') that
// starts at byte at of s.
func parseFragment(s, f string, at int) (string, error) {
	if f == "" {
		return "", invalid(s, "has an empty fragment after '#'")
	}
	if err := checkURIChars(s, f, at, "fragment", "/?"); err != nil {
		return "", err
	}
	return f, nil
}

// checkURIChars checks that part, found at byte at of s, is made of RFC 3986
// pchar (unreserved / pct-encoded / sub-delims / ":" / "@") and the extra
// characters allowed in this part.
func checkURIChars(s, part string, at int, name, extra string) error {
	for i := 0; i < len(part); i++ {
		c := part[i]
		switch {
		case isPChar(c) || strings.IndexByte(extra, c) >= 0:
		case c == '%':
			if !isPctEncoded(part[i:]) {
				return invalid(s, "has an invalid percent-encoding at byte %d (expected %%XX with two hex digits)", at+i)
			}
			i += 2
		default:
			return invalid(s, "has an invalid character %s at byte %d in the %s", charAt(part, i), at+i, name)
		}
	}
	return nil
}

// isIDChar is idchar of DID Core §3.1 without pct-encoded.
func isIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '-' || c == '_'
}

// isPChar is RFC 3986 pchar without pct-encoded: unreserved, sub-delims,
// ":" and "@".
func isPChar(c byte) bool {
	return isIDChar(c) || c == '~' || strings.IndexByte("!$&'()*+,;=:@", c) >= 0
}

func isPctEncoded(s string) bool {
	return len(s) >= 3 && s[0] == '%' && isHex(s[1]) && isHex(s[2])
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// charAt quotes the character (or the invalid UTF-8 byte) at s[i].
func charAt(s string, i int) string {
	_, n := utf8.DecodeRuneInString(s[i:])
	return fmt.Sprintf("%q", s[i:i+n])
}

func partName(c byte) string {
	switch c {
	case '/':
		return "path"
	case '?':
		return "query"
	default:
		return "fragment"
	}
}

// invalid makes an ErrInvalidDID error about input s.
func invalid(s, format string, args ...any) error {
	return fmt.Errorf("%w: %s %s", ErrInvalidDID, quote(s), fmt.Sprintf(format, args...))
}
