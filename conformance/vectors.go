package conformance

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/statuslist"
)

// vectorFS holds the standards' own test vectors (vectors/*/README.md say
// where each comes from): the suite proves seoulid's library, and needs no
// target.
//
//go:embed vectors
var vectorFS embed.FS

func init() {
	register("vectors",
		check{Requirement{ID: "vectors.sd-jwt", Level: Must, Spec: "RFC 9901 §7.1, §7.3 (the reference implementation's test cases and the RFC's examples)",
			Title: "every published SD-JWT presentation verifies, its key binding checked, to exactly its verified_contents"}, sdjwtVectors("testcases", "ietf-sd-jwt")},
		check{Requirement{ID: "vectors.sd-jwt-vc", Level: Must, Spec: "draft-ietf-oauth-sd-jwt-vc (its examples)",
			Title: "every published SD-JWT VC presentation verifies to exactly its verified_contents"}, sdjwtVectors("ietf-sd-jwt-vc")},
		check{Requirement{ID: "vectors.token-status-list", Level: Must, Spec: "draft-ietf-oauth-status-list §4.1, Appendix (test vectors)",
			Title: "every published status list (1, 2, 4 and 8 bits) decodes to exactly its statuses"}, statusListVectors},
		check{Requirement{ID: "vectors.did-key", Level: Must, Spec: "did:key Method v0.7 §3.1.2",
			Title: "Ed25519 and P-256 keys round-trip through did:key: the resolved document holds the same key"}, didRoundTrip("key")},
		check{Requirement{ID: "vectors.did-jwk", Level: Must, Spec: "did:jwk §2.2, §2.3",
			Title: "Ed25519 and P-256 keys round-trip through did:jwk"}, didRoundTrip("jwk")},
	)
}

func readVectorJSON(name string, into any) error {
	b, err := fs.ReadFile(vectorFS, name)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(into)
}

// vectorSDJWT reads a presentation or issuance file: compact, or a JSON
// serialization the vectors' generator wrote as a JSON string.
func vectorSDJWT(dir, base string) (string, bool) {
	if b, err := fs.ReadFile(vectorFS, path.Join(dir, base+".txt")); err == nil {
		return strings.TrimSpace(string(b)), true
	}
	b, err := fs.ReadFile(vectorFS, path.Join(dir, base+".json"))
	if err != nil {
		return "", false
	}
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal([]byte(s), &s); err != nil {
			return "", false
		}
	}
	return s, true
}

// sdjwtVectors verifies every presentation of the named vector sets with
// the sets' issuer key, audience and nonce, at the KB-JWT's time.
func sdjwtVectors(sets ...string) func(context.Context, *Target) error {
	return func(ctx context.Context, _ *Target) error {
		n := 0
		for _, set := range sets {
			dir := path.Join("vectors", "sd-jwt", set)
			var settings struct {
				Identifiers struct{ Verifier string } `json:"identifiers"`
				KeySettings struct {
					IssuerKey  json.RawMessage   `json:"issuer_key"`
					IssuerKeys []json.RawMessage `json:"issuer_keys"`
				} `json:"key_settings"`
				Nonce string `json:"key_binding_nonce"`
			}
			if err := readVectorJSON(path.Join(dir, "settings.json"), &settings); err != nil {
				return err
			}
			raw := settings.KeySettings.IssuerKey
			if raw == nil && len(settings.KeySettings.IssuerKeys) > 0 {
				raw = settings.KeySettings.IssuerKeys[0]
			}
			issuer, _, err := keys.ParseJWK(raw)
			if err != nil {
				return fmt.Errorf("%s: the issuer key: %v", set, err)
			}
			entries, err := fs.ReadDir(vectorFS, dir)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if !e.IsDir() {
					continue
				}
				cdir := path.Join(dir, e.Name())
				presentation, ok := vectorSDJWT(cdir, "sd_jwt_presentation")
				if !ok {
					continue // json_serialization_general ships only its specification
				}
				var want map[string]any
				if err := readVectorJSON(path.Join(cdir, "verified_contents.json"), &want); err != nil {
					return err
				}
				var spec struct {
					KeyBinding bool `json:"key_binding"`
				}
				if err := readVectorJSON(path.Join(cdir, "spec.json"), &spec); err != nil {
					return err
				}
				now := time.Unix(1683000000, 0).Add(time.Hour) // the vectors' iat, plus an hour
				if sd, err := sdjwt.Parse(presentation); err == nil && sd.KeyBinding != "" {
					if tok, err := jws.Parse(sd.KeyBinding, jws.Limits{}); err == nil {
						if kb, err := jsonx.ParseObject(tok.UnsafePayload()); err == nil {
							if iat, ok := jsonx.Int64(kb["iat"]); ok {
								now = time.Unix(iat, 0)
							}
						}
					}
				}
				got, err := sdjwt.Verify(ctx, presentation, sdjwt.VerifyOptions{
					Algorithms: []keys.Algorithm{keys.ES256},
					IssuerKey:  sdjwt.StaticKey(issuer),
					KeyBinding: sdjwt.KeyBindingPolicy{Required: spec.KeyBinding, Audience: settings.Identifiers.Verifier, Nonce: settings.Nonce},
					Now:        func() time.Time { return now },
				})
				if err != nil {
					return fmt.Errorf("%s/%s: %v", set, e.Name(), err)
				}
				if !jsonx.Equal(got.Claims, want) {
					return fmt.Errorf("%s/%s: the processed payload differs from verified_contents.json", set, e.Name())
				}
				n++
			}
		}
		if n == 0 {
			return errors.New("no vectors ran")
		}
		return nil
	}
}

