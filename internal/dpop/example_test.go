package dpop_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seoulid/seoulid/internal/dpop"
	"github.com/seoulid/seoulid/internal/keys"
)

// A wallet binds its access token to a key; the issuer checks each proof
// and remembers its jti.
func Example() {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	v, err := dpop.NewVerifier(dpop.Config{Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	walletKey, _ := keys.Generate(keys.ES256)

	// At the token endpoint: no access token yet.
	proof, _ := dpop.NewProof(context.Background(), walletKey, "POST", "https://issuer.example/token", "", now)
	p, err := v.Verify([]string{proof}, dpop.Request{Method: "POST", URL: "https://issuer.example/token"})
	fmt.Println(err == nil, p.JKT == walletKey.Public().Thumbprint())

	// The same proof again is a replay.
	_, err = v.Verify([]string{proof}, dpop.Request{Method: "POST", URL: "https://issuer.example/token"})
	fmt.Println(errors.Is(err, dpop.ErrReplay))

	// At the credential endpoint: the proof carries the token's hash.
	proof, _ = dpop.NewProof(context.Background(), walletKey, "POST", "https://issuer.example/credential", "the-access-token", now)
	_, err = v.Verify([]string{proof}, dpop.Request{Method: "POST", URL: "https://issuer.example/credential", AccessToken: "another-token"})
	fmt.Println(err)
	// Output:
	// true true
	// true
	// dpop: invalid DPoP proof: ath is not the hash of this access token
}
