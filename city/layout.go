package city

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/seoulid/seoulid/internal/atomicfile"
)

// layoutFile, in the data dir, records the ports chosen at the first
// start, so that every later start serves each service at the same URL.
const layoutFile = "city.json"

// layout is the content of city.json.
type layout struct {
	Version int `json:"version"`
	// Host is the address every service listens on.
	Host string `json:"host"`
	// Ports maps a service's slug (and "ledger-rpc", "ledger-p2p",
	// "resolver", "wallet") to its port.
	Ports map[string]int `json:"ports"`
}

// Slugs of the services that are not agencies.
const (
	slugRPC      = "ledger-rpc"
	slugP2P      = "ledger-p2p"
	slugResolver = "resolver"
	slugWallet   = "wallet"
)

// slugs are every service's slug, in port order.
func slugs() []string {
	out := []string{slugResolver, slugRPC, slugP2P}
	for _, a := range Plan {
		out = append(out, a.Slug)
	}
	return append(out, slugWallet)
}

// loadLayout reads DIR/city.json, or makes the layout of a new city:
// consecutive ports from base, or free ports chosen now when base is 0.
// Services added to the plan since the file was written get ports after
// the highest one in it.
func loadLayout(dir, host string, base int) (*layout, bool, error) {
	file := filepath.Join(dir, layoutFile)
	b, err := os.ReadFile(file)
	l := &layout{Version: 1, Host: host, Ports: map[string]int{}}
	fresh := errors.Is(err, fs.ErrNotExist)
	switch {
	case fresh:
	case err != nil:
		return nil, false, fmt.Errorf("city: reading %s: %w", file, err)
	default:
		if err := json.Unmarshal(b, l); err != nil {
			return nil, false, fmt.Errorf("city: %s is damaged (%v); move it away to let the city choose its ports again", file, err)
		}
		if l.Version != 1 || l.Host == "" || l.Ports == nil {
			return nil, false, fmt.Errorf("city: %s is not a layout this version understands", file)
		}
	}
	next := base
	for _, p := range l.Ports {
		next = max(next, p+1)
	}
	changed := fresh
	for _, s := range slugs() {
		if _, ok := l.Ports[s]; ok {
			continue
		}
		p := next
		if base == 0 {
			if p, err = freePort(l.Host); err != nil {
				return nil, false, err
			}
		} else {
			next++
		}
		if p < 1 || p > 65535 {
			return nil, false, fmt.Errorf("city: port %d for %s is out of range: choose a lower first port", p, s)
		}
		l.Ports[s] = p
		changed = true
	}
	return l, changed, nil
}

// save writes the layout atomically.
func (l *layout) save(dir string) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, layoutFile), append(b, '\n'), 0o644)
}

// addr is host:port of a service.
func (l *layout) addr(slug string) string {
	return net.JoinHostPort(l.Host, strconv.Itoa(l.Ports[slug]))
}

// freePort asks the system for a free port on host (a variable for a
// test that makes it return a taken one).
var freePort = systemFreePort

func systemFreePort(host string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("city: finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// writeFileAtomic writes data to name with perm, atomically.
func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	return atomicfile.Write(name, data, perm)
}
