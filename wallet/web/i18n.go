package web

import (
	"fmt"
	"net/http"

	"github.com/seoulid/seoulid/schemas"
)

// langCookie remembers the language a browser chose with ?lang=.
const langCookie = "seoulid_lang"

// language is the request's language: ?lang= (then remembered in a
// cookie), else the cookie, else the default.
func (h *Handler) language(w http.ResponseWriter, r *http.Request) schemas.Lang {
	if q := r.URL.Query().Get("lang"); q != "" {
		if l, err := schemas.ParseLang(q); err == nil {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, SameSite: http.SameSiteStrictMode})
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

func (t text) in(l schemas.Lang) string {
	if l == schemas.English {
		return t.en
	}
	return t.ko
}

// translate returns the message key in lang, formatted with args; an
// unknown key is an error, so that a template that names one fails to
// render (and its test fails) instead of showing the key.
func translate(lang schemas.Lang, key string, args ...any) (string, error) {
	m, ok := messages[key]
	if !ok {
		return "", fmt.Errorf("web: no message %q", key)
	}
	if len(args) == 0 {
		return m.in(lang), nil
	}
	return fmt.Sprintf(m.in(lang), args...), nil
}

// messages are every string of the UI, in Korean and English.
var messages = map[string]text{
	"app.name":       {"서울시민카드 지갑", "Seoul Citizen Card wallet"},
	"app.skip":       {"본문으로 건너뛰기", "Skip to content"},
	"lang.other":     {"English", "한국어"},
	"lang.otherCode": {"en", "ko"},
	"lang.switch":    {"언어 바꾸기", "Change language"},
	"nav.label":      {"지갑 메뉴", "Wallet menu"},
	"nav.cards":      {"증명서", "Cards"},
	"nav.receive":    {"받기", "Receive"},
	"nav.present":    {"제출", "Present"},
	"nav.history":    {"기록", "History"},
	"nav.lock":       {"잠그기", "Lock"},

	"unlock.title":       {"지갑 열기", "Unlock your wallet"},
	"unlock.lead":        {"PIN을 입력하세요.", "Enter your PIN."},
	"unlock.submit":      {"열기", "Unlock"},
	"unlock.idle":        {"한동안 사용하지 않아 지갑을 잠갔습니다.", "The wallet was locked after a while without use."},
	"unlock.locked":      {"지갑을 잠갔습니다.", "The wallet is locked."},
	"pin.label":          {"PIN (숫자 6자리 이상)", "PIN (6 or more digits)"},
	"pin.pad":            {"숫자 키패드", "Number pad"},
	"pin.back":           {"한 자리 지우기", "Delete one digit"},
	"pin.clear":          {"지우기", "Clear"},
	"pin.wrong":          {"PIN이 틀렸습니다. 남은 시도: %d회", "Wrong PIN. Tries left: %d"},
	"pin.wrongWait":      {"PIN이 틀렸습니다. 남은 시도: %d회. %s 후에 다시 시도하세요.", "Wrong PIN. Tries left: %d. Try again in %s."},
	"pin.lockedWait":     {"잘못된 PIN이 너무 많습니다. %s 후에 다시 시도하세요. 남은 시도: %d회", "Too many wrong PINs. Try again in %s. Tries left: %d"},
	"pin.hardLocked":     {"PIN을 너무 많이 틀려 지갑이 영구히 잠겼습니다. 백업에서 복원하세요.", "The wallet is locked for good after too many wrong PINs. Restore it from a backup."},
	"pin.invalid":        {"PIN은 6~64자리입니다.", "A PIN has 6 to 64 digits."},
	"pin.error":          {"지갑을 열지 못했습니다.", "The wallet could not be opened."},
	"duration.seconds":   {"%d초", "%d seconds"},
	"duration.minutes":   {"%d분", "%d minutes"},
	"duration.hours":     {"%d시간", "%d hours"},
	"retention.none":     {"보관하지 않음", "Not kept"},
	"retention.days":     {"%d일", "%d days"},
	"retention.weeks":    {"%d주", "%d weeks"},
	"retention.months":   {"%d개월", "%d months"},
	"retention.years":    {"%d년", "%d years"},
	"retention.hours":    {"%d시간", "%d hours"},
	"value.yes":          {"예", "Yes"},
	"value.no":           {"아니요", "No"},
	"value.none":         {"—", "—"},
	"value.item":         {"%d번째", "No. %d"},
	"common.cancel":      {"취소", "Cancel"},
	"common.continue":    {"계속", "Continue"},
	"common.back":        {"돌아가기", "Back"},
	"common.sensitive":   {"민감정보", "Sensitive"},
	"common.optional":    {"선택", "Optional"},
	"common.reason":      {"이유", "Reason"},
	"common.unknownType": {"알 수 없는 증명서 종류", "Unknown credential type"},

	"cards.title":      {"내 증명서", "My credentials"},
	"cards.empty":      {"아직 증명서가 없습니다. ‘받기’에서 발급기관이 보낸 제안을 붙여 넣으세요.", "No credentials yet. Paste an issuer's offer under Receive."},
	"cards.issuer":     {"발급기관", "Issuer"},
	"cards.expires":    {"유효기간", "Valid until"},
	"cards.expired":    {"만료됨", "Expired"},
	"cards.noExpiry":   {"기한 없음", "No expiry"},
	"cards.open":       {"%s 자세히 보기", "Details of %s"},
	"card.claims":      {"담긴 정보", "What it contains"},
	"card.about":       {"증명서 정보", "About this credential"},
	"card.issuedAt":    {"발급일", "Issued on"},
	"card.receivedAt":  {"받은 날", "Received on"},
	"card.issuerDID":   {"발급기관 DID", "Issuer's DID"},
	"card.copies":      {"사본", "Copies"},
	"card.copiesValue": {"%d개 (제출할 때마다 다른 키를 씁니다)", "%d (each presentation uses another key)"},
	"card.delete":      {"이 증명서 삭제", "Delete this credential"},
	"card.received":    {"증명서를 받았습니다.", "Credential received."},
	"card.notFound":    {"이 증명서는 지갑에 없습니다.", "This credential is not in the wallet."},
	"delete.title":     {"증명서 삭제", "Delete a credential"},
	"delete.question":  {"이 증명서와 그 키를 지웁니다. 되돌릴 수 없습니다. 지금까지 제출한 기록(영수증)은 남습니다.", "This deletes the credential and its keys. It cannot be undone. The receipts of what you shared stay."},
	"delete.confirm":   {"삭제", "Delete"},
	"delete.done":      {"증명서를 삭제했습니다.", "Credential deleted."},

	"receive.title":       {"증명서 받기", "Receive a credential"},
	"receive.offer":       {"발급 제안 (openid-credential-offer://…)", "Credential offer (openid-credential-offer://…)"},
	"receive.hint":        {"발급기관이 보낸 링크나 QR 코드의 내용을 붙여 넣으세요.", "Paste the link or QR code content the issuer gave you."},
	"receive.badOffer":    {"이 제안을 읽을 수 없습니다.", "This offer cannot be read."},
	"receive.preview":     {"발급 제안", "Credential offer"},
	"receive.from":        {"제안한 곳", "Offered by"},
	"receive.type":        {"증명서 종류", "Credential type"},
	"receive.issuedBy":    {"발급 명의", "Issued in the name of"},
	"receive.tx":          {"인증번호", "Transaction code"},
	"receive.txHint":      {"발급기관이 따로(문자 등으로) 보낸 %d자리 번호", "The %d-character code the issuer sent you separately (by SMS)"},
	"receive.txHintAny":   {"발급기관이 따로(문자 등으로) 보낸 번호", "The code the issuer sent you separately (by SMS)"},
	"receive.txBad":       {"인증번호가 맞지 않습니다: %s", "The code does not fit: %s"},
	"receive.accept":      {"받기", "Receive"},
	"receive.failed":      {"증명서를 받지 못했습니다.", "The credential could not be received."},
	"receive.refused":     {"받지 않은 증명서", "Credential refused"},
	"receive.refusedLead": {"지갑이 이 증명서를 확인하고 받지 않았습니다.", "The wallet checked this credential and did not keep it."},
	"receive.gone":        {"이 제안은 더 이상 진행 중이 아닙니다. 다시 붙여 넣으세요.", "This offer is no longer in progress. Paste it again."},
	"receive.unknownType": {"카탈로그에 없는 종류: %s", "A type not in the catalogue: %s"},

	"present.title":           {"증명서 제출", "Present credentials"},
	"present.request":         {"제출 요청 (openid4vp://…)", "Request (openid4vp://…)"},
	"present.hint":            {"기관이 보여 준 링크나 QR 코드의 내용을 붙여 넣으세요.", "Paste the link or QR code content the service showed you."},
	"present.refused":         {"요청을 거부했습니다", "Request refused"},
	"present.refusedLead":     {"지갑이 이 요청을 거부했고, 어떤 정보도 보내지 않았습니다.", "The wallet refused this request and shared nothing."},
	"present.failed":          {"요청을 처리하지 못했습니다.", "The request could not be handled."},
	"present.gone":            {"이 요청은 더 이상 진행 중이 아닙니다.", "This request is no longer in progress."},
	"consent.title":           {"정보 제공 동의", "Consent to share"},
	"consent.who":             {"요청 기관", "Who asks"},
	"consent.purpose":         {"목적", "Purpose"},
	"consent.legalBasis":      {"법적 근거", "Legal basis"},
	"consent.retention":       {"보관 기간", "Kept for"},
	"consent.expires":         {"요청 만료", "Request expires"},
	"consent.what":            {"제공할 정보", "What will be shared"},
	"consent.only":            {"아래 항목만 제공하며, 증명서의 다른 정보는 보내지 않습니다.", "Only the items below are shared; nothing else in the credential is sent."},
	"consent.always":          {"이 증명서를 제공하면 발급기관, 유효기간과 함께 아래 정보가 항상 전달됩니다 (뺄 수 없음).", "With this credential, its issuer, its validity and the items below are always shared (they cannot be withheld)."},
	"consent.include":         {"이 증명서도 제공합니다", "Also share this credential"},
	"consent.sensitiveBox":    {"민감정보 (개인정보 보호법 제23조)", "Sensitive information (PIPA Art. 23)"},
	"consent.sensitiveHere":   {"이 증명서의 민감정보는 아래 상자에 따로 있습니다.", "This credential's sensitive information is in the box below."},
	"consent.sensitiveAgree":  {"위 민감정보를 제공하는 데 따로 동의합니다", "I separately agree to share the sensitive information above"},
	"consent.sensitiveNeeded": {"민감정보는 따로 동의해야 합니다. 상자에 체크하거나 거부하세요.", "Sensitive information needs its own approval: tick its box, or decline."},
	"consent.approve":         {"PIN으로 동의하기", "Approve with your PIN"},
	"consent.share":           {"동의하고 제공", "Approve and share"},
	"consent.decline":         {"거부", "Decline"},
	"consent.declined":        {"제공을 거부했습니다. 요청한 기관에 알렸습니다.", "You declined. The service that asked was told."},
	"consent.failed":          {"정보를 보내지 못했습니다.", "The information could not be sent."},
	"receipt.title":           {"제공 영수증", "Disclosure receipt"},
	"receipt.done":            {"정보를 제공했습니다.", "Shared."},
	"receipt.when":            {"일시", "When"},
	"receipt.shared":          {"제공한 정보", "What was shared"},
	"receipt.note":            {"영수증에는 값이 아닌 항목 이름만 남습니다.", "A receipt keeps the names of what was shared, never the values."},
	"receipt.ack":             {"기관 서명", "The service's signature"},
	"receipt.ackOK":           {"확인됨", "Verified"},
	"receipt.ackBad":          {"확인되지 않음", "Did not verify"},
	"receipt.ackNone":         {"없음", "None"},
	"receipt.continue":        {"기관 화면으로 돌아가기", "Back to the service"},
	"receipt.notFound":        {"이 영수증은 없습니다.", "There is no such receipt."},

	"history.title":    {"기록", "History"},
	"history.events":   {"활동", "Activity"},
	"history.receipts": {"영수증", "Receipts"},
	"history.none":     {"아직 기록이 없습니다.", "Nothing yet."},
	"history.receipt":  {"영수증 보기", "See the receipt"},
	"event.received":   {"받음", "Received"},
	"event.deleted":    {"삭제함", "Deleted"},
	"event.presented":  {"제공함", "Shared"},
	"event.refused":    {"요청 거부", "Request refused"},
	"event.declined":   {"제공 거부", "Declined"},
	"event.other":      {"기타", "Other"},

	"error.title":    {"문제가 생겼습니다", "Something went wrong"},
	"error.csrf":     {"보안 확인에 실패했습니다. 페이지를 새로 고친 뒤 다시 시도하세요.", "The security check failed. Reload the page and try again."},
	"error.notFound": {"찾는 페이지가 없습니다.", "There is no such page."},
	"error.internal": {"지갑에서 오류가 났습니다. 다시 시도하세요.", "The wallet had an error. Try again."},
	"error.closed":   {"지갑 화면이 종료되었습니다.", "The wallet's web UI has been shut down."},
	"error.detail":   {"자세한 내용", "Details"},
}
