package node

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cometbft/cometbft/rpc/client/local"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/registry"
)

// The ledger's performance targets (DESIGN.md): with four validators on
// loopback, at least 300 registry transactions per second sustained, and a
// median commit latency of at most 1.5 s. These are benchmarks, never
// timed tests: a slow machine makes them report less, not fail. Run them
// for a duration (each sub-benchmark then runs about that long):
//
//	go test ./registry/node -run '^$' -bench . -benchtime 20s
const benchActors = 1024 // service DIDs writing concurrently, one operation in flight each

// BenchmarkLedgerThroughput starts four validators in this process and
// has the founding agencies create benchActors service DIDs. Each
// iteration is one did.update by one of them — its own key, a changed
// service — submitted with broadcast_tx_sync through the actor's validator
// (actors are spread over the four). An actor submits its next operation
// only once the previous one is committed, as a registry client must (see
// docs/performance.md: a CometBFT v0.38 mempool may reorder two pipelined
// operations of one actor). Sub-benchmarks:
//
//   - sequential: one transaction at a time in the whole network,
//     submitted and awaited (broadcast_tx_commit): the commit latency of an
//     idle network;
//   - saturated: every actor keeps one operation in flight: the sustained
//     throughput (the latency is then benchActors / throughput, Little's
//     law);
//   - paced-300: 300 operations per second, open loop, the target rate:
//     the commit latency at that load, and whether the network keeps up.
//
// Reported: tx/s (the sustained commit rate: transactions committed after
// the first block that held one, over the time from that block to the
// last), p50- and p99-commit-ms (from submission to node 0 finalizing the
// block that holds it), tx/block.
func BenchmarkLedgerThroughput(b *testing.B) {
	c := startCluster(b, 4)
	c.waitConnected(30 * time.Second)
	c.waitHeight(30*time.Second, 1)
	ctx := context.Background()
	actors := benchSetup(b, c, benchActors)

	b.Run("sequential", func(b *testing.B) {
		var lat []time.Duration
		i := 0
		start := time.Now()
		for b.Loop() {
			a := actors[i%len(actors)]
			tx, err := a.next()
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			res, err := c.nodes[a.node].Submit(ctx, tx)
			if err != nil || res.Code != registry.OK {
				b.Fatalf("submit: %+v %v", res, err)
			}
			lat = append(lat, time.Since(t0))
			i++
		}
		report(b, float64(len(lat))/time.Since(start).Seconds(), lat, 0)
	})
	b.Run("saturated", func(b *testing.B) { runLoad(b, c, actors, 0) })
	b.Run("paced-300", func(b *testing.B) { runLoad(b, c, actors, 300) })
}

// BenchmarkOneValidatorCommit is the latency of one validator committing
// one transaction at a time (a did.create by an agency, submitted and
// awaited with broadcast_tx_commit): the embedded default of `seoulid up`.
func BenchmarkOneValidatorCommit(b *testing.B) {
	c := startCluster(b, 1)
	c.waitHeight(30*time.Second, 1)
	ctx := context.Background()
	var lat []time.Duration
	start := time.Now()
	for b.Loop() {
		tx := c.createTx(c.agencies[0], newKey(b))
		t0 := time.Now()
		res, err := c.nodes[0].Submit(ctx, tx)
		if err != nil || res.Code != registry.OK {
			b.Fatalf("submit: %+v %v", res, err)
		}
		lat = append(lat, time.Since(t0))
	}
	report(b, float64(len(lat))/time.Since(start).Seconds(), lat, 0)
}

// benchActor is a service DID that submits its own updates, always
// through the same validator.
type benchActor struct {
	key  *keys.PrivateKey
	node int
	c    *cluster
}

// next signs the actor's next did.update.
func (a *benchActor) next() (*registry.Tx, error) {
	o := a.c.op(a.key, registry.Op{Type: registry.OpDIDUpdate, DID: didOf(a.key), Keys: []registry.Key{keyEntry(a.key)}})
	o.Services = []registry.Service{{ID: "api", Type: "LinkedDomains", Endpoint: fmt.Sprintf("https://svc.example.seoul.go.kr/v/%d", o.Seq)}}
	return registry.SignOp(context.Background(), o, a.key)
}

