package statuslist_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/statuslist"
)

func TestNew(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		most := statuslist.MaxBytes * 8 / bits
		l, err := statuslist.New(most, bits)
		require.NoError(t, err, "bits %d", bits)
		assert.Equal(t, most, l.Len())
		assert.Equal(t, bits, l.Bits())
		for _, i := range []int{0, most / 2, most - 1} {
			v, err := l.Get(i)
			require.NoError(t, err)
			assert.Equal(t, statuslist.Valid, v, "a new list is all VALID")
		}
		for _, size := range []int{0, -1, most + 1} {
			_, err := statuslist.New(size, bits)
			assert.ErrorContains(t, err, fmt.Sprintf("has 1 to %d entries, not %d", most, size))
		}
	}
	assert.Equal(t, statuslist.MaxBytes*8, statuslist.MaxEntries)
	for _, bits := range []int{0, 3, 5, 16, -1} {
		_, err := statuslist.New(8, bits)
		assert.ErrorContains(t, err, fmt.Sprintf("bits is %d, not 1, 2, 4 or 8", bits))
	}
}

// TestSetGet sets every entry of small lists of every width, at every size
// around a byte boundary, and checks that each Set changes its entry only.
func TestSetGet(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		top := uint8(1<<bits - 1)
		for _, size := range []int{1, 2, 3, 7, 8, 9, 15, 16, 17} {
			t.Run(fmt.Sprintf("bits=%d/size=%d", bits, size), func(t *testing.T) {
				l, err := statuslist.New(size, bits)
				require.NoError(t, err)
				want := make([]uint8, size)
				for i := range size {
					// Highest value, then 0, then a pattern, checking all
					// entries after each Set.
					for _, v := range []uint8{top, 0, uint8(i*7+3) & top} {
						require.NoError(t, l.Set(i, v))
						want[i] = v
						for j := range size {
							got, err := l.Get(j)
							require.NoError(t, err)
							require.Equal(t, want[j], got, "entry %d after Set(%d, %d)", j, i, v)
						}
					}
				}
				for _, i := range []int{-1, size, size + 100} {
					_, err := l.Get(i)
					assert.ErrorContains(t, err, fmt.Sprintf("index %d is outside the list of %d entries", i, size))
					assert.ErrorContains(t, l.Set(i, 0), "outside the list")
				}
				if bits < 8 {
					err := l.Set(0, top+1)
					assert.ErrorContains(t, err, fmt.Sprintf("does not fit in %d bits", bits))
					assert.ErrorContains(t, l.Set(0, 0xff), "does not fit")
					got, _ := l.Get(0)
					assert.Equal(t, want[0], got, "a refused Set changes nothing")
				}
			})
		}
	}
	l, err := statuslist.New(256, 8)
	require.NoError(t, err)
	for v := range 256 {
		require.NoError(t, l.Set(v, uint8(v)))
	}
	for v := range 256 {
		got, _ := l.Get(v)
		require.Equal(t, uint8(v), got)
	}
}

func TestStatusTypes(t *testing.T) {
	// §7.1
	assert.Equal(t, uint8(0x00), statuslist.Valid)
	assert.Equal(t, uint8(0x01), statuslist.Invalid)
	assert.Equal(t, uint8(0x02), statuslist.Suspended)
	l, _ := statuslist.New(8, 1)
	assert.Error(t, l.Set(0, statuslist.Suspended), "SUSPENDED needs bits ≥ 2 (§4.1)")
}

// TestEncodeRoundTrip: what Encode writes Decode reads back, rounded up to
// whole bytes, with the extra entries 0.
func TestEncodeRoundTrip(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		for _, size := range []int{1, 5, 8, 1000, 4099} {
			l, err := statuslist.New(size, bits)
			require.NoError(t, err)
			for i := 0; i < size; i += 3 {
				require.NoError(t, l.Set(i, uint8(i)&uint8(1<<bits-1)))
			}
			lst, err := l.Encode()
			require.NoError(t, err)
			compressed, err := b64url.Decode(lst)
			require.NoError(t, err)
			assert.Equal(t, []byte{0x78, 0xda}, compressed[:2], "ZLIB header of DEFLATE at the best compression (§4.1 step 4)")
			back, err := statuslist.Decode(bits, lst)
			require.NoError(t, err)
			assert.Equal(t, (size*bits+7)/8*8/bits, back.Len())
			for i := range back.Len() {
				want := uint8(0)
				if i < size {
					want, _ = l.Get(i)
				}
				got, _ := back.Get(i)
				require.Equal(t, want, got, "bits %d size %d entry %d", bits, size, i)
			}
		}
	}
}

