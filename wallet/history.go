package wallet

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Event is one line of the citizen's history: a credential received or
// deleted, a disclosure made or refused. It names parties and claims,
// never claim values.
type Event struct {
	ID         string            `json:"id"`
	Time       time.Time         `json:"time"`
	Kind       string            `json:"kind"` // received, deleted, presented, refused
	Credential string            `json:"credential,omitempty"`
	VCT        string            `json:"vct,omitempty"`
	Party      string            `json:"party,omitempty"` // the issuer's or the verifier's DID
	PartyName  map[string]string `json:"party_name,omitempty"`
	Purpose    string            `json:"purpose,omitempty"`
	Claims     []string          `json:"claims,omitempty"` // claim paths disclosed
	Receipt    string            `json:"receipt,omitempty"`
	Reason     string            `json:"reason,omitempty"` // why a request was refused
}

// event records e in the history; a failure is logged, not returned: the
// action it records has happened.
func (w *Wallet) event(ctx context.Context, e Event) {
	e.ID = newID("evt_")
	e.Time = w.cfg.Now().UTC()
	b, err := json.Marshal(e)
	if err == nil {
		err = w.rec.Put(context.WithoutCancel(ctx), kindEvent, e.ID, b)
	}
	if err != nil {
		w.log.Error("recording the history", "kind", e.Kind, "err", err)
	}
}

// History returns the citizen's history, newest first.
func (w *Wallet) History(ctx context.Context) ([]Event, error) {
	recs, err := w.rec.List(ctx, kindEvent)
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	out := make([]Event, 0, len(recs))
	for _, r := range recs {
		var e Event
		if err := json.Unmarshal(r.Payload, &e); err != nil {
			return nil, fmt.Errorf("wallet: a history entry does not decode: %w", err)
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out, nil
}
