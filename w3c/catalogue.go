package w3c

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/vcdm"
	"github.com/seoulid/seoulid/schemas"
)

// ContextSeoulID is seoulid's JSON-LD context (embedded, never fetched):
// its @vocab gives every claim and type of the catalogue an IRI in
// seoulid's vocabulary, https://seoulid.github.io/ns/credentials#.
const ContextSeoulID = "https://seoulid.github.io/ns/credentials/v1"

// TypeName is the W3C credential type of a catalogue type: its slug in
// CamelCase and "Credential" (seoul-citizen-card → SeoulCitizenCardCredential).
func TypeName(ty *schemas.Type) string {
	var b strings.Builder
	for _, part := range strings.Split(ty.Slug, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	b.WriteString("Credential")
	return b.String()
}

// SchemaID is the name of a catalogue type's credential schema under a
// base URL: SLUG-vMAJOR.
func SchemaID(ty *schemas.Type) string { return ty.Slug + "-v" + strconv.Itoa(ty.Major) }

// CredentialSchema is the JSON Schema (2020-12) of the W3C credentials of
// a catalogue type (VC JSON Schema, type JsonSchema): a credential whose
// credentialSubject meets the catalogue's schema of the type's claims. It
// is self-contained: the catalogue's shared definitions are bundled in
// $defs under their own $id. id, when not "", is its $id.
func CredentialSchema(ty *schemas.Type, id string) (map[string]any, error) {
	var subject, common map[string]any
	if err := json.Unmarshal(ty.Schema(), &subject); err != nil {
		return nil, fmt.Errorf("w3c: the catalogue's schema of %s: %w", ty.VCT, err)
	}
	if err := json.Unmarshal(schemas.Default().CommonSchema(), &common); err != nil {
		return nil, fmt.Errorf("w3c: the catalogue's common schema: %w", err)
	}
	delete(subject, "$schema")
	delete(subject, "$id")
	delete(common, "$schema")
	out := map[string]any{
		"$defs":       map[string]any{"seoulid-common": common},
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"title":       ty.Name(schemas.English),
		"type":        "object",
		"required":    []any{"credentialSubject"},
		"properties":  map[string]any{"credentialSubject": subject},
		"description": "A W3C Verifiable Credential of the seoulid catalogue type " + ty.VCT,
	}
	if id != "" {
		out["$id"] = id
	}
	return out, nil
}

// FromCatalogue returns the unsecured VC 2.0 credential of a catalogue
// type, for issuer, of claims (checked against the type's schema): the VC
// 2.0 and seoulid contexts, the types VerifiableCredential and
// TypeName(ty), the type's names in Korean and English, validFrom now and
// validUntil after the type's default validity, and a credentialSchema
// (schemaBase/SchemaID(ty), JsonSchema). subject, when not "", is the
// credentialSubject's id (a holder's DID). An issuer secures it (Issue).
func FromCatalogue(ty *schemas.Type, issuer, subject string, claims map[string]any, schemaBase string, now time.Time) (map[string]any, error) {
	if err := ty.Validate(claims); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	cs := make(map[string]any, len(claims)+1)
	for k, v := range claims {
		cs[k] = v
	}
	if subject != "" {
		cs["id"] = subject
	}
	var names []any
	for _, l := range schemas.Langs {
		names = append(names, map[string]any{"@value": ty.Name(l), "@language": string(l)})
	}
	now = now.UTC().Truncate(time.Second)
	return map[string]any{
		"@context":          []any{vcdm.ContextV2, ContextSeoulID},
		"type":              []any{"VerifiableCredential", TypeName(ty)},
		"issuer":            issuer,
		"name":              names,
		"validFrom":         now.Format(time.RFC3339),
		"validUntil":        ty.Validity.Expiry(now).Format(time.RFC3339),
		"credentialSchema":  map[string]any{"id": strings.TrimSuffix(schemaBase, "/") + "/" + SchemaID(ty), "type": "JsonSchema"},
		"credentialSubject": cs,
	}, nil
}
