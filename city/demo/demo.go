package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seoulid/seoulid/city"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier/programmes"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/keystore"
	wci "github.com/seoulid/seoulid/wallet/oid4vci"
	wvp "github.com/seoulid/seoulid/wallet/oid4vp"
	"github.com/seoulid/seoulid/wallet/store"
)

// Config sets up a run. The zero value tells the stories in English in a
// temporary directory, to nowhere.
type Config struct {
	// Lang is "en" or "ko"; "" means "en".
	Lang string
	// Out receives the stories; nil discards them.
	Out io.Writer
	// Logger receives the city's logs; nil discards them.
	Logger *slog.Logger
	// DataDir is where the city runs; "" means a temporary directory,
	// removed at the end.
	DataDir string
}

// ErrStep is wrapped by the error of a step that did not behave.
var ErrStep = errors.New("demo: a step did not behave")

// Run starts a city and tells the stories through it. It returns an error
// wrapping ErrStep at the first step that does not behave as the story
// says, and the city's error if it cannot start.
func Run(ctx context.Context, cfg Config) (err error) {
	if cfg.Lang == "" {
		cfg.Lang = "en"
	}
	if cfg.Lang != "en" && cfg.Lang != "ko" {
		return fmt.Errorf("demo: language %q: ko or en", cfg.Lang)
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	dir := cfg.DataDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "seoulid-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	r := &run{cfg: cfg, out: cfg.Out, ko: cfg.Lang == "ko", dir: dir, hc: &http.Client{Timeout: 30 * time.Second}, start: time.Now()}
	r.say("Starting a city on this machine: a ledger node, 7 issuers, 3 verifiers, a resolver.",
		"이 컴퓨터에서 도시를 시작합니다: 원장 노드, 발급기관 7곳, 검증기관 3곳, 리졸버.")
	r.city, err = city.Start(ctx, city.Config{DataDir: filepath.Join(dir, "city"), FirstPort: -1, BlockInterval: 500 * time.Millisecond,
		PublishInterval: 200 * time.Millisecond, StatusMaxAge: time.Second, Logger: cfg.Logger})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, r.city.Close()) }()
	r.say(fmt.Sprintf("The city is up (%s). Every agency's DID, authorisation and purposes are on the ledger.", time.Since(r.start).Round(100*time.Millisecond)),
		fmt.Sprintf("도시가 시작되었습니다 (%s). 모든 기관의 DID, 발급 권한, 이용 목적이 원장에 있습니다.", time.Since(r.start).Round(100*time.Millisecond)))
	if r.programmes, err = programmes.Load(); err != nil {
		return err
	}
	for _, s := range []func(context.Context) error{r.jeong, r.yoon, r.revocation, r.rotation, r.overAsking, r.forgery} {
		if err := s(ctx); err != nil {
			r.say("✗ "+err.Error(), "✗ "+err.Error())
			return err
		}
	}
	r.blank()
	r.say(fmt.Sprintf("Every story behaved, in %s.", time.Since(r.start).Round(100*time.Millisecond)),
		fmt.Sprintf("모든 이야기가 예상대로 진행되었습니다 (%s).", time.Since(r.start).Round(100*time.Millisecond)))
	return nil
}

// run is one telling of the stories.
type run struct {
	cfg        Config
	out        io.Writer
	ko         bool
	dir        string
	hc         *http.Client
	city       *city.City
	programmes *programmes.Catalogue
	start      time.Time
	story      int

	jeongWallet *citizen
	// residencyOffer is the offer of Jeong's residency certificate, which
	// the district office later revokes.
	residencyOffer string
}

// say prints a sentence in the run's language.
func (r *run) say(en, ko string) {
	if r.ko {
		fmt.Fprintln(r.out, "  "+ko)
	} else {
		fmt.Fprintln(r.out, "  "+en)
	}
}

func (r *run) blank() { fmt.Fprintln(r.out) }

