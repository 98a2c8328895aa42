package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"regexp"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// The byte formats of what the store keeps in its SQLite file. Every
// decoder here reads bytes an attacker with the file can write: each checks
// lengths before it reads and never panics (FuzzDecode* in fuzz_test.go).
// Integers are big-endian.

const (
	storeIDSize = 16
	saltSize    = 16 // RFC 9106 §3.1: 128 bits is recommended for password hashing
	dataKeySize = chacha20poly1305.KeySize
	nonceSize   = chacha20poly1305.NonceSizeX
	tagSize     = chacha20poly1305.Overhead
	macSize     = 32 // HMAC-SHA256
)

// Domain-separation labels: each use of a key gets its own, so that no
// output of one use is ever valid for another.
const (
	labelHeader   = "seoulid wallet header v1\x00"
	labelAttempts = "seoulid wallet attempts v1\x00"
	labelKEK      = "seoulid wallet kek v1\x00"
	labelRecordAD = "seoulid wallet record v1\x00"
	infoRecordKey = "seoulid wallet record key v1"
	infoIndexKey  = "seoulid wallet index key v1"
)

// header is the store's one meta row "header": who the store is, the
// Argon2id parameters and salt of the PIN, and the data key wrapped.
//
//	magic "SWLT" | version 1 | store id (16) | params (9) | salt (16) |
//	nonce (24) | wrapped data key (32 + 16)
//
// The wrapping AEAD's additional data is every byte before the nonce, so
// the parameters and salt cannot be changed under the wrapped key. The row
// holds the header followed by its device MAC (labelHeader).
type header struct {
	storeID [storeIDSize]byte
	params  Params
	salt    [saltSize]byte
	nonce   [nonceSize]byte
	wrapped [dataKeySize + tagSize]byte
}

const (
	headerMagic   = "SWLT"
	headerVersion = 1
	headerADSize  = len(headerMagic) + 1 + storeIDSize + paramsSize + saltSize
	headerSize    = headerADSize + nonceSize + dataKeySize + tagSize
)

func (h *header) encode() []byte {
	b := make([]byte, 0, headerSize+macSize)
	b = append(b, headerMagic...)
	b = append(b, headerVersion)
	b = append(b, h.storeID[:]...)
	b = appendParams(b, h.params)
	b = append(b, h.salt[:]...)
	b = append(b, h.nonce[:]...)
	return append(b, h.wrapped[:]...)
}

// ad is the additional data of the wrapped data key.
func (h *header) ad() []byte { return h.encode()[:headerADSize] }

// decodeHeader splits a header row into the header, its encoding (what the
// MAC covers) and the MAC.
func decodeHeader(row []byte) (h header, body, mac []byte, err error) {
	if len(row) != headerSize+macSize {
		return header{}, nil, nil, fmt.Errorf("%w: header of %d bytes, not %d", ErrCorrupt, len(row), headerSize+macSize)
	}
	body, mac = row[:headerSize], row[headerSize:]
	if string(body[:4]) != headerMagic {
		return header{}, nil, nil, fmt.Errorf("%w: no wallet header magic", ErrCorrupt)
	}
	if body[4] != headerVersion {
		return header{}, nil, nil, fmt.Errorf("%w: header version %d (this program reads version %d)", ErrCorrupt, body[4], headerVersion)
	}
	rest := body[5:]
	rest = rest[copy(h.storeID[:], rest):]
	if h.params, err = decodeParams(rest[:paramsSize]); err != nil {
		return header{}, nil, nil, err
	}
	rest = rest[paramsSize:]
	rest = rest[copy(h.salt[:], rest):]
	rest = rest[copy(h.nonce[:], rest):]
	copy(h.wrapped[:], rest)
	return h, body, mac, nil
}

// The attempt counter policy (docs/wallet-threat-model.md §PIN): the first
// FreeAttempts wrong PINs in a row cost nothing but the Argon2id time; each
// one after that makes the next try wait the delay below; the MaxAttempts-th
// wrong PIN in a row locks the store for good. The delays follow the ones
// phones use for their own screen lock.
const (
	FreeAttempts = 5
	MaxAttempts  = 10
)

// delays[i] is the wait after FreeAttempts+i wrong PINs in a row.
var delays = [MaxAttempts - FreeAttempts]time.Duration{
	time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour,
}

// delayAfter is the wait before the next try after failures wrong PINs.
func delayAfter(failures uint32) time.Duration {
	if failures < FreeAttempts || failures >= MaxAttempts {
		return 0
	}
	return delays[failures-FreeAttempts]
}

// attempts is the meta row "attempts": the PIN tries since the last right
// one, counted before each try runs, and when the last was made.
//
//	version 1 | failures (uint32) | last attempt (int64, Unix ms)
//
// The row holds the encoding followed by its device MAC (labelAttempts,
// bound to the store id).
type attempts struct {
	failures uint32
	last     int64 // Unix milliseconds; 0 when failures is 0
}

const (
	attemptsVersion = 1
	attemptsSize    = 1 + 4 + 8
)

func (a attempts) encode() []byte {
	b := make([]byte, 0, attemptsSize+macSize)
	b = append(b, attemptsVersion)
	b = binary.BigEndian.AppendUint32(b, a.failures)
	return binary.BigEndian.AppendUint64(b, uint64(a.last))
}

// wait is how long from now until the next try is accepted.
func (a attempts) wait(now time.Time) time.Duration {
	d := delayAfter(a.failures)
	if d == 0 {
		return 0
	}
	return time.UnixMilli(a.last).Add(d).Sub(now)
}

