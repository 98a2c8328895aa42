package statuslist_test

import (
	"context"
	"fmt"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/statuslist"
)

// A Status Issuer suspends credential 42 and publishes its list; a verifier
// reads a credential's "status" claim, checks the Status List Token's
// signature, and looks the credential up.
func Example() {
	ctx := context.Background()
	key, _ := keys.Generate(keys.ES256)

	// The Status Issuer.
	list, _ := statuslist.New(1<<17, 2) // 2 bits: SUSPENDED needs them
	_ = list.Set(42, statuslist.Suspended)
	_ = list.Set(7, statuslist.Invalid)
	token, err := statuslist.Sign(ctx, key, statuslist.Claims{
		Subject:  "https://status.seoulid.example/lists/1",
		IssuedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Expiry:   time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		TTL:      time.Hour,
		List:     list,
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The credential carries this claim.
	status := statuslist.Reference{Index: 42, URI: "https://status.seoulid.example/lists/1"}.Claim()

	// The verifier, having fetched token from the Reference's URI.
	ref, err := statuslist.ParseReference(status)
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := statuslist.Parse(token)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := tok.Verify(key.Public(), []keys.Algorithm{keys.ES256}); err != nil {
		fmt.Println(err)
		return
	}
	c := tok.Claims()
	if c.Subject != ref.URI { // §8.3 step 4a
		fmt.Println("not the list the credential points to")
		return
	}
	if now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC); !c.Expiry.IsZero() && !now.Before(c.Expiry) { // §8.3 step 4c
		fmt.Println("the status list token has expired")
		return
	}
	s, err := c.List.Get(ref.Index)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("suspended:", s == statuslist.Suspended)
	// Output: suspended: true
}

// Decode reads the "bits" and "lst" of a JSON Status List: here the first
// example of §4.2.
func ExampleDecode() {
	l, err := statuslist.Decode(1, "eNrbuRgAAhcBXQ")
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range l.Len() {
		s, _ := l.Get(i)
		fmt.Print(s)
	}
	fmt.Println()
	// Output: 1001110111000101
}

// Parse refuses a JWT that is not typed as a Status List Token, whatever
// its signature.
func ExampleParse() {
	_, err := statuslist.Parse("eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2ln")
	fmt.Println(err)
	// Output: statuslist: invalid status list token: the header's "typ" is the string "JWT", not "statuslist+jwt" (§5.1)
}

// A credential's "status" claim, as jsonx parses it.
func ExampleParseReference() {
	claim := map[string]any{"status_list": map[string]any{"idx": 0, "uri": "https://example.com/statuslists/1"}}
	ref, err := statuslist.ParseReference(claim)
	fmt.Println(ref.Index, ref.URI, err)
	// Output: 0 https://example.com/statuslists/1 <nil>
}
