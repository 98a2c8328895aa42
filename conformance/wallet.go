package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet/wallettest"
)

// WalletDriver works a wallet as its holder would: the wallet suite plays
// issuer and verifier, and a driver is how it gets the wallet to act. The
// suite's driver for seoulid's wallet UI (the default, NewWalletUIDriver)
// fills in its forms; another wallet brings its own (Target.Wallet).
type WalletDriver interface {
	// Receive gives the wallet a credential offer (an
	// openid-credential-offer:// URI) with its transaction code, and
	// returns nil when the wallet stored the credential. A wallet that
	// refuses the credential answers an error wrapping ErrRefused.
	Receive(ctx context.Context, offerURI, txCode string) error
	// Present gives the wallet an authorization request (an openid4vp://
	// URI). When the wallet asks its holder for consent, the driver
	// approves everything shown (with the PIN) when approve is true, and
	// declines otherwise; it returns when the wallet is done. A wallet that
	// refuses the request before asking answers an error wrapping
	// ErrRefused.
	Present(ctx context.Context, requestURI string, approve bool) error
}

// ErrRefused is what a WalletDriver's error wraps when the wallet refused.
var ErrRefused = errors.New("the wallet refused")

func init() {
	register("wallet",
		check{Requirement{ID: "wallet.receives-valid", Level: Must, Spec: specVCI + " §8, §3.3.3; SD-JWT VC §3.4",
			Title: "a credential from an issuer the ledger authorises for its vct, bound to the wallet's key, is stored"}, walletReceivesValid},
		check{Requirement{ID: "wallet.refuses-tampered", Level: Must, Negative: true, Spec: "RFC 9901 §7.1; SD-JWT VC §3.4",
			Title: "a credential whose issuer signature does not verify is refused, not stored"}, walletRefusesTampered},
		check{Requirement{ID: "wallet.refuses-unauthorised-issuer", Level: Must, Negative: true, Spec: "seoulid profile (trust registry)",
			Title: "a credential of a vct the ledger does not authorise its issuer for is refused, not stored"}, walletRefusesUnauthorisedIssuer},
		check{Requirement{ID: "wallet.presents-approved", Level: Must, Spec: specVP + " §8.1, §8.2; RFC 9901 §4.3",
			Title: "an approved request of a registered verifier is answered with a presentation bound to its client_id and nonce"}, walletPresentsApproved},
		check{Requirement{ID: "wallet.refuses-unregistered-verifier", Level: Must, Negative: true, Spec: "seoulid profile (trust registry); " + specVP + " §5.9.3",
			Title: "a request signed by a verifier the ledger registers for nothing is refused before the holder is asked, and nothing is sent"}, walletRefusesUnregistered},
		check{Requirement{ID: "wallet.refuses-over-asking", Level: Must, Negative: true, Spec: "seoulid profile (seoulid_purpose); PIPA Art. 16",
			Title: "a request for a claim outside the verifier's registered purpose is refused before the holder is asked, and nothing is sent"}, walletRefusesOverAsking},
		check{Requirement{ID: "wallet.discloses-only-asked", Level: Must, Negative: true, Spec: specVP + " §6.4.1; RFC 9901 §4.2",
			Title: "an approved presentation discloses the claims the query asks for and no other Disclosure"}, walletDisclosesOnlyAsked},
		check{Requirement{ID: "wallet.decline-sends-nothing", Level: Must, Negative: true, Spec: specVP + " §8.5 (access_denied)",
			Title: "a declined request sends the verifier no presentation"}, walletDeclineSendsNothing},
	)
}

