package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/sdjwt"
)

//go:embed README.md common.json issuers.json values.json types/*.json
var embedded embed.FS

// Catalogue is a loaded, checked set of credential types. It is immutable
// and safe for concurrent use.
type Catalogue struct {
	types   []*Type
	byVCT   map[string]*Type
	issuers map[string]IssuerKind
	common  []byte // common.json as written
}

// CommonSchema returns the shared definitions (common.json, $id
// urn:seoulid:schema:common:1) that the types' schemas refer to.
func (c *Catalogue) CommonSchema() json.RawMessage { return append(json.RawMessage(nil), c.common...) }

// ErrUnknownType is returned for a vct the catalogue does not define.
var ErrUnknownType = errors.New("unknown credential type")

// ErrCatalogue marks a definition that breaks the catalogue's rules.
var ErrCatalogue = errors.New("invalid catalogue")

var defaultCatalogue = sync.OnceValues(func() (*Catalogue, error) { return Load(embedded) })

// Default returns the catalogue embedded in the binary. The embedded files
// are checked by this package's tests, so an error here means a broken
// build; Default panics on it rather than let a part run without types.
func Default() *Catalogue {
	c, err := defaultCatalogue()
	if err != nil {
		panic("schemas: the embedded catalogue does not load: " + err.Error())
	}
	return c
}

// Types returns every type: the civil certificates by number, then the
// other groups in order, each by slug.
func (c *Catalogue) Types() []*Type { return slices.Clone(c.types) }

// Lookup returns the type of a vct.
func (c *Catalogue) Lookup(vct string) (*Type, error) {
	if t, ok := c.byVCT[vct]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownType, vct)
}

