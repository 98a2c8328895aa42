// Package node runs the registry ledger: a CometBFT v0.38 node with the
// registry state machine (package registry) linked in-process.
//
// Init writes a one-validator network to a home directory — CometBFT's
// config, node key and validator key, a genesis whose app_state founds the
// registry with the genesis council (by default the five agencies of the
// seeds: Seoul Metropolitan Government, MOIS, MOEL, MOHW, NHIS), and one
// controller key file per agency, readable by its owner only. Testnet
// writes the same for N validators on 127.0.0.1 with distinct ports, each
// started on its own. Start runs a node from its home: state under
// data/, crash recovery by CometBFT's handshake (the app reports its last
// committed height and CometBFT replays the rest).
package node
