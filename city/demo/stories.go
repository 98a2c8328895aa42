package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier/programmes"
	"github.com/seoulid/seoulid/wallet"
)

// kst is Korea's time zone, in which claims carry calendar dates.
var kst = time.FixedZone("KST", 9*60*60)

// today is today's date in Korea, as claims write it.
func today() string { return time.Now().In(kst).Format(time.DateOnly) }

// example is the catalogue's example claims of a type with the fields
// given replaced: each story's citizen on top of a valid credential.
func example(slug string, with map[string]any) (map[string]any, error) {
	ty, err := schemas.Default().Lookup(vctOf(slug))
	if err != nil {
		return nil, err
	}
	m := ty.Example()
	maps.Copy(m, with)
	return m, nil
}

const (
	jeongName      = "정하은"
	jeongBirthdate = "1999-05-14"
	jeongPIN       = "482915"
	kimName        = "김영수"
	kimPIN         = "730162"
)

// jeong: a recent graduate receives her credentials, asks the welfare
// portal about the youth allowance, approves with her PIN and reads the
// decision; the portal saw only what its registered purpose allows.
func (r *run) jeong(ctx context.Context) error {
	r.title("Jeong asks whether she qualifies for the youth allowance",
		"정하은 씨가 청년수당 대상인지 확인합니다")
	r.say("Jeong Ha-eun (정하은), 27, graduated from the University of Seoul in August and is looking for work. She lives in Gwanak-gu.",
		"정하은 씨(27세)는 8월에 서울시립대학교를 졸업하고 구직 중입니다. 관악구에 삽니다.")
	c, err := r.newCitizen(ctx, "jeong", jeongName, "Jeong", jeongPIN)
	if err != nil {
		return err
	}
	r.jeongWallet = c
	person := map[string]any{"name": jeongName, "birthdate": jeongBirthdate}
	with := func(m map[string]any) map[string]any {
		out := maps.Clone(person)
		maps.Copy(out, m)
		return out
	}
	steps := []struct {
		issuer, typ string
		claims      map[string]any
	}{
		{"gwanak-gu", "residency-status", with(map[string]any{"as_of": today(), "district": "관악구", "household_size": 1, "resident_since": "2018-03-02"})},
		{"gwanak-gu", "welfare-recipient-status", with(map[string]any{"as_of": today(), "basic_livelihood_recipient": false, "near_poverty": false})},
		{"uos", "enrolment-status", with(map[string]any{"as_of": today(), "enrolled": false, "on_leave": false, "education_status": "graduated"})},
		{"comwel", "employment-insurance-status", with(map[string]any{"as_of": today(), "insured": false, "last_lost_on": "2026-08-31"})},
		{"nhis", "health-insurance-income-band", with(map[string]any{"household_size": 1, "income_band": map[string]any{"lower_pct": 50, "upper_pct": 75}})},
	}
	for _, s := range steps {
		claims, err := example(s.typ, s.claims)
		if err != nil {
			return err
		}
		if s.typ == "employment-insurance-status" {
			delete(claims, "contract_months")
			delete(claims, "weekly_hours")
		}
		cred, err := r.issue(ctx, c, s.issuer, s.typ, claims)
		if err != nil {
			return err
		}
		if s.typ == "residency-status" {
			r.residencyOffer = cred.offerID
		}
	}

	const programme = "seoul-youth-allowance-2026"
	st, err := r.ask(ctx, "welfare-portal", programme, nil)
	if err != nil {
		return err
	}
	portal, _ := r.service("welfare-portal")
	r.say(fmt.Sprintf("On %s she chooses the youth allowance and scans the QR code with her wallet.", r.name(portal)),
		fmt.Sprintf("%s에서 청년수당을 고르고 지갑으로 QR 코드를 찍습니다.", r.name(portal)))
	consent, err := c.wallet.Ask(ctx, st.URI)
	if err != nil {
		return r.fail("the wallet refused the welfare portal's request: %v", err)
	}
	r.printConsent(c, consent)
	rc, err := c.wallet.Approve(ctx, consent, wallet.Approval{PIN: c.pin})
	if err != nil {
		return r.fail("approving with the PIN: %v", err)
	}
	r.say("She approves with her PIN. The portal acknowledges with a signed receipt, which her wallet checks and keeps.",
		"PIN으로 승인합니다. 포털은 서명된 영수증을 돌려주고, 지갑은 이를 확인해 보관합니다.")
	if !rc.AckVerified {
		return r.fail("the portal's receipt did not verify")
	}
	out, err := r.outcome(ctx, "welfare-portal", st.ID)
	if err != nil {
		return err
	}
	if out.State != "decided" || out.Decision == nil || out.Decision.Outcome != programmes.Eligible {
		return r.fail("the portal says %s (%s), not an eligible decision", out.State, out.Reason)
	}
	r.say("The portal decides at once: eligible. Its reasons:", "포털이 바로 결정합니다: 대상입니다. 사유:")
	r.printDecision(out.Decision)
	if err := r.onlyPurpose(ctx, rc, portal.DID); err != nil {
		return err
	}
	r.say(fmt.Sprintf("The portal received %d claims, each within the purpose the ledger registers for it; it keeps them for %s, then deletes them.", countClaims(rc), rc.Retention),
		fmt.Sprintf("포털이 받은 항목 %d개는 모두 원장에 등록된 이용 목적 안에 있습니다. 포털은 이를 %s 동안 보관한 뒤 삭제합니다.", countClaims(rc), rc.Retention))
	return nil
}

