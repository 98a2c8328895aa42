package registry

import (
	"fmt"
	"slices"
	"time"
)

// Genesis is the registry's part of the genesis document (app_state): the
// founding agencies, with their DIDs and keys, and the council they form.
type Genesis struct {
	Agencies  []GenesisAgency `json:"agencies"`
	Council   []string        `json:"council"`   // DIDs of the founding council, all among Agencies
	Threshold int             `json:"threshold"` // signatures a council operation needs (a majority)
	Catalogue *Catalogue      `json:"catalogue,omitempty"`
}

// GenesisAgency is a founding agency: its DID (derived from its first
// controller key), its name, its keys and services.
type GenesisAgency struct {
	DID      string    `json:"did"`
	Name     Names     `json:"name"`
	Keys     []Key     `json:"keys"`
	Services []Service `json:"services,omitempty"`
}

func (g *Genesis) apply(o *overlay, t time.Time) error {
	if len(g.Agencies) == 0 {
		return fmt.Errorf("no agencies")
	}
	e := env{height: 0, time: t.UTC().Truncate(time.Second)}
	for _, ga := range g.Agencies {
		if err := ParseDID(ga.DID); err != nil {
			return err
		}
		if o.did(ga.DID) != nil {
			return fmt.Errorf("%s is listed twice", ga.DID)
		}
		if r := checkNames(&ga.Name); r != nil {
			return fmt.Errorf("%s: %s", ga.DID, r.Reason)
		}
		rec, r := newRecord(&Op{DID: ga.DID, Keys: ga.Keys, Services: ga.Services}, e, "")
		if r != nil {
			return fmt.Errorf("%s: %s", ga.DID, r.Reason)
		}
		o.put(prefixDID+ga.DID, rec)
		o.put(prefixAgency+ga.DID, &Agency{DID: ga.DID, Name: ga.Name})
	}
	c := &Council{Members: slices.Clone(g.Council), Threshold: g.Threshold}
	if r := checkCouncil(o, c); r != nil {
		return fmt.Errorf("council: %s", r.Reason)
	}
	o.put(prefixCouncil, c)
	if g.Catalogue != nil {
		if !digestPattern.MatchString(g.Catalogue.Digest) || g.Catalogue.Version == "" {
			return fmt.Errorf("catalogue needs a version and a sha256-… digest")
		}
		o.put(prefixCatalogue, &CatalogueEntry{Catalogue: *g.Catalogue})
	}
	return nil
}
