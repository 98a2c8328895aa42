package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/oid4vci"
)

// kst is Korea Standard Time (UTC+9, no daylight saving time): dates are
// shown as a citizen of Seoul reads them.
var kst = time.FixedZone("KST", 9*60*60)

// viewer turns the wallet's values into what the templates show, in one
// language.
type viewer struct {
	h    *Handler
	lang schemas.Lang
	now  time.Time
}

// t translates; the keys it is given are constants of this package, so a
// missing one is a programming error that the i18n test catches.
func (v viewer) t(key string, args ...any) string {
	s, err := translate(v.lang, key, args...)
	if err != nil {
		return key
	}
	return s
}

func (v viewer) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(kst).Format("2006-01-02")
}

func (v viewer) dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(kst).Format("2006-01-02 15:04")
}

// pick returns m's string in the viewer's language, else in the other,
// else any, else "".
func pick[K ~string](m map[K]string, lang schemas.Lang) string {
	for _, k := range []K{K(lang), K(schemas.Korean), K(schemas.English), "und"} {
		if s := m[k]; s != "" {
			return s
		}
	}
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if m[k] != "" {
			return m[k]
		}
	}
	return ""
}

func (v viewer) typeOf(vct string) *schemas.Type {
	t, err := v.h.cfg.Catalogue.Lookup(vct)
	if err != nil {
		return nil
	}
	return t
}

func (v viewer) typeName(t *schemas.Type) string {
	if t == nil {
		return v.t("common.unknownType")
	}
	return t.Name(v.lang)
}

// class is the CSS class of a type's card colours ("" for a type the
// catalogue does not have: the default card colours).
func (v viewer) class(vct string) string { return v.h.classes[vct] }

// cardView is a credential as its card shows it.
type cardView struct {
	ID          string
	TypeName    string
	Description string
	Class       string
	IssuerName  string
	IssuerDID   string
	Expiry      string
	Expired     bool
	IssuedAt    string
	ReceivedAt  string
	Copies      int
	Claims      []claimView
}

func (v viewer) card(c *wallet.Credential, withClaims bool) cardView {
	t := v.typeOf(c.VCT)
	cv := cardView{ID: c.ID, TypeName: v.typeName(t), Class: v.class(c.VCT), IssuerName: pick(c.IssuerName, v.lang),
		IssuerDID: c.Issuer, Expiry: v.date(c.Expiry), Expired: !c.Expiry.IsZero() && !v.now.Before(c.Expiry),
		IssuedAt: v.date(c.IssuedAt), ReceivedAt: v.date(c.ReceivedAt), Copies: len(c.Copies)}
	if cv.IssuerName == "" {
		cv.IssuerName = c.Issuer
	}
	if t != nil {
		cv.Description = t.Display[v.lang].Description
	}
	if withClaims {
		cv.Claims = v.object(t, nil, c.Claims)
	}
	return cv
}

// claimView is one claim with its label: a value, or the claims it
// contains.
type claimView struct {
	Label     string
	Value     string
	Sensitive bool
	// Tag marks a sensitive claim, in the page's language.
	Tag      string
	Children []claimView
}

// generic is p with array indices as nil, as the catalogue names claims.
func generic(p sdjwt.Path) sdjwt.Path {
	g := make(sdjwt.Path, len(p))
	for i, e := range p {
		if _, isIndex := e.(int); !isIndex {
			g[i] = e
		}
	}
	return g
}

func claimOf(t *schemas.Type, p sdjwt.Path) *schemas.Claim {
	if t == nil {
		return nil
	}
	return t.Claim(generic(p))
}