// title starts a story.
func (r *run) title(en, ko string) {
	r.story++
	r.blank()
	if r.ko {
		fmt.Fprintf(r.out, "%d. %s\n", r.story, ko)
	} else {
		fmt.Fprintf(r.out, "%d. %s\n", r.story, en)
	}
}

// fail is the error of a step that did not behave.
func (r *run) fail(format string, args ...any) error {
	return fmt.Errorf("%w: story %d: %s", ErrStep, r.story, fmt.Sprintf(format, args...))
}

// lang picks the run's language from a ko/en map.
func (r *run) lang(m map[string]string) string {
	if r.ko && m["ko"] != "" {
		return m["ko"]
	}
	return m["en"]
}

// text picks the run's language from a programmes.Text.
func (r *run) text(t programmes.Text) string {
	return r.lang(map[string]string{"ko": t.Ko, "en": t.En})
}

// service returns a service of the city.
func (r *run) service(slug string) (city.Service, error) {
	s, ok := r.city.Service(slug)
	if !ok {
		return city.Service{}, r.fail("the city has no %s", slug)
	}
	return s, nil
}

func (r *run) name(s city.Service) string {
	if r.ko {
		return s.Name.Ko
	}
	return s.Name.En
}

// citizen is a citizen with a wallet on their phone.
type citizen struct {
	name   string // in Korean
	nameEn string
	pin    []byte
	wallet *wallet.Wallet
	store  *store.Store
}

// newCitizen makes a wallet protected by a PIN.
func (r *run) newCitizen(ctx context.Context, slug, name, nameEn, pin string) (*citizen, error) {
	dir := filepath.Join(r.dir, "wallets", slug)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	dev, err := store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	if err != nil {
		return nil, err
	}
	st, err := store.Create(ctx, filepath.Join(dir, "wallet.db"), dev, []byte(pin), store.Options{})
	if err != nil {
		return nil, err
	}
	remote := r.city.Remote()
	w, err := wallet.New(st, keystore.New(st), city.WalletLedger{Remote: remote}, remote,
		wci.New(wci.Config{AllowHTTP: true}), wvp.New(remote, wvp.Config{AllowHTTP: true}), wallet.Config{Logger: r.cfg.Logger})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &citizen{name: name, nameEn: nameEn, pin: []byte(pin), wallet: w, store: st}, nil
}

// josa is word with the Korean particle that fits its last syllable:
// afterConsonant (이, 을, 은) after a final consonant, else afterVowel (가,
// 를, 는). A word that does not end in a Hangul syllable takes the first.
func josa(word, afterConsonant, afterVowel string) string {
	rs := []rune(word)
	if len(rs) == 0 {
		return word
	}
	last := rs[len(rs)-1]
	if last < 0xAC00 || last > 0xD7A3 || (last-0xAC00)%28 != 0 {
		return word + afterConsonant
	}
	return word + afterVowel
}

// quoted is word in double quotes followed by its particle (josa).
func quoted(word, afterConsonant, afterVowel string) string {
	return `"` + word + `"` + strings.TrimPrefix(josa(word, afterConsonant, afterVowel), word)
}