// IssuerKinds returns the issuing-authority kinds, by id.
func (c *Catalogue) IssuerKinds() []IssuerKind {
	out := make([]IssuerKind, 0, len(c.issuers))
	for _, k := range c.issuers {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// commonID is the $id of the shared definitions.
const commonID = "urn:seoulid:schema:common:1"

const dialect = "https://json-schema.org/draft/2020-12/schema"

// definition is a type file as written (README.md).
type definition struct {
	Slug           string           `json:"slug"`
	Major          int              `json:"major"`
	Group          Group            `json:"group"`
	CivilNumber    int              `json:"civil_number"`
	Provenance     Provenance       `json:"provenance"`
	ProvenanceNote string           `json:"provenance_note"`
	IssuerKind     string           `json:"issuer_kind"`
	Validity       string           `json:"validity"`
	Display        map[Lang]Display `json:"display"`
	Colors         Colors           `json:"colors"`
	Claims         []claimDef       `json:"claims"`
	Schema         json.RawMessage  `json:"schema"`
	Example        json.RawMessage  `json:"example"`
}

type claimDef struct {
	Path            sdjwt.Path      `json:"path"`
	SD              SD              `json:"sd"`
	Sensitivity     Sensitivity     `json:"sensitivity"`
	DefaultWithheld bool            `json:"default_withheld"`
	Label           Text            `json:"label"`
	Values          map[string]Text `json:"values"`
}

// Load reads and checks a catalogue laid out as in README.md: common.json,
// issuers.json, values.json and types/*.json. It reports every broken rule
// of every file, one per line.
func Load(fsys fs.FS) (*Catalogue, error) {
	var problems []error
	complain := func(file string, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s: %s", file, fmt.Sprintf(format, args...)))
	}

	var issuers map[string]Text
	if err := readStrict(fsys, "issuers.json", &issuers); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCatalogue, err)
	}
	var valueLabels map[string]map[string]Text
	if err := readStrict(fsys, "values.json", &valueLabels); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCatalogue, err)
	}
	commonRaw, err := fs.ReadFile(fsys, "common.json")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCatalogue, err)
	}
	common, err := parseSchemaDoc(commonRaw)
	if err != nil {
		return nil, fmt.Errorf("%w: common.json: %w", ErrCatalogue, err)
	}
	if id, _ := common["$id"].(string); id != commonID {
		return nil, fmt.Errorf("%w: common.json: $id is %q, want %q", ErrCatalogue, id, commonID)
	}
	cat := &Catalogue{byVCT: map[string]*Type{}, issuers: map[string]IssuerKind{}, common: commonRaw}
	for id, label := range issuers {
		if label[Korean] == "" || label[English] == "" {
			complain("issuers.json", "%s lacks a ko or en label", id)
		}
		cat.issuers[id] = IssuerKind{ID: id, Label: label}
	}
	defs, _ := common["$defs"].(map[string]any)
	for name, labels := range valueLabels {
		d, _ := defs[name].(map[string]any)
		if d == nil {
			complain("values.json", "labels %q for no $defs entry of common.json", name)
			continue
		}
		checkValueLabels(func(f string, a ...any) { complain("values.json", name+": "+f, a...) }, enumStrings(d), labels)
	}
	for name, d := range defs {
		if _, ok := valueLabels[name]; !ok && enumStrings(d.(map[string]any)) != nil {
			complain("values.json", "no labels for the enum %q of common.json", name)
		}
	}
	scanRRN(func(ptr, msg string) { complain("common.json", "%s %s", ptr, msg) }, "", common)

	// Two compilers: one for schemas as written, one for the disclosed
	// view, where any claim may have been withheld.
	full, disclosed := newCompiler(), newCompiler()
	if err := full.AddResource(commonID, common); err != nil {
		return nil, fmt.Errorf("%w: common.json: %w", ErrCatalogue, err)
	}
	if err := disclosed.AddResource(commonID, relax(deepCopy(common))); err != nil {
		return nil, fmt.Errorf("%w: common.json: %w", ErrCatalogue, err)
	}

	files, err := fs.Glob(fsys, "types/*.json")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCatalogue, err)
	}
	civil := map[int]string{}
	for _, file := range files {
		t, errs := loadType(fsys, file, cat, common, valueLabels, full, disclosed)
		problems = append(problems, errs...)
		if t == nil {
			continue
		}
		if other, dup := cat.byVCT[t.VCT]; dup {
			complain(file, "vct %s is already defined by %s", t.VCT, other.Slug)
			continue
		}
		if t.CivilNumber != 0 {
			if other, dup := civil[t.CivilNumber]; dup {
				complain(file, "civil_number %d is already %s", t.CivilNumber, other)
			}
			civil[t.CivilNumber] = t.Slug
		}
		cat.byVCT[t.VCT] = t
		cat.types = append(cat.types, t)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w:\n%w", ErrCatalogue, errors.Join(problems...))
	}
	sort.Slice(cat.types, func(i, j int) bool {
		a, b := cat.types[i], cat.types[j]
		ga, gb := slices.Index(groupOrder, a.Group), slices.Index(groupOrder, b.Group)
		switch {
		case a.Group.Civil() && b.Group.Civil():
			return a.CivilNumber < b.CivilNumber
		case ga != gb:
			return ga < gb
		}
		return a.Slug < b.Slug
	})
	return cat, nil
}

var (
	slugPattern  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	colorPattern = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
)

