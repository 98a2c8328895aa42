package city

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/ops"
	"github.com/seoulid/seoulid/internal/safehttp"
	"github.com/seoulid/seoulid/issuer/server"
	issuersqlite "github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/node"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/w3c"
	"github.com/seoulid/seoulid/w3c/vcapi"
)

// issuerUnit is one running issuer: restarted with a new key when its
// agency rotates it (RotateKey).
type issuerUnit struct {
	a    Agency
	dir  string
	url  string
	addr string // host:port it listens on
	did  string
	vcts []string
	st   *issuersqlite.Store
	// ops and onIssued outlive a key rotation: the metrics go on.
	ops      *ops.Service
	onIssued func(vct string, copies int)

	mu      sync.Mutex
	key     *keys.PrivateKey
	srv     *server.Server
	http    *http.Server
	stopPub context.CancelFunc
	pubDone chan error
}

// run makes the issuer's server with u.key over the store and serves it
// on ln, with its status list publisher.
func (u *issuerUnit) run(c *City, ln net.Listener) error {
	srv, err := server.New(server.Config{Key: u.key, DID: u.did, Types: u.vcts, URL: u.url,
		Name:  schemas.Text{schemas.Korean: u.a.Name.Ko, schemas.English: u.a.Name.En},
		Store: u.st, Trust: c.remote, Publisher: &node.StatusPublisher{Remote: c.remote, Signer: u.key, DID: u.did},
		Dev: true, PublishInterval: c.cfg.PublishInterval, Logger: c.log.With("service", u.a.Slug), Now: c.cfg.Now, OnIssued: u.onIssued})
	if err != nil {
		return fmt.Errorf("city: %s: %w", u.a.Slug, err)
	}
	u.srv = srv
	w3cAPI, err := u.w3c(c)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(pathW3C+"/", http.StripPrefix(pathW3C, w3cAPI))
	mux.Handle("/", srv)
	u.http = c.server(u.a.Slug, ln, u.ops.Handler(mux))
	pctx, cancel := context.WithCancel(c.bgCtx)
	u.stopPub, u.pubDone = cancel, make(chan error, 1)
	go func() { u.pubDone <- srv.Run(pctx) }()
	return nil
}

// pathW3C is where an issuer of the city serves the VC-API: W3C
// Verifiable Credentials of its catalogue types, as its did:seoul.
const pathW3C = "/w3c"

// w3c is the issuer's VC-API (package w3c/vcapi): its agency issuers
// (w3c.AgencyIssuersFor with its current key: restricted to the types the
// ledger authorises it for), status lists in its directory, issuing and
// changing a status open to its back-office operators' tokens.
func (u *issuerUnit) w3c(c *City) (http.Handler, error) {
	// The lists' URLs name them on the ledger, which takes https URLs
	// only: under plain http (a city without --tls) they are read from
	// the ledger, as the Token Status Lists are (server.DefaultStatusListURL).
	base := u.url + pathW3C
	if rest, ok := strings.CutPrefix(base, "http://"); ok {
		base = "https://" + rest
	}
	issuers, err := w3c.AgencyIssuersFor(u.key, u.dir, base, c.remote)
	if err != nil {
		return nil, fmt.Errorf("city: %s: %w", u.a.Slug, err)
	}
	var all []*w3c.Issuer
	for _, is := range issuers {
		// Its status lists go on the ledger too, as the agency's Token
		// Status Lists do.
		is.PublishStatusLists(&node.StatusPublisher{Remote: c.remote, Signer: u.key, DID: u.did})
		all = append(all, is)
	}
	fetch := c.clientHC
	if fetch == nil {
		fetch = safehttp.Client(safehttp.Options{AllowPrivateNetworks: true})
	}
	is := u.srv.Issuer()
	status := w3c.LocalStatus{Issuers: all, Fallback: w3c.LedgerStatus{Ledger: c.remote, Fallback: vcapi.HTTPStatus{Client: fetch}}}
	return vcapi.New(vcapi.Config{
		Issuers: issuers, Default: w3c.DefaultAgencyIssuer(u.key.Algorithm()), Resolver: c.remote,
		Verify: w3c.VerifyOptions{Now: c.cfg.Now, Status: status},
		Logger: c.log.With("service", u.a.Slug, "module", "vcapi"),
		Authorize: func(ctx context.Context, token string) bool {
			_, err := is.Authenticate(ctx, token)
			return err == nil
		},
	})
}

