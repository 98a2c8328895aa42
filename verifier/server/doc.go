// Package server assembles a verifier's service: the pipeline, the
// exchange and the service of package verifier over a store, with its two
// HTTP faces — verifier/oid4vp for wallets (/request, /response) and
// verifier/portal for citizens and clerks (the rest) — and the purge job
// that deletes decision records at the end of their retention. "seoulid
// verifier serve" and the city of "seoulid up" both run it.
package server
