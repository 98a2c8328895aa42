package keystore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/wallet/keystore"
	"github.com/seoulid/seoulid/wallet/store"
)

// A holder key for a new credential: generated and sealed in the wallet
// store, used by reference to sign a key-binding JWT.
func ExampleSoftware() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "wallet")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	device, err := store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	if err != nil {
		log.Fatal(err)
	}
	// A real wallet passes store.Options{} (the default Argon2id cost);
	// the example uses the cheap test parameters.
	opts := store.Options{Params: store.UnsafeParams(64, 1, 1), BackupParams: store.UnsafeParams(64, 1, 1)}
	s, err := store.Create(ctx, filepath.Join(dir, "wallet.db"), device, []byte("123456"), opts)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ks := keystore.New(s)
	ref, pub, err := ks.Generate(ctx, keys.ES256) // one per credential: its cnf.jwk is pub.JWK()
	if err != nil {
		log.Fatal(err)
	}
	input := []byte("eyJhbGciOiJFUzI1NiIsInR5cCI6ImtiK2p3dCJ9.eyJub25jZSI6Im4tMFM2X1d6QTJNaiJ9")
	sig, err := ks.Sign(ctx, ref, input)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verifies:", pub.Verify(keys.ES256, input, sig) == nil)
	fmt.Println("key type:", pub.JWK()["kty"], pub.JWK()["crv"])

	// When the credential is deleted, so is its key.
	if err := ks.Delete(ctx, ref); err != nil {
		log.Fatal(err)
	}
	_, err = ks.Sign(ctx, ref, input)
	fmt.Println(err != nil)
	// Output:
	// verifies: true
	// key type: EC P-256
	// true
}
