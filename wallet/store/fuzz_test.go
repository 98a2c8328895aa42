package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// Native fuzz tests for every decoder of bytes read from a store file or a
// backup. Each checks properties, not just the absence of panics: what a
// decoder accepts writes back byte for byte (so there is one encoding of
// each value and nothing is silently ignored), and what it refuses is
// refused with ErrCorrupt.
//
//	go test ./wallet/store -run '^$' -fuzz FuzzDecodeRecord -fuzztime 1m

func corrupt(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("refused without ErrCorrupt: %v", err)
	}
}

func FuzzDecodeParams(f *testing.F) {
	f.Add(appendParams(nil, DefaultParams()))
	f.Add(appendParams(nil, cheap))
	f.Add(appendParams(nil, Params{Memory: 0xffffffff, Time: 0xffffffff, Threads: 0xff}))
	f.Add(appendParams(nil, Params{Memory: 7, Time: 1, Threads: 1}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeParams(b)
		if err != nil {
			corrupt(t, err)
			return
		}
		if p.checkBounds() != nil || p.Memory > maxMemory || p.Time > maxTime {
			t.Fatalf("accepted out-of-bounds %v", p)
		}
		if !bytes.Equal(appendParams(nil, p), b) {
			t.Fatalf("%v does not write back as %x", p, b)
		}
	})
}

func FuzzDecodeHeader(f *testing.F) {
	ctx := context.Background()
	d := &FileDeviceSecret{key: make([]byte, 32)}
	h, err := newHeader(ctx, d, [storeIDSize]byte{1}, cheap, pin, make([]byte, dataKeySize))
	if err != nil {
		f.Fatal(err)
	}
	good := append(h.encode(), make([]byte, macSize)...)
	f.Add(good)
	f.Add(good[:headerSize])
	f.Add(append(append([]byte{}, good...), 0))
	f.Add(bytes.Repeat([]byte{0xff}, headerSize+macSize))
	f.Add([]byte("SWLT"))
	f.Fuzz(func(t *testing.T, row []byte) {
		h, body, mac, err := decodeHeader(row)
		if err != nil {
			corrupt(t, err)
			return
		}
		if len(mac) != macSize || !bytes.Equal(h.encode(), body) || !bytes.Equal(append(append([]byte{}, body...), mac...), row) {
			t.Fatalf("header does not write back")
		}
		if h.params.checkBounds() != nil {
			t.Fatalf("accepted out-of-bounds %v", h.params)
		}
	})
}

func FuzzDecodeAttempts(f *testing.F) {
	f.Add(append(attempts{}.encode(), make([]byte, macSize)...))
	f.Add(append(attempts{failures: 9, last: 1 << 40}.encode(), make([]byte, macSize)...))
	f.Add(append(attempts{failures: 11, last: -1}.encode(), make([]byte, macSize)...))
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, row []byte) {
		a, body, mac, err := decodeAttempts(row)
		if err != nil {
			corrupt(t, err)
			return
		}
		if a.failures > MaxAttempts {
			t.Fatalf("accepted %d failures", a.failures)
		}
		if len(mac) != macSize || !bytes.Equal(a.encode(), body) {
			t.Fatalf("counter does not write back")
		}
		_ = a.wait(time.Unix(0, 0)) // any stored time is a valid input to the policy
	})
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord("credential", "pid", []byte("sd-jwt")))
	f.Add(encodeRecord("k", "i", nil))
	f.Add(encodeRecord("k", "i", make([]byte, 300)))
	big := encodeRecord("k", "i", nil)
	binary.BigEndian.PutUint32(big[1+1+2+1:], 0xffffffff)
	f.Add(big)
	f.Add(make([]byte, padBlock))
	f.Add(append(encodeRecord("k", "i", nil), make([]byte, padBlock)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		kind, id, payload, err := decodeRecord(b)
		if err != nil {
			corrupt(t, err)
			return
		}
		if checkRecord(kind, id, payload) != nil {
			t.Fatalf("accepted an invalid record %q/%q", kind, id)
		}
		if !bytes.Equal(encodeRecord(kind, id, payload), b) {
			t.Fatalf("%q/%q does not write back", kind, id)
		}
	})
}

// FuzzOpenSealed puts arbitrary bytes where a sealed record belongs: only
// the genuine value opens, and only in its own row.
func FuzzOpenSealed(f *testing.F) {
	keys, err := newSessionKeys(make([]byte, dataKeySize), [storeIDSize]byte{7})
	if err != nil {
		f.Fatal(err)
	}
	row, good := keys.seal("credential", "pid", []byte("sd-jwt"))
	f.Add(good, false)
	f.Add(good, true)
	f.Add(good[:len(good)-1], false)
	f.Add([]byte{sealedVersion}, false)
	f.Add(make([]byte, 1+nonceSize+padBlock+tagSize), false)
	other := keys.rowKey("credential", "other")
	f.Fuzz(func(t *testing.T, v []byte, otherRow bool) {
		k := row
		if otherRow {
			k = other
		}
		r, err := keys.open(k, v)
		if err != nil {
			corrupt(t, err)
			return
		}
		// Only a value sealed under these keys for this row opens. (Not
		// necessarily good itself: a fuzzing worker seals its own good,
		// with another nonce, while the seeds come from the coordinator.)
		if otherRow {
			t.Fatalf("opened a record in another row: %+v", r)
		}
		if r.Kind != "credential" || r.ID != "pid" || string(r.Payload) != "sd-jwt" {
			t.Fatalf("opened to %+v", r)
		}
	})
}

func FuzzDecodeBackup(f *testing.F) {
	ctx := context.Background()
	archive := encodeArchive([]Record{{"credential", "pid", []byte("sd-jwt")}})
	good, err := sealBackup(ctx, cheap, passphrase, archive)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:backupHeaderSize])
	f.Add([]byte("SWBK\x01"))
	huge := append([]byte{}, good...)
	copy(huge[5:], appendParams(nil, Params{Memory: 0xffffffff, Time: 0xffffffff, Threads: 0xff}))
	f.Add(huge)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, ad, ct, err := decodeBackup(b)
		if err != nil {
			corrupt(t, err)
			return
		}
		if h.params.checkBounds() != nil {
			t.Fatalf("accepted out-of-bounds %v: a crafted backup could ask for any memory", h.params)
		}
		if len(ad) != backupHeaderSize || !bytes.Equal(append(append([]byte{}, ad...), ct...), b) || len(ct) < tagSize {
			t.Fatalf("backup split wrongly")
		}
		if len(h.salt) != saltSize || len(h.check) != checkSize || len(h.nonce) != nonceSize {
			t.Fatalf("backup header fields of the wrong size")
		}
	})
}

func FuzzDecodeArchive(f *testing.F) {
	f.Add(encodeArchive(nil))
	f.Add(encodeArchive([]Record{{"credential", "pid", []byte("sd-jwt")}, {"receipt", "1", nil}}))
	f.Add(encodeArchive([]Record{{"a", "1", nil}, {"a", "1", nil}}))
	count := encodeArchive(nil)
	binary.BigEndian.PutUint32(count[5:], 0xffffffff)
	f.Add(count)
	f.Fuzz(func(t *testing.T, b []byte) {
		records, err := decodeArchive(b)
		if err != nil {
			corrupt(t, err)
			return
		}
		if !bytes.Equal(encodeArchive(records), b) {
			t.Fatalf("archive of %d records does not write back", len(records))
		}
	})
}
