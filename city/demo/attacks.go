package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
	wvp "github.com/seoulid/seoulid/wallet/oid4vp"
)

// overAsking: a verifier asks for more than the purpose the ledger
// registers for it, and the wallet refuses before the citizen sees
// anything.
func (r *run) overAsking(ctx context.Context) error {
	r.title("An over-asking verifier is refused by the wallet", "과도하게 요청하는 검증기관을 지갑이 거부합니다")
	lib, err := r.service("seoul-library")
	if err != nil {
		return err
	}
	// The library's own key signs the request, as a tampered gate terminal
	// would: the signature is good, the ask is not.
	key, err := readServiceKey(filepath.Join(r.dir, "city", "verifiers", "seoul-library", "key.jwk"))
	if err != nil {
		return err
	}
	prog, err := r.programmes.Lookup("citizen-card-facility-entry")
	if err != nil {
		return err
	}
	query, err := dcql.Parse([]byte(`{"credentials": [
		{"id": "card", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:seoulid:vct:seoul-citizen-card:1"]},
		 "claims": [{"path": ["facility_memberships", null, "facility_id"]}, {"path": ["resident_of_seoul"]}]},
		{"id": "income", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:seoulid:vct:health-insurance-income-band:1"]},
		 "claims": [{"path": ["income_band"]}]}]}`))
	if err != nil {
		return err
	}
	rogue, err := newRogue()
	if err != nil {
		return err
	}
	defer rogue.close()
	nonce, _ := vp.NewNonce()
	state, _ := vp.NewState()
	req := &vp.AuthorizationRequest{ClientID: vp.ClientIDForDID(lib.DID), ResponseType: vp.ResponseTypeVPToken, ResponseMode: vp.ResponseModeDirectPost,
		ResponseURI: rogue.url + "/response", Nonce: nonce, State: state, DCQLQuery: query, Purpose: prog.Purpose().ID,
		ClientMetadata: &vp.ClientMetadata{VPFormatsSupported: map[string]map[string]any{dcql.FormatSDJWTVC: {"sd-jwt_alg_values": []string{"EdDSA", "ES256"}, "kb-jwt_alg_values": []string{"EdDSA", "ES256"}}}}}
	if rogue.object, err = vp.SignRequestObject(ctx, key, req); err != nil {
		return err
	}
	r.say(fmt.Sprintf("A gate terminal of %s has been tampered with: signed with the library's own key, its request asks for Jeong's library membership — and her household income band.", r.name(lib)),
		fmt.Sprintf("%s의 출입 단말기가 변조되었습니다. 도서관의 키로 서명된 요청이 회원 정보와 함께 정하은 씨의 가구 소득 구간까지 요구합니다.", r.name(lib)))
	uri := "openid4vp://?" + (&vp.RequestReference{ClientID: req.ClientID, RequestURI: rogue.url + "/request"}).Encode()
	c := r.jeongWallet
	_, err = c.wallet.Ask(ctx, uri)
	if !errors.Is(err, wallet.ErrOverAsking) {
		return r.fail("the wallet answered the over-asking request with %v, not a refusal", err)
	}
	r.say("Her wallet compares the request with the library's purpose on the ledger (entry to its facilities: membership only) and refuses it before showing her anything.",
		"지갑은 요청을 원장에 등록된 도서관의 이용 목적(시설 출입: 회원 여부만)과 비교하고, 아무것도 보여 주기 전에 거부합니다.")
	posted := rogue.response(2 * time.Second)
	if !strings.Contains(posted, "error=access_denied") || strings.Contains(posted, "vp_token") {
		return r.fail("the terminal received %q, not access_denied", posted)
	}
	r.say("The terminal is told access_denied and receives no claim; her wallet's history records the refusal.",
		"단말기는 access_denied 응답만 받고 어떤 정보도 받지 못합니다. 지갑의 이력에 거부가 기록됩니다.")
	return nil
}

