package portal

import (
	"fmt"
	"net/http"

	"github.com/seoulid/seoulid/schemas"
)

// langCookie remembers the language a browser chose with ?lang=.
const langCookie = "seoulid_portal_lang"

// language is the request's language: ?lang= (then remembered in a
// cookie), else the cookie, else the default.
func (h *Handler) language(w http.ResponseWriter, r *http.Request) schemas.Lang {
	if q := r.URL.Query().Get("lang"); q != "" {
		if l, err := schemas.ParseLang(q); err == nil {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteStrictMode})
			return l
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, err := schemas.ParseLang(c.Value); err == nil {
			return l
		}
	}
	return h.cfg.DefaultLang
}

// text is a message in both languages.
type text struct{ ko, en string }

func (x text) in(l schemas.Lang) string {
	if l == schemas.English {
		return x.en
	}
	return x.ko
}

// translate returns the message key in lang, formatted with args; an
// unknown key is an error, so that a template that names one fails to
// render (and its test fails) instead of showing the key.
func translate(lang schemas.Lang, key string, args ...any) (string, error) {
	m, ok := messages[key]
	if !ok {
		return "", fmt.Errorf("portal: no message %q", key)
	}
	if len(args) == 0 {
		return m.in(lang), nil
	}
	return fmt.Sprintf(m.in(lang), args...), nil
}

// t translates a key of this package's own code: a missing one is a
// programming error that TestMessages catches.
func t(lang schemas.Lang, key string, args ...any) string {
	s, err := translate(lang, key, args...)
	if err != nil {
		return key
	}
	return s
}

