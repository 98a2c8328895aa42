package jsonld

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/piprate/json-gold/ld"

	"github.com/seoulid/seoulid/internal/jcs"
)

// The RDF and XSD IRIs of JSON-LD 1.1 API §8.
const (
	rdfNS         = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	xsdNS         = "http://www.w3.org/2001/XMLSchema#"
	rdfType       = rdfNS + "type"
	rdfFirst      = rdfNS + "first"
	rdfRest       = rdfNS + "rest"
	rdfNil        = rdfNS + "nil"
	rdfJSON       = rdfNS + "JSON"
	rdfLangString = rdfNS + "langString"
	xsdString     = xsdNS + "string"
	xsdBoolean    = xsdNS + "boolean"
	xsdInteger    = xsdNS + "integer"
	xsdDouble     = xsdNS + "double"
)

// AbsoluteIRI reports whether s has the shape of an absolute IRI (RFC
// 3987 §2.2): a scheme (a letter, then letters, digits, "+", "-", "."), a
// colon, and none of the characters an IRI cannot hold (white space,
// <>"{}|^` and backslash).
func AbsoluteIRI(s string) bool {
	colon := strings.IndexByte(s, ':')
	if colon < 1 {
		return false
	}
	for i := 0; i < colon; i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return !strings.ContainsAny(s[colon:], " \t\n\r\f\v<>\"{}|^`\\")
}

// toRDF is the Deserialize JSON-LD to RDF algorithm (JSON-LD 1.1 API §8.1)
// over json-gold's node map (§7.2). It differs from json-gold's ToRDF in
// two ways: a statement whose IRI is not absolute is an error, not
// silently dropped (what is dropped is not signed); and IRIs are checked
// for the shape of an absolute IRI only, where json-gold runs a large URL
// regular expression on every http(s) IRI of every statement (most of the
// cost of canonicalizing a credential; decision 0016).
func toRDF(expanded []any) (*ld.RDFDataset, error) {
	issuer := ld.NewIdentifierIssuer("_:b")
	nodeMap := map[string]any{"@default": map[string]any{}}
	if _, err := ld.NewJsonLdApi().GenerateNodeMap(expanded, nodeMap, "@default", issuer, "", "", nil); err != nil {
		return nil, err
	}
	ds := ld.NewRDFDataset()
	for graphName, g := range nodeMap {
		if graphName != "@default" && !isNode(graphName) {
			return nil, fmt.Errorf("%w: the graph name %q is not an absolute IRI", ErrInvalid, graphName)
		}
		graph, _ := g.(map[string]any)
		var quads []*ld.Quad
		for id, n := range graph {
			if !isNode(id) {
				return nil, fmt.Errorf("%w: the node %q is not an absolute IRI", ErrInvalid, id)
			}
			node, _ := n.(map[string]any)
			subject := nodeOf(id)
			for property, v := range node {
				values, _ := v.([]any)
				switch {
				case property == "@type":
					property = rdfType
				case strings.HasPrefix(property, "@"):
					continue // other keywords (§8.1 step 1.3.2.2)
				case strings.HasPrefix(property, "_:"):
					continue // a blank node predicate: generalized RDF, not produced
				case !isNode(property):
					return nil, fmt.Errorf("%w: the property %q is not an absolute IRI", ErrInvalid, property)
				}
				predicate := ld.NewIRI(property)
				for _, item := range values {
					if property == rdfType {
						t, _ := item.(string)
						if !isNode(t) {
							return nil, fmt.Errorf("%w: the type %q is not an absolute IRI", ErrInvalid, t)
						}
						quads = append(quads, ld.NewQuad(subject, predicate, nodeOf(t), graphName))
						continue
					}
					var object ld.Node
					var err error
					object, quads, err = objectToRDF(item, issuer, graphName, quads)
					if err != nil {
						return nil, err
					}
					quads = append(quads, ld.NewQuad(subject, predicate, object, graphName))
				}
			}
		}
		ds.Graphs[graphName] = quads
	}
	return ds, nil
}

// isNode reports whether s names a node: a blank node or an absolute IRI.
func isNode(s string) bool { return strings.HasPrefix(s, "_:") || AbsoluteIRI(s) }

func nodeOf(s string) ld.Node {
	if strings.HasPrefix(s, "_:") {
		return ld.NewBlankNode(s)
	}
	return ld.NewIRI(s)
}