// forgery: someone makes a Citizen Card in City Hall's name with a key of
// their own; the verifier refuses it.
func (r *run) forgery(ctx context.Context) error {
	r.title("A forged credential is refused by the verifier", "위조된 증명서를 검증기관이 거부합니다")
	hall, err := r.service("city-hall")
	if err != nil {
		return err
	}
	forger, err := keys.Generate(keys.EdDSA)
	if err != nil {
		return err
	}
	// The forger names City Hall's current key, and signs with their own.
	var rec struct {
		Versions []struct {
			Keys []struct {
				ID string `json:"id"`
			} `json:"keys"`
		} `json:"versions"`
	}
	if err := r.city.Remote().Query(ctx, "/did/"+hall.DID, &rec); err != nil || len(rec.Versions) == 0 {
		return r.fail("reading City Hall's DID: %v", err)
	}
	latest := rec.Versions[len(rec.Versions)-1]
	forger = forger.WithKeyID(hall.DID + "#" + latest.Keys[0].ID)
	ty, err := schemas.Default().Lookup(vctOf("seoul-citizen-card"))
	if err != nil {
		return err
	}
	claims, err := example("seoul-citizen-card", map[string]any{"name": "최가짜", "birthdate": "1990-01-01"})
	if err != nil {
		return err
	}
	cred, err := ty.Credential(hall.DID, time.Now(), claims)
	if err != nil {
		return err
	}
	holder, err := keys.Generate(keys.ES256)
	if err != nil {
		return err
	}
	cred.Holder = holder.Public()
	card, err := sdjwtvc.Issue(ctx, forger, cred, sdjwtvc.IssueOptions{})
	if err != nil {
		return err
	}
	paths, err := sdjwt.ParsePaths("resident_of_seoul,facility_memberships[*].facility_id")
	if err != nil {
		return err
	}
	shown, err := card.Select(paths...)
	if err != nil {
		return err
	}
	lib, _ := r.service("seoul-library")
	st, err := r.ask(ctx, "seoul-library", "citizen-card-facility-entry", map[string]string{"facility_id": "SEOUL-LIB-0001"})
	if err != nil {
		return err
	}
	// The forger's own wallet answers the library's request: the same
	// OpenID4VP client as a citizen's, with a forged card.
	client := wvp.New(r.city.Remote(), wvp.Config{AllowHTTP: true})
	ro, err := client.Request(ctx, st.URI)
	if err != nil {
		return r.fail("the library's request: %v", err)
	}
	kb, err := shown.WithKeyBinding(ctx, holder, sdjwt.KeyBindingInput{Audience: ro.ClientID, Nonce: ro.Nonce})
	if err != nil {
		return err
	}
	_, answerErr := client.Respond(ctx, &ro.AuthorizationRequest, &vp.AuthorizationResponse{VPToken: vp.VPToken{"card": {kb.String()}}})
	r.say(fmt.Sprintf("Someone makes a Seoul Citizen Card in %s's name, naming its key but signing with a key of their own, and presents it at %s's gate.", r.name(hall), r.name(lib)),
		fmt.Sprintf("누군가 %s 명의로 시민카드를 만들어, 시청의 키 이름을 적고 자기 키로 서명한 뒤 %s 출입구에 제시합니다.", r.name(hall), r.name(lib)))
	var refused *wvp.AnswerError
	if !errors.As(answerErr, &refused) || refused.Status != http.StatusBadRequest || refused.Code != string(vp.ErrInvalidRequest) {
		return r.fail("the library answered the forgery with %v, not invalid_request", answerErr)
	}
	out, err := r.outcome(ctx, "seoul-library", st.ID)
	if err != nil {
		return err
	}
	if out.State != "refused" || !strings.Contains(out.Reason, "signature") {
		return r.fail("the library says %s (%s) about the forgery", out.State, out.Reason)
	}
	r.say("The library checks the signature against City Hall's key on the ledger and refuses: "+out.Reason+". The gate stays shut.",
		"도서관은 원장에 있는 시청의 키로 서명을 확인하고 거부합니다: "+out.Reason+". 문은 열리지 않습니다.")
	return nil
}

// readServiceKey reads a service's private key file.
func readServiceKey(file string) (*keys.PrivateKey, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return keys.ParsePrivateJWK(b)
}

// rogue is a verifier endpoint outside the city: it serves one request
// object and records what the wallet posts back.
type rogue struct {
	url    string
	object string
	srv    *http.Server
	posted chan string
	once   sync.Once
}

func newRogue() (*rogue, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	g := &rogue{url: "http://" + ln.Addr().String(), posted: make(chan string, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("/request", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/oauth-authz-req+jwt")
		io.WriteString(w, g.object)
	})
	mux.HandleFunc("POST /response", func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		g.once.Do(func() { g.posted <- string(b) })
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	})
	g.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go g.srv.Serve(ln)
	return g, nil
}

// response is what the wallet posted, or "" if nothing came in time.
func (g *rogue) response(wait time.Duration) string {
	select {
	case s := <-g.posted:
		return s
	case <-time.After(wait):
		return ""
	}
}

func (g *rogue) close() { g.srv.Close() }
