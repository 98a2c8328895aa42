package didweb_test

import (
	"fmt"

	"github.com/seoulid/seoulid/internal/didweb"
)

func ExampleURL() {
	for _, d := range []string{
		"did:web:w3c-ccg.github.io",
		"did:web:w3c-ccg.github.io:user:alice",
		"did:web:example.com%3A3000:user:alice",
	} {
		u, err := didweb.URL(d)
		if err != nil {
			panic(err)
		}
		fmt.Println(u)
	}
	// Output:
	// https://w3c-ccg.github.io/.well-known/did.json
	// https://w3c-ccg.github.io/user/alice/did.json
	// https://example.com:3000/user/alice/did.json
}
