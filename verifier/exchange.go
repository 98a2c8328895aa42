package verifier

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
)

// AckType is the typ of the verifier's signed acknowledgement of a
// response, the consent receipt the wallet keeps (the seoulid profile).
const AckType = "seoulid-receipt+jwt"

// Signer signs request objects and acknowledgements with a key of the
// verifier's DID (its KeyID a DID URL of it). keys.PrivateKey satisfies
// it.
type Signer = vp.Signer

// ExchangeConfig sets up an Exchange. The zero value of each optional
// field says what it means.
type ExchangeConfig struct {
	// DID is the verifier's DID; the client id is
	// decentralized_identifier:DID. Required.
	DID string
	// ResponseURL is the base of the response_uri: the response to request
	// ID goes to ResponseURL + "/" + ID. Required.
	ResponseURL string
	// EncryptionKey is the key responses are encrypted to under
	// direct_post.jwt; nil means a fresh one.
	EncryptionKey *vp.EncryptionKey
	// RequestTTL is how long a request may be answered; 0 means five
	// minutes.
	RequestTTL time.Duration
	// MaxPending bounds the requests waiting for an answer: anyone can
	// start one on a public portal, and each is kept until it expires.
	// 0 means 100,000 (a few tens of MB).
	MaxPending int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Exchange runs the verifier's side of OpenID4VP 1.0: it makes signed
// requests, takes each response once, verifies every presentation in it
// with the Pipeline, checks it answers the query, and acknowledges it. It
// keeps pending requests in memory until they are answered or expire.
type Exchange struct {
	signer   Signer
	pipeline *Pipeline
	cfg      ExchangeConfig
	clientID string
	// metadata is the client_metadata of every request: one value, so
	// that its encoding is made once (oid4vp.SignRequestObject caches it).
	metadata *vp.ClientMetadata

	mu      sync.Mutex
	pending map[string]*Pending
}

// Pending is a request made and not yet answered.
type Pending struct {
	ID      string
	Purpose string
	Request *vp.AuthorizationRequest
	Expires time.Time
	done    bool
}

// NewExchange makes an Exchange signing with s and verifying with p.
func NewExchange(s Signer, p *Pipeline, cfg ExchangeConfig) (*Exchange, error) {
	if s == nil || p == nil || cfg.DID == "" || cfg.ResponseURL == "" {
		return nil, errors.New("verifier: an exchange needs a signer, a pipeline, the verifier's DID and a response URL")
	}
	if cfg.EncryptionKey == nil {
		k, err := vp.NewEncryptionKey()
		if err != nil {
			return nil, err
		}
		cfg.EncryptionKey = k
	}
	if cfg.RequestTTL == 0 {
		cfg.RequestTTL = 5 * time.Minute
	}
	if cfg.MaxPending == 0 {
		cfg.MaxPending = 100_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	md := &vp.ClientMetadata{
		JWKS: cfg.EncryptionKey.JWKS(),
		VPFormatsSupported: map[string]map[string]any{dcql.FormatSDJWTVC: {
			"sd-jwt_alg_values": algNames(p.cfg.Algorithms), "kb-jwt_alg_values": algNames(p.cfg.Algorithms),
		}},
	}
	return &Exchange{signer: s, pipeline: p, cfg: cfg, clientID: vp.ClientIDForDID(cfg.DID), metadata: md, pending: map[string]*Pending{}}, nil
}

// ClientID is the verifier's client id.
func (x *Exchange) ClientID() string { return x.clientID }

// NewRequest makes a request for query under the registered purpose,
// answered by mode (direct_post or direct_post.jwt). The request object
// itself is made by RequestObject, when the wallet fetches it.
func (x *Exchange) NewRequest(purpose string, query *dcql.Query, mode string) (*Pending, error) {
	idb := make([]byte, 16)
	if _, err := rand.Read(idb); err != nil {
		return nil, err
	}
	id := b64url.Encode(idb)
	nonce, err := vp.NewNonce()
	if err != nil {
		return nil, err
	}
	state, err := vp.NewState()
	if err != nil {
		return nil, err
	}
	now := x.cfg.Now()
	req := &vp.AuthorizationRequest{
		ClientID: x.clientID, ResponseType: vp.ResponseTypeVPToken, ResponseMode: mode,
		ResponseURI: x.cfg.ResponseURL + "/" + id, Nonce: nonce, State: state, DCQLQuery: query, Purpose: purpose,
		ClientMetadata: x.metadata,
		IssuedAt:       now, ExpiresAt: now.Add(x.cfg.RequestTTL),
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	p := &Pending{ID: id, Purpose: purpose, Request: req, Expires: req.ExpiresAt}
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.pending) >= x.cfg.MaxPending {
		x.forgetExpired(now)
		if len(x.pending) >= x.cfg.MaxPending {
			return nil, fmt.Errorf("%w: %d requests are waiting for an answer", ErrBusy, len(x.pending))
		}
	}
	x.pending[id] = p
	return p, nil
}

func algNames[T ~string](algs []T) []any {
	out := make([]any, len(algs))
	for i, a := range algs {
		out[i] = string(a)
	}
	return out
}

// forgetExpired drops requests past their expiry (called with mu held).
func (x *Exchange) forgetExpired(now time.Time) {
	for id, p := range x.pending {
		if !now.Before(p.Expires) {
			delete(x.pending, id)
		}
	}
}

// ErrBusy: too many requests are waiting for an answer; try later.
var ErrBusy = errors.New("verifier: too many pending requests")

// ErrUnknownRequest: no pending request has this id (never made,
// answered, or expired).
var ErrUnknownRequest = errors.New("verifier: unknown, answered or expired request")

// RequestObject signs the request object of a pending request, with the
// wallet's wallet_nonce when it fetched it by POST (§5.10).
func (x *Exchange) RequestObject(ctx context.Context, id, walletNonce string) (string, error) {
	x.mu.Lock()
	p := x.pending[id]
	x.mu.Unlock()
	if p == nil || p.done || !x.cfg.Now().Before(p.Expires) {
		return "", ErrUnknownRequest
	}
	req := *p.Request
	req.WalletNonce = walletNonce
	return vp.SignRequestObject(ctx, x.signer, &req)
}

// Answer is what a response brought.
type Answer struct {
	Request *Pending
	// Presented are the verified presentations per Credential Query id.
	Presented map[string][]*Verified
	// Declined is the wallet's error response when it declined.
	Declined *vp.ErrorResponse
	// Ack is the signed acknowledgement to return to the wallet ("" when
	// it declined or the response was refused).
	Ack string
	// Refused is set when the response was refused (Respond also returns
	// it as its error): the request is spent all the same.
	Refused *ResponseError
}

// ResponseError is a response refused: its wire code (§8.5) and why;
// Checks holds the failed check of the presentation that failed, if one
// did.
type ResponseError struct {
	Code   vp.Code
	Reason string
	Err    error
}

func (e *ResponseError) Error() string { return "verifier: response refused: " + e.Reason }
func (e *ResponseError) Unwrap() error { return e.Err }

// Respond takes the body posted to a request's response_uri, once: it
// opens it (decrypting under direct_post.jwt), checks the state, verifies
// every presentation with the Pipeline against the request's client id and
// nonce, checks the presentations answer the DCQL query (§8.6), and signs
// an acknowledgement. A refusal is a *ResponseError, returned with an
// Answer naming the request (nil when there is no such request). A request is answered once: a second response, even
// a refused one after an accepted one, finds no request — the nonce is
// single-use.
func (x *Exchange) Respond(ctx context.Context, id string, body []byte) (*Answer, error) {
	x.mu.Lock()
	p := x.pending[id]
	if p == nil || p.done || !x.cfg.Now().Before(p.Expires) {
		x.mu.Unlock()
		return nil, &ResponseError{Code: vp.ErrInvalidRequest, Reason: "no pending request " + id, Err: ErrUnknownRequest}
	}
	p.done = true // whatever comes of it, the nonce is spent
	x.mu.Unlock()
	defer func() {
		x.mu.Lock()
		delete(x.pending, id)
		x.mu.Unlock()
	}()

	refuse := func(reason string, err error) (*Answer, error) {
		re := &ResponseError{Code: vp.ErrInvalidRequest, Reason: reason, Err: err}
		return &Answer{Request: p, Refused: re}, re
	}
	dp, err := vp.ParseDirectPost(body)
	if err != nil {
		return refuse(err.Error(), err)
	}
	resp, err := dp.Open(p.Request.ResponseMode, x.cfg.EncryptionKey, nil)
	var declined *vp.ErrorResponse
	if errors.As(err, &declined) {
		// An error response carries the request's state too (§8.5): without
		// it, anyone who learnt the response_uri could cancel the request.
		if err := (&vp.AuthorizationResponse{State: declined.State}).CheckState(p.Request.State); err != nil {
			return refuse("an error response without the request's state", err)
		}
		return &Answer{Request: p, Declined: declined}, nil
	} else if err != nil {
		return refuse(err.Error(), err)
	}
	if err := resp.CheckState(p.Request.State); err != nil {
		return refuse(err.Error(), err)
	}
	out := &Answer{Request: p, Presented: map[string][]*Verified{}}
	presented := map[string][]dcql.Presentation{}
	for qid := range resp.VPToken {
		ps, err := resp.VPToken.Strings(qid)
		if err != nil {
			return refuse(err.Error(), err)
		}
		for i, s := range ps {
			v, err := x.pipeline.Verify(ctx, s, Expect{Audience: x.clientID, Nonce: p.Request.Nonce})
			if err != nil {
				return refuse(fmt.Sprintf("presentation %d for %s: %v", i, qid, err), err)
			}
			out.Presented[qid] = append(out.Presented[qid], v)
			presented[qid] = append(presented[qid], dcql.Presentation{Format: dcql.FormatSDJWTVC, Type: v.VCT, Claims: v.Claims, HolderBinding: true})
		}
	}
	if _, err := p.Request.DCQLQuery.Check(presented); err != nil {
		return refuse(err.Error(), err)
	}
	payload, err := jsonx.Marshal(map[string]any{"iss": x.cfg.DID, "nonce": p.Request.Nonce, "iat": x.cfg.Now().Unix(), "purpose": p.Purpose, "request": id})
	if err != nil {
		return nil, err
	}
	if out.Ack, err = jws.Sign(ctx, x.signer, map[string]any{"typ": AckType}, payload); err != nil {
		return nil, fmt.Errorf("verifier: signing the acknowledgement: %w", err)
	}
	return out, nil
}

// EncryptionKey is the key responses are encrypted to.
func (x *Exchange) EncryptionKey() *vp.EncryptionKey { return x.cfg.EncryptionKey }
