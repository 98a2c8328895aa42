package city

import (
	"context"

	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/node"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
)

// WalletLedger is the registry as a wallet reads it through a node's RPC
// (wallet.Ledger): issuer authorisations, and verifiers' purposes and
// names.
type WalletLedger struct{ *node.Remote }

// Verifier returns a verifier's purposes, named after the verifier when it
// is an agency, else after the agency that registered its DID.
func (l WalletLedger) Verifier(ctx context.Context, d string) (*wallet.VerifierInfo, error) {
	e, err := l.Remote.Verifier(ctx, d)
	if err != nil || e == nil {
		return nil, err
	}
	info := &wallet.VerifierInfo{Name: map[string]string{}}
	a, err := l.Agency(ctx, d)
	if err != nil {
		return nil, err
	}
	if a == nil {
		var rec registry.DIDRecord
		if err := l.Query(ctx, "/did/"+d, &rec); err == nil && rec.CreatedBy != "" {
			if a, err = l.Agency(ctx, rec.CreatedBy); err != nil {
				return nil, err
			}
		}
	}
	if a != nil {
		info.Name["ko"], info.Name["en"] = a.Name.Ko, a.Name.En
	}
	for _, p := range e.Purposes {
		wp := wallet.Purpose{ID: p.ID, LegalBasis: p.LegalBasis, Retention: p.Retention,
			Description: map[schemas.Lang]string{schemas.Korean: p.Description.Ko, schemas.English: p.Description.En},
			Claims:      map[string][]sdjwt.Path{}}
		for _, c := range p.Claims {
			wp.Claims[c.VCT] = append(wp.Claims[c.VCT], c.Paths...)
		}
		info.Purposes = append(info.Purposes, wp)
	}
	return info, nil
}
