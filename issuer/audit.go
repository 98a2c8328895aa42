package issuer

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
)

// AuditHash is the hash of an audit entry chained to the previous one:
// SHA-256 over the previous hash and the entry's sequence number, time
// (Unix nanoseconds, UTC), operator, action, subject and detail, each
// length-prefixed. Stores compute it in AppendAudit; anyone can recompute
// the chain to check that nothing was removed or altered.
func AuditHash(prev []byte, e *AuditEntry) []byte {
	h := sha256.New()
	var n [8]byte
	write := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	write(prev)
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.Time.UTC().UnixNano()))
	h.Write(n[:])
	for _, s := range []string{e.Operator, e.Action, e.Subject, e.Detail} {
		write([]byte(s))
	}
	return h.Sum(nil)
}

// VerifyAudit checks a run of audit entries starting at the first entry
// (Seq 1): consecutive sequence numbers and an unbroken hash chain.
func VerifyAudit(entries []*AuditEntry) error {
	var prev []byte
	for i, e := range entries {
		if e.Seq != int64(i)+1 {
			return &AuditError{Seq: e.Seq, Reason: "sequence numbers are not consecutive"}
		}
		if string(AuditHash(prev, e)) != string(e.Hash) {
			return &AuditError{Seq: e.Seq, Reason: "hash does not chain"}
		}
		prev = e.Hash
	}
	return nil
}

// AuditError says where an audit log breaks.
type AuditError struct {
	Seq    int64
	Reason string
}

func (e *AuditError) Error() string {
	return "issuer: audit log broken at entry " + itoa(e.Seq) + ": " + e.Reason
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
