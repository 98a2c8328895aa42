package registry

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
)

// MinStatusListEntries is the smallest status list the ledger accepts: so
// many entries that an index, allocated at random, says nothing about when
// or to whom a credential was issued.
const MinStatusListEntries = 131072

// algorithms are the signature algorithms of registry operations.
var algorithms = []keys.Algorithm{keys.EdDSA, keys.ES256}

// env is what a transaction is checked against besides the state.
type env struct {
	chain  string
	height int64
	time   time.Time
}

// execute checks a decoded transaction against the state seen through o
// and, if it is valid, records its effects in o. CheckTx and FinalizeBlock
// both call it — the one validation function — so the mempool and the block
// agree on what is valid. It never fails with a Go error: every problem is
// a Rejection.
func execute(o *overlay, tx *Tx, e env) *Rejection {
	op := tx.op
	if op.Chain != e.chain {
		return reject(CodeChain, "the operation is for chain %q, this is %q", op.Chain, e.chain)
	}
	if err := ParseDID(op.Actor); err != nil {
		return reject(CodeInvalid, "actor: %v", err)
	}
	if r := checkFields(op); r != nil {
		return r
	}
	actor := o.did(op.Actor)
	if actor == nil {
		return reject(CodeNotFound, "the actor %s is not on the ledger", op.Actor)
	}
	if actor.Deactivated {
		return reject(CodeDeactivated, "the actor %s is deactivated", op.Actor)
	}
	if want := o.seq(op.Actor) + 1; op.Seq != want {
		return reject(CodeSequence, "%s's next sequence number is %d, not %d", op.Actor, want, op.Seq)
	}
	signers, newSigned, r := verifySignatures(o, tx)
	if r != nil {
		return r
	}
	if !signers[op.Actor] {
		return reject(CodeUnauthorized, "the actor %s did not sign", op.Actor)
	}

	var r2 *Rejection
	switch op.Type {
	case OpDIDCreate:
		r2 = execDIDCreate(o, op, e, newSigned)
	case OpDIDUpdate:
		r2 = execDIDUpdate(o, op, e, signers)
	case OpDIDDeactivate:
		r2 = execDIDDeactivate(o, op, e, signers)
	case OpAgencyAdd:
		r2 = execAgencyAdd(o, op, e, signers, newSigned)
	case OpAgencyRemove:
		r2 = execAgencyRemove(o, op, signers)
	case OpCouncilSet:
		r2 = execCouncilSet(o, op, signers)
	case OpTrustIssuer:
		r2 = execTrustIssuer(o, op, e, signers)
	case OpTrustVerifier:
		r2 = execTrustVerifier(o, op, e, signers)
	case OpStatusPublish:
		r2 = execStatusPublish(o, op, e, signers)
	case OpCatalogueSet:
		r2 = execCatalogueSet(o, op, e, signers)
	}
	if r2 != nil {
		return r2
	}
	o.put(prefixSeq+op.Actor, op.Seq)
	return nil
}

// verifySignatures checks every signature against the current
// capabilityInvocation keys of its DID. A signature by a DID that is not on
// the ledger counts only as the new DID's proof of possession in
// did.create and agency.add (newSigned). It returns the DIDs that signed.
func verifySignatures(o *overlay, tx *Tx) (map[string]bool, bool, *Rejection) {
	signers := map[string]bool{}
	newSigned := false
	for i := range tx.Signatures {
		s := &tx.Signatures[i]
		u, err := did.ParseURL(s.kid)
		if err != nil || u.Fragment == "" || u.Path != "" || u.Query != "" {
			return nil, false, reject(CodeSignature, "signature %d: kid %q is not a DID URL naming a key", i+1, s.kid)
		}
		signer := u.DID.String()
		var pub *keys.PublicKey
		if rec := o.did(signer); rec != nil {
			if rec.Deactivated {
				return nil, false, reject(CodeDeactivated, "signature %d: %s is deactivated", i+1, signer)
			}
			k, ok := rec.Latest().key(u.Fragment, PurposeCapabilityInvocation)
			if !ok {
				return nil, false, reject(CodeSignature, "signature %d: %s is not a current controller (capabilityInvocation) key of %s", i+1, s.kid, signer)
			}
			pub = k
		} else if (tx.op.Type == OpDIDCreate || tx.op.Type == OpAgencyAdd) && signer == tx.op.DID {
			for _, k := range tx.op.Keys {
				if k.ID == u.Fragment && slices.Contains(k.Purposes, PurposeCapabilityInvocation) {
					pk, err := keys.PublicKeyFromJWK(k.JWK)
					if err != nil {
						return nil, false, reject(CodeInvalid, "key %s: %v", k.ID, err)
					}
					pub = pk
				}
			}
			if pub == nil {
				return nil, false, reject(CodeSignature, "signature %d: %s is not a controller key of the new DID", i+1, s.kid)
			}
			newSigned = true
		} else {
			return nil, false, reject(CodeNotFound, "signature %d: the signer %s is not on the ledger", i+1, signer)
		}
		if err := s.tok.Verify(pub, algorithms); err != nil {
			return nil, false, reject(CodeSignature, "signature %d by %s: %v", i+1, s.kid, err)
		}
		if signer != tx.op.DID || o.did(signer) != nil {
			signers[signer] = true
		}
	}
	return signers, newSigned, nil
}

