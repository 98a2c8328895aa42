package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/seoulid/seoulid/wallet/store"
)

// The examples use cheap Argon2id parameters so that they run in
// microseconds; a wallet passes store.Options{} and gets the defaults
// (64 MiB, t = 3 for the PIN; 256 MiB for a backup).
var opts = store.Options{Params: store.UnsafeParams(64, 1, 1), BackupParams: store.UnsafeParams(64, 1, 1)}

// dataDir is a fresh data directory with its device secret.
func dataDir() (dir string, device *store.FileDeviceSecret) {
	dir, err := os.MkdirTemp("", "wallet")
	if err != nil {
		log.Fatal(err)
	}
	device, err = store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	if err != nil {
		log.Fatal(err)
	}
	return dir, device
}

func ExampleCreate() {
	ctx := context.Background()
	dir, device := dataDir()
	defer os.RemoveAll(dir)

	s, err := store.Create(ctx, filepath.Join(dir, "wallet.db"), device, []byte("123456"), opts)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.Put(ctx, "credential", "resident-registration", []byte("eyJhbGciOi...~")); err != nil {
		log.Fatal(err)
	}
	payload, err := s.Get(ctx, "credential", "resident-registration")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", payload)
	// Output: eyJhbGciOi...~
}

func ExampleOpen() {
	ctx := context.Background()
	dir, device := dataDir()
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "wallet.db")
	s, err := store.Create(ctx, path, device, []byte("123456"), opts)
	if err != nil {
		log.Fatal(err)
	}
	s.Close()

	// The next start of the app: the store opens locked.
	s, err = store.Open(ctx, path, device, opts)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	err = s.Unlock(ctx, []byte("111111"))
	var ue *store.UnlockError
	if errors.As(err, &ue) && errors.Is(err, store.ErrWrongPIN) {
		fmt.Println("wrong PIN;", ue.Remaining, "tries left")
	}
	if err := s.Unlock(ctx, []byte("123456")); err != nil {
		log.Fatal(err)
	}
	fmt.Println("unlocked:", s.Unlocked())
	// Output:
	// wrong PIN; 9 tries left
	// unlocked: true
}

// Update stores a credential and the receipt of its issuance together:
// both or neither, even if the process is killed.
func ExampleStore_Update() {
	ctx := context.Background()
	dir, device := dataDir()
	defer os.RemoveAll(dir)
	s, err := store.Create(ctx, filepath.Join(dir, "wallet.db"), device, []byte("123456"), opts)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	err = s.Update(ctx, func(tx *store.Tx) error {
		if err := tx.Put(ctx, "credential", "c1", []byte("sd-jwt")); err != nil {
			return err
		}
		return tx.Put(ctx, "receipt", "r1", []byte(`{"event":"issued","credential":"c1"}`))
	})
	if err != nil {
		log.Fatal(err)
	}
	receipts, err := s.List(ctx, "receipt")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(receipts), receipts[0].ID)
	// Output: 1 r1
}

func ExampleStore_ChangePIN() {
	ctx := context.Background()
	dir, device := dataDir()
	defer os.RemoveAll(dir)
	s, err := store.Create(ctx, filepath.Join(dir, "wallet.db"), device, []byte("123456"), opts)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.ChangePIN(ctx, []byte("123456"), []byte("908172")); err != nil {
		log.Fatal(err)
	}
	s.Lock()
	fmt.Println(errors.Is(s.Unlock(ctx, []byte("123456")), store.ErrWrongPIN))
	fmt.Println(s.Unlock(ctx, []byte("908172")))
	// Output:
	// true
	// <nil>
}

// A backup under a recovery passphrase, restored (Restore) on a new phone (its own
// data directory and device secret) under a new PIN.
func ExampleStore_Backup() {
	ctx := context.Background()
	oldDir, oldDevice := dataDir()
	defer os.RemoveAll(oldDir)
	s, err := store.Create(ctx, filepath.Join(oldDir, "wallet.db"), oldDevice, []byte("123456"), opts)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.Put(ctx, "credential", "c1", []byte("sd-jwt")); err != nil {
		log.Fatal(err)
	}

	recovery := store.GenerateRecoveryPassphrase() // shown once, written down by the citizen
	var backup bytes.Buffer
	if err := s.Backup(ctx, &backup, []byte(recovery)); err != nil {
		log.Fatal(err)
	}

	newDir, newDevice := dataDir()
	defer os.RemoveAll(newDir)
	restored, err := store.Restore(ctx, &backup, []byte(recovery), filepath.Join(newDir, "wallet.db"), newDevice, []byte("246810"), opts)
	if err != nil {
		log.Fatal(err)
	}
	defer restored.Close()
	payload, err := restored.Get(ctx, "credential", "c1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", payload)
	// Output: sd-jwt
}

func ExampleGenerateRecoveryPassphrase() {
	p := store.GenerateRecoveryPassphrase()
	fmt.Println(len(p), p[4] == '-')
	// Output: 24 true
}
