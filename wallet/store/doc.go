// Package store is the holder wallet's encrypted store: one SQLite file on
// the device holding every record of the wallet — credentials, holder keys
// (wallet/keystore), consent receipts — sealed, and opened only with the
// citizen's PIN.
//
// # Keys
//
// A random 256-bit data key seals every record with XChaCha20-Poly1305
// (draft-irtf-cfrg-xchacha; 192-bit random nonces, so no nonce state to
// keep). The data key is stored wrapped, with XChaCha20-Poly1305 again,
// under a key-encryption key
//
//	KEK = MAC_device("kek" || store id || Argon2id(PIN, salt, params))
//
// where Argon2id is RFC 9106 (default m = 64 MiB, t = 3, p = 4; the
// parameters and salt are in the file so that they can be raised: Unlock
// re-wraps a store whose parameters are below the current ones) and
// MAC_device is the DeviceSecret, a key that stays on the device (a phone's
// keystore; FileDeviceSecret stands in for it). Changing the PIN re-wraps
// the data key and touches no record.
//
// # What the file shows
//
// A record's row key is HMAC-SHA256 under a key derived from the data key of
// kind || 0x00 || id, so the file shows neither kinds nor ids; the sealed
// value carries kind, id and payload, padded to 256-byte blocks, and its
// additional data binds the store id and the row key, so a value moved to
// another row or another store fails to open (ErrTampered). Someone with
// the file sees the number of records, their sizes to within 256 bytes, and
// when the file last changed; docs/wallet-threat-model.md has the whole list.
//
// # PIN attempts
//
// Each Unlock (and ChangePIN) counts the try durably before Argon2id runs
// and resets the count on success: FreeAttempts wrong PINs in a row are
// free, each one after that delays the next try (1 min, 5 min, 15 min, 1 h,
// 3 h; ErrLocked, on the injectable clock of Options.Now), and the
// MaxAttempts-th (10th) locks the store for good (ErrHardLocked; the way
// back is Restore). The counter row is MACed with the device secret and the
// store id: a counter that was edited, deleted or taken from another store
// reads as hard-locked. Putting back an older copy of the whole file does
// reset it — only a hardware monotonic counter defeats that (see the threat
// model).
//
// # Durability and damage
//
// The file is in WAL mode with synchronous=FULL and every write is one
// transaction (Update groups several), so a kill -9 or a power cut leaves
// the last committed state. Create and Restore build the file under a
// temporary name and link it into place whole. A damaged file gives an error
// that wraps ErrCorrupt — ErrTampered when authenticated data fails its
// check — never a panic; the decoders of everything read from the file or a
// backup have fuzz tests.
//
// # Backup
//
// Backup writes every record, sealed with XChaCha20-Poly1305 under
// Argon2id(recovery passphrase) with its own salt and parameters (default
// 256 MiB, t = 3), as a versioned archive; Restore makes a new store from it
// on another device under a new PIN. GenerateRecoveryPassphrase makes a
// 100-bit passphrase.
//
// Secrets (PINs, passphrases) are passed as []byte so the caller can clear
// them; the store keeps none of them. Store and FileDeviceSecret implement
// slog.LogValuer and fmt.Stringer without their keys.
package store
