// Package api holds the OpenAPI 3.1 descriptions of seoulid's HTTP faces
// (the *.openapi.json files beside this one) and, in its test, the check
// that keeps them true: every documented operation is served by the real
// handler with one of its documented status codes, and every route the
// handlers' code registers is documented. It has no code of its own.
package api
