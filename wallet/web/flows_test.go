package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/wallettest"
)

const medVCT = "urn:seoulid:vct:medication-list:1"

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)"`)

// TestReceiveForms: receiving without JavaScript — the offer's preview
// names the type and asks for the code; a code of the wrong length is
// caught before it is sent; the right one brings the card. An issuer the
// ledger does not authorise is refused, with the reason.
func TestReceiveForms(t *testing.T) {
	f := newFixture(t, schemas.English)
	gwanak := wallettest.NewIssuer(t, f.ledger, gwanakName, resVCT)
	f.ledger.Authorise(gwanak.DID, resVCT)
	c := f.client(t)
	c.unlock(t)

	uri, tx := gwanak.Offer(t, resVCT, nil)
	form := c.get("/receive")
	token := csrf(t, form.body)
	r := c.post("/receive", url.Values{"csrf": {token}, "offer": {"openid-credential-offer://?nothing=here"}})
	assert.Equal(t, http.StatusBadRequest, r.StatusCode)
	assert.Contains(t, r.body, "This offer cannot be read.")

	preview := c.post("/receive", url.Values{"csrf": {token}, "offer": {uri}})
	require.Equal(t, http.StatusOK, preview.StatusCode, preview.body)
	assert.Contains(t, preview.body, "Residency status")
	assert.Contains(t, preview.body, `name="tx_code"`)
	assert.Contains(t, preview.body, `maxlength="6"`)
	action := regexp.MustCompile(`action="(/receive/[^"]+)"`).FindStringSubmatch(preview.body)
	require.NotNil(t, action)
	for _, m := range hiddenField.FindAllStringSubmatch(preview.body, -1) {
		assert.Equal(t, "csrf", m[1], "the offer stays on the server")
	}

	r = c.post(action[1], url.Values{"csrf": {token}, "tx_code": {"12"}})
	assert.Equal(t, http.StatusBadRequest, r.StatusCode)
	assert.Contains(t, r.body, "The code does not fit")
	r = c.post(action[1], url.Values{"csrf": {token}, "tx_code": {tx}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	require.True(t, strings.HasPrefix(r.Header.Get("Location"), "/cards/wcr_"))
	card := c.get(r.Header.Get("Location"))
	assert.Contains(t, card.body, "Credential received.")
	assert.Contains(t, card.body, "Resident of Seoul")
	r = c.post(action[1], url.Values{"csrf": {token}, "tx_code": {tx}})
	assert.Contains(t, r.body, "no longer in progress", "an offer is redeemed once")

	rogue := wallettest.NewIssuer(t, f.ledger, schemas.Text{schemas.Korean: "가짜구청", schemas.English: "Fake Office"}, resVCT)
	uri, tx = rogue.Offer(t, resVCT, nil)
	preview = c.post("/receive", url.Values{"csrf": {token}, "offer": {uri}})
	action = regexp.MustCompile(`action="(/receive/[^"]+)"`).FindStringSubmatch(preview.body)
	require.NotNil(t, action)
	r = c.post(action[1], url.Values{"csrf": {token}, "tx_code": {tx}})
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "Credential refused")
	assert.Contains(t, r.body, "the ledger does not authorise "+rogue.DID)
	creds, err := f.w.Credentials(context.Background())
	require.NoError(t, err)
	assert.Len(t, creds, 1, "the refused credential was not kept")
}

// TestConsentForms: a clinic asks for the medication list (sensitive) and,
// optionally, residency. The consent screen shows the sensitive claims in
// their own box with their own checkbox and the optional credential
// unticked; it keeps the consent on the server; nothing is sent until the
// sensitive claims are approved; the receipt names claims, never values.
// Declining tells the verifier; a consent belongs to its session.
func TestConsentForms(t *testing.T) {
	f := newFixture(t, schemas.English)
	f.withResidency(t)
	clinicIssuer := wallettest.NewIssuer(t, f.ledger, schemas.Text{schemas.Korean: "봉천의원", schemas.English: "Bongcheon Clinic"}, medVCT)
	f.ledger.Authorise(clinicIssuer.DID, medVCT)
	uri, tx := clinicIssuer.Offer(t, medVCT, nil)
	ctx := context.Background()
	require.NoError(t, f.st.Unlock(ctx, []byte(pin)))
	_, err := f.w.Receive(ctx, uri, "", tx)
	require.NoError(t, err)
	f.st.Lock()

	clinic := wallettest.NewVerifier(t, f.ledger, map[string]string{"ko": "새봄내과", "en": "Saebom Clinic"}, wallet.Purpose{
		ID: "continuity-of-care", LegalBasis: "의료법 제21조의2", Retention: "P0D",
		Description: map[schemas.Lang]string{schemas.Korean: "진료 연속성", schemas.English: "Continuity of care"},
		Claims: map[string][]sdjwt.Path{
			medVCT: wallettest.Paths(t, "medications[*].product,medications[*].dosage"),
			resVCT: wallettest.Paths(t, "district"),
		}})
	query := `{"credentials":[
		{"id":"meds","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:medication-list:1"]},"claims":[{"path":["medications",null,"product"]}]},
		{"id":"home","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:residency-status:1"]},"claims":[{"path":["district"]}]}],
		"credential_sets":[{"options":[["meds"]]},{"options":[["home"]],"required":false}]}`

	c := f.client(t)
	c.unlock(t)
	token := csrf(t, c.get("/present").body)
	req, _ := clinic.Request(t, "continuity-of-care", query, vp.ResponseModeDirectPost)
	r := c.post("/present", url.Values{"csrf": {token}, "request": {req}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	consentPath := r.Header.Get("Location")
	require.True(t, strings.HasPrefix(consentPath, "/present/cns_"))

	page := c.get(consentPath)
	require.Equal(t, http.StatusOK, page.StatusCode)
	body := page.body
	for _, s := range []string{"Saebom Clinic", "Continuity of care", "의료법 제21조의2", "Not kept",
		"Sensitive information (PIPA Art. 23)", "Medicinal product", "리피토정10밀리그램", "District of residence", "Gwanak-gu"} {
		assert.Contains(t, body, s)
	}
	assert.Regexp(t, `name="include" value="home">`, body, "the optional credential, unticked")
	assert.Regexp(t, `name="sensitive" value="yes" id="sensitive">`, body, "the sensitive box, unticked")
	box := body[strings.Index(body, `class="sensitive-box"`):]
	assert.Contains(t, box, "Medicinal product", "the sensitive claims are in their own box")
	assert.Less(t, strings.Index(body, "District of residence"), strings.Index(body, `class="sensitive-box"`), "ordinary claims are not in it")
	for _, m := range hiddenField.FindAllStringSubmatch(body, -1) {
		assert.Equal(t, "csrf", m[1], "the consent stays on the server: no other hidden field")
	}

	// Another browser cannot see or approve it, even after it unlocks.
	other := f.client(t)
	other.unlock(t)
	assert.Equal(t, http.StatusNotFound, other.get(consentPath).StatusCode)
	c.unlock(t) // the wallet back to the citizen's browser: its consents went with the lock
	r = c.get(consentPath)
	assert.Equal(t, http.StatusNotFound, r.StatusCode)
	token = csrf(t, r.body)
	req, id := clinic.Request(t, "continuity-of-care", query, vp.ResponseModeDirectPost)
	r = c.post("/present", url.Values{"csrf": {token}, "request": {req}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	consentPath = r.Header.Get("Location")

	// Without the sensitive tick: nothing sent, the ticks kept.
	r = c.post(consentPath, url.Values{"csrf": {token}, "pin": {pin}, "include": {"home"}})
	assert.Equal(t, http.StatusBadRequest, r.StatusCode)
	assert.Contains(t, r.body, "Sensitive information needs its own approval")
	assert.Contains(t, r.body, `name="include" value="home" checked>`)
	assert.Nil(t, clinic.Result(id))

	r = c.post(consentPath, url.Values{"csrf": {token}, "pin": {pin}, "include": {"home"}, "sensitive": {"yes"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	require.True(t, strings.HasPrefix(r.Header.Get("Location"), "/receipts/rct_"))
	res := clinic.Result(id)
	require.NotNil(t, res)
	require.Empty(t, res.Refused)
	require.Len(t, res.Claims["meds"], 1)
	require.Len(t, res.Claims["home"], 1)
	assert.Equal(t, "관악구", res.Claims["home"][0]["district"])
	receipt := c.get(r.Header.Get("Location"))
	for _, s := range []string{"Saebom Clinic", "Medicinal product", "District of residence", "Sensitive"} {
		assert.Contains(t, receipt.body, s)
	}
	for _, s := range []string{"리피토", "관악구"} {
		assert.NotContains(t, receipt.body, s, "a receipt has no values")
	}
	assert.Contains(t, r.Header.Get("Location"), "/receipts/")
	r = c.post(consentPath, url.Values{"csrf": {token}, "pin": {pin}, "sensitive": {"yes"}})
	assert.Equal(t, http.StatusNotFound, r.StatusCode, "a consent is approved once")

	// Declining.
	req, id = clinic.Request(t, "continuity-of-care", query, vp.ResponseModeDirectPost)
	r = c.post("/present", url.Values{"csrf": {token}, "request": {req}})
	consentPath = r.Header.Get("Location")
	r = c.post(consentPath+"/decline", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "You declined.")
	res = clinic.Result(id)
	require.NotNil(t, res)
	require.NotNil(t, res.Error)
	assert.Equal(t, "access_denied", string(res.Error.Code))
	assert.Empty(t, res.Claims)
	assert.Equal(t, http.StatusNotFound, c.get(consentPath).StatusCode)

	hist := c.get("/history")
	for _, s := range []string{"Declined", "Shared", "Received", "Saebom Clinic"} {
		assert.Contains(t, hist.body, s)
	}
}
