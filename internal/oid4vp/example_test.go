package oid4vp_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/oid4vp"
)

// A Verifier identified by a did:key asks for a resident credential with
// an encrypted response; the Wallet checks the request, answers, and the
// Verifier reads the answer.
func Example() {
	ctx := context.Background()

	// The Verifier: a key, its DID, a fresh nonce, state and response key.
	signingKey, _ := keys.Generate(keys.ES256)
	verifierDID := did.KeyDID(signingKey.Public())
	doc, _ := did.ResolveKey(verifierDID)
	signingKey = signingKey.WithKeyID(doc.Authentication[0].ID())
	encKey, _ := oid4vp.NewEncryptionKey()
	nonce, _ := oid4vp.NewNonce()
	state, _ := oid4vp.NewState()
	query, _ := dcql.Parse([]byte(`{"credentials":[{"id":"resident","format":"dc+sd-jwt",
	  "meta":{"vct_values":["https://seoul.go.kr/vct/resident"]},
	  "claims":[{"path":["address","district"]}]}]}`))
	req := &oid4vp.AuthorizationRequest{
		ClientID:     oid4vp.ClientIDForDID(verifierDID),
		ResponseType: oid4vp.ResponseTypeVPToken,
		ResponseMode: oid4vp.ResponseModeDirectPostJWT,
		ResponseURI:  "https://welfare.seoul.go.kr/oid4vp/response",
		Nonce:        nonce,
		State:        state,
		DCQLQuery:    query,
		ClientMetadata: &oid4vp.ClientMetadata{
			JWKS:               encKey.JWKS(),
			VPFormatsSupported: map[string]map[string]any{dcql.FormatSDJWTVC: {"kb-jwt_alg_values": []any{"ES256", "EdDSA"}}},
		},
	}
	requestObject, err := oid4vp.SignRequestObject(ctx, signingKey, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	link := (&oid4vp.RequestReference{ClientID: req.ClientID, Request: requestObject}).Encode()

	// The Wallet.
	ref, err := oid4vp.ParseRequestReference(link)
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := oid4vp.ParseRequestObject(ctx, ref.Request, ref.ClientID, did.LocalResolver{}, oid4vp.RequestOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("the Wallet verified a request signed by", got.KeyID == signingKey.KeyID())
	body, err := oid4vp.DirectPostBody(&got.AuthorizationRequest, &oid4vp.AuthorizationResponse{
		VPToken: oid4vp.VPToken{"resident": {"<the SD-JWT+KB>"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The Verifier's response_uri.
	posted, err := oid4vp.ParseDirectPost([]byte(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	kid, _ := oid4vp.ResponseKeyID(posted.JWE) // finds the request this answers
	resp, err := posted.Open(oid4vp.ResponseModeDirectPostJWT, encKey, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("encrypted to the request's key:", kid == encKey.KeyID())
	fmt.Println("state matches:", resp.CheckState(state) == nil)
	fmt.Println(resp.VPToken.Strings("resident"))
	// Output:
	// the Wallet verified a request signed by true
	// encrypted to the request's key: true
	// state matches: true
	// [<the SD-JWT+KB>] <nil>
}

// A request whose request_uri_method is neither get nor post is refused
// with the error code of §8.5.
func ExampleParseRequestReference() {
	q := url.Values{
		"client_id":          {"decentralized_identifier:did:seoul:welfare-portal"},
		"request_uri":        {"https://welfare.seoul.go.kr/oid4vp/request/1"},
		"request_uri_method": {"PUT"},
	}
	_, err := oid4vp.ParseRequestReference(q.Encode())
	fmt.Println(oid4vp.CodeOf(err), errors.Is(err, oid4vp.ErrInvalidRequestURIMethod))
	// Output:
	// invalid_request_uri_method true
}

// A Wallet that cannot answer tells the Verifier so; the Verifier gets the
// refusal as an error.
func ExampleErrorResponse() {
	body := (&oid4vp.ErrorResponse{Code: oid4vp.ErrAccessDenied, Description: "the End-User declined", State: "s1"}).Encode()
	posted, _ := oid4vp.ParseDirectPost([]byte(body))
	_, err := posted.Open(oid4vp.ResponseModeDirectPost, nil, nil)
	var refusal *oid4vp.ErrorResponse
	if errors.As(err, &refusal) {
		fmt.Println(refusal.Code, refusal.State)
	}
	// Output:
	// access_denied s1
}
