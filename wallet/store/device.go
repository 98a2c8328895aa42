package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
)

// DeviceSecret is a key that stays on this device — on a phone, a key in
// the Android Keystore or the iOS keychain, ideally in its secure element —
// used only through a pseudo-random function. The store uses it three ways,
// each with its own label in msg: to authenticate the header and the
// attempt counter (so that editing either in the file is detected), and to
// mix into the key that wraps the data key (so that a copy of the file
// alone cannot be attacked offline, PIN by PIN: see
// docs/wallet-threat-model.md).
//
// MAC must be deterministic and return 32 bytes; HMAC-SHA256 (RFC 2104) is
// what FileDeviceSecret computes. Losing the device secret loses the store
// (Restore from a backup brings its records back).
type DeviceSecret interface {
	MAC(ctx context.Context, msg []byte) ([]byte, error)
}

// FileDeviceSecret is a DeviceSecret kept in a file readable by its owner
// only (0600). It stands in for a phone's keystore on a machine that has
// none: anyone who can read both the file and the store gets what the
// device secret was to deny them, so it should live outside any directory
// that is backed up or synchronised with the store.
type FileDeviceSecret struct {
	path string
	key  []byte
}

var _ DeviceSecret = (*FileDeviceSecret)(nil)

// deviceKeySize is the HMAC-SHA256 key size (RFC 2104 §3: the hash's output
// length).
const deviceKeySize = 32

// OpenFileDeviceSecret reads the device secret at path, making a fresh
// random one there first if there is none. An existing file must be exactly
// deviceKeySize bytes (ErrCorrupt otherwise) and, except on Windows, not be
// readable or writable by group or others.
func OpenFileDeviceSecret(path string) (*FileDeviceSecret, error) {
	key, err := readDeviceKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createDeviceKey(path); err != nil {
			return nil, err
		}
		key, err = readDeviceKey(path)
	}
	if err != nil {
		return nil, err
	}
	return &FileDeviceSecret{path: path, key: key}, nil
}

func readDeviceKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wallet store: device secret: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("wallet store: device secret: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("wallet store: device secret %s has mode %v: it must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	if fi.Size() != deviceKeySize {
		return nil, fmt.Errorf("%w: device secret %s has %d bytes, not %d", ErrCorrupt, path, fi.Size(), deviceKeySize)
	}
	key := make([]byte, deviceKeySize)
	if _, err := f.ReadAt(key, 0); err != nil {
		return nil, fmt.Errorf("wallet store: device secret: %w", err)
	}
	return key, nil
}

// createDeviceKey writes a random key to a temporary file, makes it durable,
// and links it into place: either the whole key is at path or nothing is,
// and a key that another process put there first is never overwritten.
func createDeviceKey(path string) error {
	key := make([]byte, deviceKeySize)
	rand.Read(key)
	defer clear(key)
	tmp := tempName(path)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("wallet store: device secret: %w", err)
	}
	defer os.Remove(tmp)
	_, err = f.Write(key)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("wallet store: device secret: %w", err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("wallet store: device secret: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// MAC is HMAC-SHA256 of msg under the device key.
func (d *FileDeviceSecret) MAC(ctx context.Context, msg []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, d.key)
	m.Write(msg)
	return m.Sum(nil), nil
}

// String never shows the key.
func (d *FileDeviceSecret) String() string { return "device secret " + d.path + " (key redacted)" }

// GoString never shows the key, even with %#v.
func (d *FileDeviceSecret) GoString() string { return d.String() }

// LogValue never shows the key.
func (d *FileDeviceSecret) LogValue() slog.Value {
	return slog.GroupValue(slog.String("path", d.path), slog.String("key", "REDACTED"))
}

// tempName is a fresh name beside path, for a file that is linked or
// renamed into place once complete.
func tempName(path string) string {
	var b [8]byte
	rand.Read(b[:])
	return path + ".tmp-" + hex.EncodeToString(b[:])
}

// syncDir makes a directory's entries (a new link) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("wallet store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("wallet store: sync %s: %w", dir, err)
	}
	return nil
}
