package jsonld

import (
	"embed"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/piprate/json-gold/ld"

	"github.com/seoulid/seoulid/internal/jsonx"
)

//go:embed contexts/*.jsonld
var contextFS embed.FS

// contextFiles maps each context URL this package knows to its file.
var contextFiles = map[string]string{
	"https://www.w3.org/ns/credentials/v2":            "credentials-v2.jsonld",
	"https://www.w3.org/ns/credentials/examples/v2":   "credentials-examples-v2.jsonld",
	"https://www.w3.org/2018/credentials/v1":          "credentials-v1.jsonld",
	"https://www.w3.org/2018/credentials/examples/v1": "credentials-examples-v1.jsonld",
	"https://w3id.org/security/data-integrity/v2":     "data-integrity-v2.jsonld",
	"https://w3id.org/security/multikey/v1":           "multikey-v1.jsonld",
	// seoulid's own: the vocabulary of the catalogue's claims and types
	// (w3c.ContextSeoulID).
	"https://seoulid.github.io/ns/credentials/v1": "seoulid-v1.jsonld",
}

// The errors Canonicalize returns, wrapped with detail.
var (
	// ErrUnknownContext: the document names a context that is not
	// embedded.
	ErrUnknownContext = errors.New("jsonld: context not available offline")
	// ErrLimit: the document is larger, deeper or has more quads or blank
	// nodes than the Limits allow.
	ErrLimit = errors.New("jsonld: document exceeds a limit")
	// ErrInvalid: the document is not valid JSON-LD, or uses a term its
	// contexts do not define (safe mode).
	ErrInvalid = errors.New("jsonld: invalid document")
)

// Limits bound what Canonicalize processes. A zero field means its
// default.
type Limits struct {
	MaxBytes      int // of the JSON text; default 256 KiB
	MaxDepth      int // of nested arrays and objects; default 32
	MaxQuads      int // of the RDF dataset; default 4,096
	MaxBlankNodes int // distinct blank nodes; default 64
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxBytes, 256<<10)
	def(&l.MaxDepth, 32)
	def(&l.MaxQuads, 4096)
	def(&l.MaxBlankNodes, 64)
	return l
}

// Loader is a JSON-LD document loader (ld.DocumentLoader) that serves the
// embedded contexts only.
type Loader struct{}

var (
	parseOnce sync.Once
	parsed    map[string]any
	parseErr  error
)

func contexts() (map[string]any, error) {
	parseOnce.Do(func() {
		parsed = map[string]any{}
		for u, f := range contextFiles {
			b, err := contextFS.ReadFile(path.Join("contexts", f))
			if err != nil {
				parseErr = err
				return
			}
			doc, err := ld.DocumentFromReader(strings.NewReader(string(b)))
			if err != nil {
				parseErr = fmt.Errorf("jsonld: the embedded context %s: %w", u, err)
				return
			}
			parsed[u] = doc
		}
	})
	return parsed, parseErr
}

// LoadDocument returns the embedded context at u, or ErrUnknownContext.
func (Loader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	docs, err := contexts()
	if err != nil {
		return nil, err
	}
	doc, ok := docs[u]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownContext, u)
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// Parse parses a JSON-LD document's text strictly (duplicate names
// refused) within lim and returns it as an object.
func Parse(data []byte, lim Limits) (map[string]any, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrLimit, len(data), lim.MaxBytes)
	}
	m, err := jsonx.ParseObjectWithLimits(data, jsonx.Limits{MaxBytes: lim.MaxBytes})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if depth(m, 0, lim.MaxDepth) > lim.MaxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrLimit, lim.MaxDepth)
	}
	return m, nil
}

// Canonicalize returns the canonical N-Quads (RDFC-1.0) of the JSON-LD
// document doc, a value as Parse or jsonx returns it, within lim. Terms
// the contexts do not define are an error (json-gold's safe mode), so
// that nothing signed is silently dropped from the signature.
func Canonicalize(doc map[string]any, lim Limits) (string, error) {
	lim = lim.withDefaults()
	if d := depth(doc, 0, lim.MaxDepth); d > lim.MaxDepth {
		return "", fmt.Errorf("%w: nested deeper than %d", ErrLimit, lim.MaxDepth)
	}
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = Loader{}
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.SafeMode = true
	expanded, err := expand(doc, opts)
	if err != nil {
		return "", classify(err)
	}
	if err := absoluteIDs(expanded); err != nil {
		return "", err
	}
	ds, err := toRDF(expanded)
	if err != nil {
		return "", classify(err)
	}
	quads, blanks := 0, map[string]bool{}
	for _, g := range ds.Graphs {
		quads += len(g)
		for _, q := range g {
			for _, n := range []ld.Node{q.Subject, q.Object, q.Graph} {
				if n != nil && ld.IsBlankNode(n) {
					blanks[n.GetValue()] = true
				}
			}
		}
	}
	if quads > lim.MaxQuads {
		return "", fmt.Errorf("%w: %d quads, at most %d", ErrLimit, quads, lim.MaxQuads)
	}
	if len(blanks) > lim.MaxBlankNodes {
		return "", fmt.Errorf("%w: %d blank nodes, at most %d", ErrLimit, len(blanks), lim.MaxBlankNodes)
	}
	nopts := ld.NewJsonLdOptions("")
	nopts.Algorithm = ld.AlgorithmURDNA2015
	nopts.Format = "application/n-quads"
	n, err := ld.NewJsonLdApi().Normalize(ds, nopts)
	if err != nil {
		return "", classify(err)
	}
	s, ok := n.(string)
	if !ok {
		return "", fmt.Errorf("%w: canonicalization gave no N-Quads", ErrInvalid)
	}
	return s, nil
}

