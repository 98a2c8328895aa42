package city

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/node"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier/programmes"
)

// chainID is the local city's ledger.
const chainID = "seoulid-city"

// ledgerDir is the node's home under the data dir.
const ledgerDir = "ledger"

// council holds the founding agencies' keys, read from the node's home:
// on one machine the city's operator holds them all (in production each
// agency keeps its own; docs/operations.md).
type council struct {
	keys map[string]*keys.PrivateKey // slug → controller key, kid = DID URL
	// quorum are the keys that sign council operations: a majority.
	quorum []registry.Signer
}

// readCouncil reads home/agencies/<slug>.jwk of every founding agency.
func readCouncil(home string) (*council, error) {
	c := &council{keys: map[string]*keys.PrivateKey{}}
	for _, a := range node.DefaultAgencies {
		file := filepath.Join(home, "agencies", a.Slug+".jwk")
		k, err := readKey(file)
		if err != nil {
			return nil, err
		}
		c.keys[a.Slug] = k
	}
	for _, a := range node.DefaultAgencies[:len(node.DefaultAgencies)/2+1] {
		c.quorum = append(c.quorum, c.keys[a.Slug])
	}
	return c, nil
}

func (c *council) did(slug string) string {
	d, _, _ := strings.Cut(c.keys[slug].KeyID(), "#")
	return d
}

// readKey reads a private JWK file that must be readable by its owner
// only and name its key by a did:seoul DID URL.
func readKey(file string) (*keys.PrivateKey, error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("city: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("city: %s can be read by others (mode %04o): chmod 600 it", file, info.Mode().Perm())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("city: %w", err)
	}
	k, err := keys.ParsePrivateJWK(b)
	if err != nil {
		return nil, fmt.Errorf("city: %s: %w", file, err)
	}
	d, frag, ok := strings.Cut(k.KeyID(), "#")
	if !ok || frag == "" || registry.ParseDID(d) != nil {
		return nil, fmt.Errorf("city: %s: kid %q is not the DID URL of a did:seoul key", file, k.KeyID())
	}
	return k, nil
}

// serviceKey reads DIR/key.jwk, generating it (Ed25519, mode 0600, for a
// new did:seoul) on first use.
func serviceKey(dir string) (*keys.PrivateKey, string, error) {
	file := filepath.Join(dir, "key.jwk")
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		k, err := keys.Generate(keys.EdDSA)
		if err != nil {
			return nil, "", err
		}
		k = k.WithKeyID(registry.DeriveDID(k.Public()) + "#key-1")
		b, err := k.MarshalPrivateJWK()
		if err != nil {
			return nil, "", err
		}
		if err := writeFileAtomic(file, append(b, '\n'), 0o600); err != nil {
			return nil, "", fmt.Errorf("city: writing %s: %w", file, err)
		}
	}
	k, err := readKey(file)
	if err != nil {
		return nil, "", err
	}
	d, _, _ := strings.Cut(k.KeyID(), "#")
	return k, d, nil
}

// registrar puts the city's services on the ledger, each step only when
// the ledger does not already say it: a restart submits nothing.
type registrar struct {
	remote  *node.Remote
	council *council
	chain   string
}

// submit signs op (filling chain and sequence) and waits for its block.
func (r *registrar) submit(ctx context.Context, op *registry.Op, signers ...registry.Signer) error {
	op.Chain = r.chain
	seq, err := r.remote.NextSequence(ctx, op.Actor)
	if err != nil {
		return fmt.Errorf("city: the sequence number of %s: %w", op.Actor, err)
	}
	op.Seq = seq
	tx, err := registry.SignOp(ctx, op, signers...)
	if err != nil {
		return err
	}
	res, err := r.remote.Submit(ctx, tx)
	if err != nil {
		return fmt.Errorf("city: submitting %s: %w", op.Type, err)
	}
	if res.Code != registry.OK {
		return fmt.Errorf("city: the ledger rejected %s for %s: %s", op.Type, op.DID, res.Reason)
	}
	return nil
}