// messages are every string of the UI, in Korean and English.
var messages = map[string]text{
	"app.skip":       {"본문으로 건너뛰기", "Skip to content"},
	"lang.other":     {"English", "한국어"},
	"lang.otherCode": {"en", "ko"},
	"lang.switch":    {"언어 바꾸기", "Change language"},

	"home.title":    {"지원 사업 선택", "Choose a programme"},
	"home.lead":     {"신청하거나 확인할 사업을 고르세요. 각 사업이 무엇을, 왜 확인하는지 먼저 보여 드립니다.", "Choose what to apply for or to check. Each programme first shows what it asks for, and why."},
	"home.empty":    {"이 포털에는 아직 사업이 없습니다.", "This portal has no programmes yet."},
	"common.and":    {", ", ", "},
	"common.back":   {"사업 목록", "All programmes"},
	"common.opt":    {"선택", "Optional"},
	"common.sens":   {"민감정보", "Sensitive"},
	"common.detail": {"자세한 내용", "Details"},

	"programme.why":        {"왜 확인하나요", "Why we ask"},
	"programme.purpose":    {"목적", "Purpose"},
	"programme.legalBasis": {"법적 근거", "Legal basis"},
	"programme.retention":  {"보관 기간", "Kept for"},
	"programme.version":    {"기준 버전", "Rules version"},
	"programme.asks":       {"무엇을 확인하나요", "What will be asked"},
	"programme.asksLead":   {"지갑은 아래 항목만 보냅니다. 증명서의 다른 정보는 보내지 않으며, 보내기 전에 지갑이 다시 묻습니다.", "Your wallet sends only the items below, nothing else in the credentials, and asks you before it sends anything."},
	"programme.optional":   {"없어도 신청할 수 있는 증명서입니다.", "You can apply without this credential."},
	"programme.checks":     {"확인하는 기준", "What is checked"},
	"programme.notCovered": {"여기서 판단하지 않는 조건", "Not decided here"},
	"programme.notLead":    {"아래 조건은 담당 기관이 따로 확인합니다.", "The agency checks these conditions by other means."},
	"programme.start":      {"확인 요청 만들기", "Start the check"},
	"programme.startLead":  {"요청을 만들면 QR 코드가 나옵니다. 지갑으로 스캔하거나, 이 기기에서 바로 지갑을 여세요.", "Starting shows a QR code: scan it with your wallet, or open your wallet on this device."},
	"programme.notFound":   {"그런 사업은 없습니다.", "There is no such programme."},

	"retention.none":   {"보관하지 않음 (제출한 정보 없이 결과만 %d시간 동안 조회 가능)", "Not kept (the decision alone, without what you shared, can be read for %d hour)"},
	"retention.days":   {"%d일", "%d days"},
	"retention.weeks":  {"%d주", "%d weeks"},
	"retention.months": {"%d개월", "%d months"},
	"retention.years":  {"%d년", "%d years"},

	"request.title":        {"지갑으로 제출하기", "Answer with your wallet"},
	"request.scan":         {"휴대폰의 지갑으로 QR 코드를 스캔하세요.", "Scan the QR code with the wallet on your phone."},
	"request.qrAlt":        {"지갑이 여는 요청의 QR 코드", "QR code of the request your wallet opens"},
	"request.same":         {"이 기기에서 지갑 열기", "Open the wallet on this device"},
	"request.sameHint":     {"지갑이 이 기기에 있으면 누르세요.", "If your wallet is on this device, tap this."},
	"request.link":         {"요청 링크", "The request link"},
	"request.expires":      {"%s까지 유효", "Valid until %s"},
	"request.noQR":         {"이 요청의 QR 코드는 더 이상 없습니다. 새 요청을 만드세요.", "This request's QR code is no longer here: start a new one."},
	"request.refresh":      {"상태 새로 고침", "Check the status"},
	"request.again":        {"새 요청 만들기", "Start a new request"},
	"request.notFound":     {"이 요청은 없거나 만료되어 지워졌습니다.", "This request does not exist, or it expired and was forgotten."},
	"request.id":           {"요청 번호", "Request number"},
	"state.pending":        {"지갑의 응답을 기다리는 중입니다…", "Waiting for the wallet's answer…"},
	"state.declined":       {"제출을 거부했습니다. 아무 정보도 받지 않았습니다.", "The citizen declined. Nothing was shared."},
	"state.refused":        {"지갑의 응답이 확인을 통과하지 못해 판단하지 않았습니다.", "The wallet's answer failed a check, so no decision was made."},
	"state.expired":        {"요청이 만료되었습니다. 새 요청을 만드세요.", "The request expired. Start a new one."},
	"state.reason":         {"이유", "Reason"},
	"decision.title":       {"판단 결과", "Decision"},
	"decision.outcome":     {"결과", "Outcome"},
	"decision.criteria":    {"기준별 판단", "Criterion by criterion"},
	"decision.missing":     {"부족한 증빙", "Missing evidence"},
	"decision.missLead":    {"다음이 없어 일부 기준을 판단하지 못했습니다. 지갑에 받은 뒤 다시 요청하세요.", "Without these, some criteria could not be decided. Get them into your wallet and start again."},
	"decision.when":        {"판단 일시", "Decided at"},
	"decision.appDate":     {"신청 기준일", "Application date"},
	"decision.note":        {"이 결과에는 제출한 정보의 값이 담기지 않습니다.", "This decision holds none of the values you shared."},
	"outcome.eligible":     {"자격 있음", "Eligible"},
	"outcome.not_eligible": {"자격 없음", "Not eligible"},
	"outcome.undetermined": {"판단할 수 없음", "Cannot decide"},
	"outcome.passed":       {"충족", "Met"},
	"outcome.failed":       {"미충족", "Not met"},

	"error.title":    {"문제가 생겼습니다", "Something went wrong"},
	"error.csrf":     {"보안 확인에 실패했습니다. 페이지를 새로 고친 뒤 다시 시도하세요.", "The security check failed. Reload the page and try again."},
	"error.notFound": {"찾는 페이지가 없습니다.", "There is no such page."},
	"error.internal": {"포털에서 오류가 났습니다. 다시 시도하세요.", "The portal had an error. Try again."},
	"error.param":    {"%s을(를) 입력하세요.", "Enter the %s."},
	"error.paramBad": {"%s 값이 올바르지 않습니다.", "The %s is not valid."},
}