// quorum checks that the actor is a council member and that at least the
// council's threshold of distinct members signed.
func quorum(o *overlay, op *Op, signers map[string]bool) *Rejection {
	c := o.council()
	if c == nil || !slices.Contains(c.Members, op.Actor) {
		return reject(CodeUnauthorized, "%s is not a council member, so cannot propose %s", op.Actor, op.Type)
	}
	n := 0
	for _, m := range c.Members {
		if signers[m] {
			n++
		}
	}
	for s := range signers {
		// Only council members sign council operations — and, when an
		// existing DID is admitted as an agency, that DID itself.
		if !slices.Contains(c.Members, s) && (s != op.DID || op.Type != OpAgencyAdd) {
			return reject(CodeUnauthorized, "%s signed but is not a council member", s)
		}
	}
	if n < c.Threshold {
		return reject(CodeQuorum, "%d of the council signed; %s needs %d of %d", n, op.Type, c.Threshold, len(c.Members))
	}
	return nil
}

func newRecord(op *Op, e env, createdBy string) (*DIDRecord, *Rejection) {
	parsed, r := checkKeys(op.Keys)
	if r != nil {
		return nil, r
	}
	if r := checkServices(op.Services); r != nil {
		return nil, r
	}
	var first *keys.PublicKey
	for i, k := range op.Keys {
		if slices.Contains(k.Purposes, PurposeCapabilityInvocation) {
			first = parsed[i]
			break
		}
	}
	if want := DeriveDID(first); op.DID != want {
		return nil, reject(CodeInvalid, "the DID of these keys is %s, not %s (the id derives from the first capabilityInvocation key)", want, op.DID)
	}
	return &DIDRecord{
		DID:       op.DID,
		CreatedBy: createdBy,
		Versions: []Version{{
			ID: 1, Time: e.time, Height: e.height,
			Keys: normalKeys(op.Keys, parsed), Services: slices.Clone(op.Services),
		}},
	}, nil
}

func execDIDCreate(o *overlay, op *Op, e env, newSigned bool) *Rejection {
	if o.agency(op.Actor) == nil {
		return reject(CodeUnauthorized, "%s is not an agency; only agencies create DIDs", op.Actor)
	}
	if o.did(op.DID) != nil {
		return reject(CodeExists, "%s already exists", op.DID)
	}
	if !newSigned {
		return reject(CodeSignature, "the new DID's controller key did not sign (proof of possession)")
	}
	rec, r := newRecord(op, e, op.Actor)
	if r != nil {
		return r
	}
	o.put(prefixDID+op.DID, rec)
	return nil
}

func execDIDUpdate(o *overlay, op *Op, e env, signers map[string]bool) *Rejection {
	if op.DID != op.Actor || len(signers) != 1 {
		return reject(CodeUnauthorized, "a DID is updated by its own controller key alone")
	}
	rec := o.did(op.DID)
	parsed, r := checkKeys(op.Keys)
	if r != nil {
		return r
	}
	if r := checkServices(op.Services); r != nil {
		return r
	}
	latest := rec.Latest()
	for _, c := range op.Compromised {
		known := slices.ContainsFunc(latest.Keys, func(k Key) bool { return k.ID == c })
		kept := slices.ContainsFunc(op.Keys, func(k Key) bool { return k.ID == c })
		if !known || kept || slices.Contains(rec.Compromised, c) {
			return reject(CodeInvalid, "compromised key %q must be a current key that this update removes", c)
		}
	}
	// A key id names one key for the DID's whole life: reusing an old id
	// for new key material would make old signatures ambiguous.
	for i, k := range op.Keys {
		for _, v := range rec.Versions {
			for _, old := range v.Keys {
				if old.ID == k.ID && !sameKey(old.JWK, parsed[i]) {
					return reject(CodeInvalid, "key id %q was used for another key in version %d; use a new id", k.ID, v.ID)
				}
			}
		}
		if slices.Contains(rec.Compromised, k.ID) {
			return reject(CodeInvalid, "key %q was reported compromised and cannot come back", k.ID)
		}
	}
	next := *rec
	next.Versions = append(slices.Clone(rec.Versions), Version{
		ID: latest.ID + 1, Time: e.time, Height: e.height,
		Keys: normalKeys(op.Keys, parsed), Services: slices.Clone(op.Services),
	})
	next.Compromised = append(slices.Clone(rec.Compromised), op.Compromised...)
	o.put(prefixDID+op.DID, &next)
	return nil
}

