package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
)

// The operation types.
const (
	OpDIDCreate     = "did.create"     // an agency creates a DID (for one of its services)
	OpDIDUpdate     = "did.update"     // a DID's controller replaces its keys and services
	OpDIDDeactivate = "did.deactivate" // a DID's controller deactivates it
	OpAgencyAdd     = "agency.add"     // the council admits an agency (creating its DID)
	OpAgencyRemove  = "agency.remove"  // the council removes an agency
	OpCouncilSet    = "council.set"    // the council changes its members or threshold
	OpTrustIssuer   = "trust.issuer"   // the council authorises an issuer for a list of vcts
	OpTrustVerifier = "trust.verifier" // the council registers a verifier's purposes
	OpStatusPublish = "status.publish" // an issuer publishes or replaces a status list token
	OpCatalogueSet  = "catalogue.set"  // the council records the catalogue version in force
)

var opTypes = []string{OpDIDCreate, OpDIDUpdate, OpDIDDeactivate, OpAgencyAdd, OpAgencyRemove, OpCouncilSet, OpTrustIssuer, OpTrustVerifier, OpStatusPublish, OpCatalogueSet}

// Op is one registry operation: what a transaction asks the ledger to do.
// Which fields an operation uses depends on its Type; the others must be
// empty.
type Op struct {
	Type string `json:"type"`
	// Chain is the ledger's chain id, so an operation signed for one
	// ledger cannot be replayed on another.
	Chain string `json:"chain_id"`
	// Actor is the DID that acts: its sequence number is Seq, and it
	// signs. For council operations it is the proposing member.
	Actor string `json:"actor"`
	// Seq is the actor's next sequence number (its last one plus one).
	Seq uint64 `json:"seq"`

	DID      string    `json:"did,omitempty"`      // the DID the operation is about
	Keys     []Key     `json:"keys,omitempty"`     // did.create, did.update, agency.add: the full key set
	Services []Service `json:"services,omitempty"` // did.create, did.update, agency.add
	// Compromised lists key ids, removed by this update, whose signatures
	// are not to be trusted at any time (not only after this version).
	Compromised []string   `json:"compromised,omitempty"`
	Name        *Names     `json:"name,omitempty"`         // agency.add: the agency's name
	Council     *Council   `json:"council,omitempty"`      // council.set
	VCTs        []string   `json:"vcts,omitempty"`         // trust.issuer: the full list (empty revokes)
	Purposes    []Purpose  `json:"purposes,omitempty"`     // trust.verifier: the full list (empty revokes)
	StatusURI   string     `json:"status_uri,omitempty"`   // status.publish
	StatusToken string     `json:"status_token,omitempty"` // status.publish: a statuslist+jwt
	Catalogue   *Catalogue `json:"catalogue,omitempty"`    // catalogue.set
}

// Key is a verification method of a did:seoul document.
type Key struct {
	// ID is the fragment naming the key ("key-1"): the method's id is the
	// DID, "#", and ID.
	ID string `json:"id"`
	// JWK is the public key (EdDSA Ed25519 or ES256 P-256).
	JWK map[string]any `json:"publicKeyJwk"`
	// Purposes are the verification relationships: "authentication",
	// "assertionMethod" (signing credentials and status lists) and
	// "capabilityInvocation" (signing registry operations: the controller
	// keys).
	Purposes []string `json:"purposes"`
}

// Service is a service endpoint of a did:seoul document.
type Service struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Endpoint string `json:"serviceEndpoint"`
}

// Names is a name in Korean and English.
type Names struct {
	Ko string `json:"ko"`
	En string `json:"en"`
}

// Council is the governing council: the agencies whose signatures approve
// council operations, and how many must sign.
type Council struct {
	Members   []string `json:"members"`
	Threshold int      `json:"threshold"`
}

// Purpose is one purpose a verifier is registered for: why it asks, under
// which law, how long it keeps what it receives, and exactly which claims
// of which credential types it may request.
type Purpose struct {
	ID          string   `json:"id"`
	Description Names    `json:"description"`
	LegalBasis  string   `json:"legal_basis"`
	Retention   string   `json:"retention"` // ISO 8601 duration, e.g. P30D; P0D keeps nothing
	Claims      []Claims `json:"claims"`
}

// Claims are the claim paths of one credential type a purpose may request.
type Claims struct {
	VCT   string       `json:"vct"`
	Paths []sdjwt.Path `json:"paths"`
}

// Catalogue identifies the credential catalogue version in force.
type Catalogue struct {
	Version string `json:"version"`
	Digest  string `json:"digest"` // sha256-… over the catalogue's files
}

// Tx is a signed operation: the JWS JSON General Serialization (RFC 7515
// §7.2.1) of the operation, with one signature per signer. Each protected
// header has "alg" and "kid", the DID URL of the signing key.
type Tx struct {
	Payload    string      `json:"payload"`
	Signatures []Signature `json:"signatures"`

	op  *Op
	raw []byte
}

// Signature is one signature of a Tx.
type Signature struct {
	Protected string `json:"protected"`
	Signature string `json:"signature"`

	kid string
	tok *jws.Token
}

// KeyID is the DID URL of the key that made the signature.
func (s *Signature) KeyID() string { return s.kid }

// Op returns the decoded operation.
func (t *Tx) Op() *Op { return t.op }

// Limits of a transaction.
const (
	MaxTxBytes    = 256 << 10
	maxSignatures = 32
)

