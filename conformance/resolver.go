package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// The W3C DID Resolution HTTP(S) binding as seoulid's profile requires it
// (registry/resolverhttp is seoulid's implementation).
const (
	specBinding = "W3C DID Resolution, HTTP(S) binding"
	specCore    = "DID Core 1.0"
)

// keyDID is a did:key every resolver of the profile resolves without a
// ledger: the Ed25519 key of the did:key method's own test vectors.
const keyDID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"

func init() {
	register("resolver",
		check{Requirement{ID: "resolver.resolution-result", Level: Must, Spec: specBinding + "; DID Resolution §DID Resolution Result",
			Title: "GET /1.0/identifiers/{did} answers 200 with a DID resolution result (application/did-resolution) whose didDocument.id is the DID"}, resolutionResult},
		check{Requirement{ID: "resolver.did-json", Level: Must, Spec: specCore + " §6.2.1; " + specBinding,
			Title: "Accept: application/did+json gets the DID document alone, in the JSON representation, without @context"}, didJSON},
		check{Requirement{ID: "resolver.did-ld-json", Level: Must, Spec: specCore + " §6.3.1; " + specBinding,
			Title: "Accept: application/did+ld+json gets the DID document with @context first https://www.w3.org/ns/did/v1"}, didLDJSON},
		check{Requirement{ID: "resolver.percent-encoded", Level: Must, Spec: specBinding + " (RFC 3986 §2.1)",
			Title: "a percent-encoded DID in the path resolves as the DID itself"}, percentEncoded},
		check{Requirement{ID: "resolver.did-key", Level: Must, Spec: "did:key Method v0.7 §3.1.2 (Read)",
			Title: "a did:key resolves, without a ledger, to a document with its key"}, didKey},
		check{Requirement{ID: "resolver.head", Level: Should, Spec: "RFC 9110 §9.3.2",
			Title: "HEAD answers the status and headers of GET, without a body"}, head},
		check{Requirement{ID: "resolver.invalid-did", Level: Must, Negative: true, Spec: specCore + " §7.1.2; " + specBinding,
			Title: "a malformed DID is 400 with didResolutionMetadata.error invalidDid"}, invalidDID},
		check{Requirement{ID: "resolver.not-found", Level: Must, Negative: true, Spec: specCore + " §7.1.2; " + specBinding,
			Title: "a well-formed DID the registry never had is 404 with error notFound"}, notFound},
		check{Requirement{ID: "resolver.method-not-supported", Level: Must, Negative: true, Spec: specBinding,
			Title: "a DID of a method the resolver does not support is 501 with error methodNotSupported"}, methodNotSupported},
		check{Requirement{ID: "resolver.representation-not-supported", Level: Must, Negative: true, Spec: specBinding,
			Title: "an Accept the resolver cannot answer is 406 with error representationNotSupported"}, representationNotSupported},
		check{Requirement{ID: "resolver.invalid-options", Level: Must, Negative: true, Spec: "DID Resolution §DID Parameters; " + specBinding,
			Title: "versionId and versionTime together are 400 with error invalidOptions"}, invalidOptions},
		check{Requirement{ID: "resolver.method-not-allowed", Level: Must, Negative: true, Spec: "RFC 9110 §15.5.6",
			Title: "a POST is 405 with an Allow header"}, methodNotAllowed},
		check{Requirement{ID: "resolver.deactivated", Level: Must, Spec: specBinding + " (deactivated: 410)",
			Title: "a deactivated DID is 410 with didDocumentMetadata.deactivated true and no error"}, deactivated},
	)
}

// answer is a response read in full (at most 1 MiB).
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a *answer) mediaType() string {
	mt, _, _ := mime.ParseMediaType(a.header.Get("Content-Type"))
	return mt
}

func (a *answer) json() (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		return nil, fmt.Errorf("the body is not a JSON object: %v", err)
	}
	return m, nil
}