// zlibOf compresses b as ZLIB at the best compression.
func zlibOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestDecodeRefuses(t *testing.T) {
	good := zlibOf(t, []byte{0xb9, 0xa3})
	var dict bytes.Buffer
	dw, _ := zlib.NewWriterLevelDict(&dict, zlib.BestCompression, []byte("dictionary"))
	_, _ = dw.Write([]byte{0xb9, 0xa3})
	_ = dw.Close()
	var raw bytes.Buffer
	fw, _ := flate.NewWriter(&raw, flate.BestCompression)
	_, _ = fw.Write([]byte{0xb9, 0xa3})
	_ = fw.Close()
	var gz bytes.Buffer
	gw := gzip.NewWriter(&gz)
	_, _ = gw.Write([]byte{0xb9, 0xa3})
	_ = gw.Close()
	badSum := bytes.Clone(good)
	badSum[len(badSum)-1] ^= 1

	cases := []struct {
		name string
		bits int
		lst  string
		msg  string
	}{
		{"bits 0", 0, "eNrbuRgAAhcBXQ", "bits is 0, not 1, 2, 4 or 8"},
		{"bits 3", 3, "eNrbuRgAAhcBXQ", "bits is 3, not 1, 2, 4 or 8"},
		{"bits 16", 16, "eNrbuRgAAhcBXQ", "bits is 16"},
		{"padding", 1, "eNrbuRgAAhcBXQ==", "not base64url"},
		{"standard alphabet", 1, "eNrb+RgAAhcBXQ", "not base64url"},
		{"line break", 1, "eNrbuRgA\nAhcBXQ", "not base64url"},
		{"space", 1, "eNrbuRgA AhcBXQ", "not base64url"},
		{"non-zero trailing bits", 1, "eNrbuRgAAhcBXR", "not base64url"},
		{"impossible length", 1, "eNrbu", "not base64url"},
		{"empty", 1, "", "not a ZLIB stream"},
		{"not zlib", 1, b64url.Encode([]byte("hello, status list")), "not a ZLIB stream"},
		{"raw DEFLATE", 1, b64url.Encode(raw.Bytes()), "not a ZLIB stream"},
		{"gzip", 1, b64url.Encode(gz.Bytes()), "not a ZLIB stream"},
		{"preset dictionary", 1, b64url.Encode(dict.Bytes()), "not a ZLIB stream"},
		{"truncated", 1, b64url.Encode(good[:len(good)-3]), "not a ZLIB stream"},
		{"bad checksum", 1, b64url.Encode(badSum), "not a ZLIB stream"},
		{"trailing data", 1, b64url.Encode(append(bytes.Clone(good), 0)), "1 bytes follow the ZLIB stream"},
		{"two streams", 1, b64url.Encode(append(bytes.Clone(good), good...)), "bytes follow the ZLIB stream"},
		{"no entries", 1, b64url.Encode(zlibOf(t, nil)), "lst holds no entries"},
		{"one byte too many", 1, b64url.Encode(zlibOf(t, make([]byte, statuslist.MaxBytes+1))), "decompresses to more than 1048576 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := statuslist.Decode(c.bits, c.lst)
			require.Error(t, err)
			assert.Nil(t, l)
			assert.ErrorContains(t, err, c.msg)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestDecodeBound(t *testing.T) {
	l, err := statuslist.Decode(1, b64url.Encode(zlibOf(t, make([]byte, statuslist.MaxBytes))))
	require.NoError(t, err, "a list of exactly MaxBytes is accepted")
	assert.Equal(t, statuslist.MaxEntries, l.Len())
	l, err = statuslist.Decode(8, b64url.Encode(zlibOf(t, make([]byte, statuslist.MaxBytes))))
	require.NoError(t, err)
	assert.Equal(t, statuslist.MaxBytes, l.Len())
}

// TestDecodeZipBomb: 2 MiB of zeros compress to about 2 KiB; Decode stops
// just past MaxBytes and fails, without inflating the rest.
func TestDecodeZipBomb(t *testing.T) {
	bomb := zlibOf(t, make([]byte, 2<<20))
	require.Less(t, len(bomb), 4<<10, "the bomb is small")
	lst := b64url.Encode(bomb)
	start := time.Now()
	_, err := statuslist.Decode(1, lst)
	elapsed := time.Since(start)
	require.ErrorContains(t, err, "decompresses to more than 1048576 bytes")
	assert.Less(t, elapsed, 2*time.Second)

	allocs := testing.AllocsPerRun(3, func() { _, _ = statuslist.Decode(1, lst) })
	assert.Less(t, allocs, 100.0, "no growth loop over the whole stream")

	// A bigger bomb costs the same: the bound, not the claimed size, sets
	// the work.
	big := b64url.Encode(zlibOf(t, make([]byte, 16<<20)))
	start = time.Now()
	_, err = statuslist.Decode(1, big)
	require.ErrorContains(t, err, "decompresses to more than")
	assert.Less(t, time.Since(start), 2*time.Second)
}
