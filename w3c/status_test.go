package w3c_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/bitstring"
	"github.com/seoulid/seoulid/internal/dataintegrity"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/w3c"
)

// An issuer with status lists gives each credential a random entry in its
// revocation and suspension lists; Verify reads them: valid, suspended,
// reinstated, revoked (final). The lists survive reopening; another
// issuer's list, or a list of the wrong purpose, is refused.
func TestStatus(t *testing.T) {
	ctx := context.Background()
	k := didKey(t, keys.EdDSA)
	is, _ := w3c.NewIssuer(k, dataintegrity.EdDSARDFC2022, nil)
	file := filepath.Join(t.TempDir(), "status.json")
	lists, err := w3c.OpenStatusLists(file, "https://issuer.example/status-lists/a")
	if err != nil {
		t.Fatal(err)
	}
	if err := is.UseStatusLists(lists); err != nil {
		t.Fatal(err)
	}
	cred := credential(t, is.DID())
	cred["id"] = "urn:uuid:card-1"
	delete(cred, "validUntil")
	vc, err := is.Issue(ctx, cred)
	if err != nil {
		t.Fatal(err)
	}
	entries := vc["credentialStatus"].([]any)
	if len(entries) != 2 || entries[0].(map[string]any)["statusPurpose"] != w3c.PurposeRevocation {
		t.Fatalf("credentialStatus %v", entries)
	}
	src := w3c.LocalStatus{Issuers: []*w3c.Issuer{is}}
	opts := w3c.VerifyOptions{Status: src}
	check := func(want error) {
		t.Helper()
		v, err := w3c.Verify(ctx, vc, did.LocalResolver{}, opts)
		if !errors.Is(err, want) || (err == nil && !strings.Contains(strings.Join(v.Checks, ","), "credentialStatus")) {
			t.Fatalf("%v (%v), want %v", err, v, want)
		}
	}
	check(nil)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(lists.Set("urn:uuid:card-1", w3c.PurposeSuspension, true))
	check(w3c.ErrSuspended)
	must(lists.Set("urn:uuid:card-1", w3c.PurposeSuspension, false))
	check(nil)
	must(lists.Set("urn:uuid:card-1", w3c.PurposeRevocation, true))
	check(w3c.ErrRevoked)
	if err := lists.Set("urn:uuid:card-1", w3c.PurposeRevocation, false); !errors.Is(err, w3c.ErrInput) {
		t.Errorf("reinstating a revoked credential: %v", err)
	}
	if err := lists.Set("urn:uuid:nobody", w3c.PurposeRevocation, true); !errors.Is(err, w3c.ErrUnknown) {
		t.Errorf("an unknown credential: %v", err)
	}
	// Issued again with the same id, it is the same credential: revoked.
	reissued, err := is.Issue(ctx, cred)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w3c.Verify(ctx, reissued, did.LocalResolver{}, opts); !errors.Is(err, w3c.ErrRevoked) {
		t.Errorf("the same id issued again: %v", err)
	}

	// Reopened, the lists and the credential's indices are as they were.
	again, err := w3c.OpenStatusLists(file, "https://issuer.example/status-lists/a")
	if err != nil {
		t.Fatal(err)
	}
	is2, _ := w3c.NewIssuer(k, dataintegrity.EdDSARDFC2022, nil)
	is2.UseStatusLists(again)
	if _, err := w3c.Verify(ctx, vc, did.LocalResolver{}, w3c.VerifyOptions{Status: w3c.LocalStatus{Issuers: []*w3c.Issuer{is2}}}); !errors.Is(err, w3c.ErrRevoked) {
		t.Errorf("after reopening: %v", err)
	}

	// The list published by another issuer at that URL is not the
	// credential's issuer's.
	other, _ := w3c.NewIssuer(didKey(t, keys.EdDSA), dataintegrity.EdDSARDFC2022, nil)
	otherLists, _ := w3c.OpenStatusLists(filepath.Join(t.TempDir(), "s.json"), "https://issuer.example/status-lists/a")
	other.UseStatusLists(otherLists)
	if _, err := w3c.Verify(ctx, vc, did.LocalResolver{}, w3c.VerifyOptions{Status: w3c.LocalStatus{Issuers: []*w3c.Issuer{other}}}); !errors.Is(err, w3c.ErrStatus) {
		t.Errorf("a list of another issuer: %v", err)
	}
	// No status source: verified, with a warning per entry. A credential
	// without id is given one, by which its status can be changed.
	fresh, _ := is2.Issue(ctx, credential(t, is.DID()))
	if id, _ := fresh["id"].(string); !strings.HasPrefix(id, "urn:uuid:") || len(id) != 45 || !again.Knows(id) {
		t.Errorf("the id given: %v", fresh["id"])
	}
	v, err := w3c.Verify(ctx, fresh, did.LocalResolver{}, w3c.VerifyOptions{})
	if err != nil || len(v.Warnings) != 2 {
		t.Errorf("without a status source: %v %v", v, err)
	}
	// The published list is a valid BitstringStatusListCredential of at
	// least 16 KiB of bits.
	slc, err := again.Credential(ctx, is2, w3c.PurposeRevocation)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w3c.Verify(ctx, slc, did.LocalResolver{}, w3c.VerifyOptions{}); err != nil {
		t.Errorf("the status list credential: %v", err)
	}
	l, err := bitstring.Decode(slc["credentialSubject"].(map[string]any)["encodedList"].(string), 1)
	if err != nil || l.Len() < bitstring.MinBits {
		t.Errorf("the list: %v %v", l, err)
	}
	// A malformed entry is the credential's fault.
	bad := deepCopy(t, vc)
	delete(bad, "proof")
	bad["credentialStatus"] = map[string]any{"type": w3c.TypeStatusEntry, "statusPurpose": "revocation", "statusListIndex": true, "statusListCredential": "https://x"}
	signed, err := dataintegrity.Sign(ctx, bad, k, dataintegrity.Options{Cryptosuite: dataintegrity.EdDSARDFC2022})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w3c.Verify(ctx, signed, did.LocalResolver{}, opts); !errors.Is(err, w3c.ErrInput) {
		t.Errorf("a malformed entry: %v", err)
	}
	// A VC 1.1 credential gets no entry: its context has no such terms.
	v1 := deepCopy(t, cred)
	v1["@context"] = []any{"https://www.w3.org/2018/credentials/v1"}
	v1["id"], v1["issuanceDate"] = "urn:uuid:card-v1", "2026-01-01T00:00:00Z"
	v1["type"] = []any{"VerifiableCredential"}
	delete(v1, "validFrom")
	delete(v1, "credentialSubject")
	v1["credentialSubject"] = map[string]any{"id": "did:example:jeong"}
	issued, err := is2.Issue(ctx, v1)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := issued["credentialStatus"]; ok {
		t.Error("a VC 1.1 credential got a Bitstring Status List entry")
	}
	jose, _ := w3c.NewIssuer(k, w3c.JOSE, nil)
	if err := jose.UseStatusLists(lists); err == nil {
		t.Error("a vc+jwt issuer took status lists")
	}
}
