package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
)

// Errors of reads, beside those of package did (did.ErrInvalidDID,
// did.ErrNotFound, did.ErrKeyNotFound, did.ErrNotAuthorized).
var (
	// ErrDeactivated: the DID exists but is deactivated; its keys verify
	// nothing any more.
	ErrDeactivated = errors.New("registry: DID deactivated")
	// ErrCompromised: the key was reported compromised; nothing it signed
	// is to be trusted, whenever it was signed.
	ErrCompromised = errors.New("registry: key reported compromised")
	// ErrNotFound: no such issuer, verifier, status list or version.
	ErrNotFound = errors.New("registry: not found")
)

// Reader reads the committed state of the local node. Reads never block
// on consensus; they see the last committed block. It is safe for
// concurrent use.
type Reader struct{ app *App }

// Reader returns a reader of the app's committed state.
func (a *App) Reader() *Reader { return &Reader{app: a} }

// Resolution is a resolved did:seoul: the document of one version and its
// metadata (DID Core §7.1.3).
type Resolution struct {
	Document *did.Document
	Metadata DocumentMetadata
}

// DocumentMetadata is the DID document metadata of a did:seoul version.
type DocumentMetadata struct {
	Created       time.Time `json:"created"`
	Updated       time.Time `json:"updated,omitzero"`
	Deactivated   bool      `json:"deactivated,omitempty"`
	VersionID     string    `json:"versionId"`
	NextUpdate    time.Time `json:"nextUpdate,omitzero"`
	NextVersionID string    `json:"nextVersionId,omitempty"`
	// Compromised lists the DID URLs of keys reported compromised.
	Compromised []string `json:"compromisedKeys,omitempty"`
	// Height is the block that wrote this version.
	Height int64 `json:"blockHeight"`
}

// record returns the DID's record from the committed state.
func (r *Reader) record(ctx context.Context, d string) (*DIDRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ParseDID(d); err != nil {
		return nil, err
	}
	r.app.mu.RLock()
	rec, _ := r.app.st.records[prefixDID+d].(*DIDRecord)
	r.app.mu.RUnlock()
	if rec == nil {
		return nil, fmt.Errorf("%w: %s is not on the ledger", did.ErrNotFound, d)
	}
	return rec, nil
}

// Resolve returns the current document of a did:seoul. A deactivated DID
// fails with ErrDeactivated. It satisfies the resolver interfaces of
// package did and sdjwtvc (Resolve(ctx, did)).
func (r *Reader) Resolve(ctx context.Context, d string) (*did.Document, error) {
	rec, err := r.record(ctx, d)
	if err != nil {
		return nil, err
	}
	if rec.Deactivated {
		return nil, fmt.Errorf("%w: %s", ErrDeactivated, d)
	}
	return rec.Latest().Document(d), nil
}

// ResolveOptions select a version: by VersionID, or the version in force
// at VersionTime; both zero means the latest.
type ResolveOptions struct {
	VersionID   string
	VersionTime time.Time
}

// ResolveVersion resolves a did:seoul with its metadata, at a version or a
// time (DID Resolution versionId / versionTime). A deactivated DID resolves,
// with Metadata.Deactivated set, so a caller can tell it from an unknown
// one.
func (r *Reader) ResolveVersion(ctx context.Context, d string, opts ResolveOptions) (*Resolution, error) {
	rec, err := r.record(ctx, d)
	if err != nil {
		return nil, err
	}
	return rec.Resolve(opts)
}

