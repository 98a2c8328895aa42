// Package web is the citizen's wallet in a browser (`seoulid wallet
// serve`): the credentials as cards in their type's colours, each card's
// claims with their labels, receiving a credential offer with its
// transaction code, the consent screen of a presentation with the PIN pad
// to approve it, the receipt, and the history — in Korean and English,
// laid out for a phone first.
//
// It is an HTTP face over package wallet: each page decodes a plain HTML
// form, calls the wallet core, and renders an html/template page embedded
// in the binary. Config.Unlock turns the PIN into a *wallet.Wallet (the
// command wires the encrypted store, the ledger and the OpenID4VC clients
// behind it) and Config.Lock locks the store again.
//
// # Who may use it
//
// The handler is meant to be served on 127.0.0.1 only, and trusts nothing
// else about a request:
//
//   - Host: a request whose Host is not 127.0.0.1 or localhost (with any
//     port) is refused with 403 before anything else, so that a web page
//     whose DNS name is rebound to 127.0.0.1 cannot read the wallet.
//   - Session: a random 256-bit id in an HttpOnly, SameSite=Strict cookie
//     (Path=/; it cannot be Secure over http on the loopback). The state is
//     on the server; at most 64 sessions, the oldest evicted. Unlocking
//     gives the session a new id and a new CSRF token, so an id planted
//     before (cookies are not port-isolated on localhost) is worthless, and
//     only the session that unlocked the wallet can use it: unlocking from
//     another browser takes the wallet away from the first.
//   - CSRF: every POST form carries the session's token, compared in
//     constant time; a POST without it, with another, from a session
//     started by that very request, with an Origin other than this
//     handler's, or with Sec-Fetch-Site other than same-origin is refused
//     with 403.
//   - Idle lock: after Config.IdleTimeout without a request from the
//     session that unlocked it (checked on every request, and by a timer
//     when no request comes), the handler forgets the wallet and calls
//     Config.Lock; the unlock page then says why.
//   - Every response is Cache-Control: no-store, with a Content-Security-
//     Policy that allows only this handler's own script and styles (no
//     inline script or style, no frames, forms posted here only),
//     X-Frame-Options DENY, nosniff, and no referrer to other origins.
//
// A consent in progress (*wallet.Consent) and a credential offer awaiting
// its code stay in the session on the server, named by their id in the
// form's action; no hidden field carries them, so a page cannot widen
// what the citizen approves. At most eight are kept per session.
//
// # Pages
//
//	GET  /unlock                   the PIN pad; POST /unlock checks the PIN (tries left, wait, hard lock)
//	POST /lock                     lock now
//	GET  /cards                    the cards: type name and colours, issuer, expiry
//	GET  /cards/{id}               every claim with its label, sensitive ones marked
//	GET  /cards/{id}/delete        confirmation; POST deletes the credential and its keys
//	GET  /receive                  paste an openid-credential-offer:// URI; POST shows who offers what
//	POST /receive/{offer}          redeem with the transaction code → the card, or the refusal's reason
//	GET  /present                  paste an openid4vp:// URI; POST asks the wallet (refusal or consent)
//	GET  /present/{consent}        the consent screen
//	POST /present/{consent}        approve with the PIN (optional items and sensitive claims ticked)
//	POST /present/{consent}/decline decline
//	GET  /receipts/{id}            a receipt: to whom, why, which claims (never values)
//	GET  /history                  events and receipts
//	GET  /static/…                 app.css, cards.css (the catalogue's colours), app.js
//
// Everything works without JavaScript: the one script, app.js, makes the
// PIN pad's buttons type into the PIN field; without it the field is
// typed into directly (inputmode=numeric brings up a phone's number
// keyboard). Card colours come from the catalogue as classes of a
// generated stylesheet, since the policy allows no inline style.
//
// The language is ?lang=ko or ?lang=en (then remembered in a cookie),
// else Config.DefaultLang. Every string of the UI is in both languages
// (i18n.go); names, labels and colours come from the credential catalogue
// (schemas), the verifier's name from the ledger, the issuer's from its
// metadata. Dates are in Korea Standard Time.
package web