// halt stops serving (letting requests in flight finish) and the
// publisher, which publishes the status changes made since its last tick.
func (u *issuerUnit) halt() error {
	if u.http == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := u.http.Shutdown(ctx)
	u.stopPub()
	if perr := <-u.pubDone; perr != nil {
		err = errors.Join(err, fmt.Errorf("city: %s: %w", u.a.Slug, perr))
	}
	u.http = nil
	return err
}

// nextKeyFile holds a rotation's new key until the ledger has it.
const nextKeyFile = "key.next.jwk"

// RotateKey rotates the signing key of the issuer with the slug, as its
// agency would: a new Ed25519 key under the next unused key id, a DID
// update signed by the current key that replaces it with the new one (the
// old key stays in the DID's history, so what it signed before verifies —
// DID Core §8.2, docs/did-method-seoul.md), and the issuer restarted on the
// same port with the new key, which replaces the old one in key.jwk. It
// returns the new key's id (a DID URL).
func (c *City) RotateKey(ctx context.Context, slug string) (string, error) {
	u, ok := c.issuers[slug]
	if !ok {
		return "", fmt.Errorf("city: no issuer %q", slug)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	var rec registry.DIDRecord
	if err := c.remote.Query(ctx, "/did/"+u.did, &rec); err != nil {
		return "", fmt.Errorf("city: reading %s: %w", u.did, err)
	}
	next := 1
	for _, v := range rec.Versions {
		for _, k := range v.Keys {
			if n, err := strconv.Atoi(strings.TrimPrefix(k.ID, "key-")); err == nil && n >= next {
				next = n + 1
			}
		}
	}
	fresh, err := keys.Generate(keys.EdDSA)
	if err != nil {
		return "", err
	}
	frag := "key-" + strconv.Itoa(next)
	fresh = fresh.WithKeyID(u.did + "#" + frag)
	b, err := fresh.MarshalPrivateJWK()
	if err != nil {
		return "", err
	}
	// Written before the ledger hears of it: a crash after the update
	// leaves the key that the ledger now names (recoverRotation).
	nextFile := filepath.Join(u.dir, nextKeyFile)
	if err := writeFileAtomic(nextFile, append(b, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("city: writing the new key: %w", err)
	}
	jwk := fresh.Public().JWK()
	delete(jwk, "kid")
	op := &registry.Op{Type: registry.OpDIDUpdate, Actor: u.did, DID: u.did,
		Keys: []registry.Key{{ID: frag, JWK: jwk, Purposes: []string{registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod, registry.PurposeAuthentication}}}}
	reg := &registrar{remote: c.remote, chain: c.chain}
	if err := reg.submit(ctx, op, u.key); err != nil {
		os.Remove(nextFile)
		return "", err
	}
	if err := u.halt(); err != nil {
		c.log.Warn("stopping the issuer for its new key", "service", slug, "err", err)
	}
	if err := os.Rename(nextFile, filepath.Join(u.dir, "key.jwk")); err != nil {
		return "", fmt.Errorf("city: keeping the new key: %w", err)
	}
	u.key = fresh
	ln, err := net.Listen("tcp", u.addr)
	if err != nil {
		return "", fmt.Errorf("city: %s: listening again: %w", slug, err)
	}
	if err := u.run(c, ln); err != nil {
		ln.Close()
		return "", err
	}
	c.log.Info("rotated the signing key", "service", slug, "did", u.did, "kid", fresh.KeyID())
	return fresh.KeyID(), nil
}

// recoverRotation finishes or forgets a rotation a crash interrupted:
// the new key replaces key.jwk if the ledger names it, else it is
// deleted (the ledger never heard of it).
func recoverRotation(ctx context.Context, remote *node.Remote, dir string) error {
	nextFile := filepath.Join(dir, nextKeyFile)
	if _, err := os.Stat(nextFile); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	k, err := readKey(nextFile)
	if err != nil {
		return err
	}
	d, frag, _ := strings.Cut(k.KeyID(), "#")
	var rec registry.DIDRecord
	if err := remote.Query(ctx, "/did/"+d, &rec); err != nil {
		return fmt.Errorf("city: reading %s to finish a key rotation: %w", d, err)
	}
	for _, key := range rec.Latest().Keys {
		if key.ID != frag {
			continue
		}
		pub, err := keys.PublicKeyFromJWK(key.JWK)
		if err == nil && pub.Equal(k.Public()) {
			return os.Rename(nextFile, filepath.Join(dir, "key.jwk"))
		}
	}
	return os.Remove(nextFile)
}