// benchSetup has the founding agencies create n service DIDs and waits
// until every validator has them. Each agency pipelines its creations
// through one validator (broadcast_tx_sync, consecutive sequence
// numbers); the few that a reordering mempool loses are created again in
// another round, from the sequence number the ledger reports.
func benchSetup(b *testing.B, c *cluster, n int) []*benchActor {
	b.Helper()
	ctx := context.Background()
	actors := make([]*benchActor, n)
	for i := range actors {
		actors[i] = &benchActor{key: newKey(b), node: i % len(c.nodes), c: c}
	}
	start := time.Now()
	r := c.nodes[0].Reader()
	round := 0
	for ; ; round++ {
		missing := make([][]*benchActor, len(c.agencies))
		left := 0
		for i, a := range actors {
			if _, err := r.Resolve(ctx, didOf(a.key)); err != nil {
				missing[i%len(c.agencies)] = append(missing[i%len(c.agencies)], a)
				left++
			}
		}
		if left == 0 {
			break
		}
		if round == 5 {
			b.Fatalf("%d actors still missing after %d rounds", left, round)
		}
		errs := make(chan error, len(c.agencies))
		for ag, list := range missing {
			agency := c.agencies[ag]
			seq, _ := r.Sequence(ctx, didOf(agency))
			c.resync(didOf(agency), seq)
			txs := make([][]byte, len(list))
			for j, a := range list {
				txs[j] = c.createTx(agency, a.key).Encode()
			}
			go func() {
				cl := local.New(c.nodes[ag%len(c.nodes)].cmt)
				for _, tx := range txs {
					res, err := cl.BroadcastTxSync(ctx, tx)
					if err == nil && res.Code != 0 {
						err = fmt.Errorf("code %d: %s", res.Code, res.Log)
					}
					if err != nil {
						errs <- err // left for the next round
						return
					}
				}
				errs <- nil
			}()
		}
		for range c.agencies {
			if err := <-errs; err != nil {
				b.Logf("round %d: %v", round, err)
			}
		}
		c.settle(2 * time.Minute)
	}
	b.Logf("%d actors created in %v (%d rounds)", n, time.Since(start).Round(time.Millisecond), round)
	return actors
}

// resync sets the last sequence number of actor, as the ledger reports it.
func (c *cluster) resync(actor string, seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq[actor] = seq
}

// lastSeq is the last sequence number the cluster gave actor.
func (c *cluster) lastSeq(actor string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq[actor]
}

// runLoad submits one did.update per iteration, each by an actor with
// nothing in flight, at rate per second (0: whenever an actor is free),
// and reports.
func runLoad(b *testing.B, c *cluster, actors []*benchActor, rate float64) {
	ctx := context.Background()
	idle := make(chan *benchActor, len(actors))
	for _, a := range actors {
		idle <- a
	}
	tr := newTracker(c.nodes[0], idle)
	defer tr.stop()
	clients := make([]*local.Local, len(c.nodes))
	for i, nd := range c.nodes {
		clients[i] = local.New(nd.cmt)
	}
	work := make(chan *benchActor)
	var wg sync.WaitGroup
	var rejected atomic.Int64
	var firstErr atomic.Value
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range work {
				tx, err := a.next()
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					rejected.Add(1)
					idle <- a
					continue
				}
				raw := tx.Encode()
				tr.submitted(raw, a)
				res, err := clients[a.node].BroadcastTxSync(ctx, raw)
				if err == nil && res.Code != 0 {
					err = fmt.Errorf("code %d: %s", res.Code, res.Log)
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					rejected.Add(1)
					c.unuse(tx.Op())
					tr.forget(raw)
				}
			}
		}()
	}

	i := 0
	start := time.Now()
	for b.Loop() {
		if rate > 0 {
			if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
				time.Sleep(d)
			}
		}
		work <- <-idle
		i++
	}
	close(work)
	wg.Wait()
	if !tr.drain(2 * time.Minute) {
		b.Errorf("%d transactions not committed after two minutes", tr.pendingCount())
	}
	if n := rejected.Load(); n > 0 {
		b.Errorf("%d of %d transactions rejected at CheckTx; the first: %v", n, i, firstErr.Load())
	}
	committed, lat, blocks := tr.results()
	if committed == 0 {
		b.Fatal("nothing committed")
	}

	// Every update took effect: each actor's sequence number on node 0 is
	// the last one it used, and no block holds a rejected transaction.
	for _, a := range actors {
		if s, _ := c.nodes[0].Reader().Sequence(ctx, didOf(a.key)); s != c.lastSeq(didOf(a.key)) {
			b.Errorf("actor %s at sequence %d, want %d", didOf(a.key), s, c.lastSeq(didOf(a.key)))
			break
		}
	}
	inBlocks, firstReason := 0, ""
	for h := tr.startHeight; h <= c.nodes[0].Reader().Height(); h++ {
		res, err := clients[0].BlockResults(ctx, &h)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res.TxsResults {
			if r.Code != 0 {
				if inBlocks == 0 {
					firstReason = fmt.Sprintf("height %d: %s", h, r.Log)
				}
				inBlocks++
			}
		}
	}
	if inBlocks > 0 {
		b.Errorf("%d transactions rejected in blocks; the first at %s", inBlocks, firstReason)
	}
	report(b, tr.steady(), lat, float64(committed)/float64(max(blocks, 1)))
}

