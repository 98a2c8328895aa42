package node

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/registry"
)

// Helpers shared by the cluster, privacy and benchmark tests: a network
// of validators started in this process, and the operations they carry.

// basePort returns a port b such that Testnet with n validators and
// Options{P2PPort: b, RPCPort: b + 1} uses only ports that were free a
// moment ago: b+10i and b+10i+1 for i < n. It probes below Linux's
// ephemeral range (32768–60999), where outgoing connections take their
// local ports, so that a dialling peer cannot take one of them first.
func basePort(t testing.TB, n int) int {
	t.Helper()
	for range 200 {
		base := 20000 + rand.IntN(12000-10*n)
		var ls []net.Listener
		free := true
		for i := 0; i < n && free; i++ {
			for _, p := range []int{base + 10*i, base + 10*i + 1} {
				l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
				if err != nil {
					free = false
					break
				}
				ls = append(ls, l)
			}
		}
		for _, l := range ls {
			l.Close()
		}
		if free {
			return base
		}
	}
	t.Fatalf("no run of %d free port pairs found", n)
	return 0
}

// cluster is a network of validators running in this process, each from
// its own home with its own ports.
type cluster struct {
	t        testing.TB
	net      *Network
	nodes    []*Node            // nil while stopped
	agencies []*keys.PrivateKey // the founding agencies' controller keys, in net.Agencies order

	mu  sync.Mutex
	seq map[string]uint64 // the last sequence number used per actor
}

// startCluster writes a network of n validators under a temporary
// directory, starts every node and stops them all when the test ends.
func startCluster(t testing.TB, n int) *cluster {
	t.Helper()
	base := basePort(t, n)
	nw, err := Testnet(t.TempDir(), n, Options{P2PPort: base, RPCPort: base + 1})
	if err != nil {
		t.Fatal(err)
	}
	overrideConfig(t, nw.Homes, os.Getenv("SEOULID_NODE_TEST_CONFIG"))
	c := &cluster{t: t, net: nw, nodes: make([]*Node, n), seq: map[string]uint64{}}
	for _, a := range nw.Agencies {
		c.agencies = append(c.agencies, agencyKey(t, a.KeyFile))
	}
	t.Cleanup(func() {
		var running []int
		for i, n := range c.nodes {
			if n != nil {
				running = append(running, i)
			}
		}
		c.stopNodes(running...)
	})
	for i := range c.nodes {
		c.start(i)
	}
	return c
}

