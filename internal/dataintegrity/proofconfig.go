package dataintegrity

import (
	"slices"
	"strings"

	"github.com/seoulid/seoulid/internal/jsonld"
)

// The IRIs of a Data Integrity proof configuration, as the VC 2.0
// context's protected DataIntegrityProof term defines them.
const (
	secNS       = "https://w3id.org/security#"
	xsdDateTime = "http://www.w3.org/2001/XMLSchema#dateTime"
)

var (
	// proofPurposes maps a proofPurpose to its IRI (the scoped context of
	// proofPurpose: note authentication → authenticationMethod).
	proofPurposes = map[string]string{
		"assertionMethod":      secNS + "assertionMethod",
		"authentication":       secNS + "authenticationMethod",
		"capabilityDelegation": secNS + "capabilityDelegationMethod",
		"capabilityInvocation": secNS + "capabilityInvocationMethod",
		"keyAgreement":         secNS + "keyAgreementMethod",
	}
	// offlineContexts are contexts that define no term of the proof
	// differently from the VC 2.0 context.
	offlineContexts = []any{
		"https://www.w3.org/ns/credentials/v2",
		"https://www.w3.org/ns/credentials/examples/v2",
		"https://w3id.org/security/data-integrity/v2",
		"https://w3id.org/security/multikey/v1",
	}
)

// proofConfigNQuads returns the canonical N-Quads (RDFC-1.0) of a proof
// configuration of the usual shape in a VC 2.0 document, written directly
// rather than through JSON-LD expansion, which spends most of a signature
// re-reading the DataIntegrityProof term's scoped context; ok is false
// for any other shape, which then takes the JSON-LD path. The shape: the
// @context begins with the VC 2.0 context and holds only contexts that
// define the proof's terms alike; type DataIntegrityProof; string
// members among cryptosuite, created, expires, verificationMethod,
// proofPurpose (a known purpose), challenge, domain, nonce, previousProof
// (or an array of them) and id, the IRIs absolute. TestProofConfigNQuads
// checks it against the JSON-LD path.
func proofConfigNQuads(config map[string]any) (string, bool) {
	ctx, _ := config["@context"].([]any)
	if len(ctx) == 0 || ctx[0] != offlineContexts[0] || slices.ContainsFunc(ctx, func(c any) bool { return !slices.Contains(offlineContexts, c) }) {
		return "", false
	}
	if config["type"] != ProofType {
		return "", false
	}
	subject := "_:c14n0"
	var lines []string
	add := func(predicate, object string) {
		lines = append(lines, subject+" <"+predicate+"> "+object+" .\n")
	}
	literal := func(v, datatype string) string {
		s := `"` + escape(v) + `"`
		if datatype != "" {
			s += "^^<" + datatype + ">"
		}
		return s
	}
	iri := func(v any) (string, bool) {
		s, ok := v.(string)
		if !ok || !jsonld.AbsoluteIRI(s) {
			return "", false
		}
		return "<" + escape(s) + ">", true
	}
	if id, ok := config["id"]; ok {
		s, ok := iri(id)
		if !ok {
			return "", false
		}
		subject = s
	}
	for k, v := range config {
		switch k {
		case "@context", "id":
			continue
		case "type":
			add("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "<"+secNS+ProofType+">")
			continue
		case "previousProof":
			list, isList := v.([]any)
			if !isList {
				list = []any{v}
			}
			for _, p := range list {
				o, ok := iri(p)
				if !ok {
					return "", false
				}
				add(secNS+"previousProof", o)
			}
			continue
		}
		s, ok := v.(string)
		if !ok {
			return "", false
		}
		switch k {
		case "cryptosuite":
			add(secNS+"cryptosuite", literal(s, secNS+"cryptosuiteString"))
		case "created":
			add("http://purl.org/dc/terms/created", literal(s, xsdDateTime))
		case "expires":
			add(secNS+"expiration", literal(s, xsdDateTime))
		case "challenge", "domain", "nonce":
			add(secNS+k, literal(s, ""))
		case "verificationMethod":
			o, ok := iri(s)
			if !ok {
				return "", false
			}
			add(secNS+"verificationMethod", o)
		case "proofPurpose":
			p, ok := proofPurposes[s]
			if !ok {
				return "", false
			}
			add(secNS+"proofPurpose", "<"+p+">")
		default:
			return "", false
		}
	}
	slices.Sort(lines)
	lines = slices.Compact(lines)
	return strings.Join(lines, ""), true
}

// escape escapes a literal or IRI of N-Quads as the canonical serializer
// does.
func escape(s string) string {
	if !strings.ContainsAny(s, "\\\"\n\r\t") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return r.Replace(s)
}