// Resolve returns the version of the record that opts select, with its
// metadata (see Reader.ResolveVersion). Clients that fetch a record from a
// remote node (an ABCI query of /did/<did>) resolve it with this.
func (rec *DIDRecord) Resolve(opts ResolveOptions) (*Resolution, error) {
	d := rec.DID
	var v *Version
	switch {
	case opts.VersionID != "" && !opts.VersionTime.IsZero():
		return nil, fmt.Errorf("%w: give versionId or versionTime, not both", did.ErrInvalidDID)
	case opts.VersionID != "":
		n, err := strconv.Atoi(opts.VersionID)
		if err != nil || n < 1 || n > len(rec.Versions) {
			return nil, fmt.Errorf("%w: %s has no version %q (versions 1 to %d)", ErrNotFound, d, opts.VersionID, len(rec.Versions))
		}
		v = &rec.Versions[n-1]
	case !opts.VersionTime.IsZero():
		if v = rec.At(opts.VersionTime); v == nil {
			return nil, fmt.Errorf("%w: %s did not exist at %s", ErrNotFound, d, opts.VersionTime.UTC().Format(time.RFC3339))
		}
	default:
		v = rec.Latest()
	}
	md := DocumentMetadata{
		Created:     rec.Versions[0].Time,
		VersionID:   strconv.Itoa(v.ID),
		Height:      v.Height,
		Deactivated: rec.Deactivated,
	}
	if v.ID > 1 {
		md.Updated = v.Time
	}
	if v.ID < len(rec.Versions) {
		next := rec.Versions[v.ID]
		md.NextUpdate, md.NextVersionID = next.Time, strconv.Itoa(next.ID)
	}
	for _, c := range rec.Compromised {
		md.Compromised = append(md.Compromised, d+"#"+c)
	}
	return &Resolution{Document: v.Document(d), Metadata: md}, nil
}

// RotationGrace is how long after the block time of an update a key that
// the update removed still verifies credentials (unless it was reported
// compromised). Block time trails the wall clock — it is the time of the
// votes on the previous block, up to the node's empty-block interval (30 s
// by default) earlier — so an issuer that signed with its old key just
// before its rotation committed would otherwise see those credentials
// refused.
const RotationGrace = time.Minute

// KeyAt returns the key a DID URL names if the DID authorised it for rel
// at time t — the version in force at t lists it, or the version in force
// RotationGrace earlier — and it was never reported compromised. This is
// how a credential signed before a key rotation still verifies after it:
// pass the credential's issuance time.
func (r *Reader) KeyAt(ctx context.Context, kidURL string, rel did.RelationshipKind, t time.Time) (*keys.PublicKey, error) {
	u, err := did.ParseURL(kidURL)
	if err != nil {
		return nil, err
	}
	rec, err := r.record(ctx, u.DID.String())
	if err != nil {
		return nil, err
	}
	return rec.KeyAt(kidURL, rel, t)
}

// KeyAt is Reader.KeyAt on a record already read (by a client of a remote
// node, say): the key kidURL names if the record authorised it for rel at
// t, or RotationGrace earlier, and it was never reported compromised.
func (rec *DIDRecord) KeyAt(kidURL string, rel did.RelationshipKind, t time.Time) (*keys.PublicKey, error) {
	u, err := did.ParseURL(kidURL)
	if err != nil {
		return nil, err
	}
	if u.DID.String() != rec.DID {
		return nil, fmt.Errorf("%w: %s is not a key of %s", did.ErrKeyNotFound, kidURL, rec.DID)
	}
	if rec.Deactivated && !t.Before(rec.DeactivatedAt) {
		return nil, fmt.Errorf("%w: %s", ErrDeactivated, u.DID)
	}
	if slices.Contains(rec.Compromised, u.Fragment) {
		return nil, fmt.Errorf("%w: %s", ErrCompromised, kidURL)
	}
	v := rec.At(t)
	if v == nil {
		return nil, fmt.Errorf("%w: %s did not exist at %s", did.ErrKeyNotFound, u.DID, t.UTC().Format(time.RFC3339))
	}
	k, err := v.Document(u.DID.String()).Key(kidURL, rel)
	if err != nil {
		// Any version in force at some time in [t-RotationGrace, t] will
		// do: the one in force at its start, or the first version when the
		// DID is younger than the grace, and every later one up to t.
		from := t.Add(-RotationGrace)
		i := sort.Search(len(rec.Versions), func(i int) bool { return rec.Versions[i].Time.After(from) })
		if i > 0 {
			i--
		}
		for ; i < len(rec.Versions) && !rec.Versions[i].Time.After(t); i++ {
			if k2, err2 := rec.Versions[i].Document(u.DID.String()).Key(kidURL, rel); err2 == nil {
				return k2, nil
			}
		}
	}
	return k, err
}

