package sdjwt

import (
	"fmt"
	"strings"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// SDJWT is an SD-JWT or, when KeyBinding is set, an SD-JWT+KB (RFC 9901 §4).
type SDJWT struct {
	// JWT is the Issuer-signed JWT in compact form.
	JWT string
	// Disclosures in the order they appear.
	Disclosures []Disclosure
	// KeyBinding is the Key Binding JWT in compact form, or "" (§4.3).
	KeyBinding string

	// extraSignatures holds the compact forms of the second and later
	// signatures of a General JWS JSON Serialization (§8.3), which share
	// the first one's payload.
	extraSignatures []string
}

// Limits bound what Parse accepts. A zero field means the default.
type Limits struct {
	MaxBytes       int // the whole serialization; zero means 1 MiB
	MaxDisclosures int // zero means 1024
}

const (
	defaultMaxBytes       = 1 << 20
	defaultMaxDisclosures = 1024
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = defaultMaxBytes
	}
	if l.MaxDisclosures <= 0 {
		l.MaxDisclosures = defaultMaxDisclosures
	}
	return l
}

// Parse reads an SD-JWT or SD-JWT+KB in the compact serialization (§4) or,
// when the input starts with '{', the JWS JSON serialization (§8). It checks
// the form of every part but verifies nothing; see Verify.
func Parse(s string) (*SDJWT, error) { return ParseWithLimits(s, Limits{}) }

// ParseWithLimits is Parse with explicit limits.
func ParseWithLimits(s string, lim Limits) (*SDJWT, error) {
	out, _, err := parse(s, lim)
	return out, err
}

// parse is ParseWithLimits. For the compact serialization it also returns
// the text up to and including the last '~' — the input of the KB-JWT's
// sd_hash (§4.3.1), exactly as presented — and "" for the JSON one.
func parse(s string, lim Limits) (*SDJWT, string, error) {
	lim = lim.withDefaults()
	s = strings.TrimSpace(s)
	if len(s) > lim.MaxBytes {
		return nil, "", fail(ErrMalformed, fmt.Sprintf("input is %d bytes, more than the limit of %d", len(s), lim.MaxBytes))
	}
	if strings.HasPrefix(s, "{") {
		out, err := parseJSONSerialization(s, lim)
		return out, "", err
	}
	parts := strings.Split(s, "~")
	if len(parts) < 2 {
		return nil, "", fail(ErrMalformed, "no '~' after the Issuer-signed JWT (an SD-JWT ends with '~', an SD-JWT+KB with the KB-JWT)")
	}
	if len(parts)-2 > lim.MaxDisclosures {
		return nil, "", fail(ErrMalformed, fmt.Sprintf("%d disclosures, more than the limit of %d", len(parts)-2, lim.MaxDisclosures))
	}
	out := &SDJWT{JWT: parts[0], KeyBinding: parts[len(parts)-1]}
	if err := checkCompactJWT(out.JWT); err != nil {
		return nil, "", failWrap(ErrMalformed, "Issuer-signed JWT", err)
	}
	if out.KeyBinding != "" {
		if err := checkCompactJWT(out.KeyBinding); err != nil {
			return nil, "", failWrap(ErrMalformed, "the part after the last '~' is not a KB-JWT", err)
		}
	}
	if len(parts) > 2 {
		out.Disclosures = make([]Disclosure, 0, len(parts)-2)
	}
	for i, enc := range parts[1 : len(parts)-1] {
		if enc == "" {
			return nil, "", fail(ErrMalformed, fmt.Sprintf("disclosure %d is empty (two '~' in a row)", i+1))
		}
		d, err := ParseDisclosure(enc)
		if err != nil {
			return nil, "", failWrap(ErrMalformed, fmt.Sprintf("disclosure %d", i+1), err)
		}
		out.Disclosures = append(out.Disclosures, d)
	}
	return out, s[:len(s)-len(out.KeyBinding)], nil
}

// checkCompactJWT checks the shape JWT = BASE64URL "." BASE64URL "." BASE64URL
// of §4's ABNF; the full parse happens at verification.
func checkCompactJWT(s string) error {
	if strings.Count(s, ".") != 2 {
		return fmt.Errorf("not a compact JWT (three base64url parts separated by '.')")
	}
	return nil
}

// String is the compact serialization (§4).
func (s *SDJWT) String() string {
	var b strings.Builder
	b.Grow(s.size())
	b.WriteString(s.withoutKeyBinding())
	b.WriteString(s.KeyBinding)
	return b.String()
}

func (s *SDJWT) size() int {
	n := len(s.JWT) + 1 + len(s.KeyBinding)
	for _, d := range s.Disclosures {
		n += len(d.Encoded) + 1
	}
	return n
}

// withoutKeyBinding is <Issuer-signed JWT>~<Disclosure 1>~…~<Disclosure N>~,
// the input of sd_hash (§4.3.1).
func (s *SDJWT) withoutKeyBinding() string {
	var b strings.Builder
	b.Grow(s.size())
	b.WriteString(s.JWT)
	b.WriteByte('~')
	for _, d := range s.Disclosures {
		b.WriteString(d.Encoded)
		b.WriteByte('~')
	}
	return b.String()
}

