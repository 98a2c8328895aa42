package sdjwt

import "testing"

func TestPathCovers(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"medications[*].status", "medications[0].status", true},
		{"medications[*]", "medications[2].status", true},
		{"medications", "medications[2].dosage.text", true},
		{"medications[*].status", "medications[0].dosage", false},
		{"medications[1].status", "medications[0].status", false},
		{"address.locality", "address", false},
		{"name", "name", true},
		{"name", "names", false},
	} {
		p, err := ParsePath(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParsePath(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Covers(q); got != c.want {
			t.Errorf("%s covers %s: %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}
