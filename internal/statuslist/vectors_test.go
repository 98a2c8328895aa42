package statuslist_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/statuslist"
)

// The vectors in conformance/vectors/token-status-list are those of
// draft-ietf-oauth-status-list; see its README.md.
var vectorDir = filepath.Join("..", "..", "conformance", "vectors", "token-status-list")

// vectorList is a JSON Status List of §4.2 as the draft's examples give it.
type vectorList struct {
	Bits int    `json:"bits"`
	Lst  string `json:"lst"`
}

func readVectorList(t *testing.T, name string) vectorList {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, name))
	require.NoError(t, err)
	var v vectorList
	require.NoError(t, json.Unmarshal(b, &v))
	return v
}

var statusLine = regexp.MustCompile(`^status\[(\d+)\]\s*=\s*0b([01]+)$`)

// readStatuses reads the "status[i] = 0b…" lines of the draft's appendix.
func readStatuses(t *testing.T, name string) map[int]uint8 {
	t.Helper()
	f, err := os.Open(filepath.Join(vectorDir, name))
	require.NoError(t, err)
	defer f.Close()
	want := map[int]uint8{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := statusLine.FindStringSubmatch(sc.Text())
		require.NotNil(t, m, "line %q", sc.Text())
		i, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		v, err := strconv.ParseUint(m[2], 2, 8)
		require.NoError(t, err)
		_, dup := want[i]
		require.False(t, dup, "index %d twice", i)
		want[i] = uint8(v)
	}
	require.NoError(t, sc.Err())
	return want
}

// checkList compares every entry of l with want, where absent means 0.
func checkList(t *testing.T, l *statuslist.List, want map[int]uint8) {
	t.Helper()
	set, wrong := 0, 0
	for i := range l.Len() {
		got, err := l.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		if got != 0 {
			set++
		}
		if got != want[i] && wrong < 10 {
			wrong++
			t.Errorf("status[%d] = %#x, want %#x", i, got, want[i])
		}
	}
	nonZero := 0
	for _, v := range want {
		if v != 0 {
			nonZero++
		}
	}
	assert.Equal(t, nonZero, set, "entries set")
}

// TestLongVectors decodes the appendix's four lists of 2^20 entries and
// checks every entry; then builds the same lists with New and Set and
// checks that they encode to lists with the same entries.
func TestLongVectors(t *testing.T) {
	for _, c := range []struct {
		bits    int
		entries int // lines in the appendix
	}{{1, 11}, {2, 11}, {4, 15}, {8, 256}} {
		t.Run(fmt.Sprintf("bits=%d", c.bits), func(t *testing.T) {
			v := readVectorList(t, fmt.Sprintf("list%d_long.json", c.bits))
			require.Equal(t, c.bits, v.Bits)
			want := readStatuses(t, fmt.Sprintf("list%d_long.status", c.bits))
			require.Len(t, want, c.entries, "the appendix lists %d statuses", c.entries)

			l, err := statuslist.Decode(v.Bits, v.Lst)
			require.NoError(t, err)
			assert.Equal(t, 1<<20, l.Len(), "all examples have 2^20 entries")
			assert.Equal(t, c.bits, l.Bits())
			checkList(t, l, want)

			built, err := statuslist.New(1<<20, c.bits)
			require.NoError(t, err)
			for i, s := range want {
				require.NoError(t, built.Set(i, s))
			}
			lst, err := built.Encode()
			require.NoError(t, err)
			back, err := statuslist.Decode(c.bits, lst)
			require.NoError(t, err)
			assert.Equal(t, 1<<20, back.Len())
			checkList(t, back, want)
		})
	}
}

// TestShortVectors: the two examples of §4.1, as JSON (§4.2).
func TestShortVectors(t *testing.T) {
	for _, c := range []struct {
		file      string
		bits      int
		byteArray []byte
		statuses  []uint8 // the status[i] lines of §4.1
	}{
		{"list1_short.json", 1, []byte{0xb9, 0xa3}, []uint8{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1}},
		{"list2_short.json", 2, []byte{0xc9, 0x44, 0xf9}, []uint8{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3}},
	} {
		t.Run(c.file, func(t *testing.T) {
			// The byte array and the statuses of §4.1 agree, read bit by
			// bit from the least significant.
			require.Len(t, c.statuses, len(c.byteArray)*8/c.bits)
			for i, s := range c.statuses {
				var v uint8
				for b := range c.bits {
					bit := i*c.bits + b
					v |= (c.byteArray[bit/8] >> (bit % 8) & 1) << b
				}
				require.Equal(t, s, v, "status[%d] in the byte array", i)
			}

			v := readVectorList(t, c.file)
			require.Equal(t, c.bits, v.Bits)
			l, err := statuslist.Decode(v.Bits, v.Lst)
			require.NoError(t, err)
			require.Equal(t, len(c.statuses), l.Len())
			for i, s := range c.statuses {
				got, err := l.Get(i)
				require.NoError(t, err)
				assert.Equal(t, s, got, "status[%d]", i)
			}

			built, err := statuslist.New(len(c.statuses), c.bits)
			require.NoError(t, err)
			for i, s := range c.statuses {
				require.NoError(t, built.Set(i, s))
			}
			lst, err := built.Encode()
			require.NoError(t, err)
			t.Logf("encoded %s (the draft: %s)", lst, v.Lst)
			back, err := statuslist.Decode(c.bits, lst)
			require.NoError(t, err)
			require.Equal(t, len(c.statuses), back.Len())
			for i, s := range c.statuses {
				got, _ := back.Get(i)
				assert.Equal(t, s, got, "status[%d] after New, Set, Encode, Decode", i)
			}
		})
	}
}