// parseJSONSerialization reads the Flattened (§8.2) or General (§8.3) JWS
// JSON Serialization of an SD-JWT.
func parseJSONSerialization(s string, lim Limits) (*SDJWT, error) {
	doc, err := jsonx.ParseObjectWithLimits([]byte(s), jsonx.Limits{MaxBytes: lim.MaxBytes, MaxDepth: 8})
	if err != nil {
		return nil, failWrap(ErrMalformed, "JWS JSON serialization", err)
	}
	payload, ok := doc["payload"].(string)
	if !ok {
		return nil, fail(ErrMalformed, `JWS JSON serialization has no string "payload"`)
	}
	type sig struct {
		protected, signature string
		header               map[string]any
	}
	readSig := func(m map[string]any, where string) (sig, error) {
		var out sig
		var ok bool
		if out.protected, ok = m["protected"].(string); !ok {
			return out, fail(ErrMalformed, where+` has no string "protected" (the Issuer-signed JWT must have a protected header)`)
		}
		if out.signature, ok = m["signature"].(string); !ok {
			return out, fail(ErrMalformed, where+` has no string "signature"`)
		}
		if h, present := m["header"]; present {
			if out.header, ok = h.(map[string]any); !ok {
				return out, fail(ErrMalformed, where+` "header" is not an object`)
			}
		}
		return out, nil
	}
	var sigs []sig
	if raw, general := doc["signatures"]; general {
		if _, flat := doc["signature"]; flat {
			return nil, fail(ErrMalformed, `JWS JSON serialization has both "signatures" and "signature"`)
		}
		list, ok := raw.([]any)
		if !ok || len(list) == 0 {
			return nil, fail(ErrMalformed, `"signatures" is not a non-empty array`)
		}
		for i, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fail(ErrMalformed, fmt.Sprintf("signature %d is not an object", i+1))
			}
			sg, err := readSig(m, fmt.Sprintf("signature %d", i+1))
			if err != nil {
				return nil, err
			}
			// §8.3: disclosures and kb_jwt only in the first unprotected header.
			if i > 0 {
				if _, bad := sg.header["disclosures"]; bad {
					return nil, fail(ErrMalformed, fmt.Sprintf(`signature %d carries "disclosures"; only the first may`, i+1))
				}
				if _, bad := sg.header["kb_jwt"]; bad {
					return nil, fail(ErrMalformed, fmt.Sprintf(`signature %d carries "kb_jwt"; only the first may`, i+1))
				}
			}
			sigs = append(sigs, sg)
		}
	} else {
		sg, err := readSig(doc, "JWS JSON serialization")
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, sg)
	}
	first := sigs[0]
	out := &SDJWT{JWT: first.protected + "." + payload + "." + first.signature}
	for _, sg := range sigs[1:] {
		out.extraSignatures = append(out.extraSignatures, sg.protected+"."+payload+"."+sg.signature)
	}
	if raw, ok := first.header["disclosures"]; ok {
		list, ok := raw.([]any)
		if !ok {
			return nil, fail(ErrMalformed, `"disclosures" is not an array`)
		}
		if len(list) > lim.MaxDisclosures {
			return nil, fail(ErrMalformed, fmt.Sprintf("%d disclosures, more than the limit of %d", len(list), lim.MaxDisclosures))
		}
		for i, e := range list {
			enc, ok := e.(string)
			if !ok {
				return nil, fail(ErrMalformed, fmt.Sprintf("disclosure %d is not a string", i+1))
			}
			d, err := ParseDisclosure(enc)
			if err != nil {
				return nil, failWrap(ErrMalformed, fmt.Sprintf("disclosure %d", i+1), err)
			}
			out.Disclosures = append(out.Disclosures, d)
		}
	}
	if raw, ok := first.header["kb_jwt"]; ok {
		kb, ok := raw.(string)
		if !ok {
			return nil, fail(ErrMalformed, `"kb_jwt" is not a string`)
		}
		if err := checkCompactJWT(kb); err != nil {
			return nil, failWrap(ErrMalformed, "kb_jwt", err)
		}
		out.KeyBinding = kb
	}
	return out, nil
}

// MarshalJSONSerialization writes the Flattened JWS JSON Serialization
// (§8.2) with the Disclosures and the KB-JWT in the unprotected header.
func (s *SDJWT) MarshalJSONSerialization() ([]byte, error) {
	parts := strings.Split(s.JWT, ".")
	if len(parts) != 3 {
		return nil, fail(ErrMalformed, "Issuer-signed JWT is not a compact JWT")
	}
	disc := make([]any, len(s.Disclosures))
	for i, d := range s.Disclosures {
		disc[i] = d.Encoded
	}
	header := map[string]any{"disclosures": disc}
	if s.KeyBinding != "" {
		header["kb_jwt"] = s.KeyBinding
	}
	return jsonx.Marshal(map[string]any{
		"protected": parts[0],
		"payload":   parts[1],
		"signature": parts[2],
		"header":    header,
	})
}
