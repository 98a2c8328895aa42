package sdjwtvc

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/sdjwt"
)

// TypeMetadata is an SD-JWT VC Type Metadata document
// (draft-ietf-oauth-sd-jwt-vc-25 §5.2): what a credential type is, how a wallet
// shows it, and per claim its labels, whether the issuer always includes it
// and whether it must be selectively disclosable.
type TypeMetadata struct {
	VCT              string          `json:"vct"`
	Name             string          `json:"name,omitempty"`
	Description      string          `json:"description,omitempty"`
	Extends          string          `json:"extends,omitempty"`
	ExtendsIntegrity string          `json:"extends#integrity,omitempty"`
	Display          []TypeDisplay   `json:"display,omitempty"`
	Claims           []ClaimMetadata `json:"claims,omitempty"`
}

// TypeDisplay is the display of a type in one locale (§5.5).
type TypeDisplay struct {
	Locale      string     `json:"locale"`
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Rendering   *Rendering `json:"rendering,omitempty"`
}

// Rendering holds the rendering methods of a display (§5.5.1); seoulid uses
// the "simple" one.
type Rendering struct {
	Simple *SimpleRendering `json:"simple,omitempty"`
}

// SimpleRendering is the "simple" rendering method (§5.5.1.1).
type SimpleRendering struct {
	Logo            *Image `json:"logo,omitempty"`
	BackgroundImage *Image `json:"background_image,omitempty"`
	BackgroundColor string `json:"background_color,omitempty"`
	TextColor       string `json:"text_color,omitempty"`
}

// Image is a logo or background image (§5.5.1.1.1–2).
type Image struct {
	URI          string `json:"uri"`
	URIIntegrity string `json:"uri#integrity,omitempty"`
	AltText      string `json:"alt_text,omitempty"`
}

// ClaimMetadata describes the claim or claims a path selects (§5.6).
type ClaimMetadata struct {
	Path      sdjwt.Path     `json:"path"`
	Display   []ClaimDisplay `json:"display,omitempty"`
	Mandatory bool           `json:"mandatory,omitempty"`
	SD        string         `json:"sd,omitempty"`
	SVGID     string         `json:"svg_id,omitempty"`
}

// ClaimDisplay is the label of a claim in one locale (§5.6.2).
type ClaimDisplay struct {
	Locale      string `json:"locale"`
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
}

// The values of ClaimMetadata.SD (§5.6.4).
const (
	SDAlways  = "always"
	SDAllowed = "allowed"
	SDNever   = "never"
)

// ErrTypeMetadata marks a Type Metadata document that breaks §5.
var ErrTypeMetadata = errors.New("invalid type metadata")

// MaxTypeMetadataBytes bounds a Type Metadata document.
const MaxTypeMetadataBytes = 1 << 20

var svgID = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParseTypeMetadata reads a Type Metadata document strictly — valid JSON
// without duplicate keys, at most MaxTypeMetadataBytes — and checks the
// structure §5 requires. Members it does not know are ignored (§5.2). It
// does not fetch or process "extends", and does not check that the document
// matches a credential's "vct#integrity" (see Integrity).
func ParseTypeMetadata(data []byte) (*TypeMetadata, error) {
	if _, err := jsonx.ParseWithLimits(data, jsonx.Limits{MaxBytes: MaxTypeMetadataBytes, MaxDepth: 32}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTypeMetadata, err)
	}
	var m TypeMetadata
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTypeMetadata, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the rules of §5.2, §5.5 and §5.6 that a document's
// structure can break: a vct, a locale and a name per display with no locale
// twice, a non-empty path per claim, labels with a locale each, sd one of
// the three values, svg_id well formed and unique.
func (m *TypeMetadata) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrTypeMetadata, fmt.Sprintf(format, args...))
	}
	if m.VCT == "" {
		return bad(`"vct" is missing`)
	}
	if (m.ExtendsIntegrity != "") && m.Extends == "" {
		return bad(`"extends#integrity" without "extends"`)
	}
	locales := map[string]bool{}
	for i, d := range m.Display {
		switch {
		case d.Locale == "":
			return bad("display %d has no locale", i)
		case d.Name == "":
			return bad("display %q has no name", d.Locale)
		case locales[d.Locale]:
			return bad("display locale %q appears twice", d.Locale)
		}
		locales[d.Locale] = true
		if d.Rendering != nil && d.Rendering.Simple != nil {
			s := d.Rendering.Simple
			for _, img := range []*Image{s.Logo, s.BackgroundImage} {
				if img != nil && !strings.HasPrefix(img.URI, "https://") && !strings.HasPrefix(img.URI, "data:") {
					return bad("display %q has an image URI that is neither https nor data", d.Locale)
				}
			}
		}
	}
	svgIDs := map[string]bool{}
	for i, c := range m.Claims {
		if len(c.Path) == 0 {
			return bad("claim %d has no path", i)
		}
		switch c.SD {
		case "", SDAlways, SDAllowed, SDNever:
		default:
			return bad("claim %s has sd %q (want always, allowed or never)", c.Path, c.SD)
		}
		if c.SVGID != "" {
			if !svgID.MatchString(c.SVGID) || svgIDs[c.SVGID] {
				return bad("claim %s has an invalid or repeated svg_id %q", c.Path, c.SVGID)
			}
			svgIDs[c.SVGID] = true
		}
		seen := map[string]bool{}
		for _, d := range c.Display {
			if d.Locale == "" || d.Label == "" || seen[d.Locale] {
				return bad("claim %s has a display without locale or label, or a locale twice", c.Path)
			}
			seen[d.Locale] = true
		}
	}
	return nil
}

// Integrity returns the integrity metadata string (draft-ietf-oauth-sd-jwt-vc-25
// §6, W3C Subresource Integrity) of a document as served: "sha256-" and the
// base64 SHA-256 of its bytes. A credential carries it as "vct#integrity".
func Integrity(document []byte) string {
	sum := sha256.Sum256(document)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}