// object shows an object's claims in the type's order, then any others
// by name.
func (v viewer) object(t *schemas.Type, at sdjwt.Path, m map[string]any) []claimView {
	order := map[string]int{}
	if t != nil {
		for i, c := range t.Claims {
			order[c.Path.String()] = i
		}
	}
	rank := func(k string) int {
		if i, ok := order[generic(child(at, k)).String()]; ok {
			return i
		}
		return len(order)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	out := make([]claimView, 0, len(keys))
	for _, k := range keys {
		out = append(out, v.claim(t, child(at, k), m[k]))
	}
	return out
}

func child(p sdjwt.Path, e any) sdjwt.Path {
	c := make(sdjwt.Path, len(p)+1)
	copy(c, p)
	c[len(p)] = e
	return c
}

// claim shows the value at p.
func (v viewer) claim(t *schemas.Type, p sdjwt.Path, val any) claimView {
	cv := claimView{Label: v.label(t, p)}
	if cl := claimOf(t, p); cl != nil && cl.EffectiveSensitivity == schemas.Sensitive {
		cv.Sensitive, cv.Tag = true, v.t("common.sensitive")
	}
	switch x := val.(type) {
	case map[string]any:
		cv.Children = v.object(t, p, x)
	case []any:
		for i, e := range x {
			el := v.claim(t, child(p, i), e)
			el.Label = v.t("value.item", i+1)
			cv.Children = append(cv.Children, el)
		}
	default:
		cv.Value = v.value(t, p, x)
	}
	return cv
}

// label is the claim's label in the catalogue, else its name.
func (v viewer) label(t *schemas.Type, p sdjwt.Path) string {
	if cl := claimOf(t, p); cl != nil {
		if s := cl.Label.In(v.lang); s != "" {
			return s
		}
	}
	for i := len(p) - 1; i >= 0; i-- {
		if s, ok := p[i].(string); ok {
			return s
		}
	}
	return p.String()
}

// value shows a scalar: yes or no, an enumerated value's label, a number
// or a string as it is.
func (v viewer) value(t *schemas.Type, p sdjwt.Path, x any) string {
	switch x := x.(type) {
	case nil:
		return v.t("value.none")
	case bool:
		if x {
			return v.t("value.yes")
		}
		return v.t("value.no")
	case string:
		if cl := claimOf(t, p); cl != nil {
			if l, ok := cl.Values[x]; ok {
				return l.In(v.lang)
			}
		}
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(x)
}

// retention shows an ISO 8601 duration of the ledger (P30D, P1Y, PT24H);
// one it does not know is shown as written.
func (v viewer) retention(d string) string {
	if d == "P0D" || d == "PT0S" {
		return v.t("retention.none")
	}
	units := map[string]string{"D": "retention.days", "W": "retention.weeks", "M": "retention.months", "Y": "retention.years"}
	num, unit := "", ""
	switch {
	case strings.HasPrefix(d, "PT") && strings.HasSuffix(d, "H"):
		num, unit = d[2:len(d)-1], "retention.hours"
	case strings.HasPrefix(d, "P") && len(d) > 2:
		num, unit = d[1:len(d)-1], units[d[len(d)-1:]]
	}
	n, err := strconv.Atoi(num)
	if err != nil || unit == "" || n < 0 || strings.HasPrefix(num, "+") {
		return d
	}
	if n == 0 {
		return v.t("retention.none")
	}
	return v.t(unit, n)
}

// wait shows how long until the next PIN is accepted, rounded up.
func (v viewer) wait(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return v.t("duration.seconds", int((d+time.Second-1)/time.Second))
	case d < 2*time.Hour:
		return v.t("duration.minutes", int((d+time.Minute-1)/time.Minute))
	}
	return v.t("duration.hours", int((d+time.Hour-1)/time.Hour))
}

// offerView is a credential offer before the citizen accepts it.
type offerView struct {
	ID      string
	Issuer  string // the issuer's host
	URL     string
	Configs []offerConfig
	// TxCode is set when the issuer sent a code out of band.
	TxCode    bool
	TxHint    string
	TxLength  int
	TxNumeric bool
}

type offerConfig struct {
	ID       string
	TypeName string
	IssuedBy string // the issuing office, as the catalogue prints it
	Class    string
	Checked  bool
}

func (v viewer) offer(id string, o *oid4vci.Offer, chosen string) offerView {
	ov := offerView{ID: id, Issuer: o.CredentialIssuer, URL: o.CredentialIssuer}
	if u, err := url.Parse(o.CredentialIssuer); err == nil && u.Host != "" {
		ov.Issuer = u.Host
	}
	byConfig := map[string]*schemas.Type{}
	for _, t := range v.h.cfg.Catalogue.Types() {
		byConfig[t.ConfigurationID()] = t
	}
	if chosen == "" || !slices.Contains(o.ConfigurationIDs, chosen) {
		chosen = o.ConfigurationIDs[0]
	}
	for _, c := range o.ConfigurationIDs {
		oc := offerConfig{ID: c, Checked: c == chosen}
		if t := byConfig[c]; t != nil {
			oc.TypeName, oc.IssuedBy, oc.Class = t.Name(v.lang), t.Display[v.lang].Issuer, v.class(t.VCT)
		} else {
			oc.TypeName = v.t("receive.unknownType", c)
		}
		ov.Configs = append(ov.Configs, oc)
	}
	if tx := o.TxCode; tx != nil {
		ov.TxCode, ov.TxLength, ov.TxNumeric = true, tx.Length, tx.InputMode != "text"
		switch {
		case tx.Description != "":
			ov.TxHint = tx.Description
		case tx.Length > 0:
			ov.TxHint = v.t("receive.txHint", tx.Length)
		default:
			ov.TxHint = v.t("receive.txHintAny")
		}
	}
	return ov
}

// consentView is the consent screen.
type consentView struct {
	ID          string
	Verifier    string
	VerifierDID string
	Purpose     string
	PurposeID   string
	LegalBasis  string
	Retention   string
	Expires     string
	Items       []consentItemView
	// Sensitive lists, per item, its sensitive claims: they are approved
	// on their own (Approval.Sensitive).
	Sensitive []consentItemView
	// Include are the optional items ticked (when the page is shown
	// again after a wrong PIN).
	SensitiveTicked bool
}

type consentItemView struct {
	QueryID      string
	TypeName     string
	IssuerName   string
	Class        string
	Optional     bool
	Included     bool
	Claims       []claimView
	HasSensitive bool
	// Always are the claims of the credential that are not selectively
	// disclosable (sd: never in the catalogue): every presentation of it
	// carries them, asked for or not.
	Always []claimView
}

func (v viewer) consent(c *wallet.Consent, include map[string]bool, sensitive bool) consentView {
	cv := consentView{ID: c.ID, Verifier: pick(c.VerifierName, v.lang), VerifierDID: c.Verifier,
		Purpose: pick(c.Purpose.Description, v.lang), PurposeID: c.Purpose.ID, LegalBasis: c.Purpose.LegalBasis,
		Retention: v.retention(c.Purpose.Retention), Expires: v.dateTime(c.Expires), SensitiveTicked: sensitive}
	if cv.Verifier == "" {
		cv.Verifier = c.Verifier
	}
	if cv.Purpose == "" {
		cv.Purpose = c.Purpose.ID
	}
	for _, it := range c.Items {
		var t *schemas.Type
		iv := consentItemView{QueryID: it.QueryID, Optional: it.Optional, Included: include[it.QueryID]}
		if it.Credential != nil {
			t = v.typeOf(it.Credential.VCT)
			iv.Class = v.class(it.Credential.VCT)
			iv.IssuerName = pick(it.Credential.IssuerName, v.lang)
		}
		iv.TypeName = pick(it.TypeName, v.lang)
		if iv.TypeName == "" {
			iv.TypeName = v.typeName(t)
		}
		sens := iv
		for _, cl := range it.Claims {
			view := v.claim(t, cl.Path, cl.Value)
			if s := pick(cl.Label, v.lang); s != "" {
				view.Label = s
			}
			view.Sensitive = cl.Sensitive
			view.Tag = ""
			if cl.Sensitive {
				view.Tag = v.t("common.sensitive")
				sens.Claims = append(sens.Claims, view)
				iv.HasSensitive = true
			} else {
				iv.Claims = append(iv.Claims, view)
			}
		}
		if it.Credential != nil && t != nil {
			for _, cl := range it.Always {
				iv.Always = append(iv.Always, v.claim(t, cl.Path, cl.Value))
			}
		}
		cv.Items = append(cv.Items, iv)
		if len(sens.Claims) > 0 {
			cv.Sensitive = append(cv.Sensitive, sens)
		}
	}
	return cv
}

// receiptView is a receipt: to whom, why, which claims (never values).
type receiptView struct {
	ID          string
	Time        string
	Verifier    string
	VerifierDID string
	Purpose     string
	LegalBasis  string
	Retention   string
	Items       []receiptItemView
	Ack         string // a message key
	AckOK       bool
	RedirectURI string
}

type receiptItemView struct {
	TypeName  string
	Class     string
	Claims    []string
	Sensitive bool
}

func (v viewer) receipt(rc *wallet.Receipt) receiptView {
	rv := receiptView{ID: rc.ID, Time: v.dateTime(rc.Time), Verifier: pick(rc.VerifierName, v.lang), VerifierDID: rc.Verifier,
		Purpose: pick(rc.PurposeText, v.lang), LegalBasis: rc.LegalBasis, Retention: v.retention(rc.Retention), AckOK: rc.AckVerified}
	if rv.Verifier == "" {
		rv.Verifier = rc.Verifier
	}
	if rv.Purpose == "" {
		rv.Purpose = rc.Purpose
	}
	switch {
	case rc.Acknowledgement == "":
		rv.Ack = "receipt.ackNone"
	case rc.AckVerified:
		rv.Ack = "receipt.ackOK"
	default:
		rv.Ack = "receipt.ackBad"
	}
	if u, err := url.Parse(rc.RedirectURI); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		rv.RedirectURI = u.String()
	}
	for _, d := range rc.Disclosed {
		t := v.typeOf(d.VCT)
		iv := receiptItemView{TypeName: v.typeName(t), Class: v.class(d.VCT), Sensitive: d.Sensitive}
		for _, c := range d.Claims {
			label := c
			if p, err := sdjwt.ParsePath(c); err == nil {
				label = v.label(t, p)
			}
			iv.Claims = append(iv.Claims, label)
		}
		rv.Items = append(rv.Items, iv)
	}
	return rv
}

// eventView is one line of the history.
type eventView struct {
	Time     string
	Kind     string // a message key
	TypeName string
	Party    string
	Purpose  string
	Reason   string
	Receipt  string
}

func (v viewer) event(e wallet.Event, receipts map[string]*wallet.Receipt) eventView {
	ev := eventView{Time: v.dateTime(e.Time), Party: pick(e.PartyName, v.lang), Purpose: e.Purpose, Reason: e.Reason, Receipt: e.Receipt}
	if ev.Party == "" {
		ev.Party = e.Party
	}
	switch e.Kind {
	case "received", "deleted", "presented", "refused", "declined":
		ev.Kind = "event." + e.Kind
	default:
		ev.Kind = "event.other"
	}
	if e.VCT != "" {
		ev.TypeName = v.typeName(v.typeOf(e.VCT))
	}
	if rc := receipts[e.Receipt]; rc != nil {
		if s := pick(rc.PurposeText, v.lang); s != "" {
			ev.Purpose = s
		}
	} else {
		ev.Receipt = ""
	}
	return ev
}
