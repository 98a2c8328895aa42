package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/seoulid/seoulid/registry"
)

// IssuerAuthorised asks the node whether the ledger authorises issuer for
// vct (the issuer.Trust of a service in another process).
func (r *Remote) IssuerAuthorised(ctx context.Context, issuer, vct string) (bool, error) {
	var e registry.IssuerEntry
	err := r.Query(ctx, "/issuer/"+issuer, &e)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return slices.Contains(e.VCTs, vct), nil
}

// StatusPublisher publishes an issuer's status list tokens to the ledger
// (a status.publish operation signed by the issuer's controller key). It
// serialises its operations, so that their sequence numbers follow each
// other. It satisfies issuer.Publisher.
type StatusPublisher struct {
	Remote *Remote
	// Signer is a capabilityInvocation key of DID, its KeyID the key's DID
	// URL.
	Signer registry.Signer
	DID    string

	mu sync.Mutex
}

// LastPublished returns the "iat" of the token the ledger holds for uri,
// zero when it holds none (issuer.LastPublisher).
func (p *StatusPublisher) LastPublished(ctx context.Context, uri string) (time.Time, error) {
	e, err := p.Remote.Status(ctx, uri)
	if err != nil || e == nil {
		return time.Time{}, err
	}
	return e.IssuedAt, nil
}

// PublishStatusList publishes or replaces the token at uri and waits until
// the ledger has committed it.
func (p *StatusPublisher) PublishStatusList(ctx context.Context, uri, token string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	chain, err := p.Remote.ChainID(ctx)
	if err != nil {
		return err
	}
	seq, err := p.Remote.NextSequence(ctx, p.DID)
	if err != nil {
		return err
	}
	tx, err := registry.SignOp(ctx, &registry.Op{Type: registry.OpStatusPublish, Chain: chain, Actor: p.DID, Seq: seq, StatusURI: uri, StatusToken: token}, p.Signer)
	if err != nil {
		return err
	}
	res, err := p.Remote.Submit(ctx, tx)
	if err != nil {
		return err
	}
	if res.Code != registry.OK {
		return fmt.Errorf("node: the ledger refused the status list %s: %s: %s", uri, res.Code, res.Reason)
	}
	return nil
}
