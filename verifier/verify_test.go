package verifier_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/registrytest"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier"
)

const (
	resVCT   = "urn:seoulid:vct:residency-status:1"
	listURI  = "https://gwanak.example/status/1"
	audience = "decentralized_identifier:did:seoul:portal"
	nonce    = "n-0S6_WzA2Mj"
)

// world is a ledger with an authorised issuer and its published status
// list, and a holder.
type world struct {
	l      *registrytest.Ledger
	issuer *keys.PrivateKey
	holder *keys.PrivateKey
	now    time.Time
	p      *verifier.Pipeline
}

func newWorld(t testing.TB) *world {
	l := registrytest.New(t)
	w := &world{l: l}
	w.issuer = l.Create(l.Agencies[0])
	l.BlockOK(l.Council(l.Op(l.Agencies[0], registry.Op{Type: registry.OpTrustIssuer, DID: registrytest.DIDOf(w.issuer), VCTs: []string{resVCT}}), registrytest.Threshold))
	l.Publish(w.issuer, listURI)
	var err error
	w.holder, err = keys.Generate(keys.ES256)
	require.NoError(t, err)
	w.now = l.Time().Add(time.Minute)
	w.p, err = verifier.New(l.Reader(), verifier.Config{Now: func() time.Time { return w.now }})
	require.NoError(t, err)
	return w
}

// credential issues a residency credential at the world's now, with its
// claims changed by edit and the SD-JWT VC changed by tweak.
func (w *world) credential(t testing.TB, signer *keys.PrivateKey, idx int, tweak func(*sdjwtvc.Credential)) *sdjwt.SDJWT {
	return w.credentialOf(t, signer, resVCT, idx, tweak)
}

// credentialOf issues a credential of the type's example claims.
func (w *world) credentialOf(t testing.TB, signer *keys.PrivateKey, vct string, idx int, tweak func(*sdjwtvc.Credential)) *sdjwt.SDJWT {
	ty, err := schemas.Default().Lookup(vct)
	require.NoError(t, err)
	c, err := ty.Credential(registrytest.DIDOf(signer), w.now.Add(-time.Minute), ty.Example())
	require.NoError(t, err)
	c.Holder = w.holder.Public()
	c.Status = statuslist.Reference{Index: idx, URI: listURI}.Claim()
	if tweak != nil {
		tweak(&c)
	}
	sd, err := sdjwtvc.Issue(context.Background(), signer, c, sdjwtvc.IssueOptions{})
	require.NoError(t, err)
	return sd
}

// present discloses paths with a KB-JWT for aud and nonce.
func (w *world) present(t testing.TB, sd *sdjwt.SDJWT, aud, n string, paths ...string) string {
	var ps []sdjwt.Path
	for _, p := range paths {
		pp, err := sdjwt.ParsePath(p)
		require.NoError(t, err)
		ps = append(ps, pp)
	}
	sel, err := sd.Select(ps...)
	require.NoError(t, err)
	kb, err := sel.WithKeyBinding(context.Background(), w.holder, sdjwt.KeyBindingInput{Audience: aud, Nonce: n, IssuedAt: w.now})
	require.NoError(t, err)
	return kb.String()
}

func TestVerify(t *testing.T) {
	w := newWorld(t)
	pres := w.present(t, w.credential(t, w.issuer, 7, nil), audience, nonce, "resident_of_seoul", "district")
	v, err := w.p.Verify(context.Background(), pres, verifier.Expect{Audience: audience, Nonce: nonce})
	require.NoError(t, err)
	assert.Equal(t, resVCT, v.VCT)
	assert.Equal(t, registrytest.DIDOf(w.issuer), v.Issuer)
	assert.Equal(t, true, v.Claims["resident_of_seoul"])
	assert.Contains(t, v.Claims, "district")
	assert.Contains(t, v.Claims, "as_of", "always disclosed")
	assert.NotContains(t, v.Claims, "name", "withheld")
	assert.NotContains(t, v.Claims, "cnf", "registered claims are not the citizen's")
	var names []verifier.Check
	for _, c := range v.Checks {
		assert.True(t, c.OK)
		names = append(names, c.Check)
	}
	assert.Equal(t, []verifier.Check{verifier.CheckFormat, verifier.CheckAlgorithm, verifier.CheckSignature, verifier.CheckType,
		verifier.CheckValidity, verifier.CheckKeyBinding, verifier.CheckIssuer, verifier.CheckStatus, verifier.CheckSchema}, names)
}