// callJSON sends a JSON request and decodes a JSON answer; a status other
// than want is an error carrying the body.
func (r *run) callJSON(ctx context.Context, method, u, token string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, u, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// offered is what a back office answers to a new offer.
type offered struct {
	OfferID  string `json:"offer_id"`
	OfferURI string `json:"offer_uri"`
	TxCode   string `json:"tx_code"`
}

// offer has an issuer's operator make an offer of a credential of the type
// (its slug) with the claims, as a clerk at the counter does.
func (r *run) offer(ctx context.Context, issuer, typ string, claims map[string]any) (*offered, error) {
	s, err := r.service(issuer)
	if err != nil {
		return nil, err
	}
	tok, err := os.ReadFile(s.TokenFile)
	if err != nil {
		return nil, err
	}
	ty, err := schemas.Default().Lookup(vctOf(typ))
	if err != nil {
		return nil, err
	}
	var o offered
	if err := r.callJSON(ctx, http.MethodPost, s.URL+"/admin/v1/offers?qr=false", strings.TrimSpace(string(tok)),
		map[string]any{"vct": ty.VCT, "claims": claims}, http.StatusCreated, &o); err != nil {
		return nil, r.fail("%s's back office refused an offer of %s: %v", issuer, typ, err)
	}
	return &o, nil
}

// vctOf is the vct of a catalogue type's slug.
func vctOf(slug string) string { return "urn:seoulid:vct:" + slug + ":1" }

// issue has the issuer offer the credential and the citizen's wallet
// redeem it with the tx_code the citizen received by text message.
func (r *run) issue(ctx context.Context, c *citizen, issuer, typ string, claims map[string]any) (*issued, error) {
	o, err := r.offer(ctx, issuer, typ, claims)
	if err != nil {
		return nil, err
	}
	cred, err := c.wallet.Receive(ctx, o.OfferURI, "", o.TxCode)
	if err != nil {
		return nil, r.fail("%s's wallet did not accept the %s from %s: %v", c.name, typ, issuer, err)
	}
	s, _ := r.service(issuer)
	ty := c.wallet.Type(cred)
	r.say(fmt.Sprintf("%s issues %s \"%s\"; the PIN for it comes by text message. The wallet checks the signature with %s's key on the ledger, and that the ledger authorises %s for this credential, then keeps it.",
		r.name(s), c.nameEn, ty.Display[schemas.English].Name, r.name(s), r.name(s)),
		fmt.Sprintf("%s %s 씨에게 %s 발급합니다. 인증번호는 문자로 받습니다. 지갑은 원장에 있는 %s의 키로 서명을, 원장에서 발급 권한을 확인한 뒤 보관합니다.",
			josa(r.name(s), "이", "가"), c.name, quoted(ty.Display[schemas.Korean].Name, "을", "를"), r.name(s)))
	return &issued{Credential: cred, offerID: o.OfferID}, nil
}

// issued is a credential in a wallet and the offer it came from.
type issued struct {
	*wallet.Credential
	offerID string
}

// status is the portal API's answer for a request.
type status struct {
	State    string
	Reason   string
	Decision *programmes.Decision
}

// started is the portal API's answer to a new request.
type started struct {
	ID  string `json:"id"`
	URI string `json:"uri"`
}

// ask has a verifier's page start a request for a programme.
func (r *run) ask(ctx context.Context, verifier, programme string, params map[string]string) (*started, error) {
	s, err := r.service(verifier)
	if err != nil {
		return nil, err
	}
	var st started
	body := map[string]any{"programme": programme}
	if params != nil {
		body["parameters"] = params
	}
	if err := r.callJSON(ctx, http.MethodPost, s.URL+"/api/requests?qr=false", "", body, http.StatusCreated, &st); err != nil {
		return nil, r.fail("%s did not start a request for %s: %v", verifier, programme, err)
	}
	return &st, nil
}

// outcome waits for the request's answer, as the verifier's page does.
func (r *run) outcome(ctx context.Context, verifier, id string) (*status, error) {
	s, err := r.service(verifier)
	if err != nil {
		return nil, err
	}
	var st status
	if err := r.callJSON(ctx, http.MethodGet, s.URL+"/api/requests/"+url.PathEscape(id)+"?wait=20s", "", nil, http.StatusOK, &st); err != nil {
		return nil, r.fail("%s's page could not read the request: %v", verifier, err)
	}
	return &st, nil
}

// printDecision prints a decision with the reason of each criterion.
func (r *run) printDecision(d *programmes.Decision) {
	for _, c := range d.Criteria {
		mark := map[programmes.Outcome]string{programmes.Passed: "✓", programmes.Failed: "✗"}[c.Outcome]
		if mark == "" {
			mark = "?"
		}
		r.say("   "+mark+" "+r.text(c.Label)+": "+r.text(c.Reason), "   "+mark+" "+r.text(c.Label)+": "+r.text(c.Reason))
	}
}
