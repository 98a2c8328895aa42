package webpage

import (
	"bytes"
	"net/http"
	"testing"
	"testing/fstest"
)

func TestParsePages(t *testing.T) {
	fsys := fstest.MapFS{
		"templates/layout.html": {Data: []byte(`{{define "layout"}}<main>{{template "content" .}}</main>{{end}}`)},
		"templates/home.html":   {Data: []byte(`{{define "content"}}hello {{.}}{{end}}`)},
	}
	pages, err := ParsePages(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pages["layout"]; ok || len(pages) != 1 {
		t.Fatalf("pages: %v", pages)
	}
	var b bytes.Buffer
	if err := pages["home"].ExecuteTemplate(&b, "layout", "<you>"); err != nil || b.String() != "<main>hello &lt;you&gt;</main>" {
		t.Errorf("%q %v", b.String(), err)
	}
	fsys["templates/bad.html"] = &fstest.MapFile{Data: []byte(`{{.Unclosed`)}
	if _, err := ParsePages(fsys); err == nil {
		t.Error("a broken template parsed")
	}
}

func TestSetSecurityHeaders(t *testing.T) {
	h := http.Header{}
	SetSecurityHeaders(h, "default-src 'none'")
	for k, want := range map[string]string{"Content-Security-Policy": "default-src 'none'", "X-Frame-Options": "DENY", "Cache-Control": "no-store",
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
		if h.Get(k) != want {
			t.Errorf("%s: %q, want %q", k, h.Get(k), want)
		}
	}
}
