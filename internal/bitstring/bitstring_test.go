package bitstring

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, size := range []int{1, 2, 4, 8} {
		l, err := New(MinBits/size, size)
		if err != nil {
			t.Fatal(err)
		}
		max := uint8(1<<size - 1)
		if size == 8 {
			max = 255
		}
		for _, i := range []int{0, 1, 7, 8, 9, 1000, l.Len() - 1} {
			if err := l.Set(i, max); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Set(8, 1); err != nil {
			t.Fatal(err)
		}
		enc, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(enc, size)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range map[int]uint8{0: max, 1: max, 2: 0, 7: max, 8: 1, 9: max, 10: 0, 1000: max, l.Len() - 1: max} {
			if v, err := got.Get(i); err != nil || v != want {
				t.Errorf("size %d: entry %d = %d %v, want %d", size, i, v, err, want)
			}
		}
		if _, err := got.Get(l.Len()); !errors.Is(err, ErrInvalid) {
			t.Errorf("size %d: an index past the end: %v", size, err)
		}
	}
}

// Index 0 is the left-most bit of the first byte (§3.3).
func TestBitOrder(t *testing.T) {
	l, _ := New(MinBits, 1)
	l.Set(0, 1)
	l.Set(9, 1)
	if l.bits[0] != 0x80 || l.bits[1] != 0x40 {
		t.Errorf("bytes %08b %08b", l.bits[0], l.bits[1])
	}
	l2, _ := New(MinBits/2, 2)
	l2.Set(0, 2) // binary 10
	if l2.bits[0] != 0x80 {
		t.Errorf("2-bit entry 0 = 2: %08b", l2.bits[0])
	}
}

func gz(b []byte) string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

func TestDecodeRefuses(t *testing.T) {
	for name, enc := range map[string]string{
		"no multibase prefix": "H4sIAAAAAAAA",
		"not base64url":       "u!!!",
		"not gzip":            "u" + base64.RawURLEncoding.EncodeToString([]byte("plain")),
		"too short":           gz(make([]byte, 100)),
		"a bomb":              gz(make([]byte, MaxBytes+1)),
	} {
		if _, err := Decode(enc, 1); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(1000, 1); !errors.Is(err, ErrInvalid) {
		t.Error("a list below 16 KiB")
	}
}

func FuzzDecode(f *testing.F) {
	l, _ := New(MinBits, 1)
	l.Set(5, 1)
	enc, _ := l.Encode()
	f.Add(enc, 1)
	f.Add("u", 2)
	f.Fuzz(func(t *testing.T, s string, size int) {
		got, err := Decode(s, size)
		if err != nil {
			return
		}
		if _, err := got.Get(got.Len() - 1); err != nil {
			t.Fatal(err)
		}
	})
}
