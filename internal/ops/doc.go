// Package ops gives every seoulid service the endpoints an operator
// watches it by:
//
//	GET /healthz   200 "ok" while the process serves (liveness)
//	GET /readyz    200 "ready" when every readiness check passes, else 503
//	               with one line per failing check (the store, the ledger)
//	GET /metrics   Prometheus text exposition
//
// and counts every other request it passes on: seoulid_http_requests_total
// and seoulid_http_request_duration_seconds, by method, route and status
// code. The route is the ServeMux pattern that served the request when
// there is one, else the first path segment, so that ids never become
// label values. Services add their own metrics (issuances, decisions,
// ledger height) through Counter and GaugeFunc.
//
// Each Service has its own registry, not Prometheus's global one: the city
// of "seoulid up" runs a dozen services in one process, and each answers
// for itself. LoadTLS reads the certificate of a service that serves
// HTTPS itself (--tls-cert, --tls-key).
package ops