// walletWorld is what the wallet checks share within one run: the driver,
// the suite's issuer (as an issuer the ledger authorises) and verifiers
// (one registered, one not), and what the ledger says they may do.
type walletWorld struct {
	drv WalletDriver
	// iss offers vct, which the ledger authorises it for, and otherVCT,
	// which it does not.
	iss           *wallettest.Issuer
	vct, otherVCT string
	// ver is registered for purpose, which allows it the paths allowed of
	// vct; stranger is a did:jwk the ledger registers for nothing.
	ver, stranger *wallettest.Verifier
	purpose       string
	// asked is a disclosable claim of vct within the purpose; outside one
	// outside it (nil when the purpose allows every claim).
	asked, outside sdjwt.Path
	claims         map[string]any
	// held says the wallet stored a credential of vct from iss.
	held bool
}

// keyParam reads the private JWK of the file named by the parameter (its
// kid the DID URL of the key) and returns it with its DID.
func keyParam(t *Target, name, what string) (*keys.PrivateKey, string, error) {
	file := t.Params[name]
	if file == "" {
		return nil, "", fmt.Errorf("%w: give --param %s=FILE, the private JWK of %s (its kid the key's DID URL)", ErrSkip, name, what)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, "", fmt.Errorf("--param %s: %w", name, err)
	}
	k, err := keys.ParsePrivateJWK(b)
	if err != nil {
		return nil, "", fmt.Errorf("--param %s: %w", name, err)
	}
	d, frag, ok := strings.Cut(k.KeyID(), "#")
	if !ok || frag == "" || !strings.HasPrefix(d, "did:") {
		return nil, "", fmt.Errorf("--param %s: the key's kid %q is not a DID URL", name, k.KeyID())
	}
	return k, d, nil
}

// ledgerPurpose is a verifier's registered purpose as the resolver serves it.
type ledgerPurpose struct {
	ID     string `json:"id"`
	Claims []struct {
		VCT   string       `json:"vct"`
		Paths []sdjwt.Path `json:"paths"`
	} `json:"claims"`
}

// ledgerJSON reads a registry endpoint of the resolver into v; found is
// false when the ledger has nothing there (HTTP 404).
func ledgerJSON(ctx context.Context, t *Target, p string, v any) (found bool, err error) {
	resp, err := ledgerRead(ctx, t, p)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("the resolver answered %s with HTTP %d", p, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return false, fmt.Errorf("the resolver's answer to %s: %w", p, err)
	}
	return true, nil
}

// verifierPurposes returns the purposes the ledger registers for the
// verifier d (none when it registers nothing).
func verifierPurposes(ctx context.Context, t *Target, d string) ([]ledgerPurpose, error) {
	var entry struct {
		Purposes []ledgerPurpose `json:"purposes"`
	}
	_, err := ledgerJSON(ctx, t, "/1.0/trust/verifiers/"+url.PathEscape(d), &entry)
	return entry.Purposes, err
}

// walletOf returns the run's walletWorld, made on first use.
func walletOf(ctx context.Context, t *Target) (*walletWorld, error) {
	if t.wallet != nil {
		return t.wallet, t.walletErr
	}
	t.wallet, t.walletErr = newWalletWorld(ctx, t)
	return t.wallet, t.walletErr
}

