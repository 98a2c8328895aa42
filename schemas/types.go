package schemas

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/sdjwt"
)

// Lang is a display language of the catalogue.
type Lang string

// The catalogue's languages. Every name, description and label exists in both.
const (
	Korean  Lang = "ko"
	English Lang = "en"
)

// Langs lists the catalogue's languages, Korean first.
var Langs = []Lang{Korean, English}

// ParseLang reads "ko" or "en".
func ParseLang(s string) (Lang, error) {
	switch l := Lang(s); l {
	case Korean, English:
		return l, nil
	}
	return "", fmt.Errorf("unknown language %q (want ko or en)", s)
}

// Text is a string in each catalogue language.
type Text map[Lang]string

// In returns the text in lang, or in English if lang is missing.
func (t Text) In(lang Lang) string {
	if s, ok := t[lang]; ok {
		return s
	}
	return t[English]
}

// Group is the family a credential type belongs to.
type Group string

// The groups. The civil groups are the 29 civil certificates of
// domain/SEOUL.md §1: A issued by the city and its districts, B from the
// family register, C by national agencies.
const (
	GroupCivilA   Group = "civil-a"
	GroupCivilB   Group = "civil-b"
	GroupCivilC   Group = "civil-c"
	GroupIdentity Group = "identity"
	GroupStatus   Group = "status"
	GroupHealth   Group = "health"
	GroupWork     Group = "work"
)

var groupOrder = []Group{GroupCivilA, GroupCivilB, GroupCivilC, GroupIdentity, GroupStatus, GroupHealth, GroupWork}

// Civil reports whether g is one of the civil-certificate groups.
func (g Group) Civil() bool { return g == GroupCivilA || g == GroupCivilB || g == GroupCivilC }

// Provenance says how much of a definition comes from public sources.
type Provenance string

// The provenances (the Src column of domain/SEOUL.md §1).
const (
	FromSource     Provenance = "source"         // ✔ confirmed in a source
	FromWeakSource Provenance = "weak-source"    // ◐ confirmed only by weak sources
	Reconstruction Provenance = "reconstruction" // ✖ or a design of seoulid
)

// SD says whether the issuer makes a claim selectively disclosable; the
// values are those of SD-JWT VC Type Metadata (draft-ietf-oauth-sd-jwt-vc-25
// §5.6.4).
type SD string

// The SD values the catalogue uses ("allowed" is never used: it is ambiguous).
const (
	SDAlways SD = "always" // the claim is its own Disclosure
	SDNever  SD = "never"  // plain, or inside its parent's Disclosure
)

// Sensitivity is the personal-data class of a claim under PIPA.
type Sensitivity string

// The classes, from least to most protected.
const (
	Ordinary         Sensitivity = "ordinary"
	UniqueIdentifier Sensitivity = "unique_identifier" // PIPA Art. 24
	Sensitive        Sensitivity = "sensitive"         // PIPA Art. 23: health, disability…
)

func (s Sensitivity) rank() int {
	switch s {
	case Sensitive:
		return 2
	case UniqueIdentifier:
		return 1
	}
	return 0
}

// IssuerKind is a kind of issuing authority (issuers.json).
type IssuerKind struct {
	ID    string
	Label Text
}

// Display is how a credential type is named to a citizen in one language.
type Display struct {
	Name        string
	Description string
	Issuer      string // the issuing office, as printed
}

// Colors are the card colours, as #RRGGBB.
type Colors struct {
	Background string `json:"background"`
	Text       string `json:"text"`
}

// Claim describes one claim path of a type.
type Claim struct {
	// Path is the claims path pointer: names, and nil for every element.
	Path sdjwt.Path
	// SD is SDAlways when the claim is its own Disclosure.
	SD SD
	// Sensitivity is the class the definition gives the claim.
	Sensitivity Sensitivity
	// EffectiveSensitivity is the most protected class of the claim and
	// the claims containing it: what a consent screen must treat it as.
	EffectiveSensitivity Sensitivity
	// DefaultWithheld means a wallet discloses the claim only when it is
	// asked for by its own path, never as part of its parent.
	DefaultWithheld bool
	// Mandatory means every credential of the type has the claim: it and
	// every claim containing it are required (and arrays non-empty).
	Mandatory bool
	// Label names the claim in each language.
	Label Text
	// Values labels each value of an enumerated claim; nil otherwise.
	Values map[string]Text
}

