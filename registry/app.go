package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"
)

// AppVersion is the version of the state machine's rules, reported to
// CometBFT. A change to what a transaction does is a new version.
const AppVersion = 1

// App is the registry's state machine: a CometBFT ABCI 2.0 application
// (v0.38) that the node links in-process. It is safe for concurrent use:
// CometBFT calls it from its connections, and readers (Reader) read the
// committed state at the same time.
type App struct {
	abci.BaseApplication

	db  dbm.DB
	log *slog.Logger

	// mu guards st and the fields below it. Only FinalizeBlock, InitChain
	// and Commit write them (CometBFT calls those one at a time); readers
	// and CheckTx read under RLock, so a block's execution — signature
	// checks included — never holds readers up: only its final apply does.
	mu        sync.RWMutex
	st        *state
	chain     string
	lastTime  time.Time         // the time of the last block
	pending   map[string][]byte // encoded changes not yet persisted (nil value: delete)
	checkMu   sync.Mutex        // guards check; taken before mu
	check     *overlay          // the mempool's view: committed state plus checked transactions
	blockTime time.Time         // time of the block being finalized
}

// The database keys: state records under "s/", metadata under "m/".
const (
	dbState     = "s/"
	metaHeight  = "m/height"
	metaAppHash = "m/apphash"
	metaChain   = "m/chain"
	metaTime    = "m/time"
)

// OpenApp opens (or creates) the registry state in db, as persisted by the
// last Commit. A nil logger discards logs.
func OpenApp(db dbm.DB, logger *slog.Logger) (*App, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &App{db: db, log: logger, st: newState(), pending: map[string][]byte{}}
	it, err := db.Iterator([]byte(dbState), []byte("s0"))
	if err != nil {
		return nil, fmt.Errorf("registry: reading state: %w", err)
	}
	changes := map[string]any{}
	for ; it.Valid(); it.Next() {
		key := string(it.Key()[len(dbState):])
		v, err := decodeRecord(key, it.Value())
		if err != nil {
			it.Close()
			return nil, fmt.Errorf("registry: state record %q: %w", key, err)
		}
		changes[key] = v
	}
	if err := it.Error(); err != nil {
		it.Close()
		return nil, fmt.Errorf("registry: reading state: %w", err)
	}
	it.Close()
	if _, err := a.st.apply(changes); err != nil {
		return nil, err
	}
	if h, err := db.Get([]byte(metaHeight)); err != nil {
		return nil, err
	} else if h != nil {
		if err := json.Unmarshal(h, &a.st.height); err != nil {
			return nil, fmt.Errorf("registry: height: %w", err)
		}
	}
	if a.st.appHash, err = db.Get([]byte(metaAppHash)); err != nil {
		return nil, err
	}
	if c, err := db.Get([]byte(metaChain)); err != nil {
		return nil, err
	} else {
		a.chain = string(c)
	}
	if t, err := db.Get([]byte(metaTime)); err != nil {
		return nil, err
	} else if t != nil {
		if err := a.lastTime.UnmarshalText(t); err != nil {
			return nil, fmt.Errorf("registry: time: %w", err)
		}
	}
	if a.st.height > 0 && string(a.st.hash()) != string(a.st.appHash) {
		return nil, fmt.Errorf("registry: the stored state does not match its app hash at height %d: the database is damaged", a.st.height)
	}
	a.check = newOverlay(a.st)
	return a, nil
}

// Info tells CometBFT how far the application got, so that the handshake
// replays the blocks it has not committed (crash recovery).
func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return &abci.ResponseInfo{
		Data:             "seoulid registry",
		Version:          "1",
		AppVersion:       AppVersion,
		LastBlockHeight:  a.st.height,
		LastBlockAppHash: a.st.appHash,
	}, nil
}

// InitChain sets up the genesis state from the genesis document's
// app_state: the council and its agencies (see Genesis).
func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	var g Genesis
	if err := strictUnmarshal(req.AppStateBytes, &g); err != nil {
		return nil, fmt.Errorf("registry: genesis app_state: %w", err)
	}
	o := newOverlay(newState())
	if err := g.apply(o, req.Time); err != nil {
		return nil, fmt.Errorf("registry: genesis: %w", err)
	}
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.st = newState()
	a.chain = req.ChainId
	a.lastTime = req.Time.UTC()
	enc, err := a.st.apply(o.changes)
	if err != nil {
		return nil, err
	}
	for k, v := range enc {
		a.pending[k] = v
	}
	a.st.appHash = a.st.hash()
	a.check = newOverlay(a.st)
	a.log.Info("genesis", "chain", req.ChainId, "agencies", len(g.Agencies), "threshold", g.Threshold)
	return &abci.ResponseInitChain{AppHash: a.st.appHash}, nil
}

