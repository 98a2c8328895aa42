// Package city runs the whole of seoulid on one machine — the main job
// behind "seoulid up" and "seoulid demo".
//
// Start brings up, in one process and from one data directory:
//
//   - the registry ledger: one CometBFT validator (registry/node) whose
//     genesis council is the five founding agencies of the seeds (Seoul
//     Metropolitan Government, MOIS, MOEL, MOHW, NHIS), made at the first
//     start;
//   - the resolver: DID resolution and registry reads over HTTP
//     (registry/resolverhttp);
//   - the issuers and verifiers of Plan, each with its own key (generated
//     at the first start, mode 0600), its own SQLite database and its own
//     port, its DID created on the ledger by a founding agency, issuers
//     authorised by the council for their credential types, verifiers
//     registered for their programmes' purposes;
//   - a citizen's wallet UI (wallet/web) over an encrypted wallet whose
//     development PIN is in a file.
//
// A later Start with the same data directory finds everything again: the
// ledger's state, the keys, the issued offers, the decisions, the wallet;
// it submits to the ledger only what the ledger does not already say.
// The ports chosen at the first start are kept in city.json; the running
// services are listed in services.json.
//
// The council's keys all sit in the data directory, which is what makes
// the city a development city: in production each agency keeps its own
// key and runs its own validator (docs/operations.md).
package city