// overrideConfig rewrites settings of each home's config.toml before the
// nodes start. overrides is key=value pairs separated by ";", each value
// in TOML, as in
//
//	SEOULID_NODE_TEST_CONFIG='flush_throttle_timeout="10ms";timeout_commit="200ms"'
//
// It is for trying a configuration in the benchmarks before changing
// config() in node.go; "" changes nothing.
func overrideConfig(t testing.TB, homes []string, overrides string) {
	t.Helper()
	if overrides == "" {
		return
	}
	for _, h := range homes {
		file := filepath.Join(h, "config", "config.toml")
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range strings.Split(overrides, ";") {
			k, v, _ := strings.Cut(kv, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			re := regexp.MustCompile("(?m)^" + regexp.QuoteMeta(k) + " = .*$")
			if len(re.FindAll(b, -1)) != 1 {
				t.Fatalf("config.toml has not exactly one setting %q", k)
			}
			b = re.ReplaceAll(b, []byte(k+" = "+v))
		}
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// start starts node i from its home (logging to stderr when
// SEOULID_NODE_TEST_LOG is set).
func (c *cluster) start(i int) {
	c.t.Helper()
	var logger *slog.Logger
	if os.Getenv("SEOULID_NODE_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("node", i)
	}
	n, err := Start(c.net.Homes[i], logger)
	if err != nil {
		c.t.Fatalf("starting node %d: %v", i, err)
	}
	c.nodes[i] = n
}

// stop stops node i.
func (c *cluster) stop(i int) {
	c.t.Helper()
	c.stopNodes(i)
}

// stopNodes stops nodes in a process that keeps running. CometBFT v0.38
// closes a node's block store in Node.OnStop while its consensus reactor's
// per-peer goroutines may still be asleep between two rounds of gossip
// (queryMaj23Routine sleeps peer_query_maj23_sleep_duration, 2 s, up to
// three times before it looks whether it should stop); one that wakes up
// and reads the closed store panics ("leveldb: closed") and takes the
// whole process down. So: disconnect the nodes first (stop their switches,
// which stops the reactors), wait until none of those goroutines is left,
// then stop the nodes.
func (c *cluster) stopNodes(idx ...int) {
	c.t.Helper()
	var marks []string
	for _, i := range idx {
		n := c.nodes[i]
		if err := n.cmt.Switch().Stop(); err != nil {
			c.t.Errorf("node %d: stopping its switch: %v", i, err)
		}
		for _, routine := range []string{"gossipDataRoutine", "gossipVotesRoutine", "queryMaj23Routine"} {
			marks = append(marks, fmt.Sprintf("consensus.(*Reactor).%s(%p", routine, n.cmt.ConsensusReactor()))
		}
	}
	buf := make([]byte, 16<<20)
	deadline := time.Now().Add(15 * time.Second)
	for {
		stacks := string(buf[:runtime.Stack(buf, true)])
		left := slices.ContainsFunc(marks, func(m string) bool { return strings.Contains(stacks, m) })
		if !left {
			break
		}
		if time.Now().After(deadline) {
			c.t.Errorf("consensus gossip of nodes %v still running 15 s after their switches stopped", idx)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, i := range idx {
		if err := c.nodes[i].Stop(); err != nil {
			c.t.Errorf("stopping node %d: %v", i, err)
		}
		c.nodes[i] = nil
	}
}

// running returns the nodes that are running.
func (c *cluster) running() []*Node {
	var out []*Node
	for _, n := range c.nodes {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}

// waitConnected waits until every running node has every other running
// node as a peer.
func (c *cluster) waitConnected(timeout time.Duration) {
	c.t.Helper()
	nodes := c.running()
	eventually(c.t, timeout, "every node connected to every other", func() bool {
		for _, n := range nodes {
			if n.cmt.Switch().Peers().Size() < len(nodes)-1 {
				return false
			}
		}
		return true
	})
}

// waitHeight waits until every running node has committed height h, and
// returns the height they all agree on (the highest common one).
func (c *cluster) waitHeight(timeout time.Duration, h int64) int64 {
	c.t.Helper()
	var common int64
	eventually(c.t, timeout, fmt.Sprintf("every node at height %d", h), func() bool {
		common = -1
		for _, n := range c.running() {
			got := n.Reader().Height()
			if common == -1 || got < common {
				common = got
			}
		}
		return common >= h
	})
	return common
}

// settle waits until every running node is at the same height and it has
// not changed for a second — after a block that changed the app hash,
// CometBFT makes one more (empty) block to prove the new hash — and
// returns that height.
func (c *cluster) settle(timeout time.Duration) int64 {
	c.t.Helper()
	var last int64 = -1
	since := time.Now()
	eventually(c.t, timeout, "every node settled at one height", func() bool {
		h := int64(-1)
		for _, n := range c.running() {
			got := n.Reader().Height()
			if h != -1 && got != h {
				last = -1
				return false
			}
			h = got
		}
		if h != last {
			last, since = h, time.Now()
			return false
		}
		return time.Since(since) >= time.Second
	})
	return last
}

// eventually polls cond until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: not %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// agencyKey reads an agency's controller key as Init wrote it.
func agencyKey(t testing.TB, file string) *keys.PrivateKey {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.ParsePrivateJWK(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newKey makes an Ed25519 key named as the first key (key-1) of the
// did:seoul it derives.
func newKey(t testing.TB) *keys.PrivateKey {
	t.Helper()
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	return k.WithKeyID(registry.DeriveDID(k.Public()) + "#key-1")
}

// didOf is the DID of a key named by newKey.
func didOf(k *keys.PrivateKey) string { return strings.SplitN(k.KeyID(), "#", 2)[0] }

// keyEntry is k as a key of a DID document, by default a controller and
// assertion key.
func keyEntry(k *keys.PrivateKey, purposes ...string) registry.Key {
	jwk := k.Public().JWK()
	delete(jwk, "kid")
	if len(purposes) == 0 {
		purposes = []string{registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod}
	}
	return registry.Key{ID: "key-1", JWK: jwk, Purposes: purposes}
}

// op fills in the chain, the actor and the actor's next sequence number,
// as this cluster has counted them.
func (c *cluster) op(actor *keys.PrivateKey, o registry.Op) *registry.Op {
	c.mu.Lock()
	defer c.mu.Unlock()
	o.Chain = c.net.ChainID
	o.Actor = didOf(actor)
	c.seq[o.Actor]++
	o.Seq = c.seq[o.Actor]
	return &o
}

// unuse gives back the sequence number of a rejected operation.
func (c *cluster) unuse(o *registry.Op) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq[o.Actor]--
}

func sign(t testing.TB, o *registry.Op, signers ...*keys.PrivateKey) *registry.Tx {
	t.Helper()
	ss := make([]registry.Signer, len(signers))
	for i, s := range signers {
		ss[i] = s
	}
	tx, err := registry.SignOp(context.Background(), o, ss...)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// createTx is agency's did.create of a new DID controlled by k.
func (c *cluster) createTx(agency, k *keys.PrivateKey) *registry.Tx {
	return sign(c.t, c.op(agency, registry.Op{Type: registry.OpDIDCreate, DID: didOf(k), Keys: []registry.Key{keyEntry(k)}}), agency, k)
}

// updateTx is k's did.update of its own DID: the same key, and a service
// whose endpoint names the update, so that every version differs.
func (c *cluster) updateTx(k *keys.PrivateKey) *registry.Tx {
	o := c.op(k, registry.Op{Type: registry.OpDIDUpdate, DID: didOf(k), Keys: []registry.Key{keyEntry(k)}})
	o.Services = []registry.Service{{ID: "api", Type: "LinkedDomains", Endpoint: fmt.Sprintf("https://svc.example.seoul.go.kr/v/%d", o.Seq)}}
	return sign(c.t, o, k)
}

// submit submits tx through node i and fails the test unless it is
// committed.
func (c *cluster) submit(ctx context.Context, i int, tx *registry.Tx) *Result {
	c.t.Helper()
	res, err := c.nodes[i].Submit(ctx, tx)
	if err != nil {
		c.t.Fatalf("node %d: submit %s: %v", i, tx.Op().Type, err)
	}
	if res.Code != registry.OK || res.Height == 0 {
		c.t.Fatalf("node %d: %s: %v (%s), height %d", i, tx.Op().Type, res.Code, res.Reason, res.Height)
	}
	return res
}

// create makes agency create a new DID through node i and returns its key.
func (c *cluster) create(ctx context.Context, i int, agency *keys.PrivateKey) (*keys.PrivateKey, *Result) {
	c.t.Helper()
	k := newKey(c.t)
	return k, c.submit(ctx, i, c.createTx(agency, k))
}
