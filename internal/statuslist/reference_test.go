package statuslist_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/statuslist"
)

func parseJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := jsonx.Parse([]byte(s))
	require.NoError(t, err)
	return v
}

func TestParseReference(t *testing.T) {
	cases := []struct {
		claim string
		want  statuslist.Reference
	}{
		// §6.2's example.
		{`{"status_list":{"idx":0,"uri":"https://example.com/statuslists/1"}}`, statuslist.Reference{Index: 0, URI: "https://example.com/statuslists/1"}},
		{`{"status_list":{"idx":1048575,"uri":"https://example.com/statuslists/1"},"other_mechanism":{"x":1}}`, statuslist.Reference{Index: 1048575, URI: "https://example.com/statuslists/1"}},
		{`{"status_list":{"idx":7,"uri":"https://example.com/l?id=1&v=%C3%A9#f","extra":true}}`, statuslist.Reference{Index: 7, URI: "https://example.com/l?id=1&v=%C3%A9#f"}},
		// Any scheme: the token is signed, so integrity does not rest on https.
		{`{"status_list":{"idx":1,"uri":"http://example.com/statuslists/1"}}`, statuslist.Reference{Index: 1, URI: "http://example.com/statuslists/1"}},
		{`{"status_list":{"idx":1,"uri":"urn:example:statuslist:1"}}`, statuslist.Reference{Index: 1, URI: "urn:example:statuslist:1"}},
		{`{"status_list":{"idx":1e3,"uri":"https://example.com/1"}}`, statuslist.Reference{Index: 1000, URI: "https://example.com/1"}},
	}
	for _, c := range cases {
		t.Run(c.claim, func(t *testing.T) {
			got, err := statuslist.ParseReference(parseJSON(t, c.claim))
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestReferenceClaimRoundTrip(t *testing.T) {
	r := statuslist.Reference{Index: 4242, URI: "https://status.seoulid.example/lists/7"}
	claim := r.Claim()
	back, err := statuslist.ParseReference(claim)
	require.NoError(t, err)
	assert.Equal(t, r, back)

	// Through JSON, as a verifier sees it.
	b, err := jsonx.Marshal(map[string]any{"status": claim})
	require.NoError(t, err)
	assert.JSONEq(t, `{"status":{"status_list":{"idx":4242,"uri":"https://status.seoulid.example/lists/7"}}}`, string(b))
	payload, err := jsonx.ParseObject(b)
	require.NoError(t, err)
	back, err = statuslist.ParseReference(payload["status"])
	require.NoError(t, err)
	assert.Equal(t, r, back)
}

func TestParseReferenceRefuses(t *testing.T) {
	cases := []struct {
		claim string
		msg   string
	}{
		{`"https://example.com/statuslists/1"`, `the "status" claim is a string, not an object`},
		{`null`, `the "status" claim is null, not an object`},
		{`{}`, `has no "status_list"`},
		{`{"status_list":[0,"https://example.com/1"]}`, `"status.status_list" is an array, not an object`},
		{`{"status_list":{"uri":"https://example.com/1"}}`, `has no "idx"`},
		{`{"status_list":{"idx":-1,"uri":"https://example.com/1"}}`, `"status.status_list.idx" is -1, not a non-negative integer`},
		{`{"status_list":{"idx":1.5,"uri":"https://example.com/1"}}`, `"status.status_list.idx" is 1.5`},
		{`{"status_list":{"idx":"0","uri":"https://example.com/1"}}`, `"status.status_list.idx" is the string "0"`},
		{`{"status_list":{"idx":null,"uri":"https://example.com/1"}}`, `"status.status_list.idx" is null`},
		{`{"status_list":{"idx":99999999999999999999,"uri":"https://example.com/1"}}`, `is 99999999999999999999, not a non-negative integer`},
		{`{"status_list":{"idx":0}}`, `has no "uri"`},
		{`{"status_list":{"idx":0,"uri":5}}`, `"status.status_list.uri" is a number, not a string`},
		{`{"status_list":{"idx":0,"uri":""}}`, `"status.status_list.uri" "": is empty`},
		{`{"status_list":{"idx":0,"uri":"/statuslists/1"}}`, `has no scheme: it is a relative reference`},
		{`{"status_list":{"idx":0,"uri":"example.com/statuslists/1"}}`, `has no scheme`},
		{`{"status_list":{"idx":0,"uri":"//example.com/statuslists/1"}}`, `has no scheme`},
		{`{"status_list":{"idx":0,"uri":"://example.com/1"}}`, `is not a URI`},
		{`{"status_list":{"idx":0,"uri":"1https://example.com/1"}}`, `is not a URI`},
		{`{"status_list":{"idx":0,"uri":"https://example.com/status lists/1"}}`, `has ' ' at byte 26, which RFC 3986 does not allow`},
		{`{"status_list":{"idx":0,"uri":"https://example.com/1\n"}}`, `has '\n' at byte 21`},
		{`{"status_list":{"idx":0,"uri":"https://example.com/é"}}`, `which RFC 3986 does not allow`},
		{`{"status_list":{"idx":0,"uri":"https://example.com/<1>"}}`, `has '<'`},
		{`{"status_list":{"idx":0,"uri":"https://example.com/%zz"}}`, `malformed percent-escape at byte 20`},
		{`{"status_list":{"idx":0,"uri":"https://example.com/%4"}}`, `malformed percent-escape`},
		{`{"status_list":{"idx":0,"uri":"https://example.com/%"}}`, `malformed percent-escape`},
	}
	for _, c := range cases {
		t.Run(c.claim, func(t *testing.T) {
			_, err := statuslist.ParseReference(parseJSON(t, c.claim))
			require.Error(t, err)
			assert.ErrorIs(t, err, statuslist.ErrInvalidReference)
			assert.ErrorContains(t, err, c.msg)
			assert.False(t, strings.Contains(err.Error(), "\n"), "one line: %q", err)
		})
	}
	// Values built in Go, not parsed.
	_, err := statuslist.ParseReference(nil)
	assert.ErrorIs(t, err, statuslist.ErrInvalidReference)
	_, err = statuslist.ParseReference(statuslist.Reference{Index: -1, URI: "https://example.com/1"}.Claim())
	assert.ErrorContains(t, err, "is -1, not a non-negative integer")
}