// contextCache holds active contexts by the JSON of the @context value
// that made them: processing a context is most of the cost of expanding a
// credential, and credentials share a handful of contexts. Every context
// is embedded, so a value means the same thing every time.
var contextCache = struct {
	sync.Mutex
	m map[string]*ld.Context
}{m: map[string]*ld.Context{}}

// maxCachedContexts bounds the cache: contexts beyond it are processed
// each time.
const maxCachedContexts = 64

// activeContext returns the active context of a document whose top-level
// @context is c (JSON-LD 1.1 Expansion §4.1.2 step 9: context processing
// from an empty active context).
func activeContext(c any, opts *ld.JsonLdOptions) (*ld.Context, error) {
	key, err := jsonx.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("%w: @context: %w", ErrInvalid, err)
	}
	contextCache.Lock()
	ac, ok := contextCache.m[string(key)]
	contextCache.Unlock()
	if ok {
		return ac, nil
	}
	ac, err = ld.NewContext(nil, opts).Parse(c)
	if err != nil {
		return nil, err
	}
	contextCache.Lock()
	if len(contextCache.m) < maxCachedContexts {
		contextCache.m[string(key)] = ac
	}
	contextCache.Unlock()
	return ac, nil
}

// expand is JSON-LD 1.1 expansion (json-gold's JsonLdProcessor.Expand)
// with the top-level context taken from the cache.
func expand(doc map[string]any, opts *ld.JsonLdOptions) ([]any, error) {
	active := ld.NewContext(nil, opts)
	input := doc
	if c, ok := doc["@context"]; ok {
		var err error
		if active, err = activeContext(c, opts); err != nil {
			return nil, err
		}
		input = make(map[string]any, len(doc))
		for k, v := range doc {
			if k != "@context" {
				input[k] = v
			}
		}
	}
	input = graphContainerWorkaround(input)
	out, err := ld.NewJsonLdApi().Expand(active, "", input, opts, false, nil)
	if err != nil {
		return nil, err
	}
	// The final steps of the Expansion Algorithm (§5.1.2 steps 19–20).
	m, isMap := out.(map[string]any)
	if isMap && len(m) == 0 {
		out = nil
	}
	if g, ok := m["@graph"]; isMap && ok && len(m) == 1 {
		out = g
	}
	switch x := out.(type) {
	case nil:
		return []any{}, nil
	case []any:
		return x, nil
	default:
		return []any{x}, nil
	}
}

// absoluteIDs checks, in the expanded form, that every type and node
// identifier is an absolute IRI or a blank node: JSON-LD to RDF drops what
// is not (a type no context defines, where no @vocab applies, expands to
// a relative IRI), and what is dropped is not signed. Safe mode catches
// undefined terms in property position only.
func absoluteIDs(v any) error {
	ok := func(s string) bool { return strings.HasPrefix(s, "_:") || strings.Contains(s, ":") }
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := absoluteIDs(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range x {
			switch k {
			case "@id":
				if s, isString := e.(string); isString && !ok(s) {
					return fmt.Errorf("%w: the identifier %q is not an absolute IRI (data would be dropped)", ErrInvalid, s)
				}
			case "@type":
				types, _ := e.([]any)
				if s, isString := e.(string); isString {
					types = []any{s}
				}
				for _, t := range types {
					if s, isString := t.(string); isString && s != "@json" && !ok(s) {
						return fmt.Errorf("%w: the type %q is not defined by any context (data would be dropped)", ErrInvalid, s)
					}
				}
			default:
				if err := absoluteIDs(e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// graphContainerWorkaround makes a presentation's verifiableCredential
// values explicit graph objects ({"@graph": credential}).
//
// json-gold v0.9.1 looks a term's container up in the context the term's
// own scoped context makes, not in the active context (JSON-LD 1.1 API
// §13.7.12 says the active context's term definition): a term with both a
// scoped context and "@container": "@graph" expands as if it had no graph
// container. Of the embedded contexts, exactly one term is such: the VC 2.0
// context's verifiableCredential, inside VerifiablePresentation, with
// "@context": null. Without this, every presentation's canonical form
// differs from other implementations' and their signatures do not verify
// (TestPresentationCanonical pins it against jsonld.js).
func graphContainerWorkaround(doc map[string]any) map[string]any {
	creds, ok := doc["verifiableCredential"]
	if !ok || !isPresentation(doc) {
		return doc
	}
	list, isList := creds.([]any)
	if !isList {
		list = []any{creds}
	}
	wrapped := make([]any, len(list))
	for i, c := range list {
		wrapped[i] = map[string]any{"@graph": c}
	}
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		out[k] = v
	}
	out["verifiableCredential"] = wrapped
	return out
}

func isPresentation(doc map[string]any) bool {
	switch t := doc["type"].(type) {
	case string:
		return t == "VerifiablePresentation"
	case []any:
		for _, e := range t {
			if e == "VerifiablePresentation" {
				return true
			}
		}
	}
	return false
}

// classify keeps ErrUnknownContext (which json-gold wraps in its own
// error) and marks the rest ErrInvalid.
func classify(err error) error {
	if errors.Is(err, ErrUnknownContext) || strings.Contains(err.Error(), ErrUnknownContext.Error()) {
		return fmt.Errorf("%w: %v", ErrUnknownContext, err)
	}
	return fmt.Errorf("%w: %v", ErrInvalid, err)
}

// depth returns how deeply v nests, stopping once past limit.
func depth(v any, d, limit int) int {
	if d > limit {
		return d
	}
	deepest := d
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			deepest = max(deepest, depth(e, d+1, limit))
		}
	case []any:
		for _, e := range x {
			deepest = max(deepest, depth(e, d+1, limit))
		}
	}
	return deepest
}
