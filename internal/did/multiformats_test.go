package did

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBase58(t *testing.T) {
	// Vectors of draft-msporny-base58-03 §5 and of the Bitcoin alphabet's
	// leading-zero rule.
	cases := []struct {
		hex, b58 string
	}{
		{"", ""},
		{"00", "1"},
		{"0000", "11"},
		{"39", "z"},
		{"3a", "21"},
		{hex.EncodeToString([]byte("Hello World!")), "2NEpo7TZRRrLZSi2U"},
		{hex.EncodeToString([]byte("The quick brown fox jumps over the lazy dog.")), "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"},
		{"0000287fb4cd", "11233QC4"},
	}
	for _, c := range cases {
		t.Run(c.b58, func(t *testing.T) {
			b, err := hex.DecodeString(c.hex)
			require.NoError(t, err)
			assert.Equal(t, c.b58, base58Encode(b))
			got, err := base58Decode(c.b58)
			require.NoError(t, err)
			assert.Equal(t, b, got)
		})
	}
}

func TestBase58Rejects(t *testing.T) {
	for _, s := range []string{"0", "O", "I", "l", "+", "2NEpo7TZ RRrLZSi2U", "é", "\x00"} {
		_, err := base58Decode(s)
		assert.ErrorContains(t, err, "invalid base58 character", "%q", s)
	}
	_, err := base58Decode(strings.Repeat("2", maxBase58Chars+1))
	assert.ErrorContains(t, err, "more than the limit")
}

func TestVarint(t *testing.T) {
	cases := []struct {
		v   uint64
		hex string
	}{
		{0, "00"},
		{1, "01"},
		{0x7f, "7f"},
		{0x80, "8001"},
		{codecEd25519Pub, "ed01"}, // did:key §3.1: Ed25519 keys start 0xed 0x01
		{codecP256Pub, "8024"},    // and P-256 keys 0x80 0x24
		{1<<63 - 1, "ffffffffffffffff7f"},
	}
	for _, c := range cases {
		b := appendUvarint(nil, c.v)
		assert.Equal(t, c.hex, hex.EncodeToString(b))
		v, n, err := readUvarint(append(b, 0xaa))
		require.NoError(t, err)
		assert.Equal(t, c.v, v)
		assert.Equal(t, len(b), n)
	}
	for _, c := range []struct{ hex, msg string }{
		{"", "truncated"},
		{"ed", "truncated"},
		{"ed8100", "not minimally encoded"}, // 0xed with a padding group
		{"8000", "not minimally encoded"},
		{"ffffffffffffffffff01", "longer than 9 bytes"},
	} {
		b, _ := hex.DecodeString(c.hex)
		_, _, err := readUvarint(b)
		assert.ErrorContains(t, err, c.msg, c.hex)
	}
}

func TestCheckEd25519Point(t *testing.T) {
	for range 50 {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		require.NoError(t, checkEd25519Point(pub))
	}
	// RFC 8032 §7.1 TEST 1 public key.
	rfc, _ := hex.DecodeString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
	require.NoError(t, checkEd25519Point(rfc))

	// The eight points of small order, canonically encoded (the list that
	// libsodium and others refuse).
	for _, h := range []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // order 1
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
		"0000000000000000000000000000000000000000000000000000000000000000", // order 4
		"0000000000000000000000000000000000000000000000000000000000000080", // order 4
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
	} {
		b, _ := hex.DecodeString(h)
		assert.ErrorContains(t, checkEd25519Point(b), "small order", h)
	}

	// y ≥ p: p itself (the non-canonical encoding of y = 0) and p+1 (of y = 1).
	for _, h := range []string{
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	} {
		b, _ := hex.DecodeString(h)
		assert.ErrorContains(t, checkEd25519Point(b), "not canonically encoded", h)
	}

	// y = -1 with the sign bit: x = 0, so the sign bit must be clear.
	b, _ := hex.DecodeString("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")
	assert.ErrorContains(t, checkEd25519Point(b), "x = 0 with the sign bit set")

	// y = 2 is not on the curve: (4-1)/(4d+1) is not a square mod p.
	two := make([]byte, 32)
	two[0] = 2
	assert.ErrorContains(t, checkEd25519Point(two), "not a point on the curve")

	assert.ErrorContains(t, checkEd25519Point(make([]byte, 31)), "31 bytes")
}

func TestEd25519Constants(t *testing.T) {
	// d·121666 = -121665 (mod p), RFC 8032 §5.1.
	x := new(big.Int).Mul(ed25519D, big.NewInt(121666))
	x.Add(x, big.NewInt(121665))
	assert.Zero(t, x.Mod(x, ed25519P).Sign())
	assert.Equal(t, "52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3", hex.EncodeToString(ed25519D.Bytes()))
}

func TestMultikeyRoundTrip(t *testing.T) {
	for range 20 {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		raw := append([]byte{0xed, 0x01}, pub...)
		k, err := decodeMultikey("z" + base58Encode(raw))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(pub, k.Bytes()))
		assert.Equal(t, "z"+base58Encode(raw), encodeMultikey(k))
	}
}

// FuzzBase58 checks that decoding inverts encoding both ways, so that a
// did:key has one spelling.
func FuzzBase58(f *testing.F) {
	for _, s := range []string{"", "1", "11z", "2NEpo7TZRRrLZSi2U", "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "0OIl"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := base58Decode(s)
		if err != nil {
			return
		}
		if got := base58Encode(b); got != s {
			t.Fatalf("%q decodes to %x, which encodes to %q", s, b, got)
		}
		if len(s) <= 64 {
			back, err := base58Decode(base58Encode(b))
			if err != nil || !bytes.Equal(back, b) {
				t.Fatalf("%x does not round-trip: %x, %v", b, back, err)
			}
		}
	})
}
