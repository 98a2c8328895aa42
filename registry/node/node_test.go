package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/registry"
)

// freePorts returns n ports that were free a moment ago, spaced so that
// Testnet's +10 per node stays clear of them.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func readKey(t *testing.T, file string) *keys.PrivateKey {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.ParsePrivateJWK(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestOneValidator: init, start, write, read, stop, start again with
// everything kept.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestOneValidator(t *testing.T) {
	home := t.TempDir()
	rpcPort := freePort(t)
	net, err := Init(home, Options{P2PPort: freePort(t), RPCPort: rpcPort})
	if err != nil {
		t.Fatal(err)
	}
	if len(net.Agencies) != 5 || net.Threshold != 3 {
		t.Fatalf("network: %+v", net)
	}
	if st, err := os.Stat(net.Agencies[0].KeyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	if _, err := Init(home, Options{}); err == nil {
		t.Fatal("init twice")
	}
	n, err := Start(home, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seoul := readKey(t, net.Agencies[0].KeyFile)
	r := n.Reader()
	if _, err := r.Resolve(ctx, net.Agencies[0].DID); err != nil {
		t.Fatal(err)
	}

	svc, _ := keys.Generate(keys.ES256)
	svcDID := registry.DeriveDID(svc.Public())
	svc = svc.WithKeyID(svcDID + "#key-1")
	jwk := svc.Public().JWK()
	delete(jwk, "kid")
	op := &registry.Op{Type: registry.OpDIDCreate, Chain: net.ChainID, Actor: net.Agencies[0].DID, Seq: 1, DID: svcDID,
		Keys: []registry.Key{{ID: "key-1", JWK: jwk, Purposes: []string{registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod}}}}
	tx, err := registry.SignOp(ctx, op, seoul, svc)
	if err != nil {
		t.Fatal(err)
	}
	res, err := n.Submit(ctx, tx)
	if err != nil || res.Code != registry.OK || res.Height == 0 {
		t.Fatalf("submit: %+v %v", res, err)
	}
	res, err = n.Submit(ctx, tx)
	if err != nil || res.Code != registry.CodeSequence {
		t.Fatalf("replay: %+v %v", res, err)
	}
	if _, err := r.Resolve(ctx, svcDID); err != nil {
		t.Fatal(err)
	}

	// A service in another process reads the same through the RPC.
	remote, err := Dial(fmt.Sprintf("http://127.0.0.1:%d", rpcPort))
	if err != nil {
		t.Fatal(err)
	}
	local, _ := r.Resolve(ctx, svcDID)
	if doc, err := remote.Resolve(ctx, svcDID); err != nil || !reflect.DeepEqual(doc, local) {
		t.Fatalf("remote resolve: %+v %v, want %+v", doc, err, local)
	}
	if _, err := remote.Resolve(ctx, "did:seoul:"+strings.Repeat("a", 32)); !errors.Is(err, did.ErrNotFound) {
		t.Fatalf("an unknown did:seoul: %v", err)
	}
	keyDID := "did:jwk:" + b64url.Encode(must(jsonx.Marshal(jwk)))
	if doc, err := remote.Resolve(ctx, keyDID); err != nil || doc.ID != keyDID {
		t.Fatalf("did:jwk, resolved locally: %+v %v", doc, err)
	}
	if a, err := remote.Agency(ctx, net.Agencies[0].DID); err != nil || a == nil || a.DID != net.Agencies[0].DID {
		t.Fatalf("agency: %+v %v", a, err)
	}
	if a, err := remote.Agency(ctx, svcDID); err != nil || a != nil {
		t.Fatalf("a service is not an agency: %+v %v", a, err)
	}
	if v, err := remote.Verifier(ctx, svcDID); err != nil || v != nil {
		t.Fatalf("no purposes registered: %+v %v", v, err)
	}
	if st, err := remote.Status(ctx, "https://nowhere.example/1"); err != nil || st != nil {
		t.Fatalf("no status list: %+v %v", st, err)
	}
	if _, _, err := remote.StatusToken(ctx, "https://nowhere.example/1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no status token: %v", err)
	}
	if k, err := remote.KeyAt(ctx, svcDID+"#key-1", did.AssertionMethod, time.Now()); err != nil || !k.Equal(svc.Public()) {
		t.Fatalf("key at now: %v %v", k, err)
	}
	if _, err := remote.KeyAt(ctx, svcDID+"#key-1", did.AssertionMethod, time.Now().Add(-24*time.Hour)); !errors.Is(err, did.ErrKeyNotFound) {
		t.Fatalf("before the DID existed: %v", err)
	}
	if _, err := remote.KeyAt(ctx, "did:seoul:"+strings.Repeat("b", 32)+"#key-1", did.AssertionMethod, time.Now()); !errors.Is(err, did.ErrNotFound) {
		t.Fatalf("an unknown DID: %v", err)
	}
	height := r.Height()
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	n, err = Start(home, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	if got := n.Reader().Height(); got != height {
		t.Errorf("height after restart %d, want %d", got, height)
	}
	if _, err := n.Reader().Resolve(ctx, svcDID); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if _, err := os.Stat(filepath.Join(home, "data", "registry.db")); err != nil {
		t.Error(err)
	}
}
