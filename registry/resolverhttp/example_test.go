package resolverhttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/seoulid/seoulid/internal/didweb"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/resolver"
	"github.com/seoulid/seoulid/registry/resolverhttp"
)

func Example() {
	// A registry with one founding agency; a node gives its Reader with
	// node.Node.Reader.
	reader := exampleRegistry()
	web, err := didweb.New(didweb.Config{}) // guarded: public hosts only
	if err != nil {
		panic(err)
	}
	h, err := resolverhttp.New(&resolver.Resolver{Seoul: reader, Web: web}, resolverhttp.Config{})
	if err != nil {
		panic(err)
	}
	// Serve it with the timeouts the handler leaves to the server.
	srv := &http.Server{
		Addr:              ":8080",
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // above didweb's 10 s fetch timeout
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	_ = srv // srv.ListenAndServeTLS(cert, key)

	r := httptest.NewRequest("GET", "/1.0/identifiers/did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", nil)
	r.Header.Set("Accept", "application/did-resolution")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var res struct {
		Document struct {
			ID string `json:"id"`
		} `json:"didDocument"`
		Metadata map[string]any `json:"didResolutionMetadata"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		panic(err)
	}
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Println(res.Document.ID)
	fmt.Println(res.Metadata["contentType"])

	r = httptest.NewRequest("GET", "/1.0/identifiers/did:example:123", nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// 200 application/did-resolution
	// did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp
	// application/did+ld+json
	// 501
}

// exampleRegistry founds an in-memory registry the way CometBFT's
// InitChain does.
func exampleRegistry() *registry.Reader {
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		panic(err)
	}
	id := registry.DeriveDID(k.Public())
	jwk := k.Public().JWK()
	delete(jwk, "kid")
	g := registry.Genesis{
		Agencies: []registry.GenesisAgency{{DID: id, Name: registry.Names{Ko: "서울특별시", En: "Seoul Metropolitan Government"},
			Keys: []registry.Key{{ID: "key-1", JWK: jwk, Purposes: []string{registry.PurposeCapabilityInvocation}}}}},
		Council:   []string{id},
		Threshold: 1,
	}
	state, err := json.Marshal(g)
	if err != nil {
		panic(err)
	}
	app, err := registry.OpenApp(dbm.NewMemDB(), nil)
	if err != nil {
		panic(err)
	}
	if _, err := app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: "example", Time: time.Now(), AppStateBytes: state}); err != nil {
		panic(err)
	}
	return app.Reader()
}
