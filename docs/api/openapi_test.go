package api

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/seoulid/seoulid/internal/dataintegrity"
	"github.com/seoulid/seoulid/w3c"
	"github.com/seoulid/seoulid/w3c/vcapi"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/ops"
	iserver "github.com/seoulid/seoulid/issuer/server"
	issuersqlite "github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/registry/registrytest"
	"github.com/seoulid/seoulid/registry/resolver"
	"github.com/seoulid/seoulid/registry/resolverhttp"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier/programmes"
	vserver "github.com/seoulid/seoulid/verifier/server"
	verifiersqlite "github.com/seoulid/seoulid/verifier/store/sqlite"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/web"
)

// document is the part of an OpenAPI document the checks read.
type document struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title, Version string
	} `json:"info"`
	Paths map[string]map[string]struct {
		OperationID string                      `json:"operationId"`
		Summary     string                      `json:"summary"`
		Parameters  []struct{ Name, In string } `json:"parameters"`
		Responses   map[string]json.RawMessage  `json:"responses"`
	} `json:"paths"`
}

var methods = []string{"get", "post", "put", "delete", "patch", "head", "options"}

func load(t *testing.T, name string) (*document, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var d document
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	return &d, raw
}

// TestDocuments: each file is OpenAPI 3.1 with a title and version, every
// $ref resolves, every operation has a unique operationId, a summary and
// responses, and every path parameter is declared.
func TestDocuments(t *testing.T) {
	files, _ := filepath.Glob("*.openapi.json")
	if len(files) != 8 {
		t.Fatalf("%d OpenAPI files: %v", len(files), files)
	}
	ids := map[string]string{}
	for _, f := range files {
		d, raw := load(t, f)
		if !strings.HasPrefix(d.OpenAPI, "3.1.") || d.Info.Title == "" || d.Info.Version == "" {
			t.Errorf("%s: openapi %q, title %q, version %q", f, d.OpenAPI, d.Info.Title, d.Info.Version)
		}
		var refs []string
		collectRefs(raw, &refs)
		for _, ref := range refs {
			if !resolves(raw, ref) {
				t.Errorf("%s: $ref %s does not resolve", f, ref)
			}
		}
		for path, ops := range d.Paths {
			names := regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1)
			for m, op := range ops {
				if !slices.Contains(methods, m) {
					t.Errorf("%s: %s has %q", f, path, m)
					continue
				}
				if op.OperationID == "" || op.Summary == "" || len(op.Responses) == 0 {
					t.Errorf("%s: %s %s lacks an operationId, a summary or responses", f, m, path)
				}
				if prev, dup := ids[op.OperationID]; dup {
					t.Errorf("operationId %s is in %s and %s", op.OperationID, prev, f)
				}
				ids[op.OperationID] = f
				for _, n := range names {
					if !slices.ContainsFunc(op.Parameters, func(p struct{ Name, In string }) bool { return p.Name == n[1] && p.In == "path" }) {
						t.Errorf("%s: %s %s does not declare the path parameter %s", f, m, path, n[1])
					}
				}
			}
		}
	}
}

func collectRefs(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				*out = append(*out, s)
			}
			collectRefs(e, out)
		}
	case []any:
		for _, e := range x {
			collectRefs(e, out)
		}
	}
}

func resolves(doc map[string]any, ref string) bool {
	p, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	var cur any = doc
	for _, seg := range strings.Split(p, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")]; !ok {
			return false
		}
	}
	return true
}

// face is one HTTP face: its document, its real handler, sample values of
// path parameters, headers to send, and the source of its routes.
type face struct {
	file    string
	handler http.Handler
	params  map[string]string
	header  http.Header
	host    string   // the Host of the requests; "" means httptest's
	source  []string // directories whose code registers the routes
}