// objectToRDF is Object to RDF Conversion (§8.4); a list becomes its
// rdf:first/rdf:rest statements (§8.5), appended to quads.
func objectToRDF(item any, issuer *ld.IdentifierIssuer, graph string, quads []*ld.Quad) (ld.Node, []*ld.Quad, error) {
	m, _ := item.(map[string]any)
	if m == nil {
		return nil, quads, fmt.Errorf("%w: an expanded value is not an object", ErrInvalid)
	}
	if list, ok := m["@list"]; ok {
		elems, _ := list.([]any)
		return listToRDF(elems, issuer, graph, quads)
	}
	value, isValue := m["@value"]
	if !isValue {
		id, _ := m["@id"].(string)
		if !isNode(id) {
			return nil, quads, fmt.Errorf("%w: the node %q is not an absolute IRI", ErrInvalid, id)
		}
		return nodeOf(id), quads, nil
	}
	datatype, _ := m["@type"].(string)
	if datatype != "" && datatype != "@json" && !AbsoluteIRI(datatype) {
		return nil, quads, fmt.Errorf("%w: the datatype %q is not an absolute IRI", ErrInvalid, datatype)
	}
	lit := func(v, dflt string) (ld.Node, []*ld.Quad, error) {
		if datatype == "" {
			datatype = dflt
		}
		return ld.NewLiteral(v, datatype, ""), quads, nil
	}
	if datatype == "@json" {
		// §8.4 step 6: the JSON literal's canonical form (RFC 8785).
		b, err := jcs.Append(nil, value)
		if err != nil {
			return nil, quads, fmt.Errorf("%w: a JSON literal: %v", ErrInvalid, err)
		}
		return ld.NewLiteral(string(b), rdfJSON, ""), quads, nil
	}
	switch v := value.(type) {
	case bool:
		return lit(strconv.FormatBool(v), xsdBoolean)
	case json.Number, float64, int, int64:
		f, ok := toFloat(v)
		if !ok {
			return nil, quads, fmt.Errorf("%w: the number %v", ErrInvalid, v)
		}
		// §8.4 steps 10–11: a number with a fractional part, or of
		// magnitude 10^21 or more, or typed xsd:double, is an xsd:double in
		// canonical form; any other number an xsd:integer.
		if f != math.Trunc(f) || math.Abs(f) >= 1e21 || datatype == xsdDouble {
			return lit(canonicalDouble(f), xsdDouble)
		}
		return lit(strconv.FormatFloat(f, 'f', 0, 64), xsdInteger)
	case string:
		if lang, ok := m["@language"].(string); ok {
			return ld.NewLiteral(v, rdfLangString, lang), quads, nil
		}
		return lit(v, xsdString)
	}
	return nil, quads, fmt.Errorf("%w: a value of %T", ErrInvalid, value)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

var exponentZeros = regexp.MustCompile(`(\d)0*E\+?(-)?0*(\d)`)

// canonicalDouble is the canonical lexical form of an xsd:double as
// JSON-LD writes it: a mantissa of up to 15 decimals without trailing
// zeros, "E", the exponent without sign (when positive) or leading zeros:
// 1.1E0, 1.0E21, -5.0E-1.
func canonicalDouble(f float64) string {
	return exponentZeros.ReplaceAllString(fmt.Sprintf("%1.15E", f), "${1}E${2}${3}")
}

// listToRDF is List Conversion (§8.5).
func listToRDF(elems []any, issuer *ld.IdentifierIssuer, graph string, quads []*ld.Quad) (ld.Node, []*ld.Quad, error) {
	if len(elems) == 0 {
		return ld.NewIRI(rdfNil), quads, nil
	}
	head := ld.NewBlankNode(issuer.GetId(""))
	cur := head
	for i, e := range elems {
		obj, q, err := objectToRDF(e, issuer, graph, quads)
		if err != nil {
			return nil, quads, err
		}
		quads = append(q, ld.NewQuad(cur, ld.NewIRI(rdfFirst), obj, graph))
		var next ld.Node = ld.NewIRI(rdfNil)
		if i < len(elems)-1 {
			next = ld.NewBlankNode(issuer.GetId(""))
		}
		quads = append(quads, ld.NewQuad(cur, ld.NewIRI(rdfRest), next, graph))
		if bn, ok := next.(ld.BlankNode); ok {
			cur = bn
		}
	}
	return head, quads, nil
}