// registered are the claims SD-JWT VC and JWT define; a type's schema may
// not declare them (draft-ietf-oauth-sd-jwt-vc-25 §2.2.2; RFC 9901 §4.1).
var registered = []string{"iss", "sub", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", "aka_vcts", "_sd", "_sd_alg", "..."}

func loadType(fsys fs.FS, file string, cat *Catalogue, common map[string]any, valueLabels map[string]map[string]Text, full, disclosed *jsonschema.Compiler) (*Type, []error) {
	var errs []error
	complain := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", file, fmt.Sprintf(format, args...)))
	}
	var d definition
	if err := readStrict(fsys, file, &d); err != nil {
		return nil, []error{err}
	}
	if !slugPattern.MatchString(d.Slug) || path.Base(file) != d.Slug+".json" {
		complain("slug %q must be [a-z0-9-]+ and the file must be named <slug>.json", d.Slug)
	}
	if d.Major < 1 {
		complain("major must be 1 or more")
	}
	if !slices.Contains(groupOrder, d.Group) {
		complain("unknown group %q", d.Group)
	}
	if d.Group.Civil() != (d.CivilNumber != 0) || d.CivilNumber < 0 || d.CivilNumber > 29 {
		complain("civil_number must be 1–29 for a civil group and absent otherwise")
	}
	switch d.Provenance {
	case FromSource, FromWeakSource, Reconstruction:
	default:
		complain("unknown provenance %q", d.Provenance)
	}
	if strings.TrimSpace(d.ProvenanceNote) == "" {
		complain("provenance_note is missing")
	}
	kind, ok := cat.issuers[d.IssuerKind]
	if !ok {
		complain("issuer_kind %q is not in issuers.json", d.IssuerKind)
	}
	validity, err := ParseValidity(d.Validity)
	if err != nil {
		complain("%v", err)
	}
	for _, l := range Langs {
		if disp := d.Display[l]; disp.Name == "" || disp.Description == "" || disp.Issuer == "" {
			complain("display %s needs name, description and issuer", l)
		}
	}
	if len(d.Display) != len(Langs) {
		complain("display must have exactly the languages ko and en")
	}
	if !colorPattern.MatchString(d.Colors.Background) || !colorPattern.MatchString(d.Colors.Text) {
		complain("colors must be #RRGGBB")
	}

	t := &Type{
		VCT: VCT(d.Slug, d.Major), Slug: d.Slug, Major: d.Major, Group: d.Group, CivilNumber: d.CivilNumber,
		Provenance: d.Provenance, ProvenanceNote: d.ProvenanceNote, IssuerKind: kind, Validity: validity,
		Display: d.Display, Colors: d.Colors, byPath: map[string]int{},
	}

	schema, err := parseSchemaDoc(d.Schema)
	if err != nil {
		complain("schema: %v", err)
		return nil, errs
	}
	id := SchemaID(d.Slug, d.Major)
	if got, _ := schema["$id"].(string); got != id {
		complain("schema $id is %q, want %q", got, id)
		return nil, errs
	}
	if typ, _ := schema["type"].(string); typ != "object" || schema["additionalProperties"] != false {
		complain(`schema must be "type": "object" with "additionalProperties": false`)
	}
	scanRRN(func(ptr, msg string) { complain("schema%s %s", ptr, msg) }, "", schema)

	// What the schema declares, path by path.
	declared := map[string]*node{}
	var order []string
	w := walker{common: common, root: schema, declared: declared, order: &order, complain: complain}
	w.walk(schema, nil, true, 0)
	for _, p := range order {
		last := declared[p].path[len(declared[p].path)-1]
		if name, ok := last.(string); ok && namedLikeRRN(name) {
			complain("claim %s is named like a resident registration number, which no credential may carry", p)
		}
	}
	props, _ := schema["properties"].(map[string]any)
	for _, r := range registered {
		if _, ok := props[r]; ok {
			complain("the schema declares the registered claim %q", r)
		}
	}

	// The claims, one per declared path.
	for i, c := range d.Claims {
		key := c.Path.String()
		if _, dup := t.byPath[key]; dup {
			complain("claim %s is listed twice", key)
			continue
		}
		n := declared[key]
		if n == nil {
			complain("claim %s is not declared by the schema", key)
			continue
		}
		if c.SD != SDAlways && c.SD != SDNever {
			complain("claim %s: sd must be always or never", key)
		}
		switch c.Sensitivity {
		case Ordinary:
		case Sensitive, UniqueIdentifier:
			if c.SD != SDAlways {
				complain("claim %s is %s, so it must be sd always", key, c.Sensitivity)
			}
		default:
			complain("claim %s: unknown sensitivity %q", key, c.Sensitivity)
		}
		if c.DefaultWithheld && c.SD != SDAlways {
			complain("claim %s is default_withheld, so it must be sd always", key)
		}
		if strings.TrimSpace(c.Label[Korean]) == "" || strings.TrimSpace(c.Label[English]) == "" || len(c.Label) != len(Langs) {
			complain("claim %s needs exactly a ko and an en label", key)
		}
		values := c.Values
		enum := enumStrings(n.schema)
		switch {
		case enum == nil && values != nil:
			complain("claim %s has value labels but is not a string enum", key)
		case enum != nil && n.commonDef != "" && valueLabels[n.commonDef] != nil:
			if values != nil {
				complain("claim %s labels values that values.json labels (%s)", key, n.commonDef)
			}
			values = valueLabels[n.commonDef]
		case enum != nil:
			checkValueLabels(func(f string, a ...any) { complain("claim "+key+": "+f, a...) }, enum, values)
		}
		t.byPath[key] = i
		t.Claims = append(t.Claims, Claim{
			Path: c.Path, SD: c.SD, Sensitivity: c.Sensitivity, DefaultWithheld: c.DefaultWithheld,
			Mandatory: n.mandatory, Label: c.Label, Values: values,
		})
	}
	for _, p := range order {
		if _, ok := t.byPath[p]; !ok {
			complain("the schema declares %s but no claim describes it", p)
		}
	}
	for i := range t.Claims {
		c := &t.Claims[i]
		c.EffectiveSensitivity = c.Sensitivity
		for j := len(c.Path) - 1; j > 0; j-- {
			if a := t.Claim(c.Path[:j]); a != nil && a.Sensitivity.rank() > c.EffectiveSensitivity.rank() {
				c.EffectiveSensitivity = a.Sensitivity
			}
		}
	}

	// Compile, then check the example.
	if err := full.AddResource(id, schema); err != nil {
		complain("schema: %v", err)
		return nil, errs
	}
	if err := disclosed.AddResource(id, relax(deepCopy(schema))); err != nil {
		complain("schema: %v", err)
		return nil, errs
	}
	if t.full, err = full.Compile(id); err != nil {
		complain("schema does not compile: %v", err)
		return nil, errs
	}
	if t.disclosed, err = disclosed.Compile(id); err != nil {
		complain("schema does not compile without required: %v", err)
		return nil, errs
	}
	t.schemaJSON = indent(d.Schema)
	t.exampleJSON = indent(d.Example)
	example, err := jsonx.ParseObject(d.Example)
	if err != nil {
		complain("example: %v", err)
	} else if err := t.Validate(example); err != nil {
		complain("example: %v", err)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if t.metadata, err = json.MarshalIndent(t.TypeMetadata(), "", "  "); err != nil {
		complain("type metadata: %v", err)
		return nil, errs
	}
	return t, nil
}

// node is a claim path the schema declares.
type node struct {
	path      sdjwt.Path
	schema    map[string]any // resolved through $ref
	commonDef string         // the common.json $defs name it refers to, if any
	mandatory bool
}

type walker struct {
	common, root map[string]any
	declared     map[string]*node
	order        *[]string
	complain     func(string, ...any)
}

// resolve follows $ref to common.json or the schema's own $defs.
func (w *walker) resolve(s map[string]any) (map[string]any, string) {
	def := ""
	for hops := 0; hops < 16; hops++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s, def
		}
		var doc map[string]any
		var name string
		inCommon := false
		switch {
		case strings.HasPrefix(ref, commonID+"#/$defs/"):
			doc, name, inCommon = w.common, strings.TrimPrefix(ref, commonID+"#/$defs/"), true
		case strings.HasPrefix(ref, "#/$defs/"):
			doc, name = w.root, strings.TrimPrefix(ref, "#/$defs/")
		default:
			w.complain("$ref %q is neither into common.json nor into the schema's own $defs", ref)
			return s, def
		}
		defs, _ := doc["$defs"].(map[string]any)
		next, _ := defs[name].(map[string]any)
		if next == nil {
			w.complain("$ref %q names no definition", ref)
			return s, def
		}
		if inCommon && def == "" {
			def = name
		}
		s = next
	}
	w.complain("$ref chain too long")
	return s, def
}