// Issuer returns the trust-registry entry of an issuer.
func (r *Reader) Issuer(ctx context.Context, d string) (*IssuerEntry, error) {
	v, err := r.get(ctx, prefixIssuer+d)
	if err != nil {
		return nil, err
	}
	e := *v.(*IssuerEntry)
	e.VCTs = slices.Clone(e.VCTs)
	return &e, nil
}

// IssuerAuthorised reports whether the ledger authorises issuer to issue
// credentials of type vct.
func (r *Reader) IssuerAuthorised(ctx context.Context, issuer, vct string) (bool, error) {
	e, err := r.Issuer(ctx, issuer)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return slices.Contains(e.VCTs, vct), nil
}

// Verifier returns a verifier's registered purposes.
func (r *Reader) Verifier(ctx context.Context, d string) (*VerifierEntry, error) {
	v, err := r.get(ctx, prefixVerifier+d)
	if err != nil {
		return nil, err
	}
	e := *v.(*VerifierEntry)
	e.Purposes = slices.Clone(e.Purposes)
	return &e, nil
}

// StatusList returns the status list token published at uri.
func (r *Reader) StatusList(ctx context.Context, uri string) (*StatusEntry, error) {
	v, err := r.get(ctx, prefixStatus+uri)
	if err != nil {
		return nil, err
	}
	e := *v.(*StatusEntry)
	return &e, nil
}

// Council returns the governing council.
func (r *Reader) Council(ctx context.Context) (*Council, error) {
	v, err := r.get(ctx, prefixCouncil)
	if err != nil {
		return nil, err
	}
	c := *v.(*Council)
	c.Members = slices.Clone(c.Members)
	return &c, nil
}

// Agency returns a member agency.
func (r *Reader) Agency(ctx context.Context, d string) (*Agency, error) {
	v, err := r.get(ctx, prefixAgency+d)
	if err != nil {
		return nil, err
	}
	a := *v.(*Agency)
	return &a, nil
}

// Catalogue returns the catalogue version in force.
func (r *Reader) Catalogue(ctx context.Context) (*CatalogueEntry, error) {
	v, err := r.get(ctx, prefixCatalogue)
	if err != nil {
		return nil, err
	}
	c := *v.(*CatalogueEntry)
	return &c, nil
}

// Sequence returns a DID's last sequence number (0 before its first
// operation): the next operation it signs as actor uses this plus one.
func (r *Reader) Sequence(ctx context.Context, d string) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	r.app.mu.RLock()
	defer r.app.mu.RUnlock()
	s, _ := r.app.st.records[prefixSeq+d].(uint64)
	return s, nil
}

// Height is the last committed block.
func (r *Reader) Height() int64 { return r.app.Height() }

// Chain is the chain id.
func (r *Reader) Chain() string {
	r.app.mu.RLock()
	defer r.app.mu.RUnlock()
	return r.app.chain
}

func (r *Reader) get(ctx context.Context, key string) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.app.mu.RLock()
	v, ok := r.app.st.records[key]
	r.app.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return v, nil
}

// StatusToken returns the status list token published at uri and the DID
// that published it: StatusList in the shape services read it (the
// verifier's Ledger).
func (r *Reader) StatusToken(ctx context.Context, uri string) (token, issuer string, err error) {
	e, err := r.StatusList(ctx, uri)
	if err != nil {
		return "", "", err
	}
	return e.Token, e.Issuer, nil
}
