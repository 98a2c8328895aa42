package store

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// MinPassphraseLength is the shortest recovery passphrase Backup takes. A
// backup can be attacked offline with no counter and no device secret, so
// its passphrase must carry the entropy a PIN does not; the one
// GenerateRecoveryPassphrase makes has 100 bits.
const MinPassphraseLength = 12

// maxBackupSize bounds what Restore reads: MaxPayload is 1 MiB, and a
// wallet holds hundreds of records of a few kilobytes.
const maxBackupSize = 128 << 20

// The backup format. The file is
//
//	magic "SWBK" | version 1 | Argon2id params (9) | salt (16) |
//	check (16) | nonce (24) | XChaCha20-Poly1305 ciphertext of the archive
//
// with every byte before the ciphertext as additional data. K =
// Argon2id(passphrase, salt, params); the AEAD key and the check value are
// HKDF-Expand(K, …) with their own labels, so a wrong passphrase
// (ErrWrongPassphrase) is told apart from an altered archive
// (ErrTampered) without weakening either: the check value costs an
// attacker the same Argon2id per guess as the AEAD would. The archive is
//
//	magic "SWAR" | version 1 | count (uint32) |
//	count × (len(kind) (uint8) | kind | len(id) (uint16) | id |
//	         len(payload) (uint32) | payload)
//
// sorted by kind and id, each (kind, id) once.
const (
	backupMagic      = "SWBK"
	backupVersion    = 1
	checkSize        = 16
	backupHeaderSize = len(backupMagic) + 1 + paramsSize + saltSize + checkSize + nonceSize
	archiveMagic     = "SWAR"
	archiveVersion   = 1
	archiveHeadSize  = len(archiveMagic) + 1 + 4
	infoBackupAEAD   = "seoulid wallet backup aead v1"
	infoBackupCheck  = "seoulid wallet backup check v1"
)

// Backup writes an encrypted copy of every record to w, sealed under a key
// derived from passphrase with Argon2id (Options.BackupParams) and a fresh
// salt; Restore reads it. The store must be unlocked. The records are read
// in one transaction, so the backup is one consistent state of the store.
// Holder keys of wallet/keystore are records like any other, so they are in
// the backup (encrypted); keys held by a secure element are not, and the
// credentials bound to them must be issued again after a restore.
func (s *Store) Backup(ctx context.Context, w io.Writer, passphrase []byte) error {
	if len(passphrase) < MinPassphraseLength {
		return ErrWeakPassphrase
	}
	keys, release, err := s.session()
	if err != nil {
		return err
	}
	var records []Record
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var lerr error
		records, lerr = list(ctx, tx, keys, "")
		return lerr
	})
	release()
	if err != nil {
		return err
	}
	archive := encodeArchive(records)
	defer clear(archive)
	out, err := sealBackup(ctx, s.opts.BackupParams, passphrase, archive)
	if err != nil {
		return err
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("wallet store: write backup: %w", err)
	}
	return nil
}

// Restore reads a backup made by Backup and creates from it a new store at
// path (which must not exist: ErrExists), protected by newPIN under
// device, with a fresh data key; it returns the store unlocked. A wrong
// passphrase gives ErrWrongPassphrase; a backup that is truncated,
// malformed or altered gives ErrCorrupt or ErrTampered (under it). As with
// Create, a crash leaves no store or the whole restored one.
//
// The backup's Argon2id parameters are read before anything authenticates
// them; they are bounded (at most 1 GiB and 16 passes) so that a crafted
// file cannot ask for more.
func Restore(ctx context.Context, r io.Reader, passphrase []byte, path string, device DeviceSecret, newPIN []byte, opts Options) (*Store, error) {
	opts, err := opts.resolve()
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	if err := checkPIN(newPIN); err != nil {
		return nil, fmt.Errorf("new PIN: %w", err)
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrExists, path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBackupSize+1))
	if err != nil {
		return nil, fmt.Errorf("wallet store: read backup: %w", err)
	}
	if len(data) > maxBackupSize {
		return nil, fmt.Errorf("%w: a backup over %d bytes", ErrCorrupt, maxBackupSize)
	}
	archive, err := openBackup(ctx, data, passphrase)
	if err != nil {
		return nil, err
	}
	defer clear(archive)
	records, err := decodeArchive(archive)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return create(ctx, path, device, newPIN, opts, records)
}

// backupKeys derives the AEAD and the check value from Argon2id's output.
func backupKeys(k []byte) (aeadKey, check []byte, err error) {
	if aeadKey, err = hkdf.Expand(sha256.New, k, infoBackupAEAD, chacha20poly1305.KeySize); err != nil {
		return nil, nil, err
	}
	if check, err = hkdf.Expand(sha256.New, k, infoBackupCheck, checkSize); err != nil {
		return nil, nil, err
	}
	return aeadKey, check, nil
}

func sealBackup(ctx context.Context, p Params, passphrase, archive []byte) ([]byte, error) {
	var salt [saltSize]byte
	var nonce [nonceSize]byte
	rand.Read(salt[:])
	rand.Read(nonce[:])
	k, err := p.derive(ctx, passphrase, salt[:])
	if err != nil {
		return nil, err
	}
	defer clear(k)
	aeadKey, check, err := backupKeys(k)
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	defer clear(aeadKey)
	aead, err := chacha20poly1305.NewX(aeadKey)
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	b := make([]byte, 0, backupHeaderSize+len(archive)+tagSize)
	b = append(b, backupMagic...)
	b = append(b, backupVersion)
	b = appendParams(b, p)
	b = append(b, salt[:]...)
	b = append(b, check...)
	b = append(b, nonce[:]...)
	return aead.Seal(b, nonce[:], archive, b), nil
}

