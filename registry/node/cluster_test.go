package node

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/registry"
)

// TestFourValidators runs the ledger as the city runs it — one validator
// per agency, here four on loopback in this process — and checks the
// properties a permissioned BFT ledger owes its agencies:
//
//   - without transactions the chain waits: no block but the first (and an
//     empty one every EmptyBlockInterval, 30 s);
//   - operations submitted through any node are committed and every node
//     applies them;
//   - with one validator stopped the other three (30 of 40 voting power,
//     more than two thirds) keep committing;
//   - the stopped validator, restarted from its home, catches up: its
//     registry state reaches the others' height and holds the DIDs
//     created while it was down;
//   - an operation by a key that is not an agency — a fresh key, or a DID
//     on the ledger that is not an agency — is refused by every node with a
//     result code, lands in no block, and creates nothing;
//   - all four validators end with the same app hash and block hash at the
//     same height.
func TestFourValidators(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four validators")
	}
	c := startCluster(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c.waitConnected(30 * time.Second)

	// After the first block, which CometBFT always makes (it proves the
	// genesis app hash), the chain waits for a transaction (or for
	// EmptyBlockInterval, 30 s, far longer than this test waits).
	idle := c.waitHeight(30*time.Second, 1)
	time.Sleep(1500 * time.Millisecond) // several commit timeouts
	if h := c.nodes[0].Reader().Height(); h != idle {
		t.Fatalf("height %d → %d without a transaction", idle, h)
	}
	created := []string{}
	k, res := c.create(ctx, 0, c.agencies[0])
	created = append(created, didOf(k))
	c.waitHeight(30*time.Second, res.Height)

	// Several operations, by different agencies, through different nodes;
	// one of the new DIDs updates itself.
	var svc = k
	for i := 1; i <= 4; i++ {
		k, _ := c.create(ctx, i%4, c.agencies[i%5])
		created = append(created, didOf(k))
	}
	res = c.submit(ctx, 2, c.updateTx(svc))
	c.waitHeight(30*time.Second, res.Height)
	for i, n := range c.nodes {
		for _, d := range created {
			if _, err := n.Reader().Resolve(ctx, d); err != nil {
				t.Fatalf("node %d: %v", i, err)
			}
		}
		rr, err := n.Reader().ResolveVersion(ctx, didOf(svc), registry.ResolveOptions{})
		if err != nil || rr.Metadata.VersionID != "2" {
			t.Fatalf("node %d: the update: %+v %v", i, rr, err)
		}
	}

	// One validator down: three of four still commit.
	c.stop(3)
	down := c.nodes[0].Reader().Height()
	var whileDown []string
	for i := range 3 {
		k, _ := c.create(ctx, 1, c.agencies[i])
		whileDown = append(whileDown, didOf(k))
	}
	res = c.submit(ctx, 1, c.updateTx(svc))
	if res.Height <= down {
		t.Fatalf("height %d while one validator was down, was %d", res.Height, down)
	}
	target := c.waitHeight(30*time.Second, res.Height)
	t.Logf("committed heights %d..%d with node3 down", down+1, target)

	// Restarted, it catches up from its peers: blocks it missed, and the
	// DIDs they created.
	c.start(3)
	eventually(t, 45*time.Second, "node3 caught up", func() bool {
		r := c.nodes[3].Reader()
		if r.Height() < target {
			return false
		}
		for _, d := range whileDown {
			if _, err := r.Resolve(ctx, d); err != nil {
				return false
			}
		}
		return true
	})
	if rr, err := c.nodes[3].Reader().ResolveVersion(ctx, didOf(svc), registry.ResolveOptions{}); err != nil || rr.Metadata.VersionID != "3" {
		t.Fatalf("node3 after catch-up: %+v %v", rr, err)
	}
	c.waitConnected(30 * time.Second)

	// Someone who is not an agency acts as one. A fresh key: its DID is not
	// on the ledger at all. A service DID that is on the ledger: it is not
	// an agency. Every node refuses both at CheckTx, with the code.
	fresh, target1, target2 := newKey(t), newKey(t), newKey(t)
	forged := []struct {
		name string
		tx   *registry.Tx
		want registry.Code
	}{
		{"fresh key", sign(t, &registry.Op{Type: registry.OpDIDCreate, Chain: c.net.ChainID, Actor: didOf(fresh), Seq: 1, DID: didOf(target1),
			Keys: []registry.Key{keyEntry(target1)}}, fresh, target1), registry.CodeNotFound},
		{"service DID", sign(t, c.op(svc, registry.Op{Type: registry.OpDIDCreate, DID: didOf(target2),
			Keys: []registry.Key{keyEntry(target2)}}), svc, target2), registry.CodeUnauthorized},
	}
	c.unuse(forged[1].tx.Op())
	for _, f := range forged {
		for i, n := range c.nodes {
			res, err := n.Submit(ctx, f.tx)
			if err != nil {
				t.Fatalf("%s, node %d: %v", f.name, i, err)
			}
			if res.Code != f.want || res.Height != 0 {
				t.Errorf("%s, node %d: %v (%s) at height %d, want %v", f.name, i, res.Code, res.Reason, res.Height, f.want)
			}
			// The application itself, asked directly, agrees.
			chk, err := n.app.CheckTx(ctx, &abci.RequestCheckTx{Tx: f.tx.Encode()})
			if err != nil || registry.Code(chk.Code) != f.want {
				t.Errorf("%s, node %d: CheckTx %v %v", f.name, i, chk, err)
			}
		}
	}
	// One more block after the attempts; then no node has the DIDs and no
	// block holds the transactions.
	k, res = c.create(ctx, 2, c.agencies[4])
	created = append(created, didOf(k))
	c.waitHeight(30*time.Second, res.Height)
	final := c.settle(30 * time.Second)
	for i, n := range c.nodes {
		for _, d := range []string{didOf(target1), didOf(target2)} {
			if _, err := n.Reader().Resolve(ctx, d); !errors.Is(err, did.ErrNotFound) {
				t.Errorf("node %d: %s: %v, want not found", i, d, err)
			}
		}
		for h := int64(1); h <= final; h++ {
			b := n.cmt.BlockStore().LoadBlock(h)
			if b == nil {
				t.Fatalf("node %d has no block %d", i, h)
			}
			for _, tx := range b.Txs {
				for _, f := range forged {
					if bytes.Equal(tx, f.tx.Encode()) {
						t.Errorf("node %d: block %d holds the %s's transaction", i, h, f.name)
					}
				}
			}
		}
	}

	// One state: the same app hash and block at the same height on every
	// node. The app reports it through ABCI Info, as to CometBFT's handshake.
	var hash, block []byte
	for i, n := range c.nodes {
		info, err := n.app.Info(ctx, &abci.RequestInfo{})
		if err != nil {
			t.Fatal(err)
		}
		if info.LastBlockHeight != final {
			t.Fatalf("node %d at height %d, want %d", i, info.LastBlockHeight, final)
		}
		meta := n.cmt.BlockStore().LoadBlockMeta(final)
		if i == 0 {
			hash, block = info.LastBlockAppHash, meta.BlockID.Hash
			if len(hash) != 32 {
				t.Fatalf("app hash %x", hash)
			}
			continue
		}
		if !bytes.Equal(info.LastBlockAppHash, hash) || !bytes.Equal(meta.BlockID.Hash, block) {
			t.Errorf("node %d at height %d: app hash %X block %X; node 0: %X %X", i, final, info.LastBlockAppHash, meta.BlockID.Hash, hash, block)
		}
		for _, d := range created {
			if _, err := n.Reader().Resolve(ctx, d); err != nil {
				t.Errorf("node %d: %v", i, err)
			}
		}
	}
	t.Logf("4 validators agree at height %d: app hash %X", final, hash)
}
