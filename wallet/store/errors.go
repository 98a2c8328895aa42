package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// sentinel is an error value that may sit under a broader one, so that
// errors.Is(ErrTampered, ErrCorrupt) holds.
type sentinel struct {
	msg    string
	parent error
}

func (e *sentinel) Error() string { return e.msg }
func (e *sentinel) Unwrap() error { return e.parent }

// Errors callers branch on. Every error this package returns for a damaged
// file is, or wraps, ErrCorrupt; every error of a PIN check is an
// *UnlockError that wraps one of ErrWrongPIN, ErrLocked and ErrHardLocked.
var (
	// ErrCorrupt: the file (or a backup) is not a well-formed wallet store:
	// truncated, malformed, a row missing, not an SQLite database at all.
	ErrCorrupt error = &sentinel{msg: "wallet store: the data is damaged or is not a wallet store"}
	// ErrTampered: data that is authenticated — a sealed record, the header,
	// the attempt counter, a backup's archive — failed its check: it was
	// altered, moved from another row, or belongs to another store or
	// device. It wraps ErrCorrupt.
	ErrTampered error = &sentinel{msg: "wallet store: authentication failed: the data was altered, or belongs to another store or device", parent: ErrCorrupt}

	// ErrWrongPIN: the PIN does not open the store. The attempt was counted.
	ErrWrongPIN = errors.New("wallet store: wrong PIN")
	// ErrLocked: too many wrong PINs in a row; the next try is accepted
	// only after UnlockError.RetryAfter. The attempt was not counted.
	ErrLocked = errors.New("wallet store: too many wrong PINs; try again later")
	// ErrHardLocked: MaxAttempts wrong PINs in a row, or an attempt counter
	// that fails its check. No PIN opens the store any more; the way back is
	// Restore from a backup.
	ErrHardLocked = errors.New("wallet store: locked for good after too many wrong PINs; restore from a backup")
	// ErrInvalidPIN: the PIN is shorter than MinPINLength or longer than
	// MaxPINLength. It is refused before it is tried, and not counted: no
	// PIN of that length can be the right one.
	ErrInvalidPIN = fmt.Errorf("wallet store: a PIN is %d to %d bytes", MinPINLength, MaxPINLength)

	// ErrNotUnlocked: the store holds no key (it was opened and not yet
	// unlocked, or Lock was called), so no record can be read or written.
	ErrNotUnlocked = errors.New("wallet store: locked: unlock it with the PIN first")
	// ErrNotFound: no record of that kind and id.
	ErrNotFound = errors.New("wallet store: no such record")
	// ErrInvalidRecord: a kind, id or payload outside the limits of Put.
	ErrInvalidRecord = errors.New("wallet store: invalid record")
	// ErrExists: Create or Restore was given a path where a file exists.
	ErrExists = errors.New("wallet store: a file already exists at that path")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("wallet store: closed")
	// ErrWeakParams: Argon2id parameters below MinMemory or MinTime, which
	// only UnsafeParams may make, or outside the bounds this package reads.
	ErrWeakParams = errors.New("wallet store: Argon2id parameters out of bounds")

	// ErrWrongPassphrase: the recovery passphrase does not open the backup
	// (or the backup's salt or parameters were altered, which cannot be
	// told apart from it).
	ErrWrongPassphrase = errors.New("wallet store: wrong recovery passphrase")
	// ErrWeakPassphrase: a recovery passphrase shorter than
	// MinPassphraseLength.
	ErrWeakPassphrase = fmt.Errorf("wallet store: a recovery passphrase has at least %d bytes", MinPassphraseLength)
)

// UnlockError is the error of a PIN check (Unlock, ChangePIN). Err is
// ErrWrongPIN, ErrLocked or ErrHardLocked; errors.Is sees it, and sees
// ErrHardLocked too when this wrong PIN was the last one allowed, and Cause
// when there is one.
type UnlockError struct {
	Err error
	// Remaining is how many wrong PINs in a row are left before the hard
	// lock.
	Remaining int
	// RetryAfter is how long until the next PIN is accepted; zero means
	// now.
	RetryAfter time.Duration
	// Cause is why, when it is not the PINs: ErrTampered for an attempt
	// counter that failed its check.
	Cause error
}

func (e *UnlockError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	if e.Err == ErrWrongPIN || e.Err == ErrLocked {
		if e.Remaining == 0 {
			b.WriteString("; no tries left: the store is now locked for good")
		} else {
			fmt.Fprintf(&b, "; %d tries left", e.Remaining)
		}
	}
	if e.RetryAfter > 0 && e.Remaining > 0 {
		fmt.Fprintf(&b, "; next try in %s", e.RetryAfter.Round(time.Second))
	}
	return b.String()
}

// Unwrap gives errors.Is and errors.As the kind, the hard lock a last wrong
// PIN caused, and the cause.
func (e *UnlockError) Unwrap() []error {
	errs := []error{e.Err}
	if e.Err == ErrWrongPIN && e.Remaining == 0 {
		errs = append(errs, ErrHardLocked)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}