func sameKey(jwk map[string]any, pub *keys.PublicKey) bool {
	k, err := keys.PublicKeyFromJWK(jwk)
	return err == nil && k.Thumbprint() == pub.Thumbprint()
}

func execDIDDeactivate(o *overlay, op *Op, e env, signers map[string]bool) *Rejection {
	if op.DID != op.Actor || len(signers) != 1 {
		return reject(CodeUnauthorized, "a DID is deactivated by its own controller key alone")
	}
	if c := o.council(); c != nil && slices.Contains(c.Members, op.DID) {
		return reject(CodeUnauthorized, "%s is on the council; change the council first", op.DID)
	}
	next := *o.did(op.DID)
	next.Deactivated, next.DeactivatedAt = true, e.time
	o.put(prefixDID+op.DID, &next)
	return nil
}

func execAgencyAdd(o *overlay, op *Op, e env, signers map[string]bool, newSigned bool) *Rejection {
	if r := quorum(o, op, signers); r != nil {
		return r
	}
	if r := checkNames(op.Name); r != nil {
		return r
	}
	if err := ParseDID(op.DID); err != nil {
		return reject(CodeInvalid, "did: %v", err)
	}
	if o.agency(op.DID) != nil {
		return reject(CodeExists, "%s is already an agency", op.DID)
	}
	switch rec := o.did(op.DID); {
	case rec == nil:
		if !newSigned {
			return reject(CodeSignature, "the new agency's controller key did not sign (proof of possession)")
		}
		nr, r := newRecord(op, e, op.Actor)
		if r != nil {
			return r
		}
		o.put(prefixDID+op.DID, nr)
	case rec.Deactivated:
		return reject(CodeDeactivated, "%s is deactivated", op.DID)
	case len(op.Keys) > 0 || len(op.Services) > 0:
		return reject(CodeInvalid, "%s exists; admitting it as an agency does not change its keys", op.DID)
	}
	o.put(prefixAgency+op.DID, &Agency{DID: op.DID, Name: *op.Name, Height: e.height})
	return nil
}

func execAgencyRemove(o *overlay, op *Op, signers map[string]bool) *Rejection {
	if r := quorum(o, op, signers); r != nil {
		return r
	}
	if o.agency(op.DID) == nil {
		return reject(CodeNotFound, "%s is not an agency", op.DID)
	}
	if slices.Contains(o.council().Members, op.DID) {
		return reject(CodeUnauthorized, "%s is on the council; change the council first", op.DID)
	}
	o.put(prefixAgency+op.DID, nil)
	return nil
}

// checkCouncil checks a council: 1 to 32 distinct agencies and a threshold
// that is a majority, so that no minority can act for the council.
func checkCouncil(o *overlay, c *Council) *Rejection {
	if c == nil || len(c.Members) == 0 || len(c.Members) > 32 {
		return reject(CodeInvalid, "a council has 1 to 32 members")
	}
	for i, m := range c.Members {
		if slices.Contains(c.Members[:i], m) {
			return reject(CodeInvalid, "%s is listed twice", m)
		}
		if o != nil && o.agency(m) == nil {
			return reject(CodeInvalid, "%s is not an agency", m)
		}
	}
	if c.Threshold <= len(c.Members)/2 || c.Threshold > len(c.Members) {
		return reject(CodeInvalid, "threshold %d must be a majority of %d members (%d to %d)", c.Threshold, len(c.Members), len(c.Members)/2+1, len(c.Members))
	}
	return nil
}

func execCouncilSet(o *overlay, op *Op, signers map[string]bool) *Rejection {
	if r := quorum(o, op, signers); r != nil {
		return r
	}
	if r := checkCouncil(o, op.Council); r != nil {
		return r
	}
	c := *op.Council
	c.Members = slices.Clone(c.Members)
	o.put(prefixCouncil, &c)
	return nil
}

var vctPattern = regexp.MustCompile(`^(urn:[a-z0-9][a-z0-9-]{0,31}:[A-Za-z0-9()+,\-.:=@;$_!*'%/?#]{1,200}|https://[^\s"<>]{1,240})$`)

