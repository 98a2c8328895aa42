package issuer

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
)

// Nonces (OpenID4VCI 1.0 §7, the nonce endpoint) cost the issuer nothing
// until they are used: a nonce carries its own expiry and a MAC, so the
// nonce endpoint writes nothing — a client fetching nonces in a loop fills
// no table — and the store records a nonce only when a credential request
// spends it (CompleteOffer), until its expiry. A nonce is
//
//	b64url( version (1) || expiry (8, Unix seconds, big endian) || random (16) || tag (16) )
//
// where tag is the first 16 bytes of HMAC-SHA256(key, "seoulid nonce" ||
// the bytes before it). The key is the store's Secret named nonceKeyName,
// so that every process of one issuer accepts the others' nonces.
const (
	nonceVersion = 1
	nonceRandom  = 16
	nonceTag     = 16
	nonceLen     = 1 + 8 + nonceRandom + nonceTag
	nonceKeyName = "nonce-mac-key"
	nonceLabel   = "seoulid nonce"
)

// nonceMinter makes and checks nonces with the store's key, loaded once.
type nonceMinter struct {
	mu  sync.Mutex
	key []byte
}

// nonceKey returns the nonce key, fetching (or creating) it in the store on
// first use.
func (is *Issuer) nonceKey(ctx context.Context) ([]byte, error) {
	m := &is.nonces
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.key != nil {
		return m.key, nil
	}
	candidate, err := is.random(32)
	if err != nil {
		return nil, err
	}
	key, err := is.store.Secret(ctx, nonceKeyName, candidate)
	if err != nil {
		return nil, fmt.Errorf("issuer: the nonce key: %w", err)
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("issuer: the store's nonce key has %d bytes, fewer than 32", len(key))
	}
	m.key = key
	return key, nil
}

func nonceMAC(key, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(nonceLabel))
	h.Write(body)
	return h.Sum(nil)[:nonceTag]
}

// Nonce returns a fresh single-use nonce for key proofs (OpenID4VCI 1.0
// §7), valid NonceTTL. It stores nothing.
func (is *Issuer) Nonce(ctx context.Context) (string, error) {
	key, err := is.nonceKey(ctx)
	if err != nil {
		return "", err
	}
	r, err := is.random(nonceRandom)
	if err != nil {
		return "", err
	}
	b := make([]byte, 0, nonceLen)
	b = append(b, nonceVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(is.cfg.Now().Add(is.cfg.NonceTTL).Unix()))
	b = append(b, r...)
	b = append(b, nonceMAC(key, b)...)
	return b64url.Encode(b), nil
}

// checkNonce returns the expiry of a nonce this issuer made that has not
// expired at now; whether it was spent is the store's to say. It does not
// say why a nonce is refused: a wallet's remedy is the same.
func (is *Issuer) checkNonce(ctx context.Context, nonce string, now time.Time) (time.Time, bool, error) {
	key, err := is.nonceKey(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	if len(nonce) > 2*nonceLen {
		return time.Time{}, false, nil
	}
	b, err := b64url.Decode(nonce)
	if err != nil || len(b) != nonceLen || b[0] != nonceVersion {
		return time.Time{}, false, nil
	}
	body, tag := b[:nonceLen-nonceTag], b[nonceLen-nonceTag:]
	if !hmac.Equal(tag, nonceMAC(key, body)) {
		return time.Time{}, false, nil
	}
	exp := binary.BigEndian.Uint64(b[1:9])
	if exp > uint64(1)<<40 { // beyond the year 36812: not a time this issuer writes
		return time.Time{}, false, nil
	}
	expiry := time.Unix(int64(exp), 0).UTC()
	if !now.Before(expiry) {
		return time.Time{}, false, nil
	}
	return expiry, true, nil
}