// report sets the benchmark's metrics.
func report(b *testing.B, txps float64, lat []time.Duration, perBlock float64) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(txps, "tx/s")
	b.ReportMetric(pct(0.50), "p50-commit-ms")
	b.ReportMetric(pct(0.99), "p99-commit-ms")
	b.ReportMetric(1e9/txps, "ns/op")
	if perBlock > 0 {
		b.ReportMetric(perBlock, "tx/block")
	}
}

// tracker watches the blocks node n finalizes, times each submitted
// transaction from submission to its block, and frees its actor.
type tracker struct {
	n           *Node
	startHeight int64
	idle        chan *benchActor
	done        chan struct{}
	stopped     chan struct{}

	mu      sync.Mutex
	pending map[[32]byte]submission
	lat     []time.Duration
	blocks  int
	// The first and last blocks that held a tracked transaction: when
	// they were seen and how many the first held.
	firstAt, lastAt time.Time
	firstN          int
	firstSubmitted  time.Time
}

type submission struct {
	at    time.Time
	actor *benchActor
}

func newTracker(n *Node, idle chan *benchActor) *tracker {
	tr := &tracker{n: n, startHeight: n.Reader().Height() + 1, idle: idle,
		done: make(chan struct{}), stopped: make(chan struct{}), pending: map[[32]byte]submission{}}
	go tr.watch()
	return tr
}

func (tr *tracker) submitted(tx []byte, a *benchActor) {
	now := time.Now()
	tr.mu.Lock()
	if tr.firstSubmitted.IsZero() {
		tr.firstSubmitted = now
	}
	tr.pending[sha256.Sum256(tx)] = submission{now, a}
	tr.mu.Unlock()
}

// forget drops a transaction rejected before any block, freeing its actor.
func (tr *tracker) forget(tx []byte) {
	key := sha256.Sum256(tx)
	tr.mu.Lock()
	s := tr.pending[key]
	delete(tr.pending, key)
	tr.mu.Unlock()
	tr.idle <- s.actor
}

func (tr *tracker) watch() {
	defer close(tr.stopped)
	next := tr.startHeight
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tr.done:
			return
		case <-tick.C:
		}
		for h := tr.n.Reader().Height(); next <= h; next++ {
			blk := tr.n.cmt.BlockStore().LoadBlock(next)
			if blk == nil {
				break
			}
			now := time.Now()
			var freed []*benchActor
			tr.mu.Lock()
			for _, tx := range blk.Txs {
				key := sha256.Sum256(tx)
				if s, ok := tr.pending[key]; ok {
					delete(tr.pending, key)
					tr.lat = append(tr.lat, now.Sub(s.at))
					freed = append(freed, s.actor)
				}
			}
			if len(freed) > 0 {
				if tr.blocks == 0 {
					tr.firstAt, tr.firstN = now, len(freed)
				}
				tr.lastAt = now
				tr.blocks++
			}
			tr.mu.Unlock()
			for _, a := range freed {
				tr.idle <- a
			}
		}
	}
}

func (tr *tracker) pendingCount() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.pending)
}

// drain waits until every submitted transaction is committed.
func (tr *tracker) drain(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for tr.pendingCount() > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func (tr *tracker) stop() {
	close(tr.done)
	<-tr.stopped
}

func (tr *tracker) results() (int, []time.Duration, int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.lat), slices.Clone(tr.lat), tr.blocks
}

// steady is the sustained commit rate: the transactions committed after
// the first block that held one, over the time from that block to the
// last (so neither the first commit's latency nor the ramp counts); with
// a single block, the transactions over the time from the first
// submission.
func (tr *tracker) steady() float64 {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.blocks < 2 {
		return float64(len(tr.lat)) / tr.lastAt.Sub(tr.firstSubmitted).Seconds()
	}
	return float64(len(tr.lat)-tr.firstN) / tr.lastAt.Sub(tr.firstAt).Seconds()
}