func countClaims(rc *wallet.Receipt) int {
	n := 0
	for _, d := range rc.Disclosed {
		n += len(d.Claims)
	}
	return n
}

// onlyPurpose checks every claim that left the wallet is one the ledger
// registers the verifier to ask for, under the purpose of the receipt.
func (r *run) onlyPurpose(ctx context.Context, rc *wallet.Receipt, verifierDID string) error {
	e, err := r.city.Remote().Verifier(ctx, verifierDID)
	if err != nil || e == nil {
		return r.fail("reading the verifier's purposes from the ledger: %v", err)
	}
	allowed := map[string][]sdjwt.Path{}
	for _, p := range e.Purposes {
		if p.ID != rc.Purpose {
			continue
		}
		for _, c := range p.Claims {
			allowed[c.VCT] = append(allowed[c.VCT], c.Paths...)
		}
	}
	if len(allowed) == 0 {
		return r.fail("the ledger registers no purpose %q for %s", rc.Purpose, verifierDID)
	}
	for _, d := range rc.Disclosed {
		for _, cl := range d.Claims {
			path, err := sdjwt.ParsePath(cl)
			if err != nil {
				return r.fail("the receipt's claim %q: %v", cl, err)
			}
			if !slices.ContainsFunc(allowed[d.VCT], func(p sdjwt.Path) bool { return p.Covers(path) }) {
				return r.fail("%s of %s left the wallet, but the purpose %q does not allow it", cl, d.VCT, rc.Purpose)
			}
		}
	}
	return nil
}

