package keystore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/wallet/store"
)

// Kind is the wallet store record kind under which Software keeps keys.
const Kind = "key"

// ErrUnknownKey: no key has that reference (never made, deleted, or not a
// reference at all).
var ErrUnknownKey = errors.New("keystore: no such key")

// Records is what Software needs of the wallet store; *store.Store has it.
// Get and Delete report a missing record with an error that wraps
// store.ErrNotFound.
type Records interface {
	Put(ctx context.Context, kind, id string, payload []byte) error
	Get(ctx context.Context, kind, id string) ([]byte, error)
	Delete(ctx context.Context, kind, id string) error
}

// Software keeps holder keys as sealed records of the wallet store.
// It is safe for concurrent use if its Records is.
type Software struct {
	records Records
}

// New returns a key store over records (normally an unlocked *store.Store;
// every method fails with store.ErrNotUnlocked while it is locked).
func New(records Records) *Software { return &Software{records: records} }

// Generate makes a fresh key for alg (EdDSA or ES256), seals it in the
// store, and returns its reference and its public key. The private key is
// never returned.
//
// A reference is opaque: 22 base64url characters (128 random bits), which
// say nothing about the key or its credential. Callers keep it beside the
// credential and give it back unchanged.
func (s *Software) Generate(ctx context.Context, alg keys.Algorithm) (ref string, pub *keys.PublicKey, err error) {
	if err := ctx.Err(); err != nil {
		return "", nil, err
	}
	k, err := keys.Generate(alg)
	if err != nil {
		return "", nil, fmt.Errorf("keystore: %w", err)
	}
	jwk, err := k.MarshalPrivateJWK()
	if err != nil {
		return "", nil, fmt.Errorf("keystore: %w", err)
	}
	defer clear(jwk)
	var b [16]byte
	rand.Read(b[:])
	ref = base64.RawURLEncoding.EncodeToString(b[:])
	if err := s.records.Put(ctx, Kind, ref, jwk); err != nil {
		return "", nil, fmt.Errorf("keystore: store the key: %w", err)
	}
	return ref, k.Public(), nil
}

// load reads the private key of ref.
func (s *Software) load(ctx context.Context, ref string) (*keys.PrivateKey, error) {
	if !wellFormed(ref) {
		return nil, fmt.Errorf("%w: %q is not a key reference", ErrUnknownKey, ref)
	}
	jwk, err := s.records.Get(ctx, Kind, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrUnknownKey, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	defer clear(jwk)
	k, err := keys.ParsePrivateJWK(jwk)
	if err != nil {
		// The record authenticated, so only a bug can have written it.
		return nil, fmt.Errorf("keystore: key %s: %w", ref, err)
	}
	return k, nil
}

// Public returns the public key of ref.
func (s *Software) Public(ctx context.Context, ref string) (*keys.PublicKey, error) {
	k, err := s.load(ctx, ref)
	if err != nil {
		return nil, err
	}
	return k.Public(), nil
}

// Sign makes a JWS signature (RFC 7515 §5.1 step 5) with the key of ref
// over signingInput — the ASCII of BASE64URL(header) '.' BASE64URL(payload)
// — in the key's algorithm: Ed25519 (RFC 8037 §3.1) or ES256 as R||S (RFC
// 7518 §3.4). It signs whatever it is given; what may be signed (which
// verifier, which nonce, which disclosures) is the wallet core's decision,
// made with the citizen's consent before it calls Sign.
func (s *Software) Sign(ctx context.Context, ref string, signingInput []byte) ([]byte, error) {
	k, err := s.load(ctx, ref)
	if err != nil {
		return nil, err
	}
	return k.Sign(ctx, signingInput)
}

// Delete removes the key of ref from the store (secure_delete overwrites its
// sealed record in the file; see docs/wallet-threat-model.md for what may
// remain elsewhere).
func (s *Software) Delete(ctx context.Context, ref string) error {
	if !wellFormed(ref) {
		return fmt.Errorf("%w: %q is not a key reference", ErrUnknownKey, ref)
	}
	err := s.records.Delete(ctx, Kind, ref)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s", ErrUnknownKey, ref)
	}
	if err != nil {
		return fmt.Errorf("keystore: %w", err)
	}
	return nil
}

// wellFormed: 22 base64url characters, the form Generate makes.
func wellFormed(ref string) bool {
	if len(ref) != 22 {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(ref)
	return err == nil && len(b) == 16
}
