// Package portal is the welfare portal that `seoulid verifier serve`
// shows at its root: a citizen (or a clerk, or a facility's entrance
// screen) chooses a programme, reads what it will ask for and why, starts
// a request, answers it with her wallet — scanning the QR code, or opening
// the same-device openid4vp:// link — watches its status, and reads the
// decision with a reason per criterion, in Korean or English. Beside the
// pages it serves a small JSON API, which `seoulid verifier request` and
// `seoulid verifier decision` use.
//
// It is an HTTP face over verifier.Service: each page or API call decodes
// the request, calls the service (Start, Status), and renders. The wallet
// itself talks to the verifier/oid4vp handler, which the command mounts
// beside this one at /request/ and /response/ (paths this handler does not
// use) and whose OnAnswer is the service's.
//
// # API
//
//	GET  /api/programmes            {"programmes": [programme…]}
//	GET  /api/programmes/{id}       one programme; 404 unknown_programme
//	POST /api/requests              {"programme": id, "parameters": {name: value}} (application/json)
//	                                → 201 {"id", "uri", "qr", "expires"}, Location /api/requests/{id};
//	                                400 unknown_programme, invalid_parameter, invalid_request; 415
//	GET  /api/requests/{id}?wait=D  the status; 404 not_found
//
// A programme is {"id", "version", "name": {"ko","en"}, "purpose": {"id",
// "description", "legal_basis", "retention"}, "parameters": [{"name",
// "label"}], "asks": [{"query", "vct", "name", "optional", "claims":
// [{"path", "label", "optional", "sensitive"}]}], "criteria": [{"id",
// "label"}], "not_covered": [text]}: what its DCQL query asks for, named
// as the credential catalogue names types and claims.
//
// "qr" is a PNG of "uri" as a data: URL. A status is {"id", "programme",
// "state", "reason", "parameters", "created", "expires", "decision"}:
// state is pending, decided, declined (the citizen said no), refused (the
// answer failed a check; reason says which) or expired (pending past its
// expiry); decision is the programmes.Decision of a decided request,
// without the criteria's operator detail (which may quote claim values).
// With ?wait= (a Go duration or seconds, at most MaxWait) a pending
// request's status is held until it changes, the wait ends, or the
// request expires: a long poll. Errors are {"error", "error_description"}
// with the status the codes in api.go name. POST /api/requests takes only
// application/json, which a cross-site form cannot send.
//
// # Pages
//
//	GET  /                          the programmes
//	GET  /programmes/{id}           what will be asked and why; the form that starts a request
//	POST /programmes/{id}           start (CSRF token, the programme's parameters) → 303 /requests/{id}
//	GET  /requests/{id}             pending: the QR code, the same-device link, the status;
//	                                then the decision, or why there is none
//	GET  /requests/{id}/qr.png      the QR code of a pending request
//	GET  /static/…                  portal.css, portal.js
//
// The request page works without JavaScript (its "Check the status" link
// reloads it); portal.js long-polls GET /api/requests/{id}?wait=30s and,
// when the request is no longer pending, puts the page the server renders
// then — the decision, in the page's language — in place of the old one
// without reloading.
//
// # Security
//
//   - Every response is Cache-Control: no-store, with a Content-Security-
//     Policy that allows only the portal's own script, styles, images and
//     API (no inline script or style, no frames, forms posted here only),
//     X-Frame-Options DENY, nosniff, and no referrer to other origins.
//   - The form that starts a request carries a token that is an HMAC,
//     under a key the process draws at start, of a random secret in an
//     HttpOnly, SameSite=Strict cookie (a signed double-submit cookie: the
//     portal is public and keeps no sessions). A POST without it, with
//     another, with an Origin other than Config.PublicURL's (or, without
//     one, of another host than the request's), or with Sec-Fetch-Site
//     other than same-origin is refused with 403. Cookies are Secure when
//     PublicURL is https (without one, when the request came over https:
//     r.TLS, or X-Forwarded-Proto: https from the TLS terminator).
//   - A request's id (128 random bits, from verifier.Exchange) is the
//     capability to read its status and decision: whoever has the QR code
//     or the link can. A decision holds no claim value (the reasons are
//     the programme's fixed texts), so the page shows nothing the citizen
//     shared. A decided request is readable for verifier.ReadWindow, then
//     the service forgets it.
//   - A programme's parameters are checked before the service is called:
//     every declared one present, printable and at most 200 bytes, none
//     undeclared (the rules would refuse it at decision time).
//
// The language is ?lang=ko or ?lang=en (then remembered in a cookie),
// else Config.DefaultLang; every string of the UI is in both (i18n.go),
// programme texts come from the programme files, type names and claim
// labels from the credential catalogue. Times are in Korea Standard Time.
package portal
