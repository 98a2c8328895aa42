// Package schemas is the credential catalogue of seoulid: one definition per
// credential type — the 29 civil certificates, identity and residency,
// eligibility status, health and work credentials — shared by the issuer,
// the wallet and the verifier.
//
// A definition (a JSON file under types/, format in README.md) gives a type
// its vct (urn:seoulid:vct:<slug>:<major>), a JSON Schema 2020-12 of its
// claims, the kind of authority that issues it, its default validity, which
// claims are selectively disclosable, a PIPA sensitivity class per claim,
// and Korean and English display metadata down to every claim path and enum
// value. The files are embedded; Load checks every rule of README.md and
// refuses a catalogue that breaks one, so a broken definition cannot ship.
//
// From a Type the parts of seoulid get what they need: Validate (every
// violation with its JSON pointer), Disclosable and Credential (the SD-JWT VC
// issuance input), CredentialConfiguration (OpenID4VCI 1.0 issuer metadata)
// and TypeMetadata (SD-JWT VC Type Metadata).
//
// No credential type holds a resident registration number (PIPA Art. 24-2):
// Load refuses a schema property named like one and Validate refuses any
// claim value shaped like one.
package schemas