func decodeAttempts(row []byte) (a attempts, body, mac []byte, err error) {
	if len(row) != attemptsSize+macSize {
		return attempts{}, nil, nil, fmt.Errorf("%w: attempt counter of %d bytes, not %d", ErrCorrupt, len(row), attemptsSize+macSize)
	}
	body, mac = row[:attemptsSize], row[attemptsSize:]
	if body[0] != attemptsVersion {
		return attempts{}, nil, nil, fmt.Errorf("%w: attempt counter version %d", ErrCorrupt, body[0])
	}
	a.failures = binary.BigEndian.Uint32(body[1:])
	a.last = int64(binary.BigEndian.Uint64(body[5:]))
	if a.failures > MaxAttempts {
		return attempts{}, nil, nil, fmt.Errorf("%w: attempt counter at %d, above %d", ErrCorrupt, a.failures, MaxAttempts)
	}
	return a, body, mac, nil
}

// A record's row is (k, v): k is the row key, HMAC-SHA256 under the index
// key of kind || 0x00 || id, so the file shows neither kinds nor ids; v is
// the sealed record:
//
//	version 1 | nonce (24) | XChaCha20-Poly1305 ciphertext of the plaintext
//
// with additional data labelRecordAD || store id || k: a value moved to
// another row, or from another store, fails to open. The plaintext is
//
//	len(kind) (uint8) | kind | len(id) (uint16) | id |
//	len(payload) (uint32) | payload | zeros up to a multiple of padBlock
//
// and the zeros hide a record's exact size from someone with the file.
const (
	sealedVersion = 1
	padBlock      = 256
	// MaxKindLength, MaxIDLength and MaxPayload bound a record.
	MaxKindLength = 64
	MaxIDLength   = 512
	MaxPayload    = 1 << 20
)

// kindPattern: kinds are program constants, not data; keeping them to a
// small alphabet keeps the row-key input unambiguous (no 0x00 in a kind).
var kindPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._/-]*$`)

func checkRecord(kind, id string, payload []byte) error {
	switch {
	case len(kind) == 0 || len(kind) > MaxKindLength || !kindPattern.MatchString(kind):
		return fmt.Errorf("%w: kind %q: 1 to %d of a-z 0-9 . _ / -, starting with a letter or digit", ErrInvalidRecord, kind, MaxKindLength)
	case len(id) == 0 || len(id) > MaxIDLength:
		return fmt.Errorf("%w: an id is 1 to %d bytes, not %d", ErrInvalidRecord, MaxIDLength, len(id))
	case len(payload) > MaxPayload:
		return fmt.Errorf("%w: a payload of %d bytes is over the %d-byte limit", ErrInvalidRecord, len(payload), MaxPayload)
	}
	return nil
}

// encodeRecord is the padded plaintext of a record whose fields passed
// checkRecord.
func encodeRecord(kind, id string, payload []byte) []byte {
	n := 1 + len(kind) + 2 + len(id) + 4 + len(payload)
	padded := (n + padBlock - 1) / padBlock * padBlock
	b := make([]byte, 0, padded+tagSize)
	b = append(b, byte(len(kind)))
	b = append(b, kind...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(id)))
	b = append(b, id...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	b = append(b, payload...)
	return append(b, make([]byte, padded-n)...)
}

// decodeRecord reads a plaintext made by encodeRecord. The payload it
// returns is a fresh copy.
func decodeRecord(b []byte) (kind, id string, payload []byte, err error) {
	bad := func(what string) error { return fmt.Errorf("%w: record plaintext: %s", ErrCorrupt, what) }
	if len(b) == 0 || len(b)%padBlock != 0 {
		return "", "", nil, bad("not a whole number of blocks")
	}
	n := int(b[0])
	if len(b) < 1+n+2 {
		return "", "", nil, bad("kind runs past the end")
	}
	kind, b = string(b[1:1+n]), b[1+n:]
	n = int(binary.BigEndian.Uint16(b))
	if len(b) < 2+n+4 {
		return "", "", nil, bad("id runs past the end")
	}
	id, b = string(b[2:2+n]), b[2+n:]
	m := binary.BigEndian.Uint32(b)
	b = b[4:]
	if uint64(m) > uint64(len(b)) {
		return "", "", nil, bad("payload runs past the end")
	}
	payload, b = bytes.Clone(b[:m]), b[m:]
	if len(b) >= padBlock || bytes.ContainsFunc(b, func(r rune) bool { return r != 0 }) {
		return "", "", nil, bad("bad padding")
	}
	if err := checkRecord(kind, id, payload); err != nil {
		return "", "", nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if payload == nil {
		payload = []byte{}
	}
	return kind, id, payload, nil
}

// decodeSealed splits a sealed record into its nonce and ciphertext.
func decodeSealed(v []byte) (nonce, ciphertext []byte, err error) {
	if len(v) < 1+nonceSize+padBlock+tagSize {
		return nil, nil, fmt.Errorf("%w: sealed record of %d bytes is too short", ErrCorrupt, len(v))
	}
	if v[0] != sealedVersion {
		return nil, nil, fmt.Errorf("%w: sealed record version %d", ErrCorrupt, v[0])
	}
	if (len(v)-1-nonceSize-tagSize)%padBlock != 0 {
		return nil, nil, fmt.Errorf("%w: sealed record of %d bytes is not whole blocks", ErrCorrupt, len(v))
	}
	return v[1 : 1+nonceSize], v[1+nonceSize:], nil
}
