package wallet

import (
	"context"

	vp "github.com/seoulid/seoulid/internal/oid4vp"
)

// Build exposes build to the benchmarks: the presentations of an approved
// consent, without the PIN check and without sending them.
func Build(ctx context.Context, w *Wallet, c *Consent, a Approval) (vp.VPToken, error) {
	tok, _, _, err := w.build(ctx, c, a)
	return tok, err
}