// Encode returns the transaction as the ledger stores it.
func (t *Tx) Encode() []byte {
	if t.raw != nil {
		return t.raw
	}
	b, _ := json.Marshal(struct {
		Payload    string      `json:"payload"`
		Signatures []Signature `json:"signatures"`
	}{t.Payload, t.Signatures})
	return b
}

// Signer signs registry operations: a key, named by its DID URL.
type Signer interface {
	Algorithm() keys.Algorithm
	KeyID() string
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
}

// SignOp signs op with each signer (whose KeyID must be the DID URL of a
// key of its DID) and returns the transaction.
func SignOp(ctx context.Context, op *Op, signers ...Signer) (*Tx, error) {
	if len(signers) == 0 {
		return nil, fmt.Errorf("registry: an operation needs at least one signer")
	}
	payload, err := json.Marshal(op)
	if err != nil {
		return nil, fmt.Errorf("registry: encoding the operation: %w", err)
	}
	tx := &Tx{Payload: b64url.Encode(payload), op: op}
	for _, s := range signers {
		if !strings.HasPrefix(s.KeyID(), "did:") || !strings.Contains(s.KeyID(), "#") {
			return nil, fmt.Errorf("registry: signer key id %q is not a DID URL", s.KeyID())
		}
		compact, err := jws.Sign(ctx, s, nil, payload)
		if err != nil {
			return nil, fmt.Errorf("registry: signing: %w", err)
		}
		parts := strings.SplitN(compact, ".", 3)
		tx.Signatures = append(tx.Signatures, Signature{Protected: parts[0], Signature: parts[2], kid: s.KeyID()})
	}
	return tx, nil
}

// Cosign returns the transaction with a signature by each signer added
// over the same payload — for council operations whose signers are not on
// one machine: one member signs the operation (SignOp, with --out on the
// command line), the others add their signatures in turn. A key that
// already signed is refused.
func (t *Tx) Cosign(ctx context.Context, signers ...Signer) (*Tx, error) {
	payload, err := b64url.Decode(t.Payload)
	if err != nil {
		return nil, fmt.Errorf("registry: payload: %w", err)
	}
	next := &Tx{Payload: t.Payload, Signatures: slices.Clone(t.Signatures)}
	for _, s := range signers {
		for _, old := range next.Signatures {
			if old.kid == s.KeyID() {
				return nil, fmt.Errorf("registry: %s has already signed", s.KeyID())
			}
		}
		compact, err := jws.Sign(ctx, s, nil, payload)
		if err != nil {
			return nil, fmt.Errorf("registry: signing: %w", err)
		}
		parts := strings.SplitN(compact, ".", 3)
		next.Signatures = append(next.Signatures, Signature{Protected: parts[0], Signature: parts[2], kid: s.KeyID()})
	}
	out, rej := DecodeTx(next.Encode())
	if rej != nil {
		return nil, rej
	}
	return out, nil
}

// DecodeTx reads a transaction strictly: size, JSON without duplicates or
// unknown members, each signature a JWS with alg and kid over the payload,
// and the payload an operation of a known type. It checks no signature
// (that needs the state) and no rule of the operation beyond its shape.
func DecodeTx(b []byte) (*Tx, *Rejection) {
	if len(b) > MaxTxBytes {
		return nil, reject(CodeTooLarge, "%d bytes, more than %d", len(b), MaxTxBytes)
	}
	if _, err := jsonx.ParseWithLimits(b, jsonx.Limits{MaxBytes: MaxTxBytes, MaxDepth: 16}); err != nil {
		return nil, reject(CodeEncoding, "%v", err)
	}
	tx := &Tx{raw: b}
	if err := strictUnmarshal(b, tx); err != nil {
		return nil, reject(CodeEncoding, "%v", err)
	}
	if len(tx.Signatures) == 0 || len(tx.Signatures) > maxSignatures {
		return nil, reject(CodeEncoding, "%d signatures; a transaction has 1 to %d", len(tx.Signatures), maxSignatures)
	}
	payload, err := b64url.Decode(tx.Payload)
	if err != nil {
		return nil, reject(CodeEncoding, "payload: %v", err)
	}
	if _, err := jsonx.ParseWithLimits(payload, jsonx.Limits{MaxBytes: MaxTxBytes, MaxDepth: 12}); err != nil {
		return nil, reject(CodeEncoding, "operation: %v", err)
	}
	op := &Op{}
	if err := strictUnmarshal(payload, op); err != nil {
		return nil, reject(CodeEncoding, "operation: %v", err)
	}
	if !slices.Contains(opTypes, op.Type) {
		return nil, reject(CodeEncoding, "unknown operation type %q", op.Type)
	}
	tx.op = op
	seen := map[string]bool{}
	for i := range tx.Signatures {
		s := &tx.Signatures[i]
		tok, err := jws.Parse(s.Protected+"."+tx.Payload+"."+s.Signature, jws.Limits{MaxBytes: MaxTxBytes})
		if err != nil {
			return nil, reject(CodeEncoding, "signature %d: %v", i+1, err)
		}
		kid := tok.HeaderString("kid")
		if kid == "" || len(tok.Header()) != 2 {
			return nil, reject(CodeEncoding, "signature %d: the protected header must be exactly alg and kid", i+1)
		}
		if seen[kid] {
			return nil, reject(CodeEncoding, "signature %d: key %s signs twice", i+1, kid)
		}
		seen[kid] = true
		s.kid, s.tok = kid, tok
	}
	return tx, nil
}

func strictUnmarshal(b []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}
