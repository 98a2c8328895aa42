package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/seoulid/seoulid/internal/atomicfile"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
)

// maxInput bounds any file or standard input a command reads.
const maxInput = 2 << 20

// readInput reads the named file, or standard input for "" and "-".
func (a *app) readInput(name, what string) ([]byte, error) {
	var r io.Reader
	label := name
	if name == "" || name == "-" {
		r, label = a.stdin, "standard input"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, describePathErr(err))
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading %s: %w", what, label, err)
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("%s: %s is larger than %d bytes", what, label, maxInput)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, fmt.Errorf("%s: %s is empty", what, label)
	}
	return b, nil
}

func describePathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%s does not exist", pe.Path)
		case errors.Is(err, fs.ErrPermission):
			return fmt.Errorf("%s cannot be read (permission denied)", pe.Path)
		}
	}
	return err
}

// readJSONObject reads a JSON object strictly (duplicate members refused).
func (a *app) readJSONObject(name, what string) (map[string]any, error) {
	b, err := a.readInput(name, what)
	if err != nil {
		return nil, err
	}
	m, err := jsonx.ParseObject(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return m, nil
}

func (a *app) readPrivateKey(name, what string) (*keys.PrivateKey, error) {
	b, err := a.readInput(name, what)
	if err != nil {
		return nil, err
	}
	k, err := keys.ParsePrivateJWK(b)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, name, err)
	}
	return k, nil
}

// readPublicKey accepts a public or a private JWK and returns the public key.
func (a *app) readPublicKey(name, what string) (*keys.PublicKey, error) {
	b, err := a.readInput(name, what)
	if err != nil {
		return nil, err
	}
	pub, _, err := keys.ParseJWK(b)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, name, err)
	}
	return pub, nil
}

// writeJSON prints v as indented JSON with sorted members.
func (a *app) writeJSON(v any) error {
	b, err := jsonx.Marshal(v)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := indent(&out, b); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = a.stdout.Write(out.Bytes())
	return err
}

// writeSecretFile writes data to path readable by its owner only. It never
// replaces an existing file unless force is set, and then atomically, so a
// key already on disk is never lost to a half-written one.
func writeSecretFile(path string, data []byte, force bool) error {
	if !force {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists; not overwriting a key file (use --force to replace it)", path)
		}
		if err != nil {
			return describePathErr(err)
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			os.Remove(path)
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			os.Remove(path)
			return err
		}
		return f.Close()
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return describePathErr(err)
	}
	return nil
}

func indent(out *bytes.Buffer, b []byte) error { return json.Indent(out, b, "", "  ") }
