package registry

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/seoulid/seoulid/internal/bitstring"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/statuslist"
)

// statusToken is what the ledger needs of a published status list,
// whichever form it takes: an IETF Token Status List (statuslist+jwt) or
// a W3C Bitstring Status List credential enveloped as vc+jwt
// (VC-JOSE-COSE §3.1.1, Bitstring Status List v1.0 §2.2). Both are JWSs,
// checked the same way; no JSON-LD processing is needed.
type statusToken struct {
	subject  string // the list's URI: sub, or the credential's id
	issuer   string // "" for a Token Status List (its kid names the issuer)
	issuedAt time.Time
	entries  int
	kid      string
	verify   func(pub *keys.PublicKey, allowed []keys.Algorithm) error
}

// maxBitstringToken bounds an enveloped Bitstring Status List credential.
const maxBitstringToken = 2 << 20

// parseStatusToken reads a published status list in either form.
func parseStatusToken(s string) (*statusToken, error) {
	t, err := jws.Parse(s, jws.Limits{MaxBytes: maxBitstringToken})
	if err != nil {
		return nil, err
	}
	if t.HeaderString("typ") != "vc+jwt" {
		tok, err := statuslist.Parse(s)
		if err != nil {
			return nil, err
		}
		c := tok.Claims()
		return &statusToken{subject: c.Subject, issuedAt: c.IssuedAt, entries: c.List.Len(), kid: tok.KeyID(), verify: tok.Verify}, nil
	}
	cred, err := jsonx.ParseObjectWithLimits(t.UnsafePayload(), jsonx.Limits{MaxBytes: maxBitstringToken, MaxDepth: 16})
	if err != nil {
		return nil, fmt.Errorf("the credential: %w", err)
	}
	types, _ := cred["type"].([]any)
	if !slices.Contains(types, any("BitstringStatusListCredential")) {
		return nil, errors.New("a vc+jwt status list must be a BitstringStatusListCredential")
	}
	id, _ := cred["id"].(string)
	issuer, _ := cred["issuer"].(string)
	from, _ := cred["validFrom"].(string)
	issuedAt, err := time.Parse(time.RFC3339, from)
	if id == "" || issuer == "" || err != nil {
		return nil, errors.New("a BitstringStatusListCredential needs an id, an issuer DID and a validFrom (RFC 3339)")
	}
	cs, _ := cred["credentialSubject"].(map[string]any)
	purpose, _ := cs["statusPurpose"].(string)
	enc, _ := cs["encodedList"].(string)
	if cs["type"] != "BitstringStatusList" || purpose == "" {
		return nil, errors.New("its credentialSubject must be a BitstringStatusList with a statusPurpose")
	}
	list, err := bitstring.Decode(enc, 1)
	if err != nil {
		return nil, err
	}
	return &statusToken{subject: id, issuer: issuer, issuedAt: issuedAt, entries: list.Len(), kid: t.HeaderString("kid"),
		verify: func(pub *keys.PublicKey, allowed []keys.Algorithm) error { return t.Verify(pub, allowed) }}, nil
}
