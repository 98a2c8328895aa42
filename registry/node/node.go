package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	nm "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/rpc/client/local"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/spf13/viper"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/registry"
)

// AgencySpec names a founding agency.
type AgencySpec struct {
	Slug string // file name of its key: agencies/<slug>.jwk
	Name registry.Names
}

// DefaultAgencies are the genesis council of the seeds.
var DefaultAgencies = []AgencySpec{
	{"seoul", registry.Names{Ko: "서울특별시", En: "Seoul Metropolitan Government"}},
	{"mois", registry.Names{Ko: "행정안전부", En: "Ministry of the Interior and Safety"}},
	{"moel", registry.Names{Ko: "고용노동부", En: "Ministry of Employment and Labor"}},
	{"mohw", registry.Names{Ko: "보건복지부", En: "Ministry of Health and Welfare"}},
	{"nhis", registry.Names{Ko: "국민건강보험공단", En: "National Health Insurance Service"}},
}

// Options configure Init and Testnet. The zero value makes the default
// local network.
type Options struct {
	// ChainID; "" means "seoulid-local".
	ChainID string
	// Agencies are the founding agencies, all on the council; nil means
	// DefaultAgencies.
	Agencies []AgencySpec
	// Threshold is how many council signatures a council operation needs;
	// 0 means a simple majority.
	Threshold int
	// P2PPort and RPCPort are the first node's ports on 127.0.0.1; 0 means
	// 26656 and 26657. Testnet gives node i these plus 10*i.
	P2PPort, RPCPort int
	// EmptyBlockInterval is how long a node waits for a transaction before
	// making an empty block anyway; 0 means 30 s. Block time, which dates
	// every DID version, comes from the votes on the previous block, so it
	// trails the wall clock by up to this interval.
	EmptyBlockInterval time.Duration
	// Now is the clock of the genesis time; nil means time.Now.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.ChainID == "" {
		o.ChainID = "seoulid-local"
	}
	if o.Agencies == nil {
		o.Agencies = DefaultAgencies
	}
	if o.Threshold == 0 {
		o.Threshold = len(o.Agencies)/2 + 1
	}
	if o.P2PPort == 0 {
		o.P2PPort = 26656
	}
	if o.RPCPort == 0 {
		o.RPCPort = 26657
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.EmptyBlockInterval == 0 {
		o.EmptyBlockInterval = 30 * time.Second
	}
}

// AgencyKey is a founding agency as Init wrote it.
type AgencyKey struct {
	Slug    string         `json:"slug"`
	Name    registry.Names `json:"name"`
	DID     string         `json:"did"`
	KeyID   string         `json:"kid"`
	KeyFile string         `json:"key_file"`
}

// Network is what Init or Testnet wrote.
type Network struct {
	ChainID   string      `json:"chain_id"`
	Homes     []string    `json:"homes"`
	RPC       []string    `json:"rpc"` // each node's RPC address
	Agencies  []AgencyKey `json:"agencies"`
	Threshold int         `json:"threshold"`
}

// ErrExists is returned by Init when the home already holds a node.
var ErrExists = errors.New("node: the home directory already holds a node")

// Init writes a one-validator network to home.
func Init(home string, opts Options) (*Network, error) {
	return Testnet(home, 1, opts)
}

