package resolverhttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/didweb"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/resolver"
)

// contextResolution is the "@context" of a DID resolution result.
const contextResolution = "https://w3id.org/did-resolution/v1"

// The error codes of didResolutionMetadata.error (DID Core 1.0 §7.1.2:
// "a single keyword ASCII string"), with the HTTP status the binding's
// table gives the DID Resolution error of the same name (DID Resolution
// §"HTTP(S) Binding"; §"Errors" for the names).
const (
	errInvalidDID         = "invalidDid"                 // INVALID_DID, 400
	errInvalidOptions     = "invalidOptions"             // INVALID_OPTIONS, 400
	errNotFound           = "notFound"                   // NOT_FOUND, 404
	errRepresentation     = "representationNotSupported" // REPRESENTATION_NOT_SUPPORTED, 406
	errMethodNotSupported = "methodNotSupported"         // METHOD_NOT_SUPPORTED, 501
	errFeature            = "featureNotSupported"        // FEATURE_NOT_SUPPORTED, 501
	errInvalidDocument    = "invalidDidDocument"         // INVALID_DID_DOCUMENT, 500
	errInternal           = "internalError"              // INTERNAL_ERROR, 500
)

// resolutionResult is a DID resolution result (DID Resolution §"DID
// Resolution Result"; DID Core 1.0 §7.1).
type resolutionResult struct {
	Context     string             `json:"@context"`
	Document    *did.Document      `json:"didDocument"` // null on error and when deactivated
	DocMetadata documentMetadata   `json:"didDocumentMetadata"`
	ResMetadata resolutionMetadata `json:"didResolutionMetadata"`
}

