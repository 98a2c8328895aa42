package did_test

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
)

func ExampleKeyDID() {
	// The key of the all-zero RFC 8032 seed: the first did:key test vector.
	seed := make([]byte, ed25519.SeedSize)
	pub, err := keys.NewPublicKey(ed25519.NewKeyFromSeed(seed).Public())
	if err != nil {
		panic(err)
	}
	fmt.Println(did.KeyDID(pub))
	// Output: did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp
}

func ExampleResolveKey() {
	doc, err := did.ResolveKey("did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv")
	if err != nil {
		panic(err)
	}
	vm := doc.VerificationMethod[0]
	pub, err := vm.PublicKey()
	if err != nil {
		panic(err)
	}
	fmt.Println(vm.Type, pub.Algorithm())
	fmt.Println(pub.JWK()["x"])
	// Output:
	// Multikey ES256
	// igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns
}

func ExampleResolveJWK() {
	// The P-256 example of the did:jwk method.
	const id = "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
	doc, err := did.ResolveJWK(id)
	if err != nil {
		panic(err)
	}
	pub, err := doc.Key("#0", did.AssertionMethod)
	if err != nil {
		panic(err)
	}
	fmt.Println(doc.VerificationMethod[0].Type, pub.Algorithm())
	fmt.Println(pub.KeyID() == id+"#0")
	fmt.Println(did.JWKDID(pub) == id)
	// Output:
	// JsonWebKey2020 ES256
	// true
	// true
}

func ExampleJWKDID() {
	priv, err := keys.Generate(keys.EdDSA)
	if err != nil {
		panic(err)
	}
	id := did.JWKDID(priv.Public())
	doc, err := did.ResolveJWK(id)
	if err != nil {
		panic(err)
	}
	pub, err := doc.Key(id+"#0", did.Authentication)
	if err != nil {
		panic(err)
	}
	fmt.Println(pub.Equal(priv.Public()))
	// Output: true
}

func ExampleParse() {
	d, err := did.Parse("did:web:example.com%3A8443:alice")
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Method, d.ID)

	_, err = did.Parse("did:Web:example.com")
	fmt.Println(err)
	// Output:
	// web example.com%3A8443:alice
	// did: invalid DID: "did:Web:example.com" has an invalid method name "Web" (lowercase letters and digits only)
}

func ExampleParseURL() {
	u, err := did.ParseURL("did:example:123/path?versionId=1#key-1")
	if err != nil {
		panic(err)
	}
	fmt.Println(u.DID)
	fmt.Println(u.Path, u.Query, u.Fragment)
	// Output:
	// did:example:123
	// /path versionId=1 key-1
}

func ExampleDocument_Key() {
	doc, err := did.ParseDocument([]byte(`{
	  "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
	  "id": "did:example:123",
	  "verificationMethod": [{
	    "id": "#key-1", "type": "Multikey", "controller": "did:example:123",
	    "publicKeyMultibase": "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
	  }],
	  "authentication": ["#key-1"]
	}`))
	if err != nil {
		panic(err)
	}
	pub, err := doc.Key("did:example:123#key-1", did.Authentication)
	if err != nil {
		panic(err)
	}
	fmt.Println(pub.KeyID(), pub.Algorithm())

	// Listed for authentication only: not a key to issue credentials with.
	_, err = doc.Key("#key-1", did.AssertionMethod)
	fmt.Println(err)
	// Output:
	// did:example:123#key-1 EdDSA
	// did: verification method not authorized for this relationship: "did:example:123#key-1" is not listed in assertionMethod (it is listed in authentication)
}

func ExampleVerificationKey() {
	// A JWS "kid" naming a did:key verification method.
	const kid = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
	pub, err := did.VerificationKey(context.Background(), did.LocalResolver{}, kid, did.AssertionMethod)
	if err != nil {
		panic(err)
	}
	fmt.Println(pub.Algorithm())

	_, err = did.VerificationKey(context.Background(), did.LocalResolver{}, "did:web:example.com#key-1", did.AssertionMethod)
	fmt.Println(err)
	// Output:
	// EdDSA
	// did: DID method not supported: "did:web" (this resolver handles did:key and did:jwk)
}

func ExampleLocalResolver_Resolve() {
	doc, err := did.LocalResolver{}.Resolve(context.Background(), "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
	if err != nil {
		panic(err)
	}
	for _, rel := range did.RelationshipKinds {
		fmt.Println(rel, len(doc.Relationships(rel)))
	}
	// Output:
	// authentication 1
	// assertionMethod 1
	// keyAgreement 0
	// capabilityInvocation 1
	// capabilityDelegation 1
}
