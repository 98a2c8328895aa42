package registry

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"sort"
	"time"
)

// DIDRecord is everything the ledger holds about one DID: every version of
// its document, whether it is deactivated, and which keys were reported
// compromised.
type DIDRecord struct {
	DID         string    `json:"did"`
	CreatedBy   string    `json:"created_by"` // the agency that created it ("" for the genesis council)
	Versions    []Version `json:"versions"`
	Deactivated bool      `json:"deactivated,omitempty"`
	// DeactivatedAt is the time of the block that deactivated it.
	DeactivatedAt time.Time `json:"deactivated_at,omitzero"`
	// Compromised are key ids whose signatures are never to be trusted.
	Compromised []string `json:"compromised,omitempty"`
}

// Latest is the current version.
func (r *DIDRecord) Latest() *Version { return &r.Versions[len(r.Versions)-1] }

// At returns the version in force at t (the last one written at or before
// t), or nil if the DID did not exist yet.
func (r *DIDRecord) At(t time.Time) *Version {
	i := sort.Search(len(r.Versions), func(i int) bool { return r.Versions[i].Time.After(t) })
	if i == 0 {
		return nil
	}
	return &r.Versions[i-1]
}

// Agency is a member agency of the registry.
type Agency struct {
	DID    string `json:"did"`
	Name   Names  `json:"name"`
	Height int64  `json:"height"` // the block that admitted it (0: genesis)
}

// IssuerEntry says which credential types an issuer may issue.
type IssuerEntry struct {
	DID    string    `json:"did"`
	VCTs   []string  `json:"vcts"`
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
}

// VerifierEntry lists a verifier's registered purposes.
type VerifierEntry struct {
	DID      string    `json:"did"`
	Purposes []Purpose `json:"purposes"`
	Height   int64     `json:"height"`
	Time     time.Time `json:"time"`
}

// StatusEntry is a published status list token.
type StatusEntry struct {
	URI      string    `json:"uri"`
	Issuer   string    `json:"issuer"`
	Token    string    `json:"token"`
	IssuedAt time.Time `json:"issued_at"` // the token's iat
	Height   int64     `json:"height"`
}

// CatalogueEntry is the catalogue version in force.
type CatalogueEntry struct {
	Catalogue
	Height int64 `json:"height"`
}

// The key prefixes of the state. Every record is stored under one key;
// the app hash commits to all of them.
const (
	prefixCouncil   = "council"
	prefixAgency    = "agency/"
	prefixDID       = "did/"
	prefixSeq       = "seq/"
	prefixIssuer    = "issuer/"
	prefixVerifier  = "verifier/"
	prefixStatus    = "status/"
	prefixCatalogue = "catalogue"
)

// state is the registry's committed state: immutable records by key.
// Records are never modified in place: a change stores a new record.
type state struct {
	records map[string]any      // key → *DIDRecord, *Agency, …, uint64 for seq, *Council
	leaves  map[string][32]byte // key → SHA-256 of the record's JSON
	keys    []string            // sorted keys of leaves
	height  int64
	appHash []byte
}

func newState() *state {
	return &state{records: map[string]any{}, leaves: map[string][32]byte{}}
}

// overlay is a set of changes over a state: a block being executed, or
// the mempool's view. A nil value in changes is a deletion.
type overlay struct {
	base    *state
	changes map[string]any
}

func newOverlay(base *state) *overlay { return &overlay{base: base, changes: map[string]any{}} }

func (o *overlay) get(key string) any {
	if v, ok := o.changes[key]; ok {
		return v
	}
	return o.base.records[key]
}

func (o *overlay) put(key string, v any) { o.changes[key] = v }

func (o *overlay) council() *Council {
	c, _ := o.get(prefixCouncil).(*Council)
	return c
}

func (o *overlay) agency(did string) *Agency {
	a, _ := o.get(prefixAgency + did).(*Agency)
	return a
}

func (o *overlay) did(did string) *DIDRecord {
	r, _ := o.get(prefixDID + did).(*DIDRecord)
	return r
}

func (o *overlay) seq(did string) uint64 {
	s, _ := o.get(prefixSeq + did).(uint64)
	return s
}

func (o *overlay) issuer(did string) *IssuerEntry {
	e, _ := o.get(prefixIssuer + did).(*IssuerEntry)
	return e
}

func (o *overlay) status(uri string) *StatusEntry {
	e, _ := o.get(prefixStatus + uri).(*StatusEntry)
	return e
}

// encodeRecord is the canonical bytes of a record: its JSON (encoding/json
// writes struct fields in a fixed order and map keys sorted).
func encodeRecord(v any) ([]byte, error) {
	if s, ok := v.(uint64); ok {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], s)
		return b[:], nil
	}
	return json.Marshal(v)
}

// decodeRecord reads a record stored under key.
func decodeRecord(key string, b []byte) (any, error) {
	var v any
	switch {
	case key == prefixCouncil:
		v = &Council{}
	case key == prefixCatalogue:
		v = &CatalogueEntry{}
	case hasPrefix(key, prefixSeq):
		if len(b) != 8 {
			return nil, errBadRecord(key)
		}
		return binary.BigEndian.Uint64(b), nil
	case hasPrefix(key, prefixAgency):
		v = &Agency{}
	case hasPrefix(key, prefixDID):
		v = &DIDRecord{}
	case hasPrefix(key, prefixIssuer):
		v = &IssuerEntry{}
	case hasPrefix(key, prefixVerifier):
		v = &VerifierEntry{}
	case hasPrefix(key, prefixStatus):
		v = &StatusEntry{}
	default:
		return nil, errBadRecord(key)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	return v, nil
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

type errBadRecord string

func (e errBadRecord) Error() string { return "registry: unreadable record " + string(e) }

// apply merges changes into the state, updating the leaf hashes, and
// returns the encoded records to persist (nil for deletions).
func (s *state) apply(changes map[string]any) (map[string][]byte, error) {
	out := make(map[string][]byte, len(changes))
	added := false
	for k, v := range changes {
		if v == nil {
			delete(s.records, k)
			if _, ok := s.leaves[k]; ok {
				delete(s.leaves, k)
				i := sort.SearchStrings(s.keys, k)
				s.keys = append(s.keys[:i], s.keys[i+1:]...)
			}
			out[k] = nil
			continue
		}
		b, err := encodeRecord(v)
		if err != nil {
			return nil, err
		}
		s.records[k] = v
		if _, ok := s.leaves[k]; !ok {
			s.keys = append(s.keys, k)
			added = true
		}
		s.leaves[k] = sha256.Sum256(b)
		out[k] = b
	}
	if added {
		sort.Strings(s.keys)
	}
	return out, nil
}

// hash is the app hash: SHA-256 over the number of keys and every key with the
// hash of its record, in key order. Any change to any record changes it, so
// validators that disagree on the state disagree on the hash and halt
// rather than fork.
func (s *state) hash() []byte {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s.keys)))
	h.Write(n[:])
	for _, k := range s.keys {
		binary.BigEndian.PutUint64(n[:], uint64(len(k)))
		h.Write(n[:])
		h.Write([]byte(k))
		leaf := s.leaves[k]
		h.Write(leaf[:])
	}
	return h.Sum(nil)
}
