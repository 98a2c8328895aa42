package node

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/schemas"
)

// TestNothingPersonalOnTheLedger follows one credential through its whole
// life against a real node — an issuer founded and authorised on the
// ledger, a status list published, a residency credential issued to a
// citizen's key, presented with key binding and verified by resolving the
// issuer on the ledger — and then searches everything the node persisted
// for anything of the citizen's: every claim value, the holder key (as
// JWK members and as raw bytes), its thumbprint, the DIDs one could derive
// from it, and the presentation's nonce. DESIGN.md: "No personal data on
// the ledger … not per-credential events."
//
// It searches four views, each decoding what it finds (base64 and
// base64url at every alignment, JWS parts, ZLIB) down to four levels: the
// raw bytes of every file under the home; every key and value of every
// LevelDB database under data/, read through LevelDB so that what it
// compressed with Snappy is searched too; every transaction of every
// block; and the registry's records as the node serves them. Each view must
// find the issuer's DID, so that a scan that reads nothing cannot pass.
func TestNothingPersonalOnTheLedger(t *testing.T) {
	home := t.TempDir()
	base := basePort(t, 1)
	nw, err := Init(home, Options{P2PPort: base, RPCPort: base + 1})
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, net: nw, nodes: make([]*Node, 1), seq: map[string]uint64{}}
	for _, a := range nw.Agencies {
		c.agencies = append(c.agencies, agencyKey(t, a.KeyFile))
	}
	t.Cleanup(func() {
		if c.nodes[0] != nil {
			c.stopNodes(0)
		}
	})
	c.start(0)
	n := c.nodes[0]
	r := n.Reader()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const vct = "urn:seoulid:vct:residency-status:1"

	// The ledger's part: a district office's issuer DID, created by the
	// city, authorised for residency credentials by a council quorum,
	// publishing a status list of the minimum size with one entry revoked.
	issuer, _ := c.create(ctx, 0, c.agencies[0])
	issuerDID := didOf(issuer)
	quorum := c.agencies[:nw.Threshold]
	c.submit(ctx, 0, sign(t, c.op(c.agencies[0], registry.Op{Type: registry.OpTrustIssuer, DID: issuerDID, VCTs: []string{vct}}), quorum...))
	uri := "https://dobong.seoul.go.kr/status/residency/7"
	list, err := statuslist.New(registry.MinStatusListEntries, 1)
	if err != nil {
		t.Fatal(err)
	}
	idx := mrand.IntN(registry.MinStatusListEntries)
	revoked := (idx + 1 + mrand.IntN(registry.MinStatusListEntries-1)) % registry.MinStatusListEntries
	if err := list.Set(revoked, statuslist.Invalid); err != nil {
		t.Fatal(err)
	}
	token, err := statuslist.Sign(ctx, issuer, statuslist.Claims{Subject: uri, IssuedAt: time.Now().Truncate(time.Second), List: list})
	if err != nil {
		t.Fatal(err)
	}
	c.submit(ctx, 0, sign(t, c.op(issuer, registry.Op{Type: registry.OpStatusPublish, StatusURI: uri, StatusToken: token}), issuer))

	// The citizen's part, which never goes near the ledger: a residency
	// credential with values found nowhere else, bound to a fresh holder
	// key, pointing into the status list.
	typ, err := schemas.Default().Lookup(vct)
	if err != nil {
		t.Fatal(err)
	}
	claims := typ.Example()
	claims["name"] = "남궁솔비"
	claims["birthdate"] = "1961-02-14"
	claims["as_of"] = "2024-02-29"
	claims["resident_of_seoul"] = false
	claims["sido"] = "세종특별자치시" // any district office issues for any address in Korea
	delete(claims, "district")
	claims["resident_since"] = "2003-07-19"
	claims["household_size"] = 7
	holder, err := keys.Generate(keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := typ.Credential(issuerDID, time.Now(), claims)
	if err != nil {
		t.Fatal(err)
	}
	cred.Holder = holder.Public()
	cred.Status = statuslist.Reference{Index: idx, URI: uri}.Claim()
	issued, err := sdjwtvc.Issue(ctx, issuer, cred, sdjwtvc.IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var paths []sdjwt.Path
	for name := range claims {
		paths = append(paths, sdjwt.Path{name})
	}
	shown, err := issued.Select(paths...)
	if err != nil {
		t.Fatal(err)
	}
	nonce := rand.Text()
	const audience = "https://welfare.seoul.go.kr"
	presentation, err := shown.WithKeyBinding(ctx, holder, sdjwt.KeyBindingInput{Audience: audience, Nonce: nonce})
	if err != nil {
		t.Fatal(err)
	}

	// The verifier's part: the issuer's key, its authorisation and the
	// credential's status all come from the ledger.
	algs := []keys.Algorithm{keys.EdDSA, keys.ES256}
	verifier, err := sdjwtvc.NewVerifier(sdjwtvc.DIDKeys{Resolver: r}, sdjwtvc.Config{Algorithms: algs, ClockSkew: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	got, err := verifier.Verify(ctx, presentation.String(), sdjwtvc.Presentation{RequireKeyBinding: true, Audience: audience, Nonce: nonce})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range claims {
		if fmt.Sprint(got.Claims[name]) != fmt.Sprint(want) {
			t.Errorf("claim %s: %v, want %v", name, got.Claims[name], want)
		}
	}
	if ok, err := r.IssuerAuthorised(ctx, got.Issuer, got.VCT); !ok || err != nil {
		t.Fatalf("issuer %s not authorised for %s: %v", got.Issuer, got.VCT, err)
	}
	if ok, _ := r.IssuerAuthorised(ctx, got.Issuer, "urn:seoulid:vct:disability-certificate:1"); ok {
		t.Fatal("authorised for a type the council never gave it")
	}
	ref, err := statuslist.ParseReference(got.Status)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := r.StatusList(ctx, ref.URI)
	if err != nil || entry.Issuer != got.Issuer {
		t.Fatalf("status list %s: %+v %v", ref.URI, entry, err)
	}
	tok, err := statuslist.Parse(entry.Token)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := did.VerificationKey(ctx, r, tok.KeyID(), did.AssertionMethod)
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.Verify(pub, algs); err != nil || tok.Claims().Subject != ref.URI {
		t.Fatalf("status list token: %v, sub %q", err, tok.Claims().Subject)
	}
	if st, err := tok.Claims().List.Get(ref.Index); err != nil || st != statuslist.Valid {
		t.Errorf("status of the credential: %d %v, want valid", st, err)
	}
	if st, err := tok.Claims().List.Get(revoked); err != nil || st != statuslist.Invalid {
		t.Errorf("status of the revoked entry: %d %v, want invalid", st, err)
	}

	// What to look for.
	s := newScanner()
	for name, v := range claims {
		if str, ok := v.(string); ok {
			s.needle("claim "+name, str)
		}
	}
	hjwk := holder.Public().JWK()
	for _, m := range []string{"x", "y"} {
		v, _ := hjwk[m].(string)
		s.needle("holder jwk "+m, v)
		raw, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || len(raw) != 32 {
			t.Fatalf("holder jwk %s: %q", m, v)
		}
		s.needle("holder jwk "+m+" (bytes)", string(raw))
	}
	thumb := holder.Public().Thumbprint()
	s.needle("holder thumbprint", thumb)
	if raw, err := base64.RawURLEncoding.DecodeString(thumb); err == nil {
		s.needle("holder thumbprint (bytes)", string(raw))
	}
	s.needle("holder did:key", did.KeyDID(holder.Public()))
	s.needle("holder did:jwk", did.JWKDID(holder.Public()))
	s.needle("holder did:seoul", registry.DeriveDID(holder.Public()))
	s.needle("nonce", nonce)
	// Controls: what the scan must find, so that a view that reads
	// nothing cannot pass. The issuer's DID is in every view (in the
	// blocks only inside the base64url payload of a transaction); the
	// Korean name of the city government, a founding agency, is in the
	// state (JSON, unescaped) and in the genesis file.
	s.control("issuer DID", issuerDID, "blocks", "registry", "files", "databases")
	s.control("agency name", "서울특별시", "registry", "files", "databases")

	// View: the blocks, read from the node's block store, and the registry
	// records as the node serves them.
	height := r.Height()
	blocks := 0
	for h := int64(1); h <= height; h++ {
		b := n.cmt.BlockStore().LoadBlock(h)
		if b == nil {
			t.Fatalf("no block %d", h)
		}
		for i, tx := range b.Txs {
			s.scan("blocks", fmt.Sprintf("block %d tx %d", h, i), tx)
			blocks++
		}
	}
	if blocks != 3 {
		t.Errorf("%d transactions in the blocks, want 3", blocks)
	}
	queries := []string{"/did/" + issuerDID, "/issuer/" + issuerDID, "/status/" + uri, "/council", "/seq/" + issuerDID}
	for _, path := range queries {
		res, err := n.app.Query(ctx, &abci.RequestQuery{Path: path})
		if err != nil || res.Code != 0 {
			t.Fatalf("query %s: %v %v", path, res, err)
		}
		s.scan("registry", "query "+path, res.Value)
	}
	served := map[string]any{}
	for _, a := range nw.Agencies {
		ag, err := r.Agency(ctx, a.DID)
		if err != nil {
			t.Fatal(err)
		}
		served["agency "+a.DID] = ag
		doc, err := r.Resolve(ctx, a.DID)
		if err != nil {
			t.Fatal(err)
		}
		served["did "+a.DID] = doc
	}
	for where, v := range served {
		b, _ := json.Marshal(v)
		s.scan("registry", where, b)
	}

	// Stop the node: everything it wrote is now on disk.
	c.stop(0)

	// View: every file under the home, raw. (LevelDB compresses table
	// blocks with Snappy; the next view reads through it.)
	files, dataFiles := 0, 0
	err = filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(home, path)
		s.scan("files", rel, b)
		files++
		if strings.HasPrefix(rel, "data"+string(filepath.Separator)) {
			dataFiles++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// View: every record of every database under data/.
	entries, err := os.ReadDir(filepath.Join(home, "data"))
	if err != nil {
		t.Fatal(err)
	}
	var dbs []string
	records := 0
	for _, e := range entries {
		if !e.IsDir() || !strings.HasSuffix(e.Name(), ".db") {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".db")
		dbs = append(dbs, name)
		db, err := dbm.NewDB(name, dbm.GoLevelDBBackend, filepath.Join(home, "data"))
		if err != nil {
			t.Fatalf("opening %s: %v", e.Name(), err)
		}
		it, err := db.Iterator(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for ; it.Valid(); it.Next() {
			where := fmt.Sprintf("%s %q", e.Name(), truncate(it.Key(), 40))
			s.scan("databases", where+" key", it.Key())
			s.scan("databases", where, it.Value())
			records++
		}
		if err := it.Error(); err != nil {
			t.Fatal(err)
		}
		it.Close()
		db.Close()
	}
	for _, want := range []string{"blockstore", "state", "registry", "tx_index"} {
		if !strings.Contains(" "+strings.Join(dbs, " ")+" ", " "+want+" ") {
			t.Errorf("no %s.db under data/ (found %v)", want, dbs)
		}
	}
	t.Logf("scanned %d files (%d under data/, %d bytes), %d records in %v, %d transactions, %d registry records served; %d needles, %d decoded parts",
		files, dataFiles, s.bytes, records, dbs, blocks, len(served)+len(queries), len(s.needles), s.decoded)

	// Nothing of the citizen's anywhere; every control where it must be.
	for _, h := range s.found {
		t.Errorf("%s found: %s", h.what, h.where)
	}
	for _, n := range s.needles {
		for _, view := range n.views {
			if len(s.controls[n.what][view]) == 0 {
				t.Errorf("the %s view did not find the %s: the scan does not read what it should", view, n.what)
			}
		}
	}
	decoded := false
	for _, where := range s.controls["issuer DID"]["blocks"] {
		decoded = decoded || strings.Contains(where, "base64")
	}
	if !decoded {
		t.Errorf("the issuer's DID was not found by decoding a block's transaction: %v", s.controls["issuer DID"]["blocks"])
	}
}

// scanner searches bytes for needles, decoding what it can.
type scanner struct {
	needles  []scanNeedle
	found    []scanHit
	controls map[string]map[string][]string // control → view → where it was found
	bytes    int
	decoded  int
}

type scanNeedle struct {
	what  string
	forms [][]byte
	views []string // for a control, the views that must find it
}

type scanHit struct{ what, where string }

func newScanner() *scanner { return &scanner{controls: map[string]map[string][]string{}} }

// needle adds a value that must not be found: as it is and, when it is
// not ASCII, as JSON escapes it (\uXXXX).
func (s *scanner) needle(what, v string) { s.add(what, v, nil) }

// control adds a value that each of views must find.
func (s *scanner) control(what, v string, views ...string) {
	s.controls[what] = map[string][]string{}
	s.add(what, v, views)
}

func (s *scanner) add(what, v string, views []string) {
	if len(v) < 4 {
		panic("needle too short to mean anything: " + what)
	}
	n := scanNeedle{what: what, forms: [][]byte{[]byte(v)}, views: views}
	if utf8.ValidString(v) && strings.ContainsFunc(v, func(r rune) bool { return r > 0x7e }) {
		var esc, escUpper strings.Builder
		for _, r := range v {
			if r < 0x80 {
				esc.WriteRune(r)
				escUpper.WriteRune(r)
				continue
			}
			fmt.Fprintf(&esc, `\u%04x`, r)
			fmt.Fprintf(&escUpper, `\u%04X`, r)
		}
		n.forms = append(n.forms, []byte(esc.String()), []byte(escUpper.String()))
	}
	s.needles = append(s.needles, n)
}

// scan searches b, found at where in view, and what decodes from it.
func (s *scanner) scan(view, where string, b []byte) {
	s.bytes += len(b)
	s.deep(view, where, b, 0)
}

const maxDepth = 4

func (s *scanner) deep(view, where string, b []byte, depth int) {
	for _, n := range s.needles {
		for _, f := range n.forms {
			if bytes.Contains(b, f) {
				if n.views != nil {
					s.controls[n.what][view] = append(s.controls[n.what][view], where)
				} else {
					s.found = append(s.found, scanHit{n.what, view + ": " + where})
				}
				break
			}
		}
	}
	if depth == maxDepth {
		return
	}
	if len(b) > 2 && b[0] == 0x78 {
		if zr, err := zlib.NewReader(bytes.NewReader(b)); err == nil {
			out, _ := io.ReadAll(io.LimitReader(zr, 8<<20))
			if len(out) > 0 {
				s.decoded++
				s.deep(view, where+" › zlib", out, depth+1)
			}
		}
	}
	for _, run := range base64Runs(b) {
		for off := range 4 {
			if off >= len(run) {
				break
			}
			out := decodeBase64(run[off:])
			if len(out) >= 3 {
				s.decoded++
				s.deep(view, fmt.Sprintf("%s › base64@%d", where, off), out, depth+1)
			}
		}
	}
}

// base64Runs returns the runs of at least 16 characters of the base64 or
// base64url alphabets in b.
func base64Runs(b []byte) [][]byte {
	var runs [][]byte
	start := -1
	for i := 0; i <= len(b); i++ {
		in := i < len(b) && isBase64(b[i])
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			if i-start >= 16 {
				runs = append(runs, b[start:i])
			}
			start = -1
		}
	}
	return runs
}

func isBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '+' || c == '/' || c == '='
}

// decodeBase64 decodes a run of either alphabet, with or without
// padding, ignoring a trailing partial group.
func decodeBase64(run []byte) []byte {
	s := strings.TrimRight(string(run), "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	if i := strings.IndexByte(s, '='); i >= 0 {
		s = s[:i]
	}
	if len(s)%4 == 1 {
		s = s[:len(s)-1]
	}
	out, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	return out
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
