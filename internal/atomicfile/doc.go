// Package atomicfile writes a file so that a crash at any point leaves
// either the old file or the new one, never a half-written one: the data
// goes to a temporary file beside it, is synced, and is renamed over it.
// Keys, tokens and the city's layout are written this way.
package atomicfile