// TestVerifySelectivelyDisclosedIat: an issuer may make iat selectively
// disclosable (SD-JWT VC §3.2.2.2 forbids it only for iss, nbf, exp, cnf,
// vct and status). The issuer's key is chosen by the time of issuance, so
// such a credential verifies when the holder discloses iat, and is refused
// at the signature check, naming the missing iat, when it does not.
func TestVerifySelectivelyDisclosedIat(t *testing.T) {
	w := newWorld(t)
	sd := w.credential(t, w.issuer, 7, func(c *sdjwtvc.Credential) {
		c.Disclosable = append(c.Disclosable, sdjwt.Path{"iat"})
	})
	expect := verifier.Expect{Audience: audience, Nonce: nonce}
	v, err := w.p.Verify(context.Background(), w.present(t, sd, audience, nonce, "resident_of_seoul", "iat"), expect)
	require.NoError(t, err)
	assert.Equal(t, true, v.Claims["resident_of_seoul"])

	_, err = w.p.Verify(context.Background(), w.present(t, sd, audience, nonce, "resident_of_seoul"), expect)
	var ce *verifier.CheckError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, verifier.CheckSignature, ce.Check)
	assert.ErrorContains(t, err, "no iat")
}

// TestVerifyRefusals: every way a presentation fails, with its check and
// its sentinel.
func TestVerifyRefusals(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	good := w.credential(t, w.issuer, 7, nil)
	expect := verifier.Expect{Audience: audience, Nonce: nonce}

	// Another issuer, on the ledger but not authorised for the type.
	stranger := w.l.Create(w.l.Agencies[0])
	// A revoked index and a suspended one: the issuer publishes a newer list.
	list, err := statuslist.New(registry.MinStatusListEntries, 2)
	require.NoError(t, err)
	require.NoError(t, list.Set(8, 1))
	require.NoError(t, list.Set(9, 2))
	tok, err := statuslist.Sign(ctx, w.issuer, statuslist.Claims{Subject: listURI, IssuedAt: w.l.Time().Add(time.Second), List: list})
	require.NoError(t, err)
	w.l.BlockOK(w.l.Sign(w.l.Op(w.issuer, registry.Op{Type: registry.OpStatusPublish, StatusURI: listURI, StatusToken: tok}), w.issuer))
	w.now = w.l.Time().Add(time.Minute)

	forged := func() string {
		p := w.present(t, good, audience, nonce, "resident_of_seoul")
		parts := strings.SplitN(p, "~", 2)
		jwt := []byte(parts[0])
		// Another base64url character, so the JWS still parses.
		if jwt[len(jwt)-3] == 'A' {
			jwt[len(jwt)-3] = 'B'
		} else {
			jwt[len(jwt)-3] = 'A'
		}
		return string(jwt) + "~" + parts[1]
	}()
	foreign := w.credential(t, w.issuer, 10, func(c *sdjwtvc.Credential) { c.Claims["household_size"] = 9 })
	withForeignDisclosure := func() string {
		p := w.present(t, good, audience, nonce, "resident_of_seoul")
		d := foreign.Disclosures[0].Encoded
		i := strings.LastIndex(p[:len(p)-1], "~")
		return p[:i+1] + d + "~" + p[i+1:]
	}()

	for _, tc := range []struct {
		name  string
		pres  string
		check verifier.Check
		err   error
	}{
		{"garbage", "not an sd-jwt", verifier.CheckFormat, verifier.ErrMalformed},
		{"no key binding", good.String(), verifier.CheckFormat, verifier.ErrKeyBinding},
		{"forged signature", forged, verifier.CheckSignature, verifier.ErrSignature},
		{"a disclosure not in the credential", withForeignDisclosure, verifier.CheckFormat, verifier.ErrMalformed},
		{"wrong audience", w.present(t, good, "decentralized_identifier:did:seoul:other", nonce, "resident_of_seoul"), verifier.CheckKeyBinding, verifier.ErrKeyBinding},
		{"wrong nonce", w.present(t, good, audience, "another", "resident_of_seoul"), verifier.CheckKeyBinding, verifier.ErrKeyBinding},
		{"expired", w.present(t, w.credential(t, w.issuer, 7, func(c *sdjwtvc.Credential) {
			c.IssuedAt, c.Expiry = w.now.Add(-3*time.Minute), w.now.Add(-2*time.Minute) // beyond the minute of clock skew
		}), audience, nonce), verifier.CheckValidity, verifier.ErrExpired},
		{"not yet valid", w.present(t, w.credential(t, w.issuer, 7, func(c *sdjwtvc.Credential) { c.NotBefore = w.now.Add(time.Hour) }), audience, nonce), verifier.CheckValidity, verifier.ErrNotYetValid},
		{"unknown type", w.present(t, w.credential(t, w.issuer, 7, func(c *sdjwtvc.Credential) { c.VCT = "urn:seoulid:vct:nothing:1"; c.VCTIntegrity = "" }), audience, nonce), verifier.CheckType, verifier.ErrType},
		{"unauthorised issuer", w.present(t, w.credential(t, stranger, 7, nil), audience, nonce), verifier.CheckIssuer, verifier.ErrUnauthorisedIssuer},
		{"revoked", w.present(t, w.credential(t, w.issuer, 8, nil), audience, nonce), verifier.CheckStatus, verifier.ErrRevoked},
		{"suspended", w.present(t, w.credential(t, w.issuer, 9, nil), audience, nonce), verifier.CheckStatus, verifier.ErrSuspended},
		{"no status", w.present(t, w.credential(t, w.issuer, 7, func(c *sdjwtvc.Credential) { c.Status = nil }), audience, nonce), verifier.CheckStatus, verifier.ErrStatus},
		{"a list the ledger does not hold", w.present(t, w.credential(t, w.issuer, 7, func(c *sdjwtvc.Credential) {
			c.Status = statuslist.Reference{Index: 1, URI: "https://gwanak.example/status/99"}.Claim()
		}), audience, nonce), verifier.CheckStatus, verifier.ErrStatus},
		{"claims that break the schema", w.present(t, w.credential(t, w.issuer, 7, func(c *sdjwtvc.Credential) { c.Claims["household_size"] = "many" }), audience, nonce, "household_size"), verifier.CheckSchema, verifier.ErrSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.p.Verify(ctx, tc.pres, expect)
			var ce *verifier.CheckError
			require.True(t, errors.As(err, &ce), "%v", err)
			assert.Equal(t, tc.check, ce.Check, "%v", err)
			assert.ErrorIs(t, err, tc.err)
			res := ce.Results()
			assert.False(t, res[len(res)-1].OK)
			assert.Equal(t, tc.check, res[len(res)-1].Check)
		})
	}

	// An algorithm off the allow-list: a verifier that takes ES256 only.
	strict, err := verifier.New(w.l.Reader(), verifier.Config{Algorithms: []keys.Algorithm{keys.ES256}, Now: func() time.Time { return w.now }})
	require.NoError(t, err)
	_, err = strict.Verify(ctx, w.present(t, good, audience, nonce), expect)
	assert.ErrorIs(t, err, verifier.ErrAlgorithm)
}