// backupHeader is the clear part of a backup.
type backupHeader struct {
	params Params
	salt   []byte
	check  []byte
	nonce  []byte
}

// decodeBackup splits a backup into its header, the additional data and
// the ciphertext.
func decodeBackup(b []byte) (h backupHeader, ad, ciphertext []byte, err error) {
	if len(b) < backupHeaderSize+archiveHeadSize+tagSize {
		return backupHeader{}, nil, nil, fmt.Errorf("%w: a backup of %d bytes is too short", ErrCorrupt, len(b))
	}
	if string(b[:4]) != backupMagic {
		return backupHeader{}, nil, nil, fmt.Errorf("%w: not a wallet backup", ErrCorrupt)
	}
	if b[4] != backupVersion {
		return backupHeader{}, nil, nil, fmt.Errorf("%w: backup version %d (this program reads version %d)", ErrCorrupt, b[4], backupVersion)
	}
	rest := b[5:]
	if h.params, err = decodeParams(rest[:paramsSize]); err != nil {
		return backupHeader{}, nil, nil, fmt.Errorf("backup: %w", err)
	}
	rest = rest[paramsSize:]
	h.salt, rest = rest[:saltSize], rest[saltSize:]
	h.check, rest = rest[:checkSize], rest[checkSize:]
	h.nonce = rest[:nonceSize]
	return h, b[:backupHeaderSize], b[backupHeaderSize:], nil
}

// openBackup checks the passphrase and opens the archive.
func openBackup(ctx context.Context, data, passphrase []byte) ([]byte, error) {
	h, ad, ct, err := decodeBackup(data)
	if err != nil {
		return nil, err
	}
	if len(passphrase) < MinPassphraseLength {
		return nil, ErrWrongPassphrase // Backup never took one this short
	}
	k, err := h.params.derive(ctx, passphrase, h.salt)
	if err != nil {
		return nil, err
	}
	defer clear(k)
	aeadKey, check, err := backupKeys(k)
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	defer clear(aeadKey)
	if !hmac.Equal(check, h.check) {
		return nil, ErrWrongPassphrase
	}
	aead, err := chacha20poly1305.NewX(aeadKey)
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	archive, err := aead.Open(nil, h.nonce, ct, ad)
	if err != nil {
		return nil, fmt.Errorf("%w: the backup's archive does not authenticate", ErrTampered)
	}
	return archive, nil
}

func encodeArchive(records []Record) []byte {
	n := archiveHeadSize
	for _, r := range records {
		n += 1 + len(r.Kind) + 2 + len(r.ID) + 4 + len(r.Payload)
	}
	b := make([]byte, 0, n)
	b = append(b, archiveMagic...)
	b = append(b, archiveVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(records)))
	for _, r := range records {
		b = append(b, byte(len(r.Kind)))
		b = append(b, r.Kind...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(r.ID)))
		b = append(b, r.ID...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(r.Payload)))
		b = append(b, r.Payload...)
	}
	return b
}

// decodeArchive reads an archive made by encodeArchive: every record must
// pass Put's checks, come in order, and appear once.
func decodeArchive(b []byte) ([]Record, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: archive: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
	if len(b) < archiveHeadSize || string(b[:4]) != archiveMagic {
		return nil, bad("no archive magic")
	}
	if b[4] != archiveVersion {
		return nil, bad("version %d (this program reads version %d)", b[4], archiveVersion)
	}
	count := binary.BigEndian.Uint32(b[5:])
	b = b[archiveHeadSize:]
	if uint64(count) > uint64(len(b))/7 { // a record takes at least 7 bytes
		return nil, bad("%d records cannot fit in %d bytes", count, len(b))
	}
	records := make([]Record, 0, count)
	for i := range count {
		if len(b) < 1 {
			return nil, bad("record %d: truncated", i)
		}
		n := int(b[0])
		if len(b) < 1+n+2 {
			return nil, bad("record %d: truncated kind", i)
		}
		kind := string(b[1 : 1+n])
		b = b[1+n:]
		n = int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n+4 {
			return nil, bad("record %d: truncated id", i)
		}
		id := string(b[2 : 2+n])
		b = b[2+n:]
		m := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(m) > uint64(len(b)) {
			return nil, bad("record %d: truncated payload", i)
		}
		payload := append([]byte{}, b[:m]...)
		b = b[m:]
		if err := checkRecord(kind, id, payload); err != nil {
			return nil, bad("record %d: %v", i, err)
		}
		if i > 0 {
			prev := records[i-1]
			if c := strings.Compare(prev.Kind, kind); c > 0 || (c == 0 && prev.ID >= id) {
				return nil, bad("record %d: out of order or repeated", i)
			}
		}
		records = append(records, Record{Kind: kind, ID: id, Payload: payload})
	}
	if len(b) != 0 {
		return nil, bad("%d bytes after the last record", len(b))
	}
	return records, nil
}

// GenerateRecoveryPassphrase makes a random recovery passphrase of 100
// bits: 20 characters of Crockford's base32 alphabet (no I, L, O or U, so
// nothing reads as another) in five groups, e.g. "7K3Q-F9ZD-…". Show it once
// and ask the citizen to write it down; Backup and Restore take it byte for
// byte, so an app that lets people type it should upper-case it first.
func GenerateRecoveryPassphrase() string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var r [20]byte
	rand.Read(r[:])
	var b strings.Builder
	for i, v := range r {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[v&31]) // 256 is a multiple of 32: uniform
	}
	return b.String()
}
