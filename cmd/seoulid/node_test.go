package main

import "testing"

// TestTranscriptNode: writing networks (the agencies' keys come from the
// fixed random source, the genesis time from the fixed clock), and the
// mistakes of node init, testnet and start.
func TestTranscriptNode(t *testing.T) {
	runTranscript(t, "node", nil, []step{
		{args: "node init --home net --chain-id seoulid-test"},
		{args: "node init --home net"},
		{args: "node init --home json --p2p-port 36656 --rpc-port 36657 --json"},
		{args: "node testnet --validators 3 --dir tn --rpc-port 46657 --p2p-port 46656"},
		{args: "node testnet --validators 0 --dir tn2"},
		{args: "node testnet --dir tn2"},
		{args: "node init"},
		{args: "node init --home x --rpc-port 70000"},
		{args: "node start --home nowhere"},
		{args: "node start --home net --log-level loud"},
		{args: "node start --home net --http nonsense"},
		{args: "node stop"},
	})
}