// Selectable reports whether a holder can withhold the claim: it, or a
// claim containing it, is selectively disclosable.
func (c *Claim) Selectable(t *Type) bool {
	for i := len(c.Path); i > 0; i-- {
		if p := t.Claim(c.Path[:i]); p != nil && p.SD == SDAlways {
			return true
		}
	}
	return false
}

// Validity is a default validity period: a number of years, months, weeks
// or days (ISO 8601 PnY, PnM, PnW, PnD).
type Validity struct {
	n    int
	unit byte
}

// ParseValidity reads PnY, PnM, PnW or PnD with 1 ≤ n, at most ten years.
func ParseValidity(s string) (Validity, error) {
	if len(s) < 3 || s[0] != 'P' {
		return Validity{}, fmt.Errorf("validity %q is not PnY, PnM, PnW or PnD", s)
	}
	n, err := strconv.Atoi(s[1 : len(s)-1])
	unit := s[len(s)-1]
	days := map[byte]int{'Y': 366, 'M': 31, 'W': 7, 'D': 1}[unit]
	if err != nil || n < 1 || days == 0 || s[1] == '+' || s[1] == '0' {
		return Validity{}, fmt.Errorf("validity %q is not PnY, PnM, PnW or PnD with n ≥ 1", s)
	}
	if n*days > 3660 {
		return Validity{}, fmt.Errorf("validity %q is longer than ten years", s)
	}
	return Validity{n: n, unit: unit}, nil
}

// String returns the ISO 8601 form.
func (v Validity) String() string { return "P" + strconv.Itoa(v.n) + string(v.unit) }

// Expiry returns the end of a validity that starts at t, in calendar terms
// (P1M from 31 January is 3 March, as time.AddDate counts).
func (v Validity) Expiry(t time.Time) time.Time {
	switch v.unit {
	case 'Y':
		return t.AddDate(v.n, 0, 0)
	case 'M':
		return t.AddDate(0, v.n, 0)
	case 'W':
		return t.AddDate(0, 0, 7*v.n)
	}
	return t.AddDate(0, 0, v.n)
}

// Type is one credential type of the catalogue. It is immutable.
type Type struct {
	VCT            string
	Slug           string
	Major          int
	Group          Group
	CivilNumber    int // 1–29 for civil certificates, else 0
	Provenance     Provenance
	ProvenanceNote string
	IssuerKind     IssuerKind
	Validity       Validity
	Display        map[Lang]Display
	Colors         Colors
	// Claims lists every claim path in definition order, parents first.
	Claims []Claim

	schemaJSON  []byte
	exampleJSON []byte
	full        *jsonschema.Schema // the schema as written
	disclosed   *jsonschema.Schema // the same without required, minItems…
	byPath      map[string]int
	metadata    []byte // the Type Metadata document, as served
}

// Claim returns the claim with this path (names, and nil for array
// elements), or nil if the type declares none.
func (t *Type) Claim(p sdjwt.Path) *Claim {
	if i, ok := t.byPath[p.String()]; ok {
		return &t.Claims[i]
	}
	return nil
}

// Name returns the type's display name in lang.
func (t *Type) Name(lang Lang) string { return t.Display[lang].Name }

// Schema returns the JSON Schema of the claims, as written.
func (t *Type) Schema() json.RawMessage { return append(json.RawMessage(nil), t.schemaJSON...) }

// Example returns the claims of the definition's example credential (a new
// copy each time, numbers as json.Number; it validates).
func (t *Type) Example() map[string]any {
	m, err := jsonx.ParseObject(t.exampleJSON)
	if err != nil {
		panic("schemas: example of " + t.VCT + " no longer parses: " + err.Error())
	}
	return m
}

// ExampleJSON returns the example's claims as JSON.
func (t *Type) ExampleJSON() json.RawMessage { return append(json.RawMessage(nil), t.exampleJSON...) }

// SensitiveClaims returns the claims marked sensitive (PIPA Art. 23).
func (t *Type) SensitiveClaims() []Claim {
	var out []Claim
	for _, c := range t.Claims {
		if c.Sensitivity == Sensitive {
			out = append(out, c)
		}
	}
	return out
}

// VCT returns the vct of a slug and major version.
func VCT(slug string, major int) string {
	return "urn:seoulid:vct:" + slug + ":" + strconv.Itoa(major)
}

// SchemaID returns the $id of a type's schema.
func SchemaID(slug string, major int) string {
	return "urn:seoulid:schema:" + slug + ":" + strconv.Itoa(major)
}
