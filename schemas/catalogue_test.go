package schemas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/oid4vci"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
)

// TestEmbeddedCatalogueLoads: the embedded files obey every rule of
// README.md (Load reports each broken rule, one per line).
func TestEmbeddedCatalogueLoads(t *testing.T) {
	c, err := Load(embedded)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Types()) == 0 {
		t.Fatal("the catalogue is empty")
	}
}

func TestTwentyNineCivilCertificates(t *testing.T) {
	var numbers []int
	for _, ty := range Default().Types() {
		if ty.Group.Civil() {
			numbers = append(numbers, ty.CivilNumber)
		}
	}
	if len(numbers) != 29 {
		t.Fatalf("%d civil-certificate types, want 29", len(numbers))
	}
	for i, n := range numbers {
		if n != i+1 {
			t.Fatalf("civil certificates are numbered %v, want 1–29 in order", numbers)
		}
	}
}

// The types the issuer, wallet and verifier issues name.
func TestTypesTheOtherPartsNeed(t *testing.T) {
	for _, slug := range []string{
		"seoul-citizen-card", "residency-status",
		"employment-insurance-status", "health-insurance-income-band", "enrolment-status", "welfare-recipient-status",
		"medication-list", "vaccination-record", "part-time-employment-contract",
	} {
		ty, err := Default().Lookup(VCT(slug, 1))
		if err != nil {
			t.Errorf("%s: %v", slug, err)
			continue
		}
		if ty.Group.Civil() {
			t.Errorf("%s is in a civil group", slug)
		}
	}
	card, _ := Default().Lookup(VCT("seoul-citizen-card", 1))
	for _, name := range []string{"name", "birthdate", "age_over_14", "age_over_19", "age_over_65", "resident_of_seoul", "district", "facility_memberships"} {
		if card.Claim(sdjwt.Path{name}) == nil {
			t.Errorf("the Seoul Citizen Card has no %s", name)
		}
	}
	meds, _ := Default().Lookup(VCT("medication-list", 1))
	if c := meds.Claim(sdjwt.Path{"medications", nil}); c == nil || c.SD != SDAlways || c.Sensitivity != Sensitive {
		t.Errorf("each medication must be its own sensitive disclosure: %+v", c)
	}
	if c := meds.Claim(sdjwt.Path{"medications", nil, "indication"}); c == nil || !c.DefaultWithheld || c.SD != SDAlways {
		t.Errorf("a medication's indication must be withheld by default: %+v", c)
	}
}

func TestLookup(t *testing.T) {
	c := Default()
	ty, err := c.Lookup("urn:seoulid:vct:resident-registration-certificate:1")
	if err != nil || ty.CivilNumber != 1 || ty.IssuerKind.ID != "district-office" {
		t.Fatalf("lookup: %+v, %v", ty, err)
	}
	if _, err := c.Lookup("urn:seoulid:vct:resident-registration-certificate:2"); !errors.Is(err, ErrUnknownType) {
		t.Errorf("an unknown major version: %v", err)
	}
	if _, err := c.Lookup(""); !errors.Is(err, ErrUnknownType) {
		t.Errorf("an empty vct: %v", err)
	}
}

// TestEveryClaimLabelled: every claim path has a Korean and an English
// label, every enum value too, and every type a name, description and issuer
// in both languages.
func TestEveryClaimLabelled(t *testing.T) {
	for _, ty := range Default().Types() {
		for _, l := range Langs {
			if d := ty.Display[l]; d.Name == "" || d.Description == "" || d.Issuer == "" || ty.IssuerKind.Label[l] == "" {
				t.Errorf("%s: display %s incomplete", ty.Slug, l)
			}
		}
		for _, c := range ty.Claims {
			for _, l := range Langs {
				if strings.TrimSpace(c.Label[l]) == "" {
					t.Errorf("%s %s: no %s label", ty.Slug, c.Path, l)
				}
				for v, label := range c.Values {
					if strings.TrimSpace(label[l]) == "" {
						t.Errorf("%s %s: value %q has no %s label", ty.Slug, c.Path, v, l)
					}
				}
			}
		}
	}
}