func faces(t *testing.T) []face {
	ctx := context.Background()
	dir := t.TempDir()

	// The resolver over a ledger in memory.
	l := registrytest.New(t)
	res, err := resolverhttp.New(&resolver.Resolver{Seoul: l.Reader()}, resolverhttp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	agency := registrytest.DIDOf(l.Agencies[0])

	// An issuer with an operator.
	ist, err := issuersqlite.Open(ctx, filepath.Join(dir, "issuer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ist.Close() })
	ik, _ := keys.Generate(keys.EdDSA)
	const issuerDID = "did:seoul:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	const cardVCT = "urn:seoulid:vct:seoul-citizen-card:1"
	is, err := iserver.New(iserver.Config{Key: ik.WithKeyID(issuerDID + "#key-1"), DID: issuerDID, Types: []string{cardVCT}, URL: "https://issuer.example",
		Name: schemas.Text{schemas.Korean: "서울특별시청", schemas.English: "Seoul City Hall"}, Store: ist, Trust: trust{}, Publisher: publisher{}})
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "token")
	if _, err := is.EnsureOperator(ctx, "test", tokenFile); err != nil {
		t.Fatal(err)
	}
	tok, _ := os.ReadFile(tokenFile)

	// A verifier with a request started.
	vst, err := verifiersqlite.Open(ctx, filepath.Join(dir, "verifier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vst.Close() })
	cat, err := programmes.Load()
	if err != nil {
		t.Fatal(err)
	}
	vk, _ := keys.Generate(keys.EdDSA)
	const verifierDID = "did:seoul:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	vs, err := vserver.New(vserver.Config{Key: vk.WithKeyID(verifierDID + "#key-1"), DID: verifierDID, URL: "http://127.0.0.1:8410", Programmes: cat, Store: vst, Ledger: noLedger{}})
	if err != nil {
		t.Fatal(err)
	}
	started, err := vs.Service().Start(ctx, "clinic-medication-list", nil)
	if err != nil {
		t.Fatal(err)
	}

	// The wallet UI, locked.
	wh, err := web.New(web.Config{
		Unlock: func(context.Context, []byte) (*wallet.Wallet, error) {
			return nil, errors.New("no wallet in this test")
		},
		Lock: func() {},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })

	return []face{
		{file: "resolver.openapi.json", handler: res, params: map[string]string{"did": agency}, source: []string{"../../registry/resolverhttp"}},
		{file: "issuer.openapi.json", handler: is, params: map[string]string{"n": "1", "vct": url(cardVCT)}, source: []string{"../../issuer/oid4vci"}},
		{file: "backoffice.openapi.json", handler: is, params: map[string]string{"id": "unknown"}, header: http.Header{"Authorization": {"Bearer " + strings.TrimSpace(string(tok))}}, source: []string{"../../issuer/backoffice"}},
		{file: "verifier.openapi.json", handler: vs, params: map[string]string{"id": started.ID}, source: []string{"../../verifier/oid4vp"}},
		{file: "portal.openapi.json", handler: vs, params: map[string]string{"id": "clinic-medication-list", "file": "portal.css"}, source: []string{"../../verifier/portal"}},
		{file: "wallet.openapi.json", handler: wh, params: map[string]string{"id": "x", "offer": "x", "consent": "x", "file": "wallet.css"}, host: "127.0.0.1:8780", source: []string{"../../wallet/web"}},
		{file: "ops.openapi.json", handler: ops.New("test").Handler(http.NotFoundHandler()), source: []string{"../../internal/ops"}},
		{file: "vcapi.openapi.json", handler: vcapiHandler(t), params: map[string]string{"name": dataintegrity.EdDSARDFC2022, "purpose": "revocation", "id": "seoul-citizen-card-v1"}, source: []string{"../../w3c/vcapi"}},
	}
}

// vcapiHandler is the VC-API with one did:key issuer per mechanism.
func vcapiHandler(t *testing.T) http.Handler {
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	d := did.KeyDID(k.Public())
	k = k.WithKeyID(d + "#" + strings.TrimPrefix(d, "did:key:"))
	issuers := map[string]*w3c.Issuer{}
	for _, s := range []string{dataintegrity.EdDSARDFC2022, dataintegrity.EdDSAJCS2022} {
		if issuers[s], err = w3c.NewIssuer(k, s, nil); err != nil {
			t.Fatal(err)
		}
		lists, err := w3c.OpenStatusLists(filepath.Join(t.TempDir(), "status.json"), "https://127.0.0.1/status-lists/"+s)
		if err != nil {
			t.Fatal(err)
		}
		if err := issuers[s].UseStatusLists(lists); err != nil {
			t.Fatal(err)
		}
	}
	h, err := vcapi.New(vcapi.Config{Issuers: issuers, Default: dataintegrity.EdDSARDFC2022, Resolver: did.LocalResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func url(s string) string { return strings.ReplaceAll(s, ":", "%3A") }

type trust struct{}

func (trust) IssuerAuthorised(context.Context, string, string) (bool, error) { return true, nil }

type publisher struct{}

func (publisher) PublishStatusList(context.Context, string, string) error { return nil }

type noLedger struct{}

func (noLedger) KeyAt(context.Context, string, did.RelationshipKind, time.Time) (*keys.PublicKey, error) {
	return nil, did.ErrKeyNotFound
}
func (noLedger) IssuerAuthorised(context.Context, string, string) (bool, error) { return false, nil }
func (noLedger) StatusToken(context.Context, string) (string, string, error) {
	return "", "", did.ErrNotFound
}

func serve(h http.Handler, method, target string, header http.Header, host string) (int, string) {
	var body io.Reader
	req := httptest.NewRequest(strings.ToUpper(method), target, body)
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if method == "post" {
		req.Header.Set("Content-Type", "application/json")
		if strings.Contains(target, "/token") || strings.Contains(target, "/request/") || strings.Contains(target, "/response/") ||
			strings.HasPrefix(target, "/programmes/") || !strings.HasPrefix(target, "/api") && !strings.HasPrefix(target, "/admin") && !strings.HasPrefix(target, "/credential") {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Body = io.NopCloser(strings.NewReader(map[bool]string{true: "{}", false: ""}[req.Header.Get("Content-Type") == "application/json"]))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

// TestRoutesServed: every documented operation reaches the real handler —
// it does not get the handler's answer to a path it does not serve — and
// answers one of the status codes documented for it.
func TestRoutesServed(t *testing.T) {
	for _, f := range faces(t) {
		d, _ := load(t, f.file)
		unknownCode, unknownBody := serve(f.handler, "get", "/no-such-route/at-all", f.header, f.host)
		for path, byMethod := range d.Paths {
			target := regexp.MustCompile(`\{([^}]+)\}`).ReplaceAllStringFunc(path, func(p string) string {
				v, ok := f.params[p[1:len(p)-1]]
				if !ok {
					t.Fatalf("%s: no sample value for %s", f.file, p)
				}
				return v
			})
			for m, op := range byMethod {
				q := target
				for _, p := range op.Parameters {
					if p.In == "query" && (p.Name == "vct" || p.Name == "uri") {
						q += "?" + p.Name + "=" + url(cardVCTOr(p.Name))
					}
				}
				code, body := serve(f.handler, m, q, f.header, f.host)
				if code == unknownCode && body == unknownBody {
					t.Errorf("%s: %s %s is answered as a path the handler does not serve (%d)", f.file, strings.ToUpper(m), q, code)
					continue
				}
				if _, ok := op.Responses[strconv.Itoa(code)]; !ok {
					t.Errorf("%s: %s %s answered %d, which is not documented (%s)", f.file, strings.ToUpper(m), q, code, firstLine(body))
				}
			}
		}
	}
}

func cardVCTOr(name string) string {
	if name == "vct" {
		return "urn:seoulid:vct:seoul-citizen-card:1"
	}
	return "https://127.0.0.1:8403/status-lists/1"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 160 {
		s = s[:160]
	}
	return s
}

// TestRoutesDocumented: every route a face's code registers — the
// patterns given to a ServeMux, the path constants its router compares
// with, the routes its package documentation lists — is in its document.
func TestRoutesDocumented(t *testing.T) {
	for _, f := range faces(t) {
		d, _ := load(t, f.file)
		var documented []string
		for p := range d.Paths {
			documented = append(documented, template(p))
		}
		for _, dir := range f.source {
			for _, r := range registered(t, dir) {
				r = template(r)
				if r == "" || r == "/" && !slices.Contains(documented, "/") {
					continue // the catch-all "not found" page
				}
				ok := slices.ContainsFunc(documented, func(p string) bool { return p == r || strings.HasSuffix(r, "/") && strings.HasPrefix(p, r) })
				if !ok {
					t.Errorf("%s: the code of %s serves %s, which the document lacks", f.file, dir, r)
				}
			}
		}
	}
}

// template normalises a route: no method, no query, no {$}, every
// parameter written {}.
func template(r string) string {
	if _, p, ok := strings.Cut(r, " "); ok {
		r = p
	}
	r, _, _ = strings.Cut(r, "?")
	r, _, _ = strings.Cut(r, "[")
	r = strings.TrimRight(r, ",;:.")
	r = strings.ReplaceAll(r, "…", "")
	r = strings.TrimSuffix(r, "{$}")
	return regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(r, "{}")
}

var docRoute = regexp.MustCompile(`^//\s+(?:GET|POST|PUT|DELETE)\s+(?:and\s+\w+\s+)?(/\S*)`)

// registered reads a package's non-test Go files for its routes: string
// arguments of HandleFunc/Handle/handle calls, string constants named
// Path…/path…/WellKnown…, and "GET /…" lines of its documentation.
func registered(t *testing.T, dir string) []string {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	add := func(s string) {
		if strings.HasPrefix(s, "/") || strings.Contains(s, " /") {
			seen[s] = true
		}
	}
	for _, pkg := range pkgs {
		for _, file := range pkg.Files {
			for _, cg := range file.Comments {
				for _, c := range cg.List {
					if m := docRoute.FindStringSubmatch(c.Text); m != nil {
						add(m[1])
					}
				}
			}
			ast.Inspect(file, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.CallExpr:
					name := ""
					switch fn := x.Fun.(type) {
					case *ast.SelectorExpr:
						name = fn.Sel.Name
					case *ast.Ident:
						name = fn.Name
					}
					if (name == "HandleFunc" || name == "Handle" || name == "handle") && len(x.Args) > 0 {
						if lit, ok := x.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							add(s)
						}
					}
				case *ast.ValueSpec:
					for i, id := range x.Names {
						if i < len(x.Values) && (strings.HasPrefix(id.Name, "Path") || strings.HasPrefix(id.Name, "path") || strings.HasPrefix(id.Name, "WellKnown")) {
							if lit, ok := x.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								s, _ := strconv.Unquote(lit.Value)
								add(s)
							}
						}
					}
				}
				return true
			})
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatalf("%s: no routes found in the code", dir)
	}
	return out
}
