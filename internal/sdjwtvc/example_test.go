package sdjwtvc_test

import (
	"context"
	"fmt"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
)

// The whole life of a credential: a district office issues it, the citizen
// shows only that they live in Seoul, the welfare portal verifies it by
// resolving the issuer's DID.
func Example() {
	ctx := context.Background()
	office, _ := keys.Generate(keys.EdDSA)
	wallet, _ := keys.Generate(keys.ES256)
	issuer := did.KeyDID(office.Public())

	credential, err := sdjwtvc.Issue(ctx, office.WithKeyID(issuer+"#"+issuer[len("did:key:"):]), sdjwtvc.Credential{
		VCT:    "urn:seoulid:vct:residence:1",
		Issuer: issuer,
		Expiry: time.Now().Add(365 * 24 * time.Hour),
		Holder: wallet.Public(),
		Claims: map[string]any{
			"given_name":        "서연",
			"birthdate":         "2001-09-30",
			"resident_of_seoul": true,
		},
		Disclosable: []sdjwt.Path{{"given_name"}, {"birthdate"}, {"resident_of_seoul"}},
	}, sdjwtvc.IssueOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The wallet keeps the credential and, for the welfare portal, reveals
	// one claim and binds the presentation to the portal's nonce.
	presentation, _ := credential.Select(sdjwt.Path{"resident_of_seoul"})
	presentation, _ = presentation.WithKeyBinding(ctx, wallet, sdjwt.KeyBindingInput{
		Audience: "https://welfare.seoul.go.kr",
		Nonce:    "q2Hx8",
	})

	portal, _ := sdjwtvc.NewVerifier(
		sdjwtvc.ByIssuer{DID: sdjwtvc.DIDKeys{Resolver: did.LocalResolver{}}},
		sdjwtvc.Config{Algorithms: []keys.Algorithm{keys.EdDSA, keys.ES256}, ClockSkew: time.Minute},
	)
	got, err := portal.Verify(ctx, presentation.String(), sdjwtvc.Presentation{
		RequireKeyBinding: true,
		Audience:          "https://welfare.seoul.go.kr",
		Nonce:             "q2Hx8",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.VCT, got.Claims["resident_of_seoul"], got.Claims["given_name"])
	// Output: urn:seoulid:vct:residence:1 true <nil>
}
