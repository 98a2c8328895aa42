package webpage

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// ParsePages parses every templates/*.html of fsys but the layout, each
// with templates/layout.html, and returns them by base name.
func ParsePages(fsys fs.FS) (map[string]*template.Template, error) {
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).ParseFS(fsys, "templates/layout.html", f)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// SetSecurityHeaders sets the headers of every page and API answer: the
// content security policy csp, no caching, no sniffing, no framing, and
// same-origin referrers and isolation. The referrer policy is
// same-origin, not no-referrer: with no-referrer Chromium sends
// "Origin: null" on a form's POST, and the origin check needs the origin.
func SetSecurityHeaders(h http.Header, csp string) {
	h.Set("Content-Security-Policy", csp)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}
