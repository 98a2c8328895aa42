// Package demo tells the citizens' stories of issue 8 through a running
// city (package city) and the real protocols — OpenID4VCI offers redeemed
// by wallets, OpenID4VP requests answered with one PIN, status lists and
// DID updates on the ledger — and says what each party saw, in Korean or
// English. It is "seoulid demo".
//
// The stories:
//
//  1. Jeong, a recent graduate, receives her residency, welfare status,
//     enrolment, employment-insurance and income-band credentials, asks the
//     welfare portal whether she qualifies for the youth allowance, approves
//     with her PIN and reads the decision with its reasons; every claim that
//     left her wallet is within the portal's registered purpose.
//  2. Mrs. Yoon's husband receives his medication list from his clinic and
//     shares it with a new clinic, the sensitive claims approved on their
//     own line.
//  3. A district office revokes Jeong's residency certificate; the portal's
//     next verification refuses it as revoked.
//  4. City Hall rotates its key: a card signed before still verifies, a new
//     card is signed with the new key and verifies.
//  5. A tampered terminal asks beyond the library's purpose: the wallet
//     refuses and sends access_denied.
//  6. A forged card, signed with a key not on the ledger, is refused by the
//     library.
//
// Run stops at the first step that does not behave, with an error wrapping
// ErrStep.
package demo
