package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cometbft/cometbft/mempool"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/seoulid/seoulid/registry"
)

// Remote is a client of a registry node over its CometBFT RPC (for the
// command line and for services in other processes): it submits
// transactions and reads records with ABCI queries.
type Remote struct {
	c *rpchttp.HTTP
}

// Dial connects to a node's RPC address ("http://127.0.0.1:26657" or
// "tcp://…").
func Dial(rpc string) (*Remote, error) {
	c, err := rpchttp.New(rpc, "/websocket")
	if err != nil {
		return nil, fmt.Errorf("node: %s: %w", rpc, err)
	}
	return &Remote{c: c}, nil
}

// ChainID asks the node for its chain id.
func (r *Remote) ChainID(ctx context.Context) (string, error) {
	st, err := r.c.Status(ctx)
	if err != nil {
		return "", fmt.Errorf("node: status: %w", err)
	}
	return st.NodeInfo.Network, nil
}

// Submit broadcasts a transaction and waits until it is committed or
// rejected.
func (r *Remote) Submit(ctx context.Context, tx *registry.Tx) (*Result, error) {
	res, err := r.c.BroadcastTxCommit(ctx, tx.Encode())
	return result(res, err)
}

func result(res *ctypes.ResultBroadcastTxCommit, err error) (*Result, error) {
	if err != nil && strings.Contains(err.Error(), mempool.ErrTxInCache.Error()) {
		return &Result{Code: registry.CodeSequence, Reason: "this transaction was already submitted (a replay)"}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("node: broadcast: %w", err)
	}
	out := &Result{Hash: res.Hash.String(), Height: res.Height}
	switch {
	case res.CheckTx.Code != 0:
		out.Code, out.Reason, out.Height = registry.Code(res.CheckTx.Code), res.CheckTx.Log, 0
	case res.TxResult.Code != 0:
		out.Code, out.Reason = registry.Code(res.TxResult.Code), res.TxResult.Log
	}
	return out, nil
}

// ErrNotFound is returned by Query for a record the ledger does not hold.
var ErrNotFound = errors.New("node: not found")

// Query reads a record (see registry.App.Query for the paths) into v.
func (r *Remote) Query(ctx context.Context, path string, v any) error {
	res, err := r.c.ABCIQuery(ctx, path, nil)
	if err != nil {
		return fmt.Errorf("node: query %s: %w", path, err)
	}
	if res.Response.Code == uint32(registry.CodeNotFound) {
		return fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	if res.Response.Code != 0 {
		return fmt.Errorf("node: query %s: %s", path, res.Response.Log)
	}
	return json.Unmarshal(res.Response.Value, v)
}

// NextSequence is the sequence number the next operation of actor must
// carry.
func (r *Remote) NextSequence(ctx context.Context, actor string) (uint64, error) {
	var n uint64
	if err := r.Query(ctx, "/seq/"+actor, &n); err != nil {
		return 0, err
	}
	return n + 1, nil
}