// resolutionMetadata is DID resolution metadata (DID Core §7.1.2).
// errorMessage is not in DID Core; resolvers such as the DIF Universal
// Resolver write it, and it is what an operator reads.
type resolutionMetadata struct {
	ContentType  string `json:"contentType,omitempty"`
	Error        string `json:"error,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// documentMetadata is DID document metadata as DID Core §7.1.3 writes it:
// datetimes as XML datetimes in UTC without sub-second precision, absent
// members omitted. blockHeight and compromisedKeys are did:seoul's own.
type documentMetadata struct {
	Created       string   `json:"created,omitempty"`
	Updated       string   `json:"updated,omitempty"`
	Deactivated   bool     `json:"deactivated,omitempty"`
	NextUpdate    string   `json:"nextUpdate,omitempty"`
	VersionID     string   `json:"versionId,omitempty"`
	NextVersionID string   `json:"nextVersionId,omitempty"`
	Compromised   []string `json:"compromisedKeys,omitempty"`
	Height        *int64   `json:"blockHeight,omitempty"`
}

func newDocumentMetadata(res *resolver.Result) documentMetadata {
	if res.Method != resolver.MethodSeoul {
		return documentMetadata{}
	}
	m := res.Metadata
	h := m.Height
	return documentMetadata{
		Created:       datetime(m.Created),
		Updated:       datetime(m.Updated),
		Deactivated:   m.Deactivated,
		NextUpdate:    datetime(m.NextUpdate),
		VersionID:     m.VersionID,
		NextVersionID: m.NextVersionID,
		Compromised:   m.Compromised,
		Height:        &h,
	}
}

// datetime writes t as DID Core §7.1.3 wants it, "" for the zero time.
func datetime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}

// identifiers serves GET /1.0/identifiers/{did}.
func (h *Handler) identifiers(w http.ResponseWriter, r *http.Request, segment string) {
	w.Header().Set("Vary", "Accept")
	d, err := decodeDID(segment)
	if err == nil {
		err = checkDID(d)
	}
	if err != nil {
		h.resolutionError(w, r, err)
		return
	}
	rep := negotiate(r.Header.Values("Accept"))
	if rep == repNone {
		h.resolutionProblem(w, r, http.StatusNotAcceptable, errRepresentation,
			fmt.Sprintf("the Accept header allows none of %s, %s, %s, %s", MediaResolution, MediaDIDLDJSON, MediaDIDJSON, MediaJSON))
		return
	}
	opts, err := options(r.URL.RawQuery)
	if err != nil {
		h.resolutionError(w, r, err)
		return
	}
	res, err := h.res.ResolveRepresentation(r.Context(), d, opts)
	if err != nil {
		h.resolutionError(w, r, err)
		return
	}
	if res.Metadata.Deactivated {
		h.resolutionJSON(w, r, http.StatusGone, resolutionResult{
			Context:     contextResolution,
			DocMetadata: newDocumentMetadata(res),
		})
		return
	}
	switch rep {
	case repLD:
		doc := *res.Document
		if doc.Context == nil {
			doc.Context = did.ContextDIDv1
		}
		h.document(w, r, MediaDIDLDJSON, &doc)
	case repJSON:
		doc := *res.Document
		doc.Context = nil
		h.document(w, r, MediaDIDJSON, &doc)
	default:
		ct := MediaDIDLDJSON
		if res.Document.Context == nil {
			ct = MediaDIDJSON
		}
		h.resolutionJSON(w, r, http.StatusOK, resolutionResult{
			Context:     contextResolution,
			Document:    res.Document,
			DocMetadata: newDocumentMetadata(res),
			ResMetadata: resolutionMetadata{ContentType: ct},
		})
	}
}

// checkDID refuses what is not a DID: a DID URL is featureNotSupported
// (dereferencing is not implemented), anything else invalidDid.
func checkDID(d string) error {
	_, err := did.Parse(d)
	if err == nil {
		return nil
	}
	if u, uerr := did.ParseURL(d); uerr == nil && (u.Path != "" || u.Query != "" || u.Fragment != "") {
		return errDereferencing
	}
	return err
}

var errDereferencing = errors.New("DID URL dereferencing is not supported: resolve the DID itself (versionId and versionTime go in the request's query)")

// errOption is an option the resolver does not know.
type errOption string

func (e errOption) Error() string {
	return fmt.Sprintf("the resolution option %q is not supported (versionId and versionTime are)", truncate(string(e), 64))
}

// options reads versionId and versionTime from the query.
func options(rawQuery string) (registry.ResolveOptions, error) {
	var opts registry.ResolveOptions
	if rawQuery == "" {
		return opts, nil
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return opts, fmt.Errorf("%w: the query does not decode", resolver.ErrInvalidOptions)
	}
	for name, values := range q {
		switch name {
		case "versionId", "versionTime":
			if len(values) != 1 || values[0] == "" {
				return opts, fmt.Errorf("%w: %s must be given once, not empty", resolver.ErrInvalidOptions, name)
			}
		default:
			return opts, errOption(name)
		}
	}
	opts.VersionID = q.Get("versionId")
	if v := q.Get("versionTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return opts, fmt.Errorf("%w: versionTime %q is not a datetime like 2026-11-22T09:00:00Z", resolver.ErrInvalidOptions, truncate(v, 64))
		}
		opts.VersionTime = t
	}
	return opts, nil
}

// resolutionError answers err as a DID resolution result with an error.
func (h *Handler) resolutionError(w http.ResponseWriter, r *http.Request, err error) {
	var opt errOption
	switch {
	case errors.Is(err, errDereferencing):
		h.resolutionProblem(w, r, http.StatusNotImplemented, errFeature, err.Error())
	case errors.As(err, &opt), errors.Is(err, resolver.ErrOptionNotSupported):
		h.resolutionProblem(w, r, http.StatusNotImplemented, errFeature, err.Error())
	case errors.Is(err, keys.ErrUnsupportedKey):
		h.resolutionProblem(w, r, http.StatusNotImplemented, errFeature, err.Error())
	case errors.Is(err, resolver.ErrInvalidOptions):
		h.resolutionProblem(w, r, http.StatusBadRequest, errInvalidOptions, err.Error())
	case errors.Is(err, did.ErrMethodNotSupported):
		h.resolutionProblem(w, r, http.StatusNotImplemented, errMethodNotSupported, err.Error())
	case errors.Is(err, did.ErrInvalidDID):
		h.resolutionProblem(w, r, http.StatusBadRequest, errInvalidDID, err.Error())
	case errors.Is(err, did.ErrNotFound), errors.Is(err, registry.ErrNotFound):
		h.resolutionProblem(w, r, http.StatusNotFound, errNotFound, err.Error())
	case errors.Is(err, did.ErrInvalidDocument):
		h.log.WarnContext(r.Context(), "resolverhttp: invalid DID document", "err", err)
		h.resolutionProblem(w, r, http.StatusInternalServerError, errInvalidDocument, "the DID's method returned an invalid DID document")
	case errors.Is(err, didweb.ErrFetch):
		h.log.WarnContext(r.Context(), "resolverhttp: did:web fetch failed", "err", err)
		h.resolutionProblem(w, r, http.StatusInternalServerError, errInternal, "the did:web document could not be retrieved")
	default:
		h.internal(w, r, err, h.resolutionProblem)
	}
}

// resolutionProblem answers a DID resolution result with an error: no
// document, empty document metadata (DID Core §7.1: "If the resolution is
// unsuccessful, this output MUST be an empty metadata structure").
func (h *Handler) resolutionProblem(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	h.resolutionJSON(w, r, status, resolutionResult{
		Context:     contextResolution,
		ResMetadata: resolutionMetadata{Error: code, ErrorMessage: message},
	})
}

func (h *Handler) resolutionJSON(w http.ResponseWriter, r *http.Request, status int, v resolutionResult) {
	b, err := json.Marshal(v)
	if err != nil {
		h.log.ErrorContext(r.Context(), "resolverhttp: encoding the resolution result", "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"@context":"`+contextResolution+`","didDocument":null,"didDocumentMetadata":{},"didResolutionMetadata":{"error":"internalError"}}`)
	}
	h.write(w, r, status, MediaResolution, b)
}

func (h *Handler) document(w http.ResponseWriter, r *http.Request, contentType string, doc *did.Document) {
	b, err := json.Marshal(doc)
	if err != nil {
		h.internal(w, r, err, h.resolutionProblem)
		return
	}
	h.write(w, r, http.StatusOK, contentType, b)
}
