package resolver_test

import (
	"context"
	"fmt"

	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/resolver"
)

func ExampleResolver_Resolve() {
	// The zero Resolver resolves did:key and did:jwk; set Seoul (the
	// node's registry.Reader) and Web (a didweb.Resolver) for the others.
	var r resolver.Resolver
	doc, err := r.Resolve(context.Background(), "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
	if err != nil {
		panic(err)
	}
	fmt.Println(doc.VerificationMethod[0].Type, len(doc.AssertionMethod))

	_, err = r.Resolve(context.Background(), "did:example:123")
	fmt.Println(err)
	// Output:
	// Multikey 1
	// did: DID method not supported: did:example (this resolver handles did:key, did:jwk)
}

func ExampleResolver_ResolveRepresentation() {
	var r resolver.Resolver
	res, err := r.ResolveRepresentation(context.Background(), "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", registry.ResolveOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Method, res.Document.ID == "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", res.Metadata.Deactivated)
	// Output: key true false
}
