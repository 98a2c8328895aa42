package programmes

import (
	"errors"
	"strings"
)

// The kinds of failure, for errors.Is.
var (
	// ErrInvalidProgramme: a programme file or the median-income table
	// breaks a rule of this package; the *LoadError lists every problem.
	ErrInvalidProgramme = errors.New("programmes: invalid programme")
	// ErrUnknownProgramme: Lookup was given an id the catalogue lacks.
	ErrUnknownProgramme = errors.New("programmes: unknown programme")
	// ErrEvidence: Decide was given evidence it cannot use: no
	// application date, presentations for a credential query the
	// programme does not have, more than one presentation for a query,
	// claims that are not JSON values, or a missing parameter. It is the
	// caller's error, not the citizen's: a decision is not made.
	ErrEvidence = errors.New("programmes: unusable evidence")
)

// Problem is one thing wrong with a programme file.
type Problem struct {
	// File is the file's name ("defaults/…" for the embedded ones).
	File string
	// Where locates the problem in the file, as a JSON path
	// ("criteria[2].rule"); empty for the file as a whole.
	Where string
	// Msg says what is wrong.
	Msg string
}

func (p Problem) String() string {
	s := p.File
	if p.Where != "" {
		s += ": " + p.Where
	}
	return s + ": " + p.Msg
}

// LoadError lists every problem found while loading: a load checks every
// file and every rule before it fails, so that one run shows all that
// needs fixing.
type LoadError struct {
	Problems []Problem
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString("programmes: invalid programmes:")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalidProgramme) true.
func (e *LoadError) Unwrap() error { return ErrInvalidProgramme }
