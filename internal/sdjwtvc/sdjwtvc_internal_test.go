package sdjwtvc

import (
	"slices"
	"testing"
)

func TestIsNeverDisclosable(t *testing.T) {
	for _, name := range append(slices.Clone(neverDisclosable), "iat", "sub", "", "vct#", "status_list", "ISS") {
		if got, want := isNeverDisclosable(name), slices.Contains(neverDisclosable, name); got != want {
			t.Errorf("isNeverDisclosable(%q) = %v", name, got)
		}
	}
}
