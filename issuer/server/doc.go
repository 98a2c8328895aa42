// Package server assembles an agency's issuer service: the issuance core
// (package issuer) with its two HTTP faces — issuer/oid4vci for wallets and
// issuer/backoffice for the agency's staff, under backoffice.Prefix — and
// the status list publisher. "seoulid issuer serve" and the city of
// "seoulid up" both run it, so that what the demo and the tests exercise
// is what an agency deploys.
package server