// Testnet writes a network of n validators: one home per node (dir itself
// when n is 1, else dir/node0 … dir/node<n-1>), all on 127.0.0.1 with
// distinct ports and each other as persistent peers, one genesis, and the
// founding agencies' keys (under the first home).
func Testnet(dir string, n int, opts Options) (*Network, error) {
	if n < 1 || n > 32 {
		return nil, fmt.Errorf("node: a network has 1 to 32 validators, not %d", n)
	}
	opts.defaults()
	homes := []string{dir}
	if n > 1 {
		homes = make([]string, n)
		for i := range homes {
			homes[i] = filepath.Join(dir, fmt.Sprintf("node%d", i))
		}
	}
	for _, h := range homes {
		if _, err := os.Stat(filepath.Join(h, "config", "genesis.json")); err == nil {
			return nil, fmt.Errorf("%w: %s", ErrExists, h)
		}
	}
	net := &Network{ChainID: opts.ChainID, Homes: homes, Threshold: opts.Threshold}

	// The founding agencies: a controller key each, written once.
	keyDir := filepath.Join(homes[0], "agencies")
	if err := os.MkdirAll(keyDir, 0o700); err != nil {
		return nil, err
	}
	var g registry.Genesis
	for _, a := range opts.Agencies {
		k, err := keys.Generate(keys.EdDSA)
		if err != nil {
			return nil, err
		}
		d := registry.DeriveDID(k.Public())
		k = k.WithKeyID(d + "#key-1")
		b, err := k.MarshalPrivateJWK()
		if err != nil {
			return nil, err
		}
		file := filepath.Join(keyDir, a.Slug+".jwk")
		if err := writeNew(file, append(b, '\n')); err != nil {
			return nil, err
		}
		jwk := k.Public().JWK()
		delete(jwk, "kid")
		g.Agencies = append(g.Agencies, registry.GenesisAgency{
			DID: d, Name: a.Name,
			Keys: []registry.Key{{ID: "key-1", JWK: jwk, Purposes: []string{registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod, registry.PurposeAuthentication}}},
		})
		g.Council = append(g.Council, d)
		net.Agencies = append(net.Agencies, AgencyKey{Slug: a.Slug, Name: a.Name, DID: d, KeyID: d + "#key-1", KeyFile: file})
	}
	g.Threshold = opts.Threshold
	appState, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}

	// CometBFT: config, keys, genesis.
	gen := cmttypes.GenesisDoc{
		ChainID:         opts.ChainID,
		GenesisTime:     opts.Now().UTC(),
		ConsensusParams: cmttypes.DefaultConsensusParams(),
		AppState:        appState,
	}
	gen.ConsensusParams.Block.MaxBytes = 4 << 20
	var ids []string
	configs := make([]*cfg.Config, n)
	for i, h := range homes {
		c := config(h, opts.P2PPort+10*i, opts.RPCPort+10*i, opts.EmptyBlockInterval)
		cfg.EnsureRoot(h)
		if err := os.MkdirAll(filepath.Join(h, "data"), 0o700); err != nil {
			return nil, err
		}
		pv := privval.GenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
		pv.Save()
		nk, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile())
		if err != nil {
			return nil, err
		}
		pub, err := pv.GetPubKey()
		if err != nil {
			return nil, err
		}
		gen.Validators = append(gen.Validators, cmttypes.GenesisValidator{
			Address: pub.Address(), PubKey: pub, Power: 10, Name: fmt.Sprintf("node%d", i),
		})
		ids = append(ids, fmt.Sprintf("%s@127.0.0.1:%d", nk.ID(), opts.P2PPort+10*i))
		configs[i] = c
		net.RPC = append(net.RPC, fmt.Sprintf("http://127.0.0.1:%d", opts.RPCPort+10*i))
	}
	if err := gen.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("node: genesis: %w", err)
	}
	for i, h := range homes {
		c := configs[i]
		var peers []string
		for j, id := range ids {
			if j != i {
				peers = append(peers, id)
			}
		}
		c.P2P.PersistentPeers = strings.Join(peers, ",")
		cfg.WriteConfigFile(filepath.Join(h, "config", "config.toml"), c)
		if err := gen.SaveAs(c.GenesisFile()); err != nil {
			return nil, err
		}
	}
	b, _ := json.MarshalIndent(net, "", "  ")
	if err := os.WriteFile(filepath.Join(homes[0], "network.json"), append(b, '\n'), 0o600); err != nil {
		return nil, err
	}
	return net, nil
}

// config is the CometBFT configuration of a registry node: loopback
// addresses, a block as soon as there are transactions and an empty one
// after emptyEvery without any (so that block time keeps up with the
// clock), a short commit timeout (the registry is small and its
// validators are few).
func config(home string, p2pPort, rpcPort int, emptyEvery time.Duration) *cfg.Config {
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	c.Moniker = filepath.Base(home)
	c.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", p2pPort)
	c.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", rpcPort)
	c.P2P.AllowDuplicateIP = true
	c.P2P.AddrBookStrict = false
	c.P2P.PexReactor = false
	c.Consensus.TimeoutCommit = 200 * time.Millisecond
	// Gossip without CometBFT's default 100 ms throttles: on a LAN of a
	// few validators they only add latency (docs/performance.md: idle
	// commit 0.51 → 0.24 s, p50 at 300 tx/s 1.07–1.45 → 0.23–0.39 s with four
	// validators). timeout_commit stays at 200 ms: shorter, validators move
	// on before the slowest one's precommits arrive.
	c.P2P.FlushThrottleTimeout = 10 * time.Millisecond
	c.Consensus.PeerGossipSleepDuration = 10 * time.Millisecond
	c.Consensus.TimeoutPropose = 1 * time.Second
	c.Consensus.CreateEmptyBlocks = false
	c.Consensus.CreateEmptyBlocksInterval = emptyEvery
	c.Instrumentation.Prometheus = false
	c.TxIndex.Indexer = "kv"
	c.LogLevel = "error"
	return c
}

// Node is a running registry node.
type Node struct {
	cmt  *nm.Node
	app  *registry.App
	db   dbm.DB
	home string
	dbs  *openDBs
}

// openDBs remembers the databases CometBFT opens, because Node.Stop in
// v0.38 does not close all of them (the transaction index stays open and
// locked), and a node restarted in the same process must open them again.
type openDBs struct {
	mu  sync.Mutex
	dbs []dbm.DB
}

