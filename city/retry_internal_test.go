package city

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// A new city on free ports whose chosen port is taken before it binds it
// (here: the first port chosen is one another listener holds) starts
// anyway, on other ports, and keeps nothing of the failed attempt.
func TestStartRetriesTakenPort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a ledger node")
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	taken := busy.Addr().(*net.TCPAddr).Port
	calls := 0
	freePort = func(host string) (int, error) {
		calls++
		if calls == 1 {
			return taken, nil
		}
		return systemFreePort(host)
	}
	defer func() { freePort = systemFreePort }()
	dir := t.TempDir()
	c, err := Start(context.Background(), Config{DataDir: dir, FirstPort: -1})
	if err != nil {
		t.Fatalf("the city did not start on other ports: %v", err)
	}
	defer c.Close()
	lay, _, err := loadLayout(dir, "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	for slug, p := range lay.Ports {
		if p == taken {
			t.Errorf("%s kept the taken port %d", slug, p)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ServicesFile)); err != nil {
		t.Errorf("no services.json: %v", err)
	}
}