func newWalletWorld(ctx context.Context, t *Target) (*walletWorld, error) {
	w := &walletWorld{drv: t.Wallet}
	if w.drv == nil {
		if t.Params["pin"] == "" {
			return w, fmt.Errorf("%w: give --param pin=… (the wallet's PIN) for seoulid's wallet UI at the target", ErrSkip)
		}
		w.drv = NewWalletUIDriver(t.URL, t.Params["pin"], t.HTTP)
	}
	ik, idid, err := keyParam(t, "issuer-key", "an issuer the ledger authorises")
	if err != nil {
		return w, err
	}
	vk, vdid, err := keyParam(t, "verifier-key", "a verifier the ledger registers")
	if err != nil {
		return w, err
	}
	var ientry struct {
		VCTs []string `json:"vcts"`
	}
	if found, err := ledgerJSON(ctx, t, "/1.0/trust/issuers/"+url.PathEscape(idid), &ientry); err != nil {
		return w, err
	} else if !found || len(ientry.VCTs) == 0 {
		return w, fmt.Errorf("the ledger authorises %s (--param issuer-key) for nothing", idid)
	}
	purposes, err := verifierPurposes(ctx, t, vdid)
	if err != nil {
		return w, err
	}
	if err := w.choose(ientry.VCTs, purposes); err != nil {
		return w, fmt.Errorf("%s and %s: %w", idid, vdid, err)
	}
	for _, v := range schemas.Default().Types() {
		if !slices.Contains(ientry.VCTs, v.VCT) {
			w.otherVCT = v.VCT
			break
		}
	}
	if w.otherVCT == "" {
		return w, fmt.Errorf("the ledger authorises %s for every type of the catalogue: no type is left to check an unauthorised one with", idid)
	}

	dir, err := os.MkdirTemp("", "seoulid-conformance-")
	if err != nil {
		return w, err
	}
	t.closers = append(t.closers, func() { os.RemoveAll(dir) })
	w.iss, err = wallettest.StartIssuer(ctx, dir, idid, ik, schemas.Text{schemas.Korean: "적합성 시험 발급자", schemas.English: "Conformance suite issuer"}, w.vct, w.otherVCT)
	if err != nil {
		return w, err
	}
	t.closers = append(t.closers, func() { w.iss.Close() })
	res := httpResolver{base: strings.TrimSuffix(t.Params["resolver"], "/"), hc: t.client()}
	if w.ver, err = wallettest.StartVerifier(res, vdid, vk); err != nil {
		return w, err
	}
	t.closers = append(t.closers, w.ver.Close)
	sk, err := keys.Generate(keys.ES256)
	if err != nil {
		return w, err
	}
	sd := did.JWKDID(sk.Public())
	if w.stranger, err = wallettest.StartVerifier(res, sd, sk.WithKeyID(sd+"#0")); err != nil {
		return w, err
	}
	t.closers = append(t.closers, w.stranger.Close)
	return w, nil
}

// choose picks a purpose of the verifier that covers a type the issuer is
// authorised for, a claim of that type's example the purpose allows (asked)
// and, when there is one, a claim it does not allow (outside).
func (w *walletWorld) choose(vcts []string, purposes []ledgerPurpose) error {
	for _, p := range purposes {
		for _, c := range p.Claims {
			if !slices.Contains(vcts, c.VCT) {
				continue
			}
			ty, err := schemas.Default().Lookup(c.VCT)
			if err != nil {
				continue
			}
			claims := ty.Example()
			var asked, outside sdjwt.Path
			for _, d := range ty.Disclosable(claims) {
				allowed := slices.ContainsFunc(c.Paths, func(a sdjwt.Path) bool { return a.Covers(d) })
				switch {
				case allowed && asked == nil:
					asked = d
				case !allowed && outside == nil:
					outside = d
				}
			}
			if asked == nil || len(ty.Disclosable(claims)) < 2 {
				continue
			}
			w.vct, w.purpose, w.asked, w.outside, w.claims = c.VCT, p.ID, asked, outside, claims
			return nil
		}
	}
	return errors.New("no purpose of the verifier allows a selectively disclosable claim of a type the issuer is authorised for, with another claim beside it")
}

// query is a DCQL query for the claims paths of a credential of vct.
func query(vct string, paths ...sdjwt.Path) string {
	var claims []map[string]any
	for _, p := range paths {
		claims = append(claims, map[string]any{"path": p})
	}
	b, _ := json.Marshal(map[string]any{"credentials": []any{map[string]any{
		"id": "q0", "format": "dc+sd-jwt", "meta": map[string]any{"vct_values": []string{vct}}, "claims": claims}}})
	return string(b)
}

// receive offers the wallet a credential of vct with the example claims.
func (w *walletWorld) receive(ctx context.Context, vct string) error {
	ty, err := schemas.Default().Lookup(vct)
	if err != nil {
		return err
	}
	uri, tx, err := w.iss.NewOffer(ctx, vct, ty.Example())
	if err != nil {
		return fmt.Errorf("the suite's issuer: %w", err)
	}
	return w.drv.Receive(ctx, uri, tx)
}

