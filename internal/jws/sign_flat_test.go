package jws

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
)

// TestFlatHeaderAsMarshal: the protected header Sign writes without a map
// copy is byte for byte the one it writes through jsonx.Marshal.
func TestFlatHeaderAsMarshal(t *testing.T) {
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	for _, signer := range []*keys.PrivateKey{k, k.WithKeyID("k-1")} {
		for _, header := range []map[string]any{
			nil, {}, {"typ": "dc+sd-jwt"}, {"typ": "kb+jwt"}, {"kid": "mine"}, {"kid": nil}, {"kid": ""},
			{"b": true, "a": false, "z": nil, "Z": "é\"\\\n"}, {"x5c": []any{"AAAA"}}, {"typ": "\xff"},
			{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6", "g": "7", "h": "8", "i": "9"},
		} {
			want, wantErr := signHeaderByMap(signer, header)
			var small [256]byte
			got, ok := appendFlatHeader(small[:0], signer, header)
			if !ok {
				continue
			}
			require.NoError(t, wantErr, "%v", header)
			require.Equal(t, string(want), string(got), "%v", header)
		}
	}
	// And Sign still refuses "alg".
	_, err = Sign(context.Background(), k, map[string]any{"alg": "none"}, []byte(`{}`))
	require.ErrorIs(t, err, ErrMalformed)
}

// signHeaderByMap is the header of Sign as a map marshaled by jsonx.
func signHeaderByMap(s Signer, header map[string]any) ([]byte, error) {
	h := make(map[string]any, len(header)+2)
	for k, v := range header {
		h[k] = v
	}
	h["alg"] = string(s.Algorithm())
	if kid := s.KeyID(); kid != "" {
		if _, ok := h["kid"]; !ok {
			h["kid"] = kid
		}
	}
	return jsonx.Marshal(h)
}