// TestKeyHistory: a credential signed before the issuer rotated its key
// still verifies after; one signed with the old key after the rotation's
// grace does not.
func TestKeyHistory(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	before := w.credential(t, w.issuer, 7, nil)
	newKey := w.l.Rotate(w.issuer, "key-2")
	w.l.Publish(newKey, listURI)
	w.now = w.l.Time().Add(2 * time.Minute)
	expect := verifier.Expect{Audience: audience, Nonce: nonce}

	_, err := w.p.Verify(ctx, w.present(t, before, audience, nonce), expect)
	require.NoError(t, err, "signed before the rotation")
	after := w.credential(t, w.issuer, 7, nil) // the old key, now
	_, err = w.p.Verify(ctx, w.present(t, after, audience, nonce), expect)
	assert.ErrorIs(t, err, verifier.ErrSignature, "the old key after the rotation")
	_, err = w.p.Verify(ctx, w.present(t, w.credential(t, newKey, 7, nil), audience, nonce), expect)
	require.NoError(t, err, "the new key")
}

// TestStatusCache: a revocation reaches the verifier once its cached
// list is older than StatusMaxAge.
func TestStatusCache(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	cred := w.credential(t, w.issuer, 11, nil)
	expect := verifier.Expect{Audience: audience, Nonce: nonce}
	_, err := w.p.Verify(ctx, w.present(t, cred, audience, nonce), expect)
	require.NoError(t, err)

	list, err := statuslist.New(registry.MinStatusListEntries, 2)
	require.NoError(t, err)
	require.NoError(t, list.Set(11, 1))
	tok, err := statuslist.Sign(ctx, w.issuer, statuslist.Claims{Subject: listURI, IssuedAt: w.l.Time().Add(time.Second), List: list})
	require.NoError(t, err)
	w.l.BlockOK(w.l.Sign(w.l.Op(w.issuer, registry.Op{Type: registry.OpStatusPublish, StatusURI: listURI, StatusToken: tok}), w.issuer))

	w.now = w.now.Add(time.Minute)
	_, err = w.p.Verify(ctx, w.present(t, cred, audience, nonce), expect)
	require.NoError(t, err, "within StatusMaxAge the cached list is used")
	w.now = w.now.Add(5 * time.Minute)
	_, err = w.p.Verify(ctx, w.present(t, cred, audience, nonce), expect)
	assert.ErrorIs(t, err, verifier.ErrRevoked, "after it, the ledger is read again")
}