// hold makes sure the wallet holds a credential of w.vct.
func (w *walletWorld) hold(ctx context.Context) error {
	if w.held {
		return nil
	}
	if err := w.receive(ctx, w.vct); err != nil {
		return fmt.Errorf("the wallet did not store a valid credential (%w), so presentation cannot be checked", err)
	}
	w.held = true
	return nil
}

// refusedBy checks that a driver's answer is the wallet's refusal.
func refusedBy(err error, what string) error {
	switch {
	case err == nil:
		return fmt.Errorf("the wallet accepted %s", what)
	case errors.Is(err, ErrRefused):
		return nil
	default:
		return fmt.Errorf("%s: the wallet failed (%v) rather than refusing", what, err)
	}
}

// sentNothing checks that the verifier got no presentation for request id.
func sentNothing(v *wallettest.Verifier, id string) error {
	res := v.Result(id)
	if res == nil || (res.Error != nil && len(res.Claims) == 0) {
		return nil
	}
	if len(res.Claims) > 0 {
		return fmt.Errorf("the verifier received a presentation of %d credential(s)", len(res.Claims))
	}
	return fmt.Errorf("the verifier received a response it refused: %s", res.Refused)
}

func walletReceivesValid(ctx context.Context, t *Target) error {
	w, err := walletOf(ctx, t)
	if err != nil {
		return err
	}
	if err := w.receive(ctx, w.vct); err != nil {
		return fmt.Errorf("a valid credential of %s was not stored: %w", w.vct, err)
	}
	w.held = true
	return nil
}

func walletRefusesTampered(ctx context.Context, t *Target) error {
	w, err := walletOf(ctx, t)
	if err != nil {
		return err
	}
	prev := w.iss.SetHandler(tamperCredentials(w.iss.Handler()))
	defer w.iss.SetHandler(prev)
	return refusedBy(w.receive(ctx, w.vct), "a credential with a broken issuer signature")
}

// tamperCredentials changes a character of the issuer signature of every
// credential the credential endpoint answers with.
func tamperCredentials(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var out map[string]any
		if strings.HasSuffix(r.URL.Path, "/credential") && rec.Code == http.StatusOK && json.Unmarshal(body, &out) == nil {
			if list, ok := out["credentials"].([]any); ok {
				for _, c := range list {
					if m, ok := c.(map[string]any); ok {
						if s, ok := m["credential"].(string); ok {
							m["credential"] = flipSignature(s)
						}
					}
				}
				body, _ = json.Marshal(out)
			}
		}
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				rw.Header()[k] = v
			}
		}
		rw.WriteHeader(rec.Code)
		rw.Write(body)
	})
}

// flipSignature changes the second character of the signature of the
// SD-JWT's issuer-signed JWT.
func flipSignature(s string) string {
	jwt, rest, _ := strings.Cut(s, "~")
	b := []byte(jwt)
	i := strings.LastIndexByte(jwt, '.') + 2
	if i >= len(b) {
		return s
	}
	b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
	return string(b) + "~" + rest
}

func walletRefusesUnauthorisedIssuer(ctx context.Context, t *Target) error {
	w, err := walletOf(ctx, t)
	if err != nil {
		return err
	}
	return refusedBy(w.receive(ctx, w.otherVCT), "a credential of "+w.otherVCT+", which the ledger does not authorise its issuer for,")
}

// ask makes a request of v for the paths of w.vct and has the wallet
// answer it; it returns the request's id and the driver's answer.
func (w *walletWorld) ask(ctx context.Context, v *wallettest.Verifier, mode string, approve bool, paths ...sdjwt.Path) (string, error, error) {
	uri, id, err := v.NewRequest(ctx, w.purpose, query(w.vct, paths...), mode)
	if err != nil {
		return "", nil, fmt.Errorf("the suite's verifier: %w", err)
	}
	return id, w.drv.Present(ctx, uri, approve), nil
}