func (a *answer) String() string {
	b := a.body
	if len(b) > 200 {
		b = b[:200]
	}
	return fmt.Sprintf("HTTP %d %s %q", a.status, a.header.Get("Content-Type"), b)
}

// resolve sends method /1.0/identifiers/{path} with Accept accept (none
// when "").
func resolve(ctx context.Context, t *Target, method, path, accept string) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, t.URL+"/1.0/identifiers/"+path, nil)
	if err != nil {
		return nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := t.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func knownDID(t *Target) (string, error) {
	if d := t.Params["did"]; d != "" {
		return d, nil
	}
	return "", fmt.Errorf("%w: give a DID the resolver resolves (--param did=…)", ErrSkip)
}

func resolutionResult(ctx context.Context, t *Target) error {
	d, err := knownDID(t)
	if err != nil {
		return err
	}
	a, err := resolve(ctx, t, http.MethodGet, d, "")
	if err != nil {
		return err
	}
	if a.status != http.StatusOK || a.mediaType() != "application/did-resolution" {
		return fmt.Errorf("%s: want 200 application/did-resolution", a)
	}
	m, err := a.json()
	if err != nil {
		return err
	}
	doc, _ := m["didDocument"].(map[string]any)
	if doc == nil || doc["id"] != d {
		return fmt.Errorf("didDocument.id is %v, not %s", doc["id"], d)
	}
	if _, ok := m["didResolutionMetadata"].(map[string]any); !ok {
		return fmt.Errorf("no didResolutionMetadata")
	}
	if _, ok := m["didDocumentMetadata"].(map[string]any); !ok {
		return fmt.Errorf("no didDocumentMetadata")
	}
	return nil
}

func document(ctx context.Context, t *Target, d, accept string) (map[string]any, error) {
	a, err := resolve(ctx, t, http.MethodGet, d, accept)
	if err != nil {
		return nil, err
	}
	if a.status != http.StatusOK || a.mediaType() != accept {
		return nil, fmt.Errorf("%s: want 200 %s", a, accept)
	}
	doc, err := a.json()
	if err != nil {
		return nil, err
	}
	if doc["id"] != d {
		return nil, fmt.Errorf("the document's id is %v, not %s", doc["id"], d)
	}
	return doc, nil
}

func didJSON(ctx context.Context, t *Target) error {
	d, err := knownDID(t)
	if err != nil {
		return err
	}
	doc, err := document(ctx, t, d, "application/did+json")
	if err != nil {
		return err
	}
	if _, ok := doc["@context"]; ok {
		return fmt.Errorf("the JSON representation has @context, a JSON-LD entry (DID Core §6.3)")
	}
	return nil
}

func didLDJSON(ctx context.Context, t *Target) error {
	d, err := knownDID(t)
	if err != nil {
		return err
	}
	doc, err := document(ctx, t, d, "application/did+ld+json")
	if err != nil {
		return err
	}
	switch c := doc["@context"].(type) {
	case string:
		if c == "https://www.w3.org/ns/did/v1" {
			return nil
		}
	case []any:
		if len(c) > 0 && c[0] == "https://www.w3.org/ns/did/v1" {
			return nil
		}
	}
	return fmt.Errorf("@context is %v; its first entry must be https://www.w3.org/ns/did/v1", doc["@context"])
}

func percentEncoded(ctx context.Context, t *Target) error {
	d, err := knownDID(t)
	if err != nil {
		return err
	}
	a, err := resolve(ctx, t, http.MethodGet, strings.ReplaceAll(d, ":", "%3A"), "application/did+json")
	if err != nil {
		return err
	}
	doc, jerr := a.json()
	if a.status != http.StatusOK || jerr != nil || doc["id"] != d {
		return fmt.Errorf("%s: the percent-encoded DID did not resolve to %s", a, d)
	}
	return nil
}

func didKey(ctx context.Context, t *Target) error {
	doc, err := document(ctx, t, keyDID, "application/did+json")
	if err != nil {
		return err
	}
	vms, _ := doc["verificationMethod"].([]any)
	if len(vms) == 0 {
		return fmt.Errorf("the did:key document has no verificationMethod")
	}
	return nil
}

func head(ctx context.Context, t *Target) error {
	d, err := knownDID(t)
	if err != nil {
		return err
	}
	a, err := resolve(ctx, t, http.MethodHead, d, "")
	if err != nil {
		return err
	}
	if a.status != http.StatusOK || a.mediaType() != "application/did-resolution" || len(a.body) != 0 {
		return fmt.Errorf("%s: want 200 application/did-resolution with no body", a)
	}
	return nil
}

// resolutionError checks an error answer: the status and the keyword of
// didResolutionMetadata.error.
func resolutionError(a *answer, status int, code string) error {
	if a.status != status {
		return fmt.Errorf("%s: want HTTP %d with error %s", a, status, code)
	}
	m, err := a.json()
	if err != nil {
		return err
	}
	md, _ := m["didResolutionMetadata"].(map[string]any)
	if md == nil || md["error"] != code {
		return fmt.Errorf("didResolutionMetadata is %v; want error %s", m["didResolutionMetadata"], code)
	}
	return nil
}

func invalidDID(ctx context.Context, t *Target) error {
	a, err := resolve(ctx, t, http.MethodGet, "did:seoul:NOT-A-VALID-ID", "")
	if err != nil {
		return err
	}
	return resolutionError(a, http.StatusBadRequest, "invalidDid")
}

func notFound(ctx context.Context, t *Target) error {
	a, err := resolve(ctx, t, http.MethodGet, "did:seoul:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "")
	if err != nil {
		return err
	}
	return resolutionError(a, http.StatusNotFound, "notFound")
}

func methodNotSupported(ctx context.Context, t *Target) error {
	a, err := resolve(ctx, t, http.MethodGet, "did:example:123456789abcdefghi", "")
	if err != nil {
		return err
	}
	return resolutionError(a, http.StatusNotImplemented, "methodNotSupported")
}

func representationNotSupported(ctx context.Context, t *Target) error {
	a, err := resolve(ctx, t, http.MethodGet, keyDID, "image/png")
	if err != nil {
		return err
	}
	return resolutionError(a, http.StatusNotAcceptable, "representationNotSupported")
}

func invalidOptions(ctx context.Context, t *Target) error {
	a, err := resolve(ctx, t, http.MethodGet, keyDID+"?versionId=1&versionTime=2026-01-01T00:00:00Z", "")
	if err != nil {
		return err
	}
	return resolutionError(a, http.StatusBadRequest, "invalidOptions")
}

func methodNotAllowed(ctx context.Context, t *Target) error {
	a, err := resolve(ctx, t, http.MethodPost, keyDID, "")
	if err != nil {
		return err
	}
	if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") == "" {
		return fmt.Errorf("%s: want 405 with Allow", a)
	}
	return nil
}

func deactivated(ctx context.Context, t *Target) error {
	d := t.Params["deactivated"]
	if d == "" {
		return fmt.Errorf("%w: give a deactivated DID (--param deactivated=…)", ErrSkip)
	}
	a, err := resolve(ctx, t, http.MethodGet, d, "")
	if err != nil {
		return err
	}
	if a.status != http.StatusGone {
		return fmt.Errorf("%s: want 410", a)
	}
	m, err := a.json()
	if err != nil {
		return err
	}
	md, _ := m["didDocumentMetadata"].(map[string]any)
	if md == nil || md["deactivated"] != true {
		return fmt.Errorf("didDocumentMetadata is %v; want deactivated true", m["didDocumentMetadata"])
	}
	if rm, _ := m["didResolutionMetadata"].(map[string]any); rm != nil && rm["error"] != nil {
		return fmt.Errorf("a deactivated DID is not an error, but didResolutionMetadata.error is %v", rm["error"])
	}
	return nil
}
