package issuer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seoulid/seoulid/internal/b64url"
)

// OperatorTokenPrefix starts every operator token, so that a leaked one is
// easy to recognise (and to scan for).
const OperatorTokenPrefix = "sid_op_"

// CreateOperator adds a member of staff and returns their bearer token —
// the only time it exists in the clear; the store keeps its hash. by is
// the operator who adds them ("" for the first one, made at setup).
func (is *Issuer) CreateOperator(ctx context.Context, by, name string) (*Operator, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return nil, "", errors.New("issuer: an operator needs a name of 1 to 100 bytes")
	}
	idb, err := is.random(9)
	if err != nil {
		return nil, "", err
	}
	tokb, err := is.random(32)
	if err != nil {
		return nil, "", err
	}
	token := OperatorTokenPrefix + b64url.Encode(tokb)
	op := &Operator{ID: "opr_" + b64url.Encode(idb), Name: name, TokenHash: hash(token), CreatedAt: is.cfg.Now().UTC()}
	if err := is.store.PutOperator(ctx, op, is.auditEntry(by, "operator.create", op.ID, name)); err != nil {
		is.log.Error("storing an operator", "operator", op.ID, "err", err)
		return nil, "", fmt.Errorf("issuer: storing the operator: %w", err)
	}
	return op, token, nil
}

// Authenticate returns the operator a bearer token belongs to, or
// ErrTokenUnknown.
func (is *Issuer) Authenticate(ctx context.Context, token string) (*Operator, error) {
	if !strings.HasPrefix(token, OperatorTokenPrefix) || len(token) > 128 {
		return nil, ErrTokenUnknown
	}
	return is.store.OperatorByToken(ctx, hash(token))
}

// Store returns the issuer's store (for the back office's reads).
func (is *Issuer) Store() Store { return is.store }
