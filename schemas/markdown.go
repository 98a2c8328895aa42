package schemas

import (
	"bytes"
	"fmt"
	"strings"
)

var provenanceMark = map[Provenance]string{FromSource: "✔", FromWeakSource: "◐", Reconstruction: "✖"}

// Markdown returns the catalogue as the tables of docs/credentials.md: one
// row per type with its Korean and English names, issuer, claims and
// sensitive claims, then where each definition comes from.
func (c *Catalogue) Markdown() []byte {
	var b bytes.Buffer
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	b.WriteString("| # | type (vct `urn:seoulid:vct:<slug>:1`) | 이름 | name | issuer | validity | claims | sensitive (PIPA Art. 23) | unique identifiers |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range c.types {
		num := rowNumber(t)
		var top []string
		var sensitive, unique []string
		for _, cl := range t.Claims {
			if len(cl.Path) == 1 {
				top = append(top, "`"+cl.Path.String()+"`")
			}
			switch cl.Sensitivity {
			case Sensitive:
				sensitive = append(sensitive, "`"+cl.Path.String()+"`")
			case UniqueIdentifier:
				unique = append(unique, "`"+cl.Path.String()+"`")
			}
		}
		slug := t.Slug
		if t.Major != 1 {
			slug += fmt.Sprintf(" (v%d)", t.Major)
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s | %s | %s | %s |\n",
			num, slug, cell(t.Display[Korean].Name), cell(t.Display[English].Name),
			cell(t.IssuerKind.Label[English]), t.Validity, strings.Join(top, ", "),
			orDash(sensitive), orDash(unique))
	}
	b.WriteString("\nWhere each definition comes from (✔ confirmed in a source, ◐ weak sources only, ✖ a reconstruction or a design of seoulid; domain/SEOUL.md §1 gives the sources):\n\n")
	b.WriteString("| # | type | source | note |\n|---|---|---|---|\n")
	for _, t := range c.types {
		fmt.Fprintf(&b, "| %s | `%s` | %s %s | %s |\n", rowNumber(t), t.Slug, provenanceMark[t.Provenance], t.Provenance, cell(t.ProvenanceNote))
	}
	return b.Bytes()
}

// rowNumber is the civil-certificate number, or the group of other types.
func rowNumber(t *Type) string {
	if t.CivilNumber != 0 {
		return fmt.Sprintf("%d", t.CivilNumber)
	}
	return string(t.Group)
}

func orDash(s []string) string {
	if len(s) == 0 {
		return "—"
	}
	return strings.Join(s, ", ")
}
