package verifier_test

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/registrytest"
	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/programmes"
	"github.com/seoulid/seoulid/verifier/store/sqlite"
)

const cardVCT = "urn:seoulid:vct:seoul-citizen-card:1"

// TestService: a library's entrance asks for the Citizen Card facility
// entry programme; the answer is verified, decided by the programme's
// rules with the facility as parameter, kept as a record for the read
// window only (retention P0D: no claim value), and the waiting page
// learns the decision; the purge job deletes it after.
func TestService(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.l.BlockOK(w.l.Council(w.l.Op(w.l.Agencies[0], registry.Op{Type: registry.OpTrustIssuer, DID: registrytest.DIDOf(w.issuer), VCTs: []string{resVCT, cardVCT}}), registrytest.Threshold))
	agency := w.l.Agencies[0]
	libKey := registrytest.NewKey(t)
	w.l.BlockOK(w.l.Sign(w.l.Op(agency, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(libKey), Keys: []registry.Key{registrytest.KeyEntry(libKey, "key-1",
		registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod, registry.PurposeAuthentication)}}), agency, libKey))
	w.now = w.l.Time().Add(time.Minute)
	now := func() time.Time { return w.now }

	x, err := verifier.NewExchange(libKey, w.p, verifier.ExchangeConfig{DID: registrytest.DIDOf(libKey), ResponseURL: "https://library.example/response", Now: now})
	require.NoError(t, err)
	cat, err := programmes.Load()
	require.NoError(t, err)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "verifier.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	var decidedMu sync.Mutex
	var decided []string
	svc, err := verifier.NewService(x, cat, st, verifier.ServiceConfig{RequestURL: "https://library.example/request", Mode: vp.ResponseModeDirectPost, Now: now,
		OnDecided: func(programme, outcome string) {
			decidedMu.Lock()
			defer decidedMu.Unlock()
			decided = append(decided, programme+" "+outcome)
		}})
	require.NoError(t, err)

	_, err = svc.Start(ctx, "citizen-card-facility-entry", nil)
	assert.ErrorIs(t, err, verifier.ErrParameter)
	assert.ErrorContains(t, err, "needs the parameter facility_id")
	_, err = svc.Start(ctx, "citizen-card-facility-entry", map[string]string{"facility_id": "X", "colour": "blue"})
	assert.ErrorIs(t, err, verifier.ErrParameter, "a parameter the programme does not declare")
	_, err = svc.Start(ctx, "no-such-programme", nil)
	assert.Error(t, err)

	card := w.credentialOf(t, w.issuer, cardVCT, 12, nil)
	answer := func(facility string, paths ...string) *verifier.Status {
		started, err := svc.Start(ctx, "citizen-card-facility-entry", map[string]string{"facility_id": facility})
		require.NoError(t, err)
		u, err := url.Parse(started.URI)
		require.NoError(t, err)
		assert.Equal(t, "post", u.Query().Get("request_uri_method"))
		assert.Equal(t, "https://library.example/request/"+started.ID, u.Query().Get("request_uri"))
		pending, err := svc.Status(ctx, started.ID, 0)
		require.NoError(t, err)
		assert.Equal(t, "pending", pending.State)

		obj, err := x.RequestObject(ctx, started.ID, "")
		require.NoError(t, err)
		ro, err := vp.ParseRequestObject(ctx, obj, x.ClientID(), w.l.Reader(), vp.RequestOptions{Now: w.now})
		require.NoError(t, err)
		assert.Equal(t, "citizen-card-facility-entry", ro.Purpose, "the programme's registered purpose")
		body, err := vp.DirectPostBody(&ro.AuthorizationRequest, &vp.AuthorizationResponse{VPToken: vp.VPToken{"card": {w.present(t, card, ro.ClientID, ro.Nonce, paths...)}}})
		require.NoError(t, err)

		done := make(chan *verifier.Status, 1)
		go func() {
			s, err := svc.Status(ctx, started.ID, 10*time.Second) // the page's long poll
			if err != nil {
				t.Error(err)
			}
			done <- s
		}()
		time.Sleep(20 * time.Millisecond)
		a, err := x.Respond(ctx, started.ID, []byte(body))
		if err == nil {
			_, err = svc.OnAnswer(ctx, a)
			require.NoError(t, err)
		} else {
			var re *verifier.ResponseError
			require.True(t, errors.As(err, &re), "%v", err)
			_, err = svc.OnAnswer(ctx, a)
			require.NoError(t, err)
		}
		return <-done
	}

	member := answer("SEOUL-LIB-0001", "resident_of_seoul", "facility_memberships[*].facility_id")
	require.Equal(t, "decided", member.State)
	require.NotNil(t, member.Decision)
	assert.Equal(t, programmes.Eligible, member.Decision.Outcome)
	for _, c := range member.Decision.Criteria {
		assert.Equal(t, programmes.Passed, c.Outcome, c.ID)
		assert.NotEmpty(t, c.Reason.Ko)
		assert.NotEmpty(t, c.Reason.En)
	}
	rec, err := st.Record(ctx, member.ID, w.now)
	require.NoError(t, err)
	assert.Equal(t, "eligible", rec.Outcome)
	assert.Nil(t, rec.Claims, "retention P0D: no claim value is kept")
	assert.Equal(t, w.now.Add(verifier.ReadWindow), rec.PurgeAt)
	assert.False(t, strings.Contains(string(rec.Decision), "이서연"), "the decision holds no claim value")

	stranger := answer("GANGNAM-SPT-0009", "resident_of_seoul", "facility_memberships[*].facility_id")
	assert.Equal(t, programmes.NotEligible, stranger.Decision.Outcome, "not a member of this facility")

	unbound := answer("SEOUL-LIB-0001", "district") // not what was asked
	assert.Equal(t, "refused", unbound.State)
	assert.NotEmpty(t, unbound.Reason)

	decidedMu.Lock()
	assert.Equal(t, []string{"citizen-card-facility-entry eligible", "citizen-card-facility-entry not_eligible", "citizen-card-facility-entry refused"}, decided,
		"OnDecided is told of every stored answer")
	decidedMu.Unlock()

	// The purge job: after the read window every record is gone.
	w.now = w.now.Add(verifier.ReadWindow + time.Second)
	n, err := svc.Purge(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	_, err = st.Record(ctx, member.ID, w.now)
	assert.ErrorIs(t, err, verifier.ErrNotFound)
	_, err = svc.Status(ctx, member.ID, 0)
	assert.ErrorIs(t, err, verifier.ErrUnknownRequest)
}