// ensureDID creates the service's DID, by the agency that runs it, unless
// the ledger has it.
func (r *registrar) ensureDID(ctx context.Context, a Agency, k *keys.PrivateKey, d string) error {
	var rec registry.DIDRecord
	err := r.remote.Query(ctx, "/did/"+d, &rec)
	switch {
	case err == nil:
		if rec.Deactivated {
			return fmt.Errorf("city: %s (%s) is deactivated on the ledger", d, a.Slug)
		}
		return nil
	case !errors.Is(err, node.ErrNotFound):
		return fmt.Errorf("city: reading %s from the ledger: %w", d, err)
	}
	creator, ok := r.council.keys[a.CreatedBy]
	if !ok {
		return fmt.Errorf("city: %s is created by %q, which is not a founding agency", a.Slug, a.CreatedBy)
	}
	jwk := k.Public().JWK()
	delete(jwk, "kid")
	op := &registry.Op{Type: registry.OpDIDCreate, Actor: r.council.did(a.CreatedBy), DID: d,
		Keys: []registry.Key{{ID: "key-1", JWK: jwk, Purposes: []string{registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod, registry.PurposeAuthentication}}}}
	return r.submit(ctx, op, creator, k)
}

// issuerTypes are the catalogue's types of the issuer's kinds.
func issuerTypes(a Agency) ([]string, error) {
	var out []string
	for _, t := range schemas.Default().Types() {
		if slices.Contains(a.Kinds, t.IssuerKind.ID) {
			out = append(out, t.VCT)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("city: the catalogue has no type for %s's kinds %v", a.Slug, a.Kinds)
	}
	slices.Sort(out)
	return out, nil
}

// ensureIssuer has the council authorise the issuer for exactly vcts.
func (r *registrar) ensureIssuer(ctx context.Context, d string, vcts []string) error {
	var e registry.IssuerEntry
	if err := r.remote.Query(ctx, "/issuer/"+d, &e); err != nil && !errors.Is(err, node.ErrNotFound) {
		return fmt.Errorf("city: reading the authorisation of %s: %w", d, err)
	}
	have := slices.Clone(e.VCTs)
	slices.Sort(have)
	if slices.Equal(have, vcts) {
		return nil
	}
	op := &registry.Op{Type: registry.OpTrustIssuer, Actor: r.council.did("seoul"), DID: d, VCTs: vcts}
	return r.submit(ctx, op, r.council.quorum...)
}

// purposes are the ledger's form of the programmes' purposes.
func purposes(cat *programmes.Catalogue) ([]registry.Purpose, error) {
	var want []programmes.Purpose
	for _, p := range cat.Programmes() {
		want = append(want, p.Purpose())
	}
	b, err := json.Marshal(want)
	if err != nil {
		return nil, err
	}
	var out []registry.Purpose
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("city: the programmes' purposes: %w", err)
	}
	return out, nil
}

// ensureVerifier has the council register the verifier for exactly its
// programmes' purposes.
func (r *registrar) ensureVerifier(ctx context.Context, d string, want []registry.Purpose) error {
	e, err := r.remote.Verifier(ctx, d)
	if err != nil {
		return fmt.Errorf("city: reading the purposes of %s: %w", d, err)
	}
	if e != nil {
		a, _ := jsonx.Marshal(e.Purposes)
		b, _ := jsonx.Marshal(want)
		if bytes.Equal(a, b) {
			return nil
		}
	}
	op := &registry.Op{Type: registry.OpTrustVerifier, Actor: r.council.did("seoul"), DID: d, Purposes: want}
	return r.submit(ctx, op, r.council.quorum...)
}

// waitForNode waits until the node's RPC answers with the chain id.
func waitForNode(ctx context.Context, remote *node.Remote) (string, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		id, err := remote.ChainID(ctx)
		if err == nil {
			return id, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("city: the ledger node does not answer: %w", err)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
