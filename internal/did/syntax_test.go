package did_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/did"
)

func TestParseAccepts(t *testing.T) {
	cases := []struct {
		in     string
		method string
		id     string
	}{
		{"did:example:123456789abcdefghi", "example", "123456789abcdefghi"},
		{"did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "key", "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"},
		{"did:web:example.com%3A8443:user:alice", "web", "example.com%3A8443:user:alice"},
		{"did:web:w3c-ccg.github.io", "web", "w3c-ccg.github.io"},
		{"did:ion:EiClkZMDxPKqC9c-umQfTkR8vvZ9JPhl_xLDI9Nfk38w5w", "ion", "EiClkZMDxPKqC9c-umQfTkR8vvZ9JPhl_xLDI9Nfk38w5w"},
		{"did:a1:x", "a1", "x"},
		{"did:0:x", "0", "x"},
		{"did:x::y", "x", ":y"},   // empty segments are allowed by *( *idchar ":" )
		{"did:x:%aF", "x", "%aF"}, // HEXDIG is case-insensitive (RFC 5234 §2.3)
		{"did:x:" + strings.Repeat("a", did.MaxLength-len("did:x:")), "x", strings.Repeat("a", did.MaxLength-len("did:x:"))},
	}
	for _, c := range cases {
		t.Run(c.in[:min(len(c.in), 40)], func(t *testing.T) {
			d, err := did.Parse(c.in)
			require.NoError(t, err)
			assert.Equal(t, did.DID{Method: c.method, ID: c.id}, d)
			assert.Equal(t, c.in, d.String())
		})
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		in, msg string
	}{
		{"", `does not start with "did:"`},
		{"did", `does not start with "did:"`},
		{"urn:example:1", `does not start with "did:"`},
		{"DID:example:1", `has scheme "DID:"; the DID scheme is lowercase`},
		{"did:Key:z6Mk", `has an invalid method name "Key" (lowercase letters and digits only)`},
		{"did:ke-y:z6Mk", `has an invalid method name "ke-y"`},
		{"did::z6Mk", "has an empty method name"},
		{"did:key", "has no method-specific id (expected did:key:<id>)"},
		{"did:key/path", "has no method-specific id"},
		{"did:key:", "has an empty method-specific id"},
		{"did:key:abc:", "ends with ':'"},
		{"did:key:a b", `has an invalid character " " at byte 9 in the method-specific id`},
		{"did:key:a\x00b", `has an invalid character "\x00" at byte 9`},
		{"did:key:a\nb", `has an invalid character "\n"`},
		{"did:key:é", `has an invalid character "é" at byte 8`},
		{"did:key:a\xffb", `has an invalid character "\xff" at byte 9`},
		{"did:key:a~b", `has an invalid character "~"`},
		{"did:key:a%4", "has an invalid percent-encoding at byte 9"},
		{"did:key:a%zz", "has an invalid percent-encoding at byte 9"},
		{"did:key:a#frag", `is a DID URL, not a DID ("#" at byte 9 starts a fragment)`},
		{"did:key:a/p", `("/" at byte 9 starts a path)`},
		{"did:key:a?q=1", `("?" at byte 9 starts a query)`},
		{"did:x:" + strings.Repeat("a", did.MaxLength), "is 4102 bytes, more than the limit of 4096"},
		// Found by FuzzResolveKey: control characters quote to four bytes
		// each, and the message once repeated them all.
		{"did:" + strings.Repeat("\x12", 300) + ":x", `has an invalid method name "\x12\x12`},
	}
	for _, c := range cases {
		t.Run(c.in[:min(len(c.in), 40)], func(t *testing.T) {
			_, err := did.Parse(c.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, did.ErrInvalidDID)
			assert.Contains(t, err.Error(), c.msg)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.Less(t, len(err.Error()), 700, "long input is cut in the message")
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := did.Parse("did:Key:z6Mk")
	require.Error(t, err)
	assert.Equal(t, `did: invalid DID: "did:Key:z6Mk" has an invalid method name "Key" (lowercase letters and digits only)`, err.Error())
}

func TestParseURLAccepts(t *testing.T) {
	cases := []struct {
		in   string
		want did.URL
	}{
		{"did:example:123", did.URL{DID: did.DID{Method: "example", ID: "123"}}},
		{"did:example:123#public-key-0", did.URL{DID: did.DID{Method: "example", ID: "123"}, Fragment: "public-key-0"}},
		{"did:example:123456/path", did.URL{DID: did.DID{Method: "example", ID: "123456"}, Path: "/path"}},
		{"did:example:123456?versionId=1", did.URL{DID: did.DID{Method: "example", ID: "123456"}, Query: "versionId=1"}},
		// DID Core §3.2.1 example of a resource external to the document.
		{"did:example:123?service=agent&relativeRef=/credentials%23degree", did.URL{DID: did.DID{Method: "example", ID: "123"}, Query: "service=agent&relativeRef=/credentials%23degree"}},
		{"did:example:123/a/b/?q=/?x#f/?:@!$&'()*+,;=-._~%20", did.URL{DID: did.DID{Method: "example", ID: "123"}, Path: "/a/b/", Query: "q=/?x", Fragment: "f/?:@!$&'()*+,;=-._~%20"}},
		{"did:example:123/", did.URL{DID: did.DID{Method: "example", ID: "123"}, Path: "/"}},
		{"did:example:123//x", did.URL{DID: did.DID{Method: "example", ID: "123"}, Path: "//x"}},
		{"did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
			did.URL{DID: did.DID{Method: "key", ID: "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"}, Fragment: "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"}},
		{"did:jwk:eyJ9#0", did.URL{DID: did.DID{Method: "jwk", ID: "eyJ9"}, Fragment: "0"}},
	}
	for _, c := range cases {
		t.Run(c.in[:min(len(c.in), 50)], func(t *testing.T) {
			u, err := did.ParseURL(c.in)
			require.NoError(t, err)
			assert.Equal(t, c.want, u)
			assert.Equal(t, c.in, u.String())
		})
	}
}

func TestParseURLRejects(t *testing.T) {
	cases := []struct {
		in, msg string
	}{
		{"#key-1", `does not start with "did:"`},
		{"did:example:123#", "has an empty fragment after '#'"},
		{"did:example:123?", "has an empty query after '?'"},
		{"did:example:123?#f", "has an empty query after '?'"},
		{"did:example:123#a#b", `has an invalid character "#" at byte 17 in the fragment`},
		{"did:example:123#a b", `has an invalid character " " at byte 17 in the fragment`},
		{"did:example:123/a b", `has an invalid character " " at byte 17 in the path`},
		{"did:example:123?a b", `has an invalid character " " at byte 17 in the query`},
		{"did:example:123#\x7f", `invalid character "\x7f"`},
		{"did:example:123#\t", `invalid character "\t"`},
		{"did:example:123#é", `invalid character "é"`},
		{"did:example:123#<script>", `invalid character "<"`},
		{"did:example:123/%g0", "has an invalid percent-encoding at byte 16"},
		{"did:example:123#%", "has an invalid percent-encoding at byte 16"},
		{"did:example:123?%2", "has an invalid percent-encoding at byte 16"},
		{"did:example:123#[0]", `invalid character "["`},
		{"did:example:123#" + strings.Repeat("a", did.MaxLength), "more than the limit of 4096"},
	}
	for _, c := range cases {
		t.Run(c.in[:min(len(c.in), 40)], func(t *testing.T) {
			_, err := did.ParseURL(c.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, did.ErrInvalidDID)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

func TestResolveReference(t *testing.T) {
	base := did.DID{Method: "example", ID: "123"}
	cases := []struct {
		ref, want, err string
	}{
		{ref: "#key-1", want: "did:example:123#key-1"},
		{ref: "did:example:123#key-1", want: "did:example:123#key-1"},
		{ref: "did:other:9#k", want: "did:other:9#k"}, // absolute refs are returned as they are
		{ref: "#", err: "has an empty fragment"},
		{ref: "#a b", err: `invalid character " "`},
		{ref: "key-1", err: `is neither a DID URL nor a relative reference "#fragment"`},
		{ref: "/path#k", err: "is neither a DID URL"},
		{ref: "?q#k", err: "is neither a DID URL"},
		{ref: "", err: "is neither a DID URL"},
		{ref: "DID:example:123#k", err: "the DID scheme is lowercase"},
	}
	for _, c := range cases {
		t.Run(c.ref, func(t *testing.T) {
			u, err := did.ResolveReference(base, c.ref)
			if c.err != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, did.ErrInvalidDID)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, u.String())
		})
	}

	t.Run("no base", func(t *testing.T) {
		_, err := did.ResolveReference(did.DID{}, "#k")
		assert.ErrorIs(t, err, did.ErrInvalidDID)
		assert.ErrorContains(t, err, "no base DID")
	})
	t.Run("invalid base", func(t *testing.T) {
		_, err := did.ResolveReference(did.DID{Method: "Bad", ID: "x"}, "#k")
		assert.ErrorIs(t, err, did.ErrInvalidDID)
		assert.ErrorContains(t, err, "the base DID")
	})
	t.Run("too long once resolved", func(t *testing.T) {
		long := did.DID{Method: "x", ID: strings.Repeat("a", did.MaxLength-10)}
		_, err := did.ResolveReference(long, "#"+strings.Repeat("b", 20))
		assert.ErrorIs(t, err, did.ErrInvalidDID)
		assert.ErrorContains(t, err, "more than the limit")
	})
}

func TestDIDZero(t *testing.T) {
	assert.Equal(t, "", did.DID{}.String())
	assert.True(t, did.DID{}.IsZero())
	assert.False(t, did.DID{Method: "x", ID: "y"}.IsZero())
	assert.Equal(t, "", did.URL{}.String())
}

func TestErrorsAreDistinct(t *testing.T) {
	all := []error{did.ErrInvalidDID, did.ErrInvalidDocument, did.ErrInvalidVerificationMethod,
		did.ErrKeyNotFound, did.ErrNotAuthorized, did.ErrMethodNotSupported, did.ErrNotFound}
	for i, a := range all {
		for j, b := range all {
			assert.Equal(t, i == j, errors.Is(a, b), "%v vs %v", a, b)
		}
		assert.True(t, strings.HasPrefix(a.Error(), "did: "))
	}
}
