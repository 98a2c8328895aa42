package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"

	"golang.org/x/crypto/argon2"
)

// Params are Argon2id parameters (RFC 9106 §3.1). They are stored beside
// what they protect, so that they can be raised later: a store whose
// parameters are below the current ones is re-wrapped under the current ones
// at its next successful Unlock.
type Params struct {
	// Memory is m, in KiB. Zero (with Time and Threads zero) means the
	// defaults.
	Memory uint32
	// Time is t, the number of passes over the memory.
	Time uint32
	// Threads is p, the lanes (and the goroutines that fill them).
	Threads uint8

	// unsafe is set only by UnsafeParams: it lets the parameters fall below
	// the minimum, for tests.
	unsafe bool
}

// The minimum the package accepts from anything but UnsafeParams, and what
// it reads from a file or a backup at most (a backup's parameters are read
// before anything in it can be authenticated, so they are bounded to keep a
// crafted one from asking for all the memory there is).
const (
	MinMemory  = 64 * 1024 // KiB: 64 MiB
	MinTime    = 3
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 16
	maxThreads = 16
)

// DefaultParams are the PIN's parameters: m = 64 MiB, t = 3, p = 4, the
// second recommended option of RFC 9106 §4. On the 2-core machine of
// docs/decisions/0009-wallet-store.md one derivation takes about 120 ms, so
// an unlock stays well under the 300 ms target; p = 4 lets a phone's four
// or more cores fill the lanes at once (on two cores it costs no more than
// p = 2, measured). The parallelism does not change an attacker's cost per
// guess: the memory and the passes do.
func DefaultParams() Params { return Params{Memory: 64 * 1024, Time: 3, Threads: 4} }

// DefaultBackupParams are the recovery passphrase's parameters: m = 256 MiB,
// t = 3, p = 4, about half a second here. A backup may be copied to places
// with no attempt counter and no device key, so every guess must cost more;
// a backup is made and restored rarely, so the wait is acceptable.
func DefaultBackupParams() Params { return Params{Memory: 256 * 1024, Time: 3, Threads: 4} }

// UnsafeParams returns parameters that may be below MinMemory and MinTime.
// They exist for tests, which would otherwise spend a tenth of a second and
// 64 MiB on every PIN; a store made with them falls to an offline guesser in
// seconds. Nothing but a test should call it.
func UnsafeParams(memoryKiB, time uint32, threads uint8) Params {
	return Params{Memory: memoryKiB, Time: time, Threads: threads, unsafe: true}
}

func (p Params) isZero() bool { return p.Memory == 0 && p.Time == 0 && p.Threads == 0 }

// orDefault resolves the zero value.
func (p Params) orDefault(def Params) Params {
	if p.isZero() {
		return def
	}
	return p
}

// checkBounds checks what argon2.IDKey and this package need of any
// parameters, including ones read from a file.
func (p Params) checkBounds() error {
	switch {
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("%w: p = %d, not 1 to %d", ErrWeakParams, p.Threads, maxThreads)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("%w: t = %d, not 1 to %d", ErrWeakParams, p.Time, maxTime)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory: // RFC 9106 §3.1: m ≥ 8p
		return fmt.Errorf("%w: m = %d KiB, not %d to %d", ErrWeakParams, p.Memory, 8*uint32(p.Threads), maxMemory)
	}
	return nil
}

// check is checkBounds and, unless the parameters came from UnsafeParams,
// the minimum.
func (p Params) check() error {
	if err := p.checkBounds(); err != nil {
		return err
	}
	if !p.unsafe && (p.Memory < MinMemory || p.Time < MinTime) {
		return fmt.Errorf("%w: %s is below m = %d KiB, t = %d", ErrWeakParams, p, MinMemory, MinTime)
	}
	return nil
}

// below reports whether p costs less than q in memory or in passes.
func (p Params) below(q Params) bool { return p.Memory < q.Memory || p.Time < q.Time }

// raisedTo is p raised to at least q in memory and passes, with q's lanes.
func (p Params) raisedTo(q Params) Params {
	return Params{Memory: max(p.Memory, q.Memory), Time: max(p.Time, q.Time), Threads: q.Threads, unsafe: q.unsafe}
}

// String is the PHC-style summary, e.g. "argon2id m=65536 t=3 p=4".
func (p Params) String() string {
	return fmt.Sprintf("argon2id m=%d t=%d p=%d", p.Memory, p.Time, p.Threads)
}

// LogValue shows the parameters (they are not secret).
func (p Params) LogValue() slog.Value {
	return slog.GroupValue(slog.Uint64("memory_kib", uint64(p.Memory)), slog.Uint64("time", uint64(p.Time)), slog.Uint64("threads", uint64(p.Threads)))
}

// derive runs Argon2id (RFC 9106 §3) over secret and salt, for a 32-byte
// key. It cannot be interrupted; ctx is checked before and after.
func (p Params) derive(ctx context.Context, secret, salt []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k := argon2.IDKey(secret, salt, p.Time, p.Memory, p.Threads, 32)
	if err := ctx.Err(); err != nil {
		clear(k)
		return nil, err
	}
	return k, nil
}

// paramsSize is the encoded size: m and t as big-endian uint32, p a byte.
const paramsSize = 9

func appendParams(b []byte, p Params) []byte {
	b = binary.BigEndian.AppendUint32(b, p.Memory)
	b = binary.BigEndian.AppendUint32(b, p.Time)
	return append(b, p.Threads)
}

// decodeParams reads parameters written by appendParams, from a file or a
// backup, and checks their bounds (not the minimum: a store made by a test
// is still a store).
func decodeParams(b []byte) (Params, error) {
	if len(b) != paramsSize {
		return Params{}, fmt.Errorf("%w: Argon2id parameters of %d bytes, not %d", ErrCorrupt, len(b), paramsSize)
	}
	p := Params{Memory: binary.BigEndian.Uint32(b), Time: binary.BigEndian.Uint32(b[4:]), Threads: b[8], unsafe: true}
	if err := p.checkBounds(); err != nil {
		return Params{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return p, nil
}
