// Package vcdm is the W3C Verifiable Credentials Data Model 2.0 as
// seoulid checks it: the normative statements a credential or a
// presentation must meet before it is secured or after it is verified
// (Check, CheckPresentation), and the enveloping securing mechanism of
// VC-JOSE-COSE (SignJOSE, VerifyJOSE: application/vc+jwt).
//
// Check does not evaluate what the credential says (its validity period
// against a clock, its status): it checks the shape the data model
// requires, each failure naming the section of the specification.
package vcdm