func walletPresentsApproved(ctx context.Context, t *Target) error {
	w, err := walletOf(ctx, t)
	if err != nil {
		return err
	}
	if err := w.hold(ctx); err != nil {
		return err
	}
	id, answer, err := w.ask(ctx, w.ver, vp.ResponseModeDirectPostJWT, true, w.asked)
	if err != nil {
		return err
	}
	if answer != nil {
		return fmt.Errorf("the wallet did not answer an approved request within the verifier's purpose: %w", answer)
	}
	res := w.ver.Result(id)
	switch {
	case res == nil:
		return errors.New("the verifier received nothing")
	case res.Error != nil:
		return fmt.Errorf("the wallet answered with the error %s", res.Error.Code)
	case res.Refused != "":
		return fmt.Errorf("the presentation does not verify: %s", res.Refused)
	}
	for _, c := range res.Claims["q0"] {
		if w.asked.Selects(c) {
			return nil
		}
	}
	return fmt.Errorf("the presentation does not hold the claim %s it was asked for", w.asked)
}

func walletRefusesUnregistered(ctx context.Context, t *Target) error {
	w, err := walletOf(ctx, t)
	if err != nil {
		return err
	}
	if err := w.hold(ctx); err != nil {
		return err
	}
	id, answer, err := w.ask(ctx, w.stranger, vp.ResponseModeDirectPost, true, w.asked)
	if err != nil {
		return err
	}
	if err := refusedBy(answer, "a request of "+w.stranger.DID+", which the ledger registers for nothing,"); err != nil {
		return err
	}
	return sentNothing(w.stranger, id)
}

func walletRefusesOverAsking(ctx context.Context, t *Target) error {
	w, err := walletOf(ctx, t)
	if err != nil {
		return err
	}
	if w.outside == nil {
		return fmt.Errorf("%w: the purpose %s allows every claim of %s", ErrSkip, w.purpose, w.vct)
	}
	if err := w.hold(ctx); err != nil {
		return err
	}
	id, answer, err := w.ask(ctx, w.ver, vp.ResponseModeDirectPost, true, w.asked, w.outside)
	if err != nil {
		return err
	}
	if err := refusedBy(answer, fmt.Sprintf("a request for %s, outside the purpose %s,", w.outside, w.purpose)); err != nil {
		return err
	}
	return sentNothing(w.ver, id)
}

func walletDisclosesOnlyAsked(ctx context.Context, t *Target) error {
	w, err := walletOf(ctx, t)
	if err != nil {
		return err
	}
	if err := w.hold(ctx); err != nil {
		return err
	}
	id, answer, err := w.ask(ctx, w.ver, vp.ResponseModeDirectPost, true, w.asked)
	if err != nil {
		return err
	}
	if answer != nil {
		return fmt.Errorf("the wallet did not answer an approved request: %w", answer)
	}
	res := w.ver.Result(id)
	if res == nil || len(res.Claims["q0"]) == 0 {
		return errors.New("the verifier received no presentation")
	}
	for _, d := range res.Disclosed["q0"] {
		// A Disclosure on the way to the asked claim (its container) or
		// within it is asked for; any other is not.
		if !w.asked.Covers(d) && !d.Covers(w.asked) {
			return fmt.Errorf("asked for %s, the wallet also disclosed %s", w.asked, d)
		}
	}
	return nil
}

func walletDeclineSendsNothing(ctx context.Context, t *Target) error {
	w, err := walletOf(ctx, t)
	if err != nil {
		return err
	}
	if err := w.hold(ctx); err != nil {
		return err
	}
	id, answer, err := w.ask(ctx, w.ver, vp.ResponseModeDirectPost, false, w.asked)
	if err != nil {
		return err
	}
	if answer != nil {
		return fmt.Errorf("the wallet did not show a consent to decline: %w", answer)
	}
	return sentNothing(w.ver, id)
}