func (w *walker) walk(s map[string]any, at sdjwt.Path, mandatory bool, depth int) {
	if depth > 16 {
		w.complain("schema nests deeper than 16 levels at %s", at)
		return
	}
	s, _ = w.resolve(s)
	for _, k := range []string{"prefixItems", "patternProperties", "additionalItems"} {
		if _, ok := s[k]; ok {
			w.complain("schema uses %s at %s; declare objects with properties and arrays with items", k, at)
		}
	}
	props, isObject := s["properties"].(map[string]any)
	items, isArray := s["items"].(map[string]any)
	switch typ, _ := s["type"].(string); {
	case typ == "object" && !isObject:
		w.complain("the object at %q declares no properties", at.String())
	case typ == "array" && !isArray:
		w.complain("the array at %q declares no items", at.String())
	}
	if isObject {
		if s["additionalProperties"] != false {
			w.complain("the object at %q must be closed (additionalProperties false)", at.String())
		}
		required := map[string]bool{}
		if rs, ok := s["required"].([]any); ok {
			for _, r := range rs {
				if name, ok := r.(string); ok {
					required[name] = true
				}
			}
		}
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			sub, _ := props[name].(map[string]any)
			if sub == nil {
				w.complain("property %q at %q is not a schema object", name, at.String())
				continue
			}
			w.declare(append(slices.Clone(at), name), sub, mandatory && required[name], depth)
		}
	}
	if isArray {
		min, _ := jsonx.Int64(s["minItems"])
		w.declare(append(slices.Clone(at), nil), items, mandatory && min > 0, depth)
	}
}