func execTrustIssuer(o *overlay, op *Op, e env, signers map[string]bool) *Rejection {
	if r := quorum(o, op, signers); r != nil {
		return r
	}
	if r := activeDID(o, op.DID); r != nil {
		return r
	}
	if len(op.VCTs) > 256 {
		return reject(CodeInvalid, "at most 256 vcts per issuer")
	}
	for i, v := range op.VCTs {
		if !vctPattern.MatchString(v) || slices.Contains(op.VCTs[:i], v) {
			return reject(CodeInvalid, "vct %q is not a URN or https URL, or repeated", v)
		}
	}
	if len(op.VCTs) == 0 {
		o.put(prefixIssuer+op.DID, nil)
		return nil
	}
	o.put(prefixIssuer+op.DID, &IssuerEntry{DID: op.DID, VCTs: slices.Clone(op.VCTs), Height: e.height, Time: e.time})
	return nil
}

var retentionPattern = regexp.MustCompile(`^P([0-9]{1,4}[YMWD])$`)

func execTrustVerifier(o *overlay, op *Op, e env, signers map[string]bool) *Rejection {
	if r := quorum(o, op, signers); r != nil {
		return r
	}
	if r := activeDID(o, op.DID); r != nil {
		return r
	}
	if len(op.Purposes) > 64 {
		return reject(CodeInvalid, "at most 64 purposes per verifier")
	}
	for i, p := range op.Purposes {
		if !fragmentPattern.MatchString(p.ID) || slices.ContainsFunc(op.Purposes[:i], func(q Purpose) bool { return q.ID == p.ID }) {
			return reject(CodeInvalid, "purpose id %q must be [a-z0-9-] (up to 32) and unique", p.ID)
		}
		if r := checkNames(&p.Description); r != nil {
			return reject(CodeInvalid, "purpose %s: description: %s", p.ID, r.Reason)
		}
		if strings.TrimSpace(p.LegalBasis) == "" || len(p.LegalBasis) > 500 {
			return reject(CodeInvalid, "purpose %s: a legal basis is required (at most 500 bytes)", p.ID)
		}
		if !retentionPattern.MatchString(p.Retention) {
			return reject(CodeInvalid, "purpose %s: retention %q is not an ISO 8601 duration like P30D", p.ID, p.Retention)
		}
		if len(p.Claims) == 0 || len(p.Claims) > 32 {
			return reject(CodeInvalid, "purpose %s: 1 to 32 credential types", p.ID)
		}
		for _, c := range p.Claims {
			if !vctPattern.MatchString(c.VCT) || len(c.Paths) == 0 || len(c.Paths) > 128 {
				return reject(CodeInvalid, "purpose %s: vct %q needs 1 to 128 claim paths", p.ID, c.VCT)
			}
			for _, path := range c.Paths {
				if len(path) == 0 {
					return reject(CodeInvalid, "purpose %s, %s: an empty claim path", p.ID, c.VCT)
				}
			}
		}
	}
	if len(op.Purposes) == 0 {
		o.put(prefixVerifier+op.DID, nil)
		return nil
	}
	o.put(prefixVerifier+op.DID, &VerifierEntry{DID: op.DID, Purposes: slices.Clone(op.Purposes), Height: e.height, Time: e.time})
	return nil
}

var uriPattern = regexp.MustCompile(`^https://[^\s"<>#]{1,500}$`)

