package schemas

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated catalogue section of docs/credentials.md")

const (
	docsFile  = "../docs/credentials.md"
	beginMark = "<!-- catalogue:begin — generated from schemas/ by `go test ./schemas -update`; do not edit by hand -->\n"
	endMark   = "<!-- catalogue:end -->\n"
)

// TestDocsUpToDate: the catalogue tables of docs/credentials.md are what
// the catalogue generates.
func TestDocsUpToDate(t *testing.T) {
	doc, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(doc, []byte(beginMark))
	end := bytes.Index(doc, []byte(endMark))
	if start < 0 || end < start {
		t.Fatalf("%s has no generated catalogue section (between %q and %q)", docsFile, beginMark, endMark)
	}
	want := Default().Markdown()
	got := doc[start+len(beginMark) : end]
	if bytes.Equal(got, want) {
		return
	}
	if !*update {
		t.Fatalf("%s is out of date with the catalogue; run go test ./schemas -update and review the diff", docsFile)
	}
	var out bytes.Buffer
	out.Write(doc[:start+len(beginMark)])
	out.Write(want)
	out.Write(doc[end:])
	if err := os.WriteFile(docsFile, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