func (o *openDBs) provider(ctx *cfg.DBContext) (dbm.DB, error) {
	db, err := cfg.DefaultDBProvider(ctx)
	if err == nil {
		o.mu.Lock()
		o.dbs = append(o.dbs, db)
		o.mu.Unlock()
	}
	return db, err
}

func (o *openDBs) closeAll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, db := range o.dbs {
		_ = db.Close() // some are closed already by the node; that error means nothing
	}
	o.dbs = nil
}

// Start runs the node whose home Init or Testnet wrote. The registry's
// state lives in home/data/registry.db. A nil logger discards logs.
func Start(home string, logger *slog.Logger) (*Node, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	if err := loadConfig(c, home); err != nil {
		return nil, err
	}
	db, err := dbm.NewDB("registry", dbm.GoLevelDBBackend, filepath.Join(home, "data"))
	if err != nil {
		return nil, fmt.Errorf("node: opening the registry state: %w", err)
	}
	app, err := registry.OpenApp(db, logger.With("module", "registry"))
	if err != nil {
		db.Close()
		return nil, err
	}
	pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	nk, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("node: node key: %w", err)
	}
	dbs := &openDBs{}
	n, err := nm.NewNode(c, pv, nk, proxy.NewLocalClientCreator(app), nm.DefaultGenesisDocProviderFunc(c),
		dbs.provider, nm.DefaultMetricsProvider(c.Instrumentation), slogLogger{logger.With("module", "cometbft")})
	if err != nil {
		dbs.closeAll()
		db.Close()
		return nil, fmt.Errorf("node: %w", err)
	}
	if err := n.Start(); err != nil {
		dbs.closeAll()
		db.Close()
		return nil, fmt.Errorf("node: starting: %w", err)
	}
	return &Node{cmt: n, app: app, db: db, home: home, dbs: dbs}, nil
}

// loadConfig reads home/config/config.toml into c.
func loadConfig(c *cfg.Config, home string) error {
	file := filepath.Join(home, "config", "config.toml")
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("node: %s has no node (run seoulid node init --home %s): %w", home, home, err)
	}
	return readTOML(file, c)
}

// Stop stops the node and closes its state.
func (n *Node) Stop() error {
	err := n.cmt.Stop()
	n.cmt.Wait()
	n.dbs.closeAll()
	if cerr := n.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// Reader reads the node's committed registry state.
func (n *Node) Reader() *registry.Reader { return n.app.Reader() }

// RPC is the node's CometBFT RPC address.
func (n *Node) RPC() string { return n.cmt.Config().RPC.ListenAddress }

// Result is what became of a submitted transaction.
type Result struct {
	Code   registry.Code `json:"code"`
	Reason string        `json:"reason,omitempty"`
	Height int64         `json:"height,omitempty"`
	Hash   string        `json:"hash"`
}

// Submit broadcasts a transaction through this node and waits until it is
// committed or rejected.
func (n *Node) Submit(ctx context.Context, tx *registry.Tx) (*Result, error) {
	return result(local.New(n.cmt).BroadcastTxCommit(ctx, tx.Encode()))
}

func writeNew(file string, data []byte) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", ErrExists, file)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// slogLogger adapts slog to CometBFT's logger.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Debug(msg string, kv ...any) { s.l.Debug(msg, kv...) }
func (s slogLogger) Info(msg string, kv ...any)  { s.l.Info(msg, kv...) }
func (s slogLogger) Error(msg string, kv ...any) {
	if stopping(msg, kv) {
		s.l.Debug(msg, kv...)
		return
	}
	s.l.Error(msg, kv...)
}

// stopping reports whether an error CometBFT logs is its listeners
// closing as the node stops: noise, not a failure.
func stopping(msg string, kv []any) bool {
	if msg == "Stopped accept routine, as transport is closed" {
		return true
	}
	for _, v := range kv {
		if err, ok := v.(error); ok && errors.Is(err, net.ErrClosed) {
			return true
		}
	}
	return false
}
func (s slogLogger) With(kv ...any) cmtlog.Logger {
	return slogLogger{s.l.With(kv...)}
}

// readTOML reads a CometBFT config.toml into c, as CometBFT's own command
// does (viper with mapstructure tags), then re-roots it at home.
func readTOML(file string, c *cfg.Config) error {
	v := viper.New()
	v.SetConfigFile(file)
	if err := v.ReadInConfig(); err != nil {
		return fmt.Errorf("node: reading %s: %w", file, err)
	}
	if err := v.Unmarshal(c); err != nil {
		return fmt.Errorf("node: reading %s: %w", file, err)
	}
	c.SetRoot(filepath.Dir(filepath.Dir(file)))
	if err := c.ValidateBasic(); err != nil {
		return fmt.Errorf("node: %s: %w", file, err)
	}
	return nil
}