func execStatusPublish(o *overlay, op *Op, e env, signers map[string]bool) *Rejection {
	if len(signers) != 1 {
		return reject(CodeUnauthorized, "a status list is published by its issuer's controller key alone")
	}
	issuer := op.Actor
	if ie := o.issuer(issuer); ie == nil {
		return reject(CodeUnauthorized, "%s is not an authorised issuer", issuer)
	}
	if !uriPattern.MatchString(op.StatusURI) {
		return reject(CodeInvalid, "status_uri %q is not an https URL (at most 500 characters, no fragment)", op.StatusURI)
	}
	old := o.status(op.StatusURI)
	if old != nil && old.Issuer != issuer {
		return reject(CodeUnauthorized, "%s is published by %s", op.StatusURI, old.Issuer)
	}
	tok, err := parseStatusToken(op.StatusToken)
	if err != nil {
		return reject(CodeStatusList, "%v", err)
	}
	if tok.subject != op.StatusURI {
		return reject(CodeStatusList, "the token's subject %q is not %s", tok.subject, op.StatusURI)
	}
	if tok.issuer != "" && tok.issuer != issuer {
		return reject(CodeStatusList, "the credential's issuer %q is not %s", tok.issuer, issuer)
	}
	if tok.entries < MinStatusListEntries {
		return reject(CodeStatusList, "the list has %d entries; the ledger takes lists of at least %d", tok.entries, MinStatusListEntries)
	}
	u, err := did.ParseURL(tok.kid)
	if err != nil || u.DID.String() != issuer || u.Fragment == "" {
		return reject(CodeStatusList, "the token's kid %q is not a key of %s", tok.kid, issuer)
	}
	pub, ok := o.did(issuer).Latest().key(u.Fragment, PurposeAssertionMethod)
	if !ok {
		return reject(CodeStatusList, "%s is not a current assertionMethod key of %s", tok.kid, issuer)
	}
	if err := tok.verify(pub, algorithms); err != nil {
		return reject(CodeStatusList, "the token's signature: %v", err)
	}
	if old != nil && !tok.issuedAt.After(old.IssuedAt) {
		return reject(CodeStatusList, "the token was issued at %s, not after the published one (%s)", tok.issuedAt.UTC().Format(time.RFC3339), old.IssuedAt.UTC().Format(time.RFC3339))
	}
	o.put(prefixStatus+op.StatusURI, &StatusEntry{URI: op.StatusURI, Issuer: issuer, Token: op.StatusToken, IssuedAt: tok.issuedAt.UTC(), Height: e.height})
	return nil
}

var digestPattern = regexp.MustCompile(`^sha256-[A-Za-z0-9+/]{43}=$`)

func execCatalogueSet(o *overlay, op *Op, e env, signers map[string]bool) *Rejection {
	if r := quorum(o, op, signers); r != nil {
		return r
	}
	c := op.Catalogue
	if c == nil || c.Version == "" || len(c.Version) > 64 || !digestPattern.MatchString(c.Digest) {
		return reject(CodeInvalid, "catalogue needs a version (up to 64 bytes) and a sha256-… digest")
	}
	o.put(prefixCatalogue, &CatalogueEntry{Catalogue: *c, Height: e.height})
	return nil
}

func activeDID(o *overlay, d string) *Rejection {
	if err := ParseDID(d); err != nil {
		return reject(CodeInvalid, "did: %v", err)
	}
	rec := o.did(d)
	if rec == nil {
		return reject(CodeNotFound, "%s is not on the ledger", d)
	}
	if rec.Deactivated {
		return reject(CodeDeactivated, "%s is deactivated", d)
	}
	return nil
}

func checkNames(n *Names) *Rejection {
	if n == nil || strings.TrimSpace(n.Ko) == "" || strings.TrimSpace(n.En) == "" || len(n.Ko) > 300 || len(n.En) > 300 {
		return reject(CodeInvalid, "a name needs ko and en (up to 300 bytes each)")
	}
	return nil
}

// checkFields refuses operation fields that its type does not use, so that
// nothing rides along unchecked.
func checkFields(op *Op) *Rejection {
	used := map[string]bool{}
	switch op.Type {
	case OpDIDCreate, OpDIDUpdate:
		used = map[string]bool{"did": true, "keys": true, "services": true, "compromised": op.Type == OpDIDUpdate}
	case OpDIDDeactivate, OpAgencyRemove:
		used = map[string]bool{"did": true}
	case OpAgencyAdd:
		used = map[string]bool{"did": true, "keys": true, "services": true, "name": true}
	case OpCouncilSet:
		used = map[string]bool{"council": true}
	case OpTrustIssuer:
		used = map[string]bool{"did": true, "vcts": true}
	case OpTrustVerifier:
		used = map[string]bool{"did": true, "purposes": true}
	case OpStatusPublish:
		used = map[string]bool{"status_uri": true, "status_token": true}
	case OpCatalogueSet:
		used = map[string]bool{"catalogue": true}
	}
	present := map[string]bool{
		"did": op.DID != "", "keys": len(op.Keys) > 0, "services": len(op.Services) > 0,
		"compromised": len(op.Compromised) > 0, "name": op.Name != nil, "council": op.Council != nil,
		"vcts": len(op.VCTs) > 0, "purposes": len(op.Purposes) > 0, "status_uri": op.StatusURI != "",
		"status_token": op.StatusToken != "", "catalogue": op.Catalogue != nil,
	}
	for f, p := range present {
		if p && !used[f] {
			return reject(CodeInvalid, "%s does not take %q", op.Type, f)
		}
	}
	if used["did"] && op.DID == "" {
		return reject(CodeInvalid, "%s needs a did", op.Type)
	}
	return nil
}
