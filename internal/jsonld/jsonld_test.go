package jsonld

import (
	"errors"
	"github.com/piprate/json-gold/ld"
	"os"
	"strings"
	"testing"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The canonical form of the Data Integrity EdDSA cryptosuites' example
// credential (W3C vc-di-eddsa, eddsa-rdfc-2022 test vectors).
func TestCanonicalizeVector(t *testing.T) {
	doc, err := Parse(read(t, "unsigned.json"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Canonicalize(doc, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := string(read(t, "canonDocDataInt.txt")); strings.TrimSpace(got) != strings.TrimSpace(want) {
		t.Errorf("canonical form:\n%s\nwant\n%s", got, want)
	}
}

func TestRefused(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		lim       Limits
		want      error
	}{
		{"a context not embedded", `{"@context":"https://example.com/ctx","name":"x"}`, Limits{}, ErrUnknownContext},
		{"an undefined term", `{"@context":{"@version":1.1,"name":"https://schema.org/name"},"name":"x","other":"y"}`, Limits{}, ErrInvalid},
		{"an undefined type", `{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential","UndefinedType"],"issuer":"did:example:1"}`, Limits{}, ErrInvalid},
		{"a relative id", `{"@context":["https://www.w3.org/2018/credentials/v1"],"id":"relative","type":"VerifiableCredential"}`, Limits{}, ErrInvalid},
		{"too deep", `{"@context":"https://www.w3.org/ns/credentials/v2","credentialSubject":{"a":{"b":{"c":{}}}}}`, Limits{MaxDepth: 3}, ErrLimit},
		{"too many quads", string(read(t, "unsigned.json")), Limits{MaxQuads: 3}, ErrLimit},
		{"too many blank nodes", `{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"knows":[{"name":"a"},{"name":"b"},{"name":"c"}]}`, Limits{MaxBlankNodes: 2}, ErrLimit},
	} {
		doc, err := Parse([]byte(c.doc), c.lim)
		if err == nil {
			_, err = Canonicalize(doc, c.lim)
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Parse([]byte(`{"a":1,"a":2}`), Limits{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate names: %v", err)
	}
	if _, err := Parse(make([]byte, 100), Limits{MaxBytes: 10}); !errors.Is(err, ErrLimit) {
		t.Errorf("too large: %v", err)
	}
}

func FuzzCanonicalize(f *testing.F) {
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"type":"VerifiableCredential","knows":[{"name":"a"},{"knows":{"name":"b"}}]}`))
	f.Add([]byte(`{"@context":{"@vocab":"https://example.com/"},"@graph":[{"@id":"_:a","p":{"@id":"_:b"}},{"@id":"_:b","p":{"@id":"_:a"}}]}`))
	f.Add([]byte(`{"@context":"https://example.com/remote"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxBytes: 1 << 14, MaxBlankNodes: 16, MaxQuads: 256}
		doc, err := Parse(data, lim)
		if err != nil {
			return
		}
		a, err := Canonicalize(doc, lim)
		if err != nil {
			return
		}
		// Canonicalization is a function of the document.
		if b, err := Canonicalize(doc, lim); err != nil || a != b {
			t.Fatalf("canonicalized twice: %q then %q (%v)", a, b, err)
		}
		// And what json-gold's own JSON-LD to RDF gives, when json-gold
		// keeps every statement (it silently drops some, such as a property
		// whose name has a stray "%"). A presentation is left out:
		// json-gold's graph container bug.
		if !isPresentation(doc) {
			again, _ := Parse(data, lim)
			if g, err := gold(again); err == nil && strings.Count(g, "\n") == strings.Count(a, "\n") && g != a {
				t.Fatalf("toRDF and json-gold differ:\n%s\njson-gold:\n%s", a, g)
			}
		}
	})
}

// A presentation of a credential (made by the W3C VC 2.0 test suite) has
// the canonical form jsonld.js gives it: its verifiableCredential is a
// named graph (see graphContainerWorkaround).
func TestPresentationCanonical(t *testing.T) {
	doc, err := Parse(read(t, "presentation.json"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	delete(doc, "proof")
	got, err := Canonicalize(doc, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := string(read(t, "presentation.canonical-jsonld-js.nq")); got != want {
		t.Errorf("canonical form:\n%s\nwant (jsonld.js)\n%s", got, want)
	}
}

// canonicalGold is Canonicalize with json-gold's own JSON-LD to RDF, for
// the differential test of toRDF.
func canonicalGold(t testing.TB, doc map[string]any) string {
	t.Helper()
	out, err := gold(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gold(doc map[string]any) (string, error) {
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = Loader{}
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.Format = "application/n-quads"
	out, err := ld.NewJsonLdProcessor().Normalize(doc, opts)
	if err != nil {
		return "", err
	}
	return out.(string), nil
}

// toRDF gives what json-gold's ToRDF gives, on documents with lists,
// numbers, booleans, language strings, typed literals, JSON literals,
// nested nodes and named graphs.
func TestToRDFAsJSONGold(t *testing.T) {
	docs := []string{
		string(read(t, "unsigned.json")),
		`{"@context":{"@vocab":"https://example.com/v#","when":{"@type":"http://www.w3.org/2001/XMLSchema#dateTime"},"data":{"@type":"@json"},"tags":{"@container":"@list"}},
		  "@id":"https://example.com/a","n":1,"f":1.5,"big":1e22,"neg":-0.5,"b":true,"when":"2026-11-22T00:00:00Z",
		  "name":{"@value":"서울","@language":"ko"},"data":{"z":1,"a":[true,null]},"tags":["x",2,{"@id":"https://example.com/t"}],"empty":{"@list":[]},
		  "knows":{"name":"b","knows":{"@id":"_:x","name":"c"}}}`,
		`{"@context":{"@vocab":"https://example.com/v#"},"@graph":[{"@id":"https://example.com/g1","p":"1"},{"@id":"_:b","q":{"@id":"https://example.com/g1"}}]}`,
	}
	for _, s := range docs {
		doc, err := Parse([]byte(s), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Canonicalize(doc, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		doc, _ = Parse([]byte(s), Limits{})
		if want := canonicalGold(t, doc); got != want {
			t.Errorf("%s:\n%s\njson-gold:\n%s", s, got, want)
		}
	}
}

func TestAbsolute(t *testing.T) {
	for s, want := range map[string]bool{
		"https://example.com/x": true, "did:key:z6Mk": true, "urn:uuid:1": true, "a+b.c-d:x": true,
		"": false, ":x": false, "1a:x": false, "relative": false, "a b:x": false, "https://ex ample": false, "_:b0": false, "https://a/<b>": false, `https://a/"b`: false,
	} {
		if AbsoluteIRI(s) != want {
			t.Errorf("AbsoluteIRI(%q) = %v", s, !want)
		}
	}
}
