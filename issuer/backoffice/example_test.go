package backoffice_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/backoffice"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/registry"
)

func ExampleNew() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "backoffice")
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "issuer.db"))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	k, _ := keys.Generate(keys.EdDSA)
	d := registry.DeriveDID(k.Public())
	is, err := issuer.New(k.WithKeyID(d+"#key-1"), st, trustAll{}, nil, nil,
		issuer.Config{URL: "https://issuer.seoul.test", DID: d, Types: []string{cardVCT}})
	if err != nil {
		panic(err)
	}
	// The first operator is made at setup; the others by an operator.
	_, token, err := is.CreateOperator(ctx, "", "counter 1")
	if err != nil {
		panic(err)
	}
	h, err := backoffice.New(is, backoffice.Config{})
	if err != nil {
		panic(err)
	}

	req := httptest.NewRequest("POST", "/admin/v1/offers", strings.NewReader(`{"vct": "`+cardVCT+`", "claims": `+cardClaims+`}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Location")[:len("/admin/v1/offers/off_")])

	req = httptest.NewRequest("GET", "/admin/v1/offers", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 201 /admin/v1/offers/off_
	// 401 Bearer realm="seoulid-backoffice"
}

func ExampleLogSender() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	ctx := context.Background()
	_ = backoffice.LogSender{Logger: logger}.SendTxCode(ctx, "off_1", "493817")
	_ = backoffice.LogSender{Logger: logger, Dev: true}.SendTxCode(ctx, "off_2", "205561")
	// Output:
	// level=INFO msg="tx_code for offer off_1 sent by SMS" offer=off_1
	// level=INFO msg="tx_code for offer off_2 sent by SMS (development: the code is logged)" offer=off_2 tx_code=205561
}