// TestSensitiveClaimsSelectivelyDisclosable: a holder can always withhold
// a sensitive claim (it is its own Disclosure), and every personal claim at
// the top level is disclosable unless plainly marked otherwise.
func TestSensitiveClaimsSelectivelyDisclosable(t *testing.T) {
	sensitive := 0
	for _, ty := range Default().Types() {
		for _, c := range ty.Claims {
			if c.Sensitivity != Ordinary && c.SD != SDAlways {
				t.Errorf("%s %s is %s but not selectively disclosable", ty.Slug, c.Path, c.Sensitivity)
			}
			if c.EffectiveSensitivity == Sensitive {
				sensitive++
				if !c.Selectable(ty) {
					t.Errorf("%s %s is sensitive and cannot be withheld", ty.Slug, c.Path)
				}
			}
			if len(c.Path) == 1 && c.SD == SDNever && c.Sensitivity != Ordinary {
				t.Errorf("%s %s travels in plain text", ty.Slug, c.Path)
			}
		}
	}
	if sensitive == 0 {
		t.Error("no sensitive claim in the catalogue: the health types are missing")
	}
}

// TestNoResidentRegistrationNumber scans every embedded file, byte by
// byte, for names and values shaped like a resident registration number.
func TestNoResidentRegistrationNumber(t *testing.T) {
	err := fs.WalkDir(embedded, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".json") {
			return err
		}
		raw, err := fs.ReadFile(embedded, name)
		if err != nil {
			return err
		}
		if m := rrnPattern.Find(raw); m != nil {
			t.Errorf("%s contains %q, shaped like a resident registration number", name, m)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		scanRRN(func(ptr, msg string) { t.Errorf("%s%s %s", name, ptr, msg) }, "", v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// And the scanner finds what it must.
	for _, bad := range []any{"990412-2345678", "9904122345678", "주민번호 990412-2******", json.Number("9904121345678")} {
		found := false
		scanRRN(func(string, string) { found = true }, "", bad)
		if !found {
			t.Errorf("%v is not recognised as a resident registration number", bad)
		}
	}
	for _, fine := range []any{"1234-5678-9012-3456", "2026-11-02", "010-1234-5678", "653400910", "99041223456789", "123-45-67890"} {
		scanRRN(func(ptr, msg string) { t.Errorf("%v flagged: %s", fine, msg) }, "", fine)
	}
}

func TestExamplesValidate(t *testing.T) {
	for _, ty := range Default().Types() {
		if err := ty.Validate(ty.Example()); err != nil {
			t.Errorf("%s: %v", ty.Slug, err)
		}
		if err := ty.ValidateDisclosed(ty.Example()); err != nil {
			t.Errorf("%s (as disclosed): %v", ty.Slug, err)
		}
	}
}

// TestMutatedExamples breaks each example in the ways an issuer's back
// office could and checks that each violation names the right pointer.
func TestMutatedExamples(t *testing.T) {
	for _, ty := range Default().Types() {
		t.Run(ty.Slug, func(t *testing.T) {
			var required, str string
			for _, c := range ty.Claims {
				if len(c.Path) != 1 {
					continue
				}
				name := c.Path[0].(string)
				if c.Mandatory && required == "" {
					required = name
				}
				if _, ok := ty.Example()[name].(string); ok && str == "" {
					str = name
				}
			}
			if required == "" || str == "" {
				t.Fatalf("no required claim (%q) or string claim (%q) to break", required, str)
			}

			ex := ty.Example()
			delete(ex, required)
			expect(t, ty.Validate(ex), "/"+required, "is required but missing")
			if err := ty.ValidateDisclosed(ex); err != nil {
				t.Errorf("a withheld claim is not an error in a presentation: %v", err)
			}

			ex = ty.Example()
			ex[str] = json.Number("42")
			expect(t, ty.Validate(ex), "/"+str, "")
			expect(t, ty.ValidateDisclosed(ex), "/"+str, "")

			ex = ty.Example()
			ex["nickname"] = "지니"
			expect(t, ty.Validate(ex), "/nickname", "is not a claim of this type")

			ex = ty.Example()
			ex[str] = "990412-2345678"
			expect(t, ty.Validate(ex), "/"+str, "resident registration number")
			ex = ty.Example()
			ex["rrn"] = "9904122345678"
			err := ty.Validate(ex)
			expect(t, err, "/rrn", "is named like a resident registration number")
			expect(t, err, "/rrn", "looks like a resident registration number")
			expect(t, err, "/rrn", "is not a claim of this type")
		})
	}
}

func expect(t *testing.T, err error, pointer, message string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidClaims) {
		t.Fatalf("want a violation at %s, got %v", pointer, err)
	}
	for _, v := range ve.Violations {
		if v.Pointer == pointer && strings.Contains(v.Message, message) {
			return
		}
	}
	t.Errorf("want a violation at %s containing %q, got %v", pointer, message, ve.Violations)
}

func TestNestedViolationPointers(t *testing.T) {
	ty, _ := Default().Lookup(VCT("resident-registration-certificate", 1))
	ex := ty.Example()
	members := ex["members"].([]any)
	delete(members[1].(map[string]any), "birthdate")
	members[0].(map[string]any)["relation"] = "landlord"
	ex["address"].(map[string]any)["postal_code"] = "8826"
	err := ty.Validate(ex)
	expect(t, err, "/members/1/birthdate", "is required but missing")
	expect(t, err, "/members/0/relation", "")
	expect(t, err, "/address/postal_code", "")
	if n := len(err.(*ValidationError).Violations); n != 3 {
		t.Errorf("%d violations, want 3: %v", n, err)
	}
	if !strings.HasPrefix(err.Error(), "claims do not fit urn:seoulid:vct:resident-registration-certificate:1: /address/postal_code: ") {
		t.Errorf("error reads %q", err)
	}
}

// TestIssueEveryType issues an SD-JWT VC of every type from its example,
// verifies it, and checks what a holder can withhold: with nothing
// disclosed, exactly the sd-never top-level claims remain.
func TestIssueEveryType(t *testing.T) {
	ctx := context.Background()
	issuerKey, _ := keys.Generate(keys.EdDSA)
	holderKey, _ := keys.Generate(keys.ES256)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	v, err := sdjwtvc.NewVerifier(sdjwtvc.FixedKey(issuerKey.Public()), sdjwtvc.Config{
		Algorithms: []keys.Algorithm{keys.EdDSA, keys.ES256}, Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ty := range Default().Types() {
		cred, err := ty.Credential("did:example:office", now, ty.Example())
		if err != nil {
			t.Fatalf("%s: %v", ty.Slug, err)
		}
		if !cred.Expiry.Equal(ty.Validity.Expiry(now)) || cred.VCT != ty.VCT {
			t.Errorf("%s: expiry %v vct %s", ty.Slug, cred.Expiry, cred.VCT)
		}
		cred.Holder = holderKey.Public()
		issued, err := sdjwtvc.Issue(ctx, issuerKey, cred, sdjwtvc.IssueOptions{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatalf("%s: issue: %v", ty.Slug, err)
		}
		all, err := v.Verify(ctx, issued.String(), sdjwtvc.Presentation{})
		if err != nil {
			t.Fatalf("%s: verify: %v", ty.Slug, err)
		}
		if err := ty.ValidateDisclosed(all.Claims); err != nil {
			t.Errorf("%s: everything disclosed: %v", ty.Slug, err)
		}
		if all.Claims["vct#integrity"] != ty.TypeMetadataIntegrity() {
			t.Errorf("%s: vct#integrity %v", ty.Slug, all.Claims["vct#integrity"])
		}
		for name, want := range ty.Example() {
			b1, _ := json.Marshal(want)
			b2, _ := json.Marshal(all.Claims[name])
			if !bytes.Equal(b1, b2) {
				t.Errorf("%s: %s came back as %s, want %s", ty.Slug, name, b2, b1)
			}
		}
		none, err := issued.Select()
		if err != nil {
			t.Fatal(err)
		}
		bare, err := v.Verify(ctx, none.String(), sdjwtvc.Presentation{})
		if err != nil {
			t.Fatalf("%s: verify with nothing disclosed: %v", ty.Slug, err)
		}
		if err := ty.ValidateDisclosed(bare.Claims); err != nil {
			t.Errorf("%s: nothing disclosed: %v", ty.Slug, err)
		}
		for name := range ty.Example() {
			_, plain := bare.Claims[name]
			if c := ty.Claim(sdjwt.Path{name}); plain != (c.SD == SDNever) {
				t.Errorf("%s: %s is sd %s but plain=%v when nothing is disclosed", ty.Slug, name, c.SD, plain)
			}
		}
	}
}

// TestMetadataRoundTrip: the generated OpenID4VCI configuration and the
// Type Metadata decode into the shapes the specifications define with no
// member left over, pass their structural checks, and encode back to the
// same bytes.
func TestMetadataRoundTrip(t *testing.T) {
	configs := Default().CredentialConfigurations(IssuerProfile{})
	if len(configs) != len(Default().Types()) {
		t.Fatalf("%d configurations for %d types", len(configs), len(Default().Types()))
	}
	for id, cfg := range configs {
		raw, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var back oid4vci.CredentialConfiguration
		strictDecode(t, raw, &back)
		if err := back.Validate(); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		again, _ := json.Marshal(back)
		if !bytes.Equal(raw, again) {
			t.Errorf("%s does not round-trip:\n%s\n%s", id, raw, again)
		}
		var generic map[string]any
		_ = json.Unmarshal(raw, &generic)
		md := generic["credential_metadata"].(map[string]any)
		if generic["format"] != "dc+sd-jwt" || generic["vct"] == nil || len(md["display"].([]any)) != 2 || len(md["claims"].([]any)) == 0 {
			t.Errorf("%s: %s", id, raw)
		}
	}
	for _, ty := range Default().Types() {
		raw := ty.TypeMetadataJSON()
		m, err := sdjwtvc.ParseTypeMetadata(raw)
		if err != nil {
			t.Fatalf("%s: %v", ty.Slug, err)
		}
		var back sdjwtvc.TypeMetadata
		strictDecode(t, raw, &back)
		again, _ := json.MarshalIndent(m, "", "  ")
		if !bytes.Equal(raw, again) {
			t.Errorf("%s type metadata does not round-trip", ty.Slug)
		}
		if m.VCT != ty.VCT || len(m.Claims) != len(ty.Claims) || len(m.Display) != 2 {
			t.Errorf("%s: type metadata %s", ty.Slug, raw)
		}
		if sdjwtvc.Integrity(raw) != ty.TypeMetadataIntegrity() {
			t.Errorf("%s: integrity", ty.Slug)
		}
	}
}

func strictDecode(t *testing.T, raw []byte, into any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
}

func TestValidity(t *testing.T) {
	jan31 := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"P3M":  jan31.AddDate(0, 3, 0),
		"P1Y":  jan31.AddDate(1, 0, 0),
		"P2W":  jan31.AddDate(0, 0, 14),
		"P30D": jan31.AddDate(0, 0, 30),
		"P10Y": jan31.AddDate(10, 0, 0),
	} {
		v, err := ParseValidity(in)
		if err != nil || !v.Expiry(jan31).Equal(want) || v.String() != in {
			t.Errorf("%s: %v %v %s", in, v.Expiry(jan31), err, v)
		}
	}
	for _, bad := range []string{"", "P", "3M", "P0D", "P-1D", "P+1D", "P1H", "P11Y", "P1Y2M", "PT1H", "P01D"} {
		if _, err := ParseValidity(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestLoadRefusesBrokenDefinitions breaks the model definition in each way
// README.md forbids and checks that Load names the problem.
func TestLoadRefusesBrokenDefinitions(t *testing.T) {
	base, err := fs.ReadFile(embedded, "types/resident-registration-certificate.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		mutate func(d map[string]any)
		want   string
	}{
		{"claim not in schema", func(d map[string]any) {
			d["claims"] = append(d["claims"].([]any), map[string]any{"path": []any{"ghost"}, "sd": "always", "sensitivity": "ordinary", "label": map[string]any{"ko": "유령", "en": "Ghost"}})
		}, "claim ghost is not declared by the schema"},
		{"schema property without claim", func(d map[string]any) {
			d["claims"] = d["claims"].([]any)[1:]
		}, "the schema declares name but no claim describes it"},
		{"sensitive in plain text", func(d map[string]any) {
			c := d["claims"].([]any)[1].(map[string]any)
			c["sensitivity"], c["sd"] = "sensitive", "never"
		}, "claim birthdate is sensitive, so it must be sd always"},
		{"missing English label", func(d map[string]any) {
			delete(d["claims"].([]any)[0].(map[string]any)["label"].(map[string]any), "en")
		}, "claim name needs exactly a ko and an en label"},
		{"enum value without label", func(d map[string]any) {
			for _, c := range d["claims"].([]any) {
				if vals, ok := c.(map[string]any)["values"].(map[string]any); ok {
					delete(vals, "spouse")
					return
				}
			}
		}, `value "spouse" needs a ko and an en label`},
		{"registered claim", func(d map[string]any) {
			d["schema"].(map[string]any)["properties"].(map[string]any)["iss"] = map[string]any{"type": "string"}
		}, `the schema declares the registered claim "iss"`},
		{"RRN property", func(d map[string]any) {
			d["schema"].(map[string]any)["properties"].(map[string]any)["resident_registration_number"] = map[string]any{"type": "string"}
		}, "claim resident_registration_number is named like a resident registration number"},
		{"RRN value", func(d map[string]any) { d["example"].(map[string]any)["name"] = "990412-2345678" }, "looks like a resident registration number"},
		{"invalid example", func(d map[string]any) { d["example"].(map[string]any)["household_size"] = 0 }, "example: claims do not fit"},
		{"open object", func(d map[string]any) { delete(d["schema"].(map[string]any), "additionalProperties") }, `additionalProperties`},
		{"bad validity", func(d map[string]any) { d["validity"] = "P3X" }, "validity"},
		{"top-level plain personal claim", func(d map[string]any) {
			d["claims"].([]any)[0].(map[string]any)["sensitivity"] = "unique_identifier"
			d["claims"].([]any)[0].(map[string]any)["sd"] = "never"
		}, "claim name is unique_identifier, so it must be sd always"},
		{"object without properties", func(d map[string]any) {
			d["schema"].(map[string]any)["properties"].(map[string]any)["address"] = map[string]any{"type": "object"}
		}, `the object at "address" declares no properties`},
		{"array without items", func(d map[string]any) {
			delete(d["schema"].(map[string]any)["properties"].(map[string]any)["members"].(map[string]any), "items")
		}, `the array at "members" declares no items`},
		{"civil number out of range", func(d map[string]any) { d["civil_number"] = 30 }, "civil_number"},
		{"unknown issuer kind", func(d map[string]any) { d["issuer_kind"] = "ministry-of-magic" }, "issuer_kind"},
		{"external $ref", func(d map[string]any) {
			d["schema"].(map[string]any)["properties"].(map[string]any)["name"] = map[string]any{"$ref": "https://example.com/name.json"}
		}, "is neither into common.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d map[string]any
			if err := json.Unmarshal(base, &d); err != nil {
				t.Fatal(err)
			}
			c.mutate(d)
			raw, _ := json.Marshal(d)
			fsys := fstest.MapFS{"types/resident-registration-certificate.json": {Data: raw}}
			for _, f := range []string{"common.json", "issuers.json", "values.json"} {
				b, _ := fs.ReadFile(embedded, f)
				fsys[f] = &fstest.MapFile{Data: b}
			}
			_, err := Load(fsys)
			if err == nil || !errors.Is(err, ErrCatalogue) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	// A duplicate key is refused too.
	dup := bytes.Replace(base, []byte(`"major": 1,`), []byte(`"major": 1, "major": 2,`), 1)
	fsys := fstest.MapFS{"types/resident-registration-certificate.json": {Data: dup}}
	for _, f := range []string{"common.json", "issuers.json", "values.json"} {
		b, _ := fs.ReadFile(embedded, f)
		fsys[f] = &fstest.MapFile{Data: b}
	}
	if _, err := Load(fsys); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate key: %v", err)
	}
}

func TestTypesOrder(t *testing.T) {
	types := Default().Types()
	var groups []Group
	for _, ty := range types {
		if len(groups) == 0 || groups[len(groups)-1] != ty.Group {
			groups = append(groups, ty.Group)
		}
	}
	if !slices.Equal(groups, groupOrder) {
		t.Errorf("groups in order %v, want %v", groups, groupOrder)
	}
}