func (w *walker) declare(p sdjwt.Path, s map[string]any, mandatory bool, depth int) {
	resolved, def := w.resolve(s)
	key := p.String()
	w.declared[key] = &node{path: p, schema: resolved, commonDef: def, mandatory: mandatory}
	*w.order = append(*w.order, key)
	w.walk(resolved, p, mandatory, depth+1)
}

// enumStrings returns the values of a string enum, or nil.
func enumStrings(s map[string]any) []string {
	vals, ok := s["enum"].([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			return nil
		}
		out = append(out, str)
	}
	return out
}

func checkValueLabels(complain func(string, ...any), enum []string, labels map[string]Text) {
	for _, v := range enum {
		l := labels[v]
		if strings.TrimSpace(l[Korean]) == "" || strings.TrimSpace(l[English]) == "" {
			complain("value %q needs a ko and an en label", v)
		}
	}
	for v := range labels {
		if !slices.Contains(enum, v) {
			complain("label for %q, which is not a value of the enum", v)
		}
	}
}

// relax returns the schema for disclosed claims: any claim may have been
// withheld, so nothing is required and arrays may be short.
func relax(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range []string{"required", "minItems", "minProperties", "dependentRequired", "minContains"} {
			delete(x, k)
		}
		for k, sub := range x {
			switch k {
			case "properties", "patternProperties", "$defs", "dependentSchemas":
				if m, ok := sub.(map[string]any); ok {
					for name, s := range m {
						m[name] = relax(s)
					}
				}
			case "enum", "const", "examples", "default":
			default:
				x[k] = relax(sub)
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = relax(x[i])
		}
	}
	return v
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, s := range x {
			m[k] = deepCopy(s)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i := range x {
			a[i] = deepCopy(x[i])
		}
		return a
	}
	return v
}

func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	return c
}

// noLoader refuses every URL: the catalogue's schemas refer only to each
// other, and nothing is ever fetched.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schemas are never fetched (%s is not in the catalogue)", url)
}

// parseSchemaDoc reads a schema strictly (no duplicate keys) into the
// values the validator uses, and checks its dialect.
func parseSchemaDoc(raw []byte) (map[string]any, error) {
	if _, err := jsonx.Parse(raw); err != nil {
		return nil, err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a schema must be a JSON object")
	}
	if m["$schema"] != dialect {
		return nil, fmt.Errorf("$schema must be %q", dialect)
	}
	return m, nil
}

// readStrict decodes a file with duplicate keys and unknown members refused.
func readStrict(fsys fs.FS, file string, into any) error {
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return err
	}
	if _, err := jsonx.Parse(raw); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

func indent(raw []byte) []byte {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return append([]byte(nil), raw...)
	}
	return b.Bytes()
}