var statusLine = regexp.MustCompile(`^status\[(\d+)\]\s*=\s*0b([01]+)$`)

func statusListVectors(context.Context, *Target) error {
	for _, c := range []struct {
		list, statuses string
	}{{"list1_long.json", "list1_long.status"}, {"list2_long.json", "list2_long.status"}, {"list4_long.json", "list4_long.status"}, {"list8_long.json", "list8_long.status"}} {
		dir := path.Join("vectors", "token-status-list")
		var v struct {
			Bits int    `json:"bits"`
			Lst  string `json:"lst"`
		}
		if err := readVectorJSON(path.Join(dir, c.list), &v); err != nil {
			return err
		}
		l, err := statuslist.Decode(v.Bits, v.Lst)
		if err != nil {
			return fmt.Errorf("%s: %v", c.list, err)
		}
		b, err := fs.ReadFile(vectorFS, path.Join(dir, c.statuses))
		if err != nil {
			return err
		}
		want := map[int]uint8{}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			m := statusLine.FindStringSubmatch(sc.Text())
			if m == nil {
				return fmt.Errorf("%s: line %q", c.statuses, sc.Text())
			}
			i, _ := strconv.Atoi(m[1])
			s, _ := strconv.ParseUint(m[2], 2, 8)
			want[i] = uint8(s)
		}
		for i := range l.Len() {
			got, err := l.Get(i)
			if err != nil {
				return err
			}
			if got != want[i] {
				return fmt.Errorf("%s: status[%d] = %#x, want %#x", c.list, i, got, want[i])
			}
		}
	}
	return nil
}

// didRoundTrip makes Ed25519 and P-256 keys, writes each as a did:key or
// did:jwk, resolves it with the local resolver and finds the same key.
func didRoundTrip(method string) func(context.Context, *Target) error {
	return func(ctx context.Context, _ *Target) error {
		for _, alg := range []keys.Algorithm{keys.EdDSA, keys.ES256} {
			k, err := keys.Generate(alg)
			if err != nil {
				return err
			}
			d := did.JWKDID(k.Public())
			if method == "key" {
				d = did.KeyDID(k.Public())
			}
			doc, err := did.LocalResolver{}.Resolve(ctx, d)
			if err != nil {
				return fmt.Errorf("resolving %s: %v", d, err)
			}
			if len(doc.VerificationMethod) == 0 {
				return fmt.Errorf("%s resolves to a document without keys", d)
			}
			pub, err := doc.Key(doc.VerificationMethod[0].ID, did.AssertionMethod)
			if err != nil || !pub.Equal(k.Public()) {
				return fmt.Errorf("%s resolves to another key (%v)", d, err)
			}
		}
		return nil
	}
}
