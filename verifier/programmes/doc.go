// Package programmes holds the eligibility programmes a verifier runs —
// what each asks a wallet for, why, under which law, how long it keeps
// it, and the rules it decides by — and makes the decisions: eligible,
// not eligible, or undetermined naming the missing evidence, with a
// reason per criterion in Korean and English.
//
// # Programmes are data
//
// A programme is a JSON file (defaults/*.json, embedded; LoadDir reads a
// directory whose files replace the embedded ones of the same id or add
// to them). It has an id and version, a name, the ledger purpose it is
// registered under (purpose id, description, legal basis, retention as an
// ISO 8601 duration — the shape of the registry's trust.verifier purpose),
// the DCQL query it sends (OpenID4VP 1.0 §6, dc+sd-jwt credentials of
// the catalogue), parameters the verifier supplies per request (the
// facility at whose door a card is shown), its criteria, and the
// conditions it leaves to the agency (not_covered), which every decision
// repeats so that "eligible" is never read as more than it is. Each
// criterion has an id, a label, the credential queries it needs, a rule,
// optionally an undetermined_if precondition, a reason per outcome and
// its basis — the notice, statute or section of domain/SEOUL.md it comes
// from, tagged [SRC], [KNOW] or [RECON] as that file tags its facts.
//
// The standard median income tables (기준 중위소득, 2024–2026, monthly
// KRW by household size, each figure tagged [SRC] or [KNOW]) are data too
// (defaults/tables/median-income.json, replaceable from a directory's
// tables/median-income.json); the table in force is the one of the
// application date's year, in Korean time. Seoul measures income by
// converting the household's health-insurance premium with a yearly
// table that domain/SEOUL.md does not give; the programmes read the
// NHIS-converted band of the catalogue's health-insurance-income-band
// credential instead, and check that it was computed against the table in
// force on the application date.
//
// # Rules are CEL
//
// Rules are expressions of the Common Expression Language
// (cel.dev/cel-go; docs/decisions/0011-programme-rules-in-cel.md), of type
// bool, over these variables:
//
//   - credentials: the disclosed claims of each credential query by its
//     id, as credentials.<query id>.<claim>…;
//   - application_date: the application date, "YYYY-MM-DD" in Korea;
//   - params: the programme's parameters, params.<name>;
//
// and, besides CEL's standard library, these functions (dates are
// "YYYY-MM-DD" strings, as the catalogue's claims carry them):
// age(birthdate, on) in full years (만 나이; someone born on 29 February
// turns a year older on 1 March of a common year), days_between(from,
// to), year_of(date), median_year(on), median_income(on, household_size)
// and percent_of_median(monthly_income, on, household_size).
//
// Every expression is compiled when the programmes load, and a load
// checks everything before it fails, listing every problem with its file
// and place (*LoadError). Besides CEL's own type check, it refuses a rule
// that is not a bool; that reads claims other than by a static selection
// (credentials.<query>.<claim>, constant indexes, comprehension variables
// over such a selection — never credentials whole or by a computed key);
// that reads a credential query the query lacks or a claim the
// catalogue's type does not declare; whose needs are not exactly the
// queries it reads; or whose worst-case cost, with every list, map and
// string a credential gives at most 256 long, exceeds CostLimit, which
// also bounds every evaluation. And it refuses a query that asks for a
// claim, or a credential, that no rule reads: a programme asks for
// nothing its rules do not use (PIPA Art. 16(1), collection of the
// minimum), and its Purpose — what the verifier registers on the ledger,
// and the wallet checks each request against — is derived from that
// query.
//
// # Decisions
//
// Decide evaluates each criterion on the evidence (the claims the
// verifier pipeline accepted, by credential query id). A credential not
// presented is unknown to CEL (partial evaluation), so a criterion that
// another claim already settles is still decided — unemployed, the
// part-time contract asked for as optional does not matter — and one
// that it leaves open is undetermined, naming the missing credential
// queries. A claim that is read but not disclosed leaves its criterion
// undetermined naming it ("residency.birthdate"); a true undetermined_if
// (stale evidence, a band computed against another year's table) leaves
// it undetermined with the file's reason. The decision is not eligible if
// any criterion failed, else undetermined if any is, else eligible.
// Reasons are the file's fixed texts and the catalogue's names: a kept
// decision holds no claim value (CriterionResult.Detail, an evaluation
// error for operators, may, and is not for keeping).
//
// # What this package does not do
//
// It verifies nothing: signatures, status, holder binding and the DCQL
// check of the response against the query belong to the verifier
// pipeline, before Decide. It does not check that the credentials of one
// response are about the same person (each is bound to its own holder
// key). It reads one presentation per credential query ("multiple" is
// refused at load), and a query is fixed per programme: a per-request
// query (DCQL "values" for one facility's membership) would disclose
// less, and is not made here.
package programmes
