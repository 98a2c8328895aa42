package oid4vci_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/oid4vci"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/schemas"
)

// ledgerSays is a trust registry that authorises everything: in a city,
// registry.Reader, which reads the ledger.
type ledgerSays struct{}

func (ledgerSays) IssuerAuthorised(context.Context, string, string) (bool, error) { return true, nil }

// A district office serves OpenID4VCI; a wallet redeems an offer's code
// for an access token.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "issuer")
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(ctx, filepath.Join(dir, "issuer.db"))
	if err != nil {
		panic(err)
	}
	defer store.Close()
	key, _ := keys.Generate(keys.EdDSA) // in production: an HSM behind keys.NewCryptoSigner
	key = key.WithKeyID("did:seoul:gwanak#key-1")
	is, err := issuer.New(key, store, ledgerSays{}, nil, nil, issuer.Config{
		URL: "https://gwanak.seoul.example", DID: "did:seoul:gwanak", Types: []string{"urn:seoulid:vct:residency-status:1"},
	})
	if err != nil {
		panic(err)
	}
	h, err := oid4vci.New(is, oid4vci.Config{
		PublicKey: key.Public(),
		Name:      schemas.Text{schemas.Korean: "관악구청", schemas.English: "Gwanak-gu Office"},
	})
	if err != nil {
		panic(err)
	}
	// Serve it with the limits the handler leaves to the server.
	srv := &http.Server{
		Addr: ":8443", Handler: h,
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10,
	}
	_ = srv // srv.ListenAndServeTLS(cert, key)

	// At the counter, an operator makes an offer (the back office does).
	res, _ := schemas.Default().Lookup("urn:seoulid:vct:residency-status:1")
	offer, err := is.CreateOffer(ctx, "opr_1", res.VCT, res.Example())
	if err != nil {
		panic(err)
	}

	// The wallet redeems the code with the tx_code from the SMS.
	form := url.Values{"grant_type": {issuer.PreAuthorizedGrant}, "pre-authorized_code": {offer.PreAuthorizedCode}, "tx_code": {offer.TxCode}}
	r := httptest.NewRequest("POST", "/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var tok struct {
		TokenType string `json:"token_type"`
		ExpiresIn int    `json:"expires_in"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &tok)
	fmt.Println(w.Code, w.Header().Get("Cache-Control"), tok.TokenType, tok.ExpiresIn)

	// Twice is once too many.
	r = httptest.NewRequest("POST", "/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body)
	// Output:
	// 200 no-store Bearer 300
	// 400 {"error":"invalid_grant","error_description":"the pre-authorized code was already used"}
}
