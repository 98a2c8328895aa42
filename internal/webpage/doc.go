// Package webpage holds what seoulid's server-rendered pages share — the
// welfare portal (verifier/portal) and the wallet UI (wallet/web): parsing
// each page template with the layout, and the security headers every
// response carries.
package webpage
