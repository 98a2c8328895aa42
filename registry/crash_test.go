package registry_test

import (
	"bytes"
	"context"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/seoulid/seoulid/registry"
	rt "github.com/seoulid/seoulid/registry/registrytest"
)

// TestCrashBeforeCommit: a node that dies after executing a block but
// before committing it (kill -9 between FinalizeBlock and Commit) restarts
// at the previous height, and replaying the block — as CometBFT's
// handshake does — reaches the same state and app hash.
func TestCrashBeforeCommit(t *testing.T) {
	ctx := context.Background()
	l := rt.New(t)
	seoul := l.Agencies[0]
	l.Create(seoul)
	before, _ := l.App.Info(ctx, &abci.RequestInfo{})

	k := rt.NewKey(t)
	tx := l.Sign(l.Op(seoul, registry.Op{Type: registry.OpDIDCreate, DID: rt.DIDOf(k), Keys: []registry.Key{rt.KeyEntry(k, "key-1")}}), seoul, k)
	req := &abci.RequestFinalizeBlock{Height: before.LastBlockHeight + 1, Time: rt.BlockTime(before.LastBlockHeight + 1), Txs: [][]byte{tx}}
	res, err := l.App.FinalizeBlock(ctx, req)
	if err != nil || res.TxResults[0].Code != 0 {
		t.Fatalf("finalize: %v %+v", err, res)
	}
	// The crash: no Commit. The process is gone; the database is what it
	// was after the last Commit.
	restarted, err := registry.OpenApp(l.DB, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := restarted.Info(ctx, &abci.RequestInfo{})
	if info.LastBlockHeight != before.LastBlockHeight || !bytes.Equal(info.LastBlockAppHash, before.LastBlockAppHash) {
		t.Fatalf("after the crash: height %d hash %x, want %d %x", info.LastBlockHeight, info.LastBlockAppHash, before.LastBlockHeight, before.LastBlockAppHash)
	}
	if _, err := restarted.Reader().Resolve(ctx, rt.DIDOf(k)); err == nil {
		t.Fatal("an uncommitted DID survived the crash")
	}
	// The handshake replays the block.
	replayed, err := restarted.FinalizeBlock(ctx, req)
	if err != nil || !bytes.Equal(replayed.AppHash, res.AppHash) || replayed.TxResults[0].Code != 0 {
		t.Fatalf("replay: %v, hash %x want %x", err, replayed.AppHash, res.AppHash)
	}
	if _, err := restarted.Commit(ctx, &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	if _, err := restarted.Reader().Resolve(ctx, rt.DIDOf(k)); err != nil {
		t.Fatalf("after the replay: %v", err)
	}
}
