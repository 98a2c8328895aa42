package wallettest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/wallet"
)

// Verifier is a small OpenID4VP 1.0 verifier of the seoulid profile over
// loopback HTTP (see the package documentation).
type Verifier struct {
	DID    string
	URL    string
	Key    *keys.PrivateKey
	EncKey *vp.EncryptionKey
	srv    *httptest.Server
	v      *sdjwtvc.Verifier

	mu       sync.Mutex
	requests map[string]*pending
}

// pending is a request made and what came back for it.
type pending struct {
	req    *vp.AuthorizationRequest
	object string
	result *Result
}

// Result is what a verifier got back for a request.
type Result struct {
	// Error is the wallet's error response, when it declined.
	Error *vp.ErrorResponse
	// Claims are the verified presentations' claims per Credential Query id.
	Claims map[string][]map[string]any
	// Disclosed are the paths of the Disclosures of the verified
	// presentations, per Credential Query id.
	Disclosed map[string][]sdjwt.Path
	// Refused says why the verifier refused the response, "" when it took
	// it.
	Refused string
}

// NewVerifier starts a verifier named name ("ko", "en"), registered on the
// ledger with purposes, its key on the ledger.
func NewVerifier(t testing.TB, l *Ledger, name map[string]string, purposes ...wallet.Purpose) *Verifier {
	t.Helper()
	d := NewDID()
	k, err := keys.Generate(keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	k = k.WithKeyID(d + "#key-1")
	l.SetKey(d, k.Public())
	l.Register(d, name, purposes...)
	return NewVerifierAt(t, l, d, k)
}

// Resolver resolves DIDs: issuers' keys for the presentations, as a
// Ledger or a registry node's client does.
type Resolver interface {
	Resolve(ctx context.Context, did string) (*did.Document, error)
}

// NewVerifierAt starts a verifier as the DID d, signing with k (whose key
// id is a DID URL of d), and finding issuers' keys with r. It registers
// nothing: d's key and purposes are wherever the test put them (a real
// ledger, for tests of the command line).
func NewVerifierAt(t testing.TB, r Resolver, d string, k *keys.PrivateKey) *Verifier {
	t.Helper()
	v, err := StartVerifier(r, d, k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

// StartVerifier is NewVerifierAt outside a test: Close stops it.
func StartVerifier(r Resolver, d string, k *keys.PrivateKey) (*Verifier, error) {
	v := &Verifier{DID: d, Key: k, requests: map[string]*pending{}, srv: httptest.NewUnstartedServer(nil)}
	v.URL = "http://" + v.srv.Listener.Addr().String()
	var err error
	if v.EncKey, err = vp.NewEncryptionKey(); err != nil {
		v.srv.Listener.Close()
		return nil, err
	}
	v.v, err = sdjwtvc.NewVerifier(sdjwtvc.DIDKeys{Resolver: r}, sdjwtvc.Config{Algorithms: []keys.Algorithm{keys.EdDSA, keys.ES256}, ClockSkew: time.Minute})
	if err != nil {
		v.srv.Listener.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /request/{id}", v.serveRequest)
	mux.HandleFunc("POST /response/{id}", v.serveResponse)
	v.srv.Config.Handler = mux
	v.srv.Start()
	return v, nil
}

// Close stops the verifier.
func (v *Verifier) Close() { v.srv.Close() }

// Request makes a signed request for the DCQL query (JSON) under the
// registered purpose, answered by mode (direct_post or direct_post.jwt),
// and returns the URI a wallet reads (openid4vp://?client_id=…&request_uri=…)
// and the request's id.
func (v *Verifier) Request(t testing.TB, purpose, query, mode string) (uri, id string) {
	t.Helper()
	uri, id, err := v.NewRequest(context.Background(), purpose, query, mode)
	if err != nil {
		t.Fatal(err)
	}
	return uri, id
}

// NewRequest is Request outside a test.
func (v *Verifier) NewRequest(ctx context.Context, purpose, query, mode string) (uri, id string, err error) {
	q, err := dcql.Parse([]byte(query))
	if err != nil {
		return "", "", fmt.Errorf("the DCQL query: %w", err)
	}
	nonce, _ := vp.NewNonce()
	state, _ := vp.NewState()
	id = state[:16]
	req := &vp.AuthorizationRequest{
		ClientID: vp.ClientIDForDID(v.DID), ResponseType: vp.ResponseTypeVPToken, ResponseMode: mode,
		ResponseURI: v.URL + "/response/" + id, Nonce: nonce, State: state, DCQLQuery: q, Purpose: purpose,
		ClientMetadata: &vp.ClientMetadata{
			JWKS:               v.EncKey.JWKS(),
			VPFormatsSupported: map[string]map[string]any{dcql.FormatSDJWTVC: {"sd-jwt_alg_values": []any{"EdDSA", "ES256"}, "kb-jwt_alg_values": []any{"EdDSA", "ES256"}}},
		},
	}
	obj, err := vp.SignRequestObject(ctx, v.Key, req)
	if err != nil {
		return "", "", fmt.Errorf("signing the request: %w", err)
	}
	v.mu.Lock()
	v.requests[id] = &pending{req: req, object: obj}
	v.mu.Unlock()
	ref := &vp.RequestReference{ClientID: req.ClientID, RequestURI: v.URL + "/request/" + id}
	return "openid4vp://?" + ref.Encode(), id, nil
}

// Result returns what came back for a request, nil if nothing yet.
func (v *Verifier) Result(id string) *Result {
	v.mu.Lock()
	defer v.mu.Unlock()
	if p := v.requests[id]; p != nil {
		return p.result
	}
	return nil
}

func (v *Verifier) serveRequest(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	p := v.requests[r.PathValue("id")]
	v.mu.Unlock()
	if p == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/oauth-authz-req+jwt")
	io.WriteString(w, p.object)
}

func (v *Verifier) serveResponse(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	v.mu.Lock()
	p := v.requests[id]
	v.mu.Unlock()
	if p == nil {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, vp.MaxResponseBytes+1))
	res, ack := v.check(r.Context(), p, body)
	v.mu.Lock()
	p.result = res
	v.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if res.Refused != "" {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": res.Refused})
		return
	}
	out := map[string]string{}
	if ack != "" {
		out["receipt"] = ack
	}
	json.NewEncoder(w).Encode(out)
}

// check verifies a posted response and signs the acknowledgement.
func (v *Verifier) check(ctx context.Context, p *pending, body []byte) (*Result, string) {
	res := &Result{Claims: map[string][]map[string]any{}, Disclosed: map[string][]sdjwt.Path{}}
	dp, err := vp.ParseDirectPost(body)
	if err != nil {
		res.Refused = err.Error()
		return res, ""
	}
	resp, err := dp.Open(p.req.ResponseMode, v.EncKey, nil)
	var er *vp.ErrorResponse
	if errors.As(err, &er) {
		res.Error = er
		return res, ""
	} else if err != nil {
		res.Refused = err.Error()
		return res, ""
	}
	if err := resp.CheckState(p.req.State); err != nil {
		res.Refused = err.Error()
		return res, ""
	}
	presented := map[string][]dcql.Presentation{}
	for qid := range resp.VPToken {
		ps, err := resp.VPToken.Strings(qid)
		if err != nil {
			res.Refused = err.Error()
			return res, ""
		}
		for _, s := range ps {
			vc, err := v.v.Verify(ctx, s, sdjwtvc.Presentation{RequireKeyBinding: true, Audience: p.req.ClientID, Nonce: p.req.Nonce})
			if err != nil {
				res.Refused = fmt.Sprintf("presentation for %s: %v", qid, err)
				return res, ""
			}
			presented[qid] = append(presented[qid], dcql.Presentation{Format: dcql.FormatSDJWTVC, Type: vc.VCT, Claims: vc.Claims, HolderBinding: true})
			res.Claims[qid] = append(res.Claims[qid], vc.Claims)
			for _, d := range vc.SDJWT.Disclosed {
				res.Disclosed[qid] = append(res.Disclosed[qid], d.Path)
			}
		}
	}
	if _, err := p.req.DCQLQuery.Check(presented); err != nil {
		res.Refused = err.Error()
		return res, ""
	}
	payload, _ := jsonx.Marshal(map[string]any{"iss": v.DID, "nonce": p.req.Nonce, "iat": time.Now().Unix(), "purpose": p.req.Purpose})
	ack, err := jws.Sign(ctx, v.Key, map[string]any{"typ": wallet.AckType}, payload)
	if err != nil {
		res.Refused = err.Error()
		return res, ""
	}
	return res, ack
}