// printConsent prints what the wallet shows before the PIN.
func (r *run) printConsent(c *citizen, consent *wallet.Consent) {
	r.say(fmt.Sprintf("The wallet checks the request's signature and the purpose on the ledger, then shows: %s asks, for \"%s\" (legal basis: %s; kept for %s):",
		r.lang(consent.VerifierName), consent.Purpose.Description[schemas.English], consent.Purpose.LegalBasis, consent.Purpose.Retention),
		fmt.Sprintf("지갑은 요청의 서명과 원장의 이용 목적을 확인한 뒤 보여 줍니다: %s \"%s\" 목적으로 요청합니다 (법적 근거: %s, 보관 기간: %s):",
			josa(r.lang(consent.VerifierName), "이", "가"), consent.Purpose.Description[schemas.Korean], consent.Purpose.LegalBasis, consent.Purpose.Retention))
	lang := schemas.English
	if r.ko {
		lang = schemas.Korean
	}
	for _, it := range consent.Items {
		var labels []string
		for _, cl := range it.Claims {
			l := cl.Label[lang]
			if cl.Sensitive {
				l += map[bool]string{false: " (sensitive)", true: " (민감정보)"}[r.ko]
			}
			// One line per claim, not per element of a list.
			if !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
		opt := ""
		if it.Optional {
			opt = map[bool]string{false: " [optional, not ticked]", true: " [선택, 체크 안 함]"}[r.ko]
		}
		line := "   • " + it.TypeName[lang] + opt + ": " + strings.Join(labels, ", ")
		r.say(line, line)
	}
}

// yoon: a patient receives his medication list from his clinic and shares
// it with a new clinic, the sensitive claims approved on their own.
func (r *run) yoon(ctx context.Context) error {
	r.title("Mrs. Yoon's husband shares his medication list with a new clinic",
		"윤 여사의 남편이 새 병원에 복용 약 목록을 보여 줍니다")
	r.say("Kim Young-soo (김영수), 68, Mrs. Yoon's husband, takes medicine for diabetes and cholesterol. He is seeing a new doctor in Mapo-gu.",
		"윤 여사의 남편 김영수 씨(68세)는 당뇨와 고지혈증 약을 복용합니다. 마포구의 새 병원에 갑니다.")
	c, err := r.newCitizen(ctx, "kim", kimName, "Mr. Kim", kimPIN)
	if err != nil {
		return err
	}
	claims, err := example("medication-list", map[string]any{"as_of": today()})
	if err != nil {
		return err
	}
	if _, err := r.issue(ctx, c, "gwanak-clinic", "medication-list", claims); err != nil {
		return err
	}
	st, err := r.ask(ctx, "mapo-clinic", "clinic-medication-list", nil)
	if err != nil {
		return err
	}
	consent, err := c.wallet.Ask(ctx, st.URI)
	if err != nil {
		return r.fail("the wallet refused the clinic's request: %v", err)
	}
	r.printConsent(c, consent)
	if !consent.HasSensitive() {
		return r.fail("the medication list's claims are not shown as sensitive")
	}
	if _, err := c.wallet.Approve(ctx, consent, wallet.Approval{PIN: c.pin}); !errors.Is(err, wallet.ErrSensitiveNotApproved) {
		return r.fail("approving without the sensitive claims' own consent: %v, want a refusal", err)
	}
	r.say("The PIN alone is not enough: his wallet asks him to approve the health information on its own line. He does.",
		"PIN만으로는 안 됩니다: 지갑이 건강정보를 별도로 승인하라고 합니다. 김영수 씨가 승인합니다.")
	rc, err := c.wallet.Approve(ctx, consent, wallet.Approval{PIN: c.pin, Sensitive: true})
	if err != nil {
		return r.fail("approving with the sensitive claims: %v", err)
	}
	out, err := r.outcome(ctx, "mapo-clinic", st.ID)
	if err != nil {
		return err
	}
	if out.State != "decided" || out.Decision == nil || out.Decision.Outcome != programmes.Eligible {
		return r.fail("the clinic says %s (%s)", out.State, out.Reason)
	}
	clinic, _ := r.service("mapo-clinic")
	if err := r.onlyPurpose(ctx, rc, clinic.DID); err != nil {
		return err
	}
	r.say(fmt.Sprintf("%s receives his medication list (%d claims), and nothing else:", r.name(clinic), countClaims(rc)),
		fmt.Sprintf("%s 복용 약 목록(항목 %d개)만 받습니다:", josa(r.name(clinic), "이", "가"), countClaims(rc)))
	r.printDecision(out.Decision)
	return nil
}

// revocation: the district office revokes Jeong's residency certificate
// and the portal's next verification says so.
func (r *run) revocation(ctx context.Context) error {
	r.title("A district office revokes a certificate", "구청이 증명서를 취소합니다")
	c := r.jeongWallet
	creds, err := c.wallet.Credentials(ctx)
	if err != nil {
		return err
	}
	var res *wallet.Credential
	for _, cr := range creds {
		if cr.VCT == vctOf("residency-status") {
			res = cr
		}
	}
	if res == nil || res.Status == nil {
		return r.fail("Jeong's wallet holds no residency credential with a status")
	}
	office, _ := r.service("gwanak-gu")
	tok, err := readToken(office.TokenFile)
	if err != nil {
		return err
	}
	// The clerk finds what the offer issued — every copy in the citizen's
	// wallet — and revokes it.
	var list struct {
		Credentials []struct {
			ID      string `json:"id"`
			OfferID string `json:"offer_id"`
		} `json:"credentials"`
	}
	if err := r.callJSON(ctx, "GET", office.URL+"/admin/v1/credentials?limit=100", tok, nil, 200, &list); err != nil {
		return r.fail("listing Gwanak-gu's credentials: %v", err)
	}
	n := 0
	for _, cr := range list.Credentials {
		if cr.OfferID != r.residencyOffer {
			continue
		}
		if err := r.callJSON(ctx, "POST", office.URL+"/admin/v1/credentials/"+cr.ID+"/revoke", tok, nil, 200, nil); err != nil {
			return r.fail("revoking: %v", err)
		}
		n++
	}
	if n == 0 {
		return r.fail("Gwanak-gu's back office lists nothing issued by the residency offer")
	}
	r.say(fmt.Sprintf("A clerk at %s finds that Jeong's residency certificate was issued in error and revokes it.", r.name(office)),
		fmt.Sprintf("%s 직원이 정하은 씨의 거주 증명이 잘못 발급된 것을 알고 취소합니다.", r.name(office)))
	// The office publishes the changed list to the ledger at its next tick.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if revoked, err := r.revokedOnLedger(ctx, res.Status.URI, res.Status.Index); err != nil {
			return err
		} else if revoked {
			break
		}
		if time.Now().After(deadline) {
			return r.fail("the revocation did not reach the ledger")
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.say("The office publishes its status list to the ledger: one bit at a random index flips; nothing on the ledger says whose.",
		"구청이 상태 목록을 원장에 게시합니다: 임의 위치의 비트 하나가 바뀌며, 원장에는 누구의 것인지 나타나지 않습니다.")
	time.Sleep(1100 * time.Millisecond) // the verifiers' status cache (Config.StatusMaxAge)
	st, err := r.ask(ctx, "welfare-portal", "seoul-youth-allowance-2026", nil)
	if err != nil {
		return err
	}
	consent, err := c.wallet.Ask(ctx, st.URI)
	if err != nil {
		return r.fail("the wallet refused the request: %v", err)
	}
	_, aerr := c.wallet.Approve(ctx, consent, wallet.Approval{PIN: c.pin})
	out, err := r.outcome(ctx, "welfare-portal", st.ID)
	if err != nil {
		return err
	}
	if out.State != "refused" || !strings.Contains(out.Reason, "revoked") {
		return r.fail("after the revocation the portal says %s (%s); the wallet was told %v", out.State, out.Reason, aerr)
	}
	r.say("When Jeong asks the portal again, it checks the status list on the ledger and refuses the presentation: "+out.Reason+".",
		"정하은 씨가 다시 신청하자, 포털은 원장의 상태 목록을 확인하고 제출을 거부합니다: "+out.Reason+".")
	if aerr == nil {
		return r.fail("the wallet was not told that the presentation was refused")
	}
	r.say("Her wallet is told the presentation was refused, and why.", "지갑도 제출이 거부된 사실과 이유를 전달받습니다.")
	return nil
}

// revokedOnLedger reads the status list the ledger holds and says whether
// the entry is revoked.
func (r *run) revokedOnLedger(ctx context.Context, uri string, idx int) (bool, error) {
	tok, _, err := r.city.Remote().StatusToken(ctx, uri)
	if err != nil {
		return false, r.fail("reading the status list from the ledger: %v", err)
	}
	t, err := statuslist.Parse(tok)
	if err != nil {
		return false, r.fail("the ledger's status list: %v", err)
	}
	v, err := t.Claims().List.Get(idx)
	if err != nil {
		return false, r.fail("the ledger's status list: %v", err)
	}
	return v == statuslist.Invalid, nil
}

func readToken(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// rotation: City Hall rotates its key; a card signed before still
// verifies, a new one is signed with the new key.
func (r *run) rotation(ctx context.Context) error {
	r.title("City Hall rotates its signing key", "서울시청이 서명 키를 교체합니다")
	c := r.jeongWallet
	card, err := example("seoul-citizen-card", map[string]any{"name": jeongName, "birthdate": jeongBirthdate})
	if err != nil {
		return err
	}
	old, err := r.issue(ctx, c, "city-hall", "seoul-citizen-card", card)
	if err != nil {
		return err
	}
	oldKid, err := headerKid(old.Credential)
	if err != nil {
		return err
	}
	hall, _ := r.service("city-hall")
	newKid, err := r.city.RotateKey(ctx, "city-hall")
	if err != nil {
		return r.fail("rotating City Hall's key: %v", err)
	}
	r.say(fmt.Sprintf("%s replaces its key %s with %s on the ledger; the old key stays in its DID's history.", r.name(hall), fragment(oldKid), fragment(newKid)),
		fmt.Sprintf("%s 원장에서 키 %s를 %s로 교체합니다. 이전 키는 DID 이력에 남습니다.", josa(r.name(hall), "이", "가"), fragment(oldKid), fragment(newKid)))
	if err := r.enter(ctx, c, "the card signed with the old key", "이전 키로 서명된 카드"); err != nil {
		return err
	}
	// She renews her card; the wallet keeps the new one.
	if err := c.wallet.Delete(ctx, old.ID); err != nil {
		return err
	}
	fresh, err := r.issue(ctx, c, "city-hall", "seoul-citizen-card", card)
	if err != nil {
		return err
	}
	kid, err := headerKid(fresh.Credential)
	if err != nil {
		return err
	}
	if kid != newKid {
		return r.fail("the new card is signed with %s, not the new key %s", kid, newKid)
	}
	return r.enter(ctx, c, "the card signed with the new key "+fragment(kid), "새 키 "+fragment(kid)+"로 서명된 카드")
}

// enter presents the citizen's card at the Seoul Library's entrance.
func (r *run) enter(ctx context.Context, c *citizen, whatEn, whatKo string) error {
	st, err := r.ask(ctx, "seoul-library", "citizen-card-facility-entry", map[string]string{"facility_id": "SEOUL-LIB-0001"})
	if err != nil {
		return err
	}
	consent, err := c.wallet.Ask(ctx, st.URI)
	if err != nil {
		return r.fail("the wallet refused the library's request: %v", err)
	}
	if _, err := c.wallet.Approve(ctx, consent, wallet.Approval{PIN: c.pin}); err != nil {
		return r.fail("presenting %s at the library: %v", whatEn, err)
	}
	out, err := r.outcome(ctx, "seoul-library", st.ID)
	if err != nil {
		return err
	}
	if out.State != "decided" || out.Decision == nil || out.Decision.Outcome != programmes.Eligible {
		return r.fail("the library says %s (%s) for %s", out.State, out.Reason, whatEn)
	}
	r.say(fmt.Sprintf("At the Seoul Library's gate, %s verifies: the gate opens.", whatEn),
		fmt.Sprintf("서울도서관 출입구에서 %s 검증되어 문이 열립니다.", josa(whatKo, "이", "가")))
	return nil
}

// headerKid is the kid of the issuer-signed JWT of a credential's first
// copy.
func headerKid(c *wallet.Credential) (string, error) {
	if len(c.Copies) == 0 {
		return "", errors.New("demo: a credential without copies")
	}
	h, _, ok := strings.Cut(c.Copies[0].SDJWT, ".")
	if !ok {
		return "", errors.New("demo: a credential that is not a JWT")
	}
	b, err := b64url.Decode(h)
	if err != nil {
		return "", err
	}
	var hdr struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(b, &hdr); err != nil {
		return "", err
	}
	return hdr.Kid, nil
}

func fragment(kid string) string {
	_, f, _ := strings.Cut(kid, "#")
	return f
}