// CheckTx admits a transaction to the mempool if it would be valid on top
// of the committed state and the transactions already admitted.
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	tx, rej := DecodeTx(req.Tx)
	if rej == nil {
		a.checkMu.Lock()
		a.mu.RLock()
		rej = execute(a.check, tx, env{chain: a.chain, height: a.st.height + 1, time: a.lastTime})
		a.mu.RUnlock()
		a.checkMu.Unlock()
	}
	if rej != nil {
		return &abci.ResponseCheckTx{Code: uint32(rej.Code), Log: rej.Error(), Codespace: "registry"}, nil
	}
	return &abci.ResponseCheckTx{Code: uint32(OK)}, nil
}

// FinalizeBlock executes a decided block: each transaction is checked by
// the same function as in CheckTx and, if valid, applied. It returns the
// app hash of the resulting state.
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	a.mu.RLock()
	if req.Height != a.st.height+1 {
		a.mu.RUnlock()
		return nil, fmt.Errorf("registry: asked to finalize block %d after %d", req.Height, a.st.height)
	}
	// Versions carry block time to the second, as DID metadata writes it
	// (so a time read from metadata resolves to the same version).
	e := env{chain: a.chain, height: req.Height, time: req.Time.UTC().Truncate(time.Second)}
	o := newOverlay(a.st)
	results := make([]*abci.ExecTxResult, len(req.Txs))
	for i, raw := range req.Txs {
		tx, rej := DecodeTx(raw)
		if rej == nil {
			rej = execute(o, tx, e)
		}
		if rej != nil {
			results[i] = &abci.ExecTxResult{Code: uint32(rej.Code), Log: rej.Error(), Codespace: "registry"}
			continue
		}
		results[i] = &abci.ExecTxResult{Code: uint32(OK), Events: []abci.Event{{
			Type: "registry",
			Attributes: []abci.EventAttribute{
				{Key: "op", Value: tx.op.Type, Index: true},
				{Key: "actor", Value: tx.op.Actor, Index: true},
				{Key: "did", Value: tx.op.DID, Index: true},
			},
		}}}
	}
	a.mu.RUnlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	enc, err := a.st.apply(o.changes)
	if err != nil {
		return nil, err
	}
	for k, v := range enc {
		a.pending[k] = v
	}
	a.st.height = req.Height
	a.st.appHash = a.st.hash()
	a.blockTime = e.time
	return &abci.ResponseFinalizeBlock{TxResults: results, AppHash: a.st.appHash}, nil
}

// Commit makes the finalized block durable: every changed record, the
// height, the app hash and the block time in one synchronous batch, so a
// crash leaves either the previous state or this one.
func (a *App) Commit(context.Context, *abci.RequestCommit) (*abci.ResponseCommit, error) {
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.db.NewBatch()
	defer b.Close()
	for k, v := range a.pending {
		var err error
		if v == nil {
			err = b.Delete([]byte(dbState + k))
		} else {
			err = b.Set([]byte(dbState+k), v)
		}
		if err != nil {
			return nil, fmt.Errorf("registry: commit: %w", err)
		}
	}
	h, _ := json.Marshal(a.st.height)
	if !a.blockTime.IsZero() {
		a.lastTime = a.blockTime
	}
	t, _ := a.lastTime.MarshalText()
	for k, v := range map[string][]byte{metaHeight: h, metaAppHash: a.st.appHash, metaChain: []byte(a.chain), metaTime: t} {
		if err := b.Set([]byte(k), v); err != nil {
			return nil, fmt.Errorf("registry: commit: %w", err)
		}
	}
	if err := b.WriteSync(); err != nil {
		return nil, fmt.Errorf("registry: commit: %w", err)
	}
	a.pending = map[string][]byte{}
	a.check = newOverlay(a.st)
	return &abci.ResponseCommit{}, nil
}

// Query answers reads over ABCI for clients of a remote node. Paths:
// /did/<did>, /issuer/<did>, /verifier/<did>, /status/<uri>, /council,
// /catalogue, /agency/<did>, /seq/<did>. The value is the record's JSON
// (for /seq, the last sequence number, 0 before the first operation); a
// missing record is code CodeNotFound.
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	key := strings.TrimPrefix(req.Path, "/")
	a.mu.RLock()
	v, ok := a.st.records[key]
	height := a.st.height
	a.mu.RUnlock()
	if strings.HasPrefix(key, prefixSeq) {
		n, _ := v.(uint64)
		b, _ := json.Marshal(n)
		return &abci.ResponseQuery{Code: uint32(OK), Key: []byte(key), Value: b, Height: height}, nil
	}
	if !ok {
		return &abci.ResponseQuery{Code: uint32(CodeNotFound), Log: "not found: " + req.Path, Height: height}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &abci.ResponseQuery{Code: uint32(OK), Key: []byte(key), Value: b, Height: height}, nil
}

// Height is the height of the last committed block.
func (a *App) Height() int64 {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.st.height
}
