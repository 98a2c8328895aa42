package jsonx

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
)

// Int64 returns the value of a JSON number that is an integer (as parsed, or
// as built by Go code) and whether it was one. Numbers with a fraction or an
// exponent that leaves a fraction, and numbers out of int64 range, are not.
func Int64(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i, true
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<63 {
			return 0, false
		}
		return int64(f), true
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case float64:
		if x != math.Trunc(x) || math.Abs(x) >= 1<<63 {
			return 0, false
		}
		return int64(x), true
	default:
		return 0, false
	}
}

// Float64 returns the value of any JSON number as a float64.
func Float64(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case float64:
		return x, true
	case float32:
		return float64(x), true
	default:
		if i, ok := Int64(v); ok {
			return float64(i), true
		}
		return 0, false
	}
}

// Equal reports whether two values denote the same JSON value: objects with
// the same members (in any order), arrays with equal elements in order, and
// numbers with the same numeric value whatever their spelling or Go type.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !Equal(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	default:
		if xn, ok := a.(json.Number); ok {
			if yn, ok := b.(json.Number); ok && xn == yn {
				return true // same spelling, even beyond big.Float's exponent range
			}
		}
		xf, ok1 := bigNumber(a)
		yf, ok2 := bigNumber(b)
		return ok1 && ok2 && xf.Cmp(yf) == 0
	}
}

// bigNumber reads any number at a precision well beyond float64, so that
// values outside float64's range (1E700) still compare correctly.
func bigNumber(v any) (*big.Float, bool) {
	f := new(big.Float).SetPrec(512)
	switch x := v.(type) {
	case json.Number:
		if _, ok := f.SetString(string(x)); !ok {
			return nil, false
		}
		return f, true
	case float64:
		return f.SetFloat64(x), !math.IsNaN(x)
	case float32:
		return f.SetFloat64(float64(x)), true
	case uint:
		return f.SetUint64(uint64(x)), true
	case uint64:
		return f.SetUint64(x), true
	case uint32:
		return f.SetUint64(uint64(x)), true
	default:
		i, ok := Int64(v)
		return f.SetInt64(i), ok
	}
}
