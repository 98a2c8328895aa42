package city

import (
	"github.com/seoulid/seoulid/registry"
)

// Role is what a service of the city does.
type Role string

// The roles of the city's services.
const (
	RoleLedger   Role = "ledger"   // the registry node's RPC (CometBFT)
	RoleResolver Role = "resolver" // DID resolution and registry reads over HTTP
	RoleIssuer   Role = "issuer"   // OpenID4VCI and the agency's back office
	RoleVerifier Role = "verifier" // OpenID4VP and the verifier's portal
	RoleWallet   Role = "wallet"   // a citizen's wallet UI
)

// Agency is one issuing or verifying service of the city, run on behalf of
// an organisation and registered on the ledger by a founding agency.
type Agency struct {
	// Slug names the service's directory and port in the data dir.
	Slug string
	Name registry.Names
	Role Role // RoleIssuer or RoleVerifier
	// Kinds are, for an issuer, the catalogue's issuer kinds
	// (schemas/issuers.json) whose credential types the council
	// authorises it to issue.
	Kinds []string
	// Programmes are, for a verifier, the ids of the programmes it runs;
	// the council registers their purposes.
	Programmes []string
	// CreatedBy is the slug of the founding agency (node.DefaultAgencies)
	// that creates the service's DID on the ledger.
	CreatedBy string
}

// Plan is the city that Start runs: the issuers and verifiers of DESIGN.md
// and issue 8 — City Hall, a district office, NHIS, COMWEL, a university, a
// clinic and an employer as issuers; the welfare portal, another clinic and
// a public library as verifiers — each registered and authorised on the
// ledger by the genesis council. The order is the order of the service
// table, and of first-start port allocation.
var Plan = []Agency{
	{Slug: "city-hall", Role: RoleIssuer, Name: registry.Names{Ko: "서울특별시청", En: "Seoul City Hall"}, Kinds: []string{"city"}, CreatedBy: "seoul"},
	{Slug: "gwanak-gu", Role: RoleIssuer, Name: registry.Names{Ko: "관악구청", En: "Gwanak-gu Office"}, Kinds: []string{"district-office"}, CreatedBy: "seoul"},
	{Slug: "nhis", Role: RoleIssuer, Name: registry.Names{Ko: "국민건강보험공단", En: "National Health Insurance Service"}, Kinds: []string{"nhis"}, CreatedBy: "nhis"},
	{Slug: "comwel", Role: RoleIssuer, Name: registry.Names{Ko: "근로복지공단", En: "Korea Workers' Compensation and Welfare Service"}, Kinds: []string{"comwel"}, CreatedBy: "moel"},
	{Slug: "uos", Role: RoleIssuer, Name: registry.Names{Ko: "서울시립대학교", En: "University of Seoul"}, Kinds: []string{"school"}, CreatedBy: "seoul"},
	{Slug: "gwanak-clinic", Role: RoleIssuer, Name: registry.Names{Ko: "관악내과의원", En: "Gwanak Internal Medicine Clinic"}, Kinds: []string{"clinic"}, CreatedBy: "mohw"},
	{Slug: "hangang-logistics", Role: RoleIssuer, Name: registry.Names{Ko: "㈜한강물류", En: "Hangang Logistics Co."}, Kinds: []string{"employer"}, CreatedBy: "moel"},
	{Slug: "welfare-portal", Role: RoleVerifier, Name: registry.Names{Ko: "서울시 복지포털", En: "Seoul Welfare Portal"},
		Programmes: []string{"seoul-youth-allowance-2026", "seoul-youth-monthly-rent", "seoul-youth-housing-public"}, CreatedBy: "seoul"},
	{Slug: "mapo-clinic", Role: RoleVerifier, Name: registry.Names{Ko: "마포가정의학과의원", En: "Mapo Family Medicine Clinic"},
		Programmes: []string{"clinic-medication-list"}, CreatedBy: "mohw"},
	{Slug: "seoul-library", Role: RoleVerifier, Name: registry.Names{Ko: "서울도서관", En: "Seoul Library"},
		Programmes: []string{"citizen-card-facility-entry"}, CreatedBy: "seoul"},
}
