package wallet_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/keystore"
	"github.com/seoulid/seoulid/wallet/oid4vci"
	"github.com/seoulid/seoulid/wallet/oid4vp"
	"github.com/seoulid/seoulid/wallet/store"
	"github.com/seoulid/seoulid/wallet/wallettest"
)

const (
	resVCT  = "urn:seoulid:vct:residency-status:1"
	cardVCT = "urn:seoulid:vct:seoul-citizen-card:1"
	medVCT  = "urn:seoulid:vct:medication-list:1"
	pin     = "204863"
)

var gwanakName = schemas.Text{schemas.Korean: "관악구청", schemas.English: "Gwanak-gu Office"}

// citizen is a wallet on a fresh data dir.
type citizen struct {
	w     *wallet.Wallet
	store *store.Store
	dir   string
}

func newCitizen(t testing.TB, l *wallettest.Ledger) *citizen {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	dev, err := store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	require.NoError(t, err)
	st, err := store.Create(ctx, filepath.Join(dir, "wallet.db"), dev, []byte(pin), store.Options{Params: store.UnsafeParams(64, 1, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	w, err := wallet.New(st, keystore.New(st), l, l, oid4vci.New(oid4vci.Config{AllowHTTP: true}),
		oid4vp.New(l, oid4vp.Config{AllowHTTP: true}), wallet.Config{Now: time.Now})
	require.NoError(t, err)
	return &citizen{w: w, store: st, dir: dir}
}
