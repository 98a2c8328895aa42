// Package safehttp is the outbound HTTPS policy for fetching from hosts
// named by untrusted input: a did:web DID (package didweb), an SD-JWT VC
// issuer URL (package issuermeta). Such a fetch is a request the input
// aims, so it is a server-side request forgery risk (OWASP SSRF Prevention
// Cheat Sheet; draft-ietf-oauth-sd-jwt-vc §8.1). Client builds an
// *http.Client that:
//
//   - refuses to connect to loopback, private (RFC 1918, RFC 4193),
//     link-local, CGNAT (RFC 6598), unspecified, multicast and the other
//     special-purpose blocks of RFC 6890 (Public), checked by the dialer on
//     every connection after DNS resolution, so a name cannot be pointed
//     inward — unless Options.AllowPrivateNetworks;
//   - uses no proxy (a proxy would hide the real destination from that
//     check);
//   - follows at most Options.MaxRedirects redirects, and only to HTTPS;
//   - bounds dialling, the TLS handshake, the wait for headers and the
//     whole exchange by Options.Timeout.
//
// ReadLimited reads a response body under a size limit.
//
// It does not check the URL a caller asks for: that it is HTTPS, and what
// host it names, is the caller's rule (the first request's scheme is not
// checked here, only redirects'). It does not limit how many requests run
// at once, and does not cache.
package safehttp
