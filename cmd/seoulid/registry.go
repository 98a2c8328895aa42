package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/node"
)

// nodeFlag is the --node every registry command shares.
type nodeFlag struct{ url string }

func (n *nodeFlag) dial() (*node.Remote, error) {
	r, err := node.Dial(n.url)
	if err != nil {
		return nil, usageError{fmt.Errorf("--node: %w", err)}
	}
	return r, nil
}

func newRegistryCmd(a *app) *cobra.Command {
	n := &nodeFlag{}
	cmd := group("registry", "Operate the DID and trust registry through a node",
		`Create and manage did:seoul DIDs, the agencies and their council, and the
trust registry (which issuer may issue which credential types, which verifier
may ask for which claims and why), by signed operations submitted to a registry
node (--node, its CometBFT RPC address).

An operation is signed with private JWK files. A key's kid names it: a DID URL
(did:seoul:…#key-1) says whose key it is; otherwise the key signs for the DID
the command is about, or for the DID it founded, as the key id its kid gives,
or key-1. The chain id and the actor's next sequence number come from the node
unless --chain-id and --seq are given. With --out the signed transaction is
written to a file instead of submitted, so that council members on other
machines can add their signatures (registry cosign) before one of them submits
it (registry submit).

A submitted operation prints what was done and the block that committed it; a
rejected one prints the ledger's reason on one line and exits with status 1.`,
		group("did", "Create, update, deactivate and resolve did:seoul DIDs", "",
			newRegistryDIDCreateCmd(a, n), newRegistryDIDUpdateCmd(a, n), newRegistryDIDDeactivateCmd(a, n), newRegistryDIDResolveCmd(a, n)),
		group("agency", "Admit and remove agencies (council operations)", "",
			newRegistryAgencyAddCmd(a, n), newRegistryAgencyRemoveCmd(a, n)),
		group("trust", "Authorise issuers, register verifiers, show entries", "",
			newRegistryTrustIssuerCmd(a, n), newRegistryTrustVerifierCmd(a, n), newRegistryTrustShowCmd(a, n)),
		group("council", "Change or show the governing council", "",
			newRegistryCouncilSetCmd(a, n), newRegistryCouncilShowCmd(a, n)),
		newRegistryCosignCmd(a), newRegistrySubmitCmd(a, n))
	cmd.PersistentFlags().StringVar(&n.url, "node", "http://127.0.0.1:26657", "RPC address of a registry node")
	return cmd
}

// opFlags are the flags of every command that makes an operation.
type opFlags struct {
	chainID string
	seq     uint64
	out     string
}

func (f *opFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.chainID, "chain-id", "", "chain id to sign for (default: ask the node)")
	fl.Uint64Var(&f.seq, "seq", 0, "the actor's sequence number (default: ask the node for the next one)")
	fl.StringVar(&f.out, "out", "", "write the signed transaction to FILE instead of submitting it")
}

// send completes op with the chain id and the actor's sequence number
// (from the node unless given), signs it and submits it, or with --out
// writes it to a file for co-signers.
func (a *app) send(ctx context.Context, n *nodeFlag, f *opFlags, op *registry.Op, signers []*keys.PrivateKey) error {
	var remote *node.Remote
	if f.chainID == "" || f.seq == 0 || f.out == "" {
		var err error
		if remote, err = n.dial(); err != nil {
			return err
		}
	}
	op.Chain, op.Seq = f.chainID, f.seq
	if op.Chain == "" {
		var err error
		if op.Chain, err = remote.ChainID(ctx); err != nil {
			return fmt.Errorf("cannot reach the node at %s (--node): %w", n.url, err)
		}
	}
	if op.Seq == 0 {
		var err error
		if op.Seq, err = remote.NextSequence(ctx, op.Actor); err != nil {
			return fmt.Errorf("asking the node for the sequence number of %s: %w", op.Actor, err)
		}
	}
	ss := make([]registry.Signer, len(signers))
	for i, s := range signers {
		ss[i] = s
	}
	tx, err := registry.SignOp(ctx, op, ss...)
	if err != nil {
		return err
	}
	if f.out != "" {
		return a.writeTx(f.out, tx)
	}
	return a.submit(ctx, remote, tx)
}

// submit submits tx and prints what became of it; a rejection is an error.
func (a *app) submit(ctx context.Context, remote *node.Remote, tx *registry.Tx) error {
	res, err := remote.Submit(ctx, tx)
	if err != nil {
		return err
	}
	if res.Code != registry.OK {
		// The reason the node logs already starts with the code in words.
		reason := strings.TrimPrefix(res.Reason, res.Code.String()+": ")
		return fmt.Errorf("rejected: %s (code %d): %s", res.Code, uint32(res.Code), reason)
	}
	op := tx.Op()
	out := map[string]any{"op": op.Type, "actor": op.Actor, "seq": op.Seq, "height": res.Height, "tx": res.Hash}
	if op.DID != "" {
		out["did"] = op.DID
	}
	return a.writeJSON(out)
}

// writeTx writes a signed transaction as indented JSON and prints what it
// is and who signed it.
func (a *app) writeTx(file string, tx *registry.Tx) error {
	var b bytes.Buffer
	if err := json.Indent(&b, tx.Encode(), "", "  "); err != nil {
		return err
	}
	b.WriteByte('\n')
	if err := writeSecretFile(file, b.Bytes(), true); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	op := tx.Op()
	signed := make([]string, len(tx.Signatures))
	for i := range tx.Signatures {
		signed[i] = tx.Signatures[i].KeyID()
	}
	out := map[string]any{"file": file, "op": op.Type, "chain_id": op.Chain, "actor": op.Actor, "seq": op.Seq, "signed_by": signed}
	if op.DID != "" {
		out["did"] = op.DID
	}
	return a.writeJSON(out)
}

// readTx reads a signed transaction as the ledger decodes it.
func (a *app) readTx(file string) (*registry.Tx, error) {
	b, err := a.readInput(file, "transaction")
	if err != nil {
		return nil, err
	}
	tx, rej := registry.DecodeTx(b)
	if rej != nil {
		return nil, fmt.Errorf("transaction %s: %s", file, rej.Error())
	}
	return tx, nil
}

// readSigner reads a private JWK that signs registry operations, named by
// its key's DID URL, and returns it with the DID it signs for (see
// signerFor).
func (a *app) readSigner(file, flag, forDID string) (*keys.PrivateKey, string, error) {
	k, err := a.readPrivateKey(file, flag)
	if err != nil {
		return nil, "", err
	}
	return signerFor(k, file, flag, forDID)
}

// signerFor names a signing key by its DID URL. A kid that is a did:seoul
// URL says whose key it is (and must be forDID's, if forDID is given). Any
// other key signs for forDID or, when that is "", for the DID it founded
// (registry.DeriveDID: the DID whose first controller key it is), as the
// key id keyFragment gives.
func signerFor(k *keys.PrivateKey, file, flag, forDID string) (*keys.PrivateKey, string, error) {
	kid := k.KeyID()
	if strings.HasPrefix(kid, "did:"+registry.Method+":") {
		d, frag, ok := strings.Cut(kid, "#")
		if !ok || frag == "" || registry.ParseDID(d) != nil {
			return nil, "", fmt.Errorf("%s %s: kid %q is not a DID URL naming a key (did:seoul:…#key-1)", flag, file, kid)
		}
		if forDID != "" && d != forDID {
			return nil, "", fmt.Errorf("%s %s is a key of %s, not of %s", flag, file, d, forDID)
		}
		return k, d, nil
	}
	d := forDID
	if d == "" {
		d = registry.DeriveDID(k.Public())
	}
	return k.WithKeyID(d + "#" + keyFragment(kid)), d, nil
}

// keyFragment is the key id a JWK's kid gives: the part after "#", the
// whole kid when it has none, or key-1 when there is no kid.
func keyFragment(kid string) string {
	if _, frag, ok := strings.Cut(kid, "#"); ok {
		return frag
	}
	if kid != "" {
		return kid
	}
	return "key-1"
}

// readCouncilSigners reads the --key files of a council operation; the
// first one's DID is the actor.
func (a *app) readCouncilSigners(files []string) ([]*keys.PrivateKey, string, error) {
	var signers []*keys.PrivateKey
	for _, f := range files {
		k, _, err := a.readSigner(f, "--key", "")
		if err != nil {
			return nil, "", err
		}
		if slices.ContainsFunc(signers, func(s *keys.PrivateKey) bool { return s.KeyID() == k.KeyID() }) {
			return nil, "", usageError{fmt.Errorf("--key %s: %s is given twice", f, k.KeyID())}
		}
		signers = append(signers, k)
	}
	actor, _, _ := strings.Cut(signers[0].KeyID(), "#")
	return signers, actor, nil
}

// newDIDKey reads the private key of a new DID (did create, agency add):
// the DID derives from it, and it signs as proof of possession.
func (a *app) newDIDKey(file string) (*keys.PrivateKey, string, error) {
	k, err := a.readPrivateKey(file, "--new-key")
	if err != nil {
		return nil, "", err
	}
	return signerFor(k, file, "--new-key", registry.DeriveDID(k.Public()))
}

// allPurposes are the verification relationships the commands give a key.
var allPurposes = []string{registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod, registry.PurposeAuthentication}

// keyEntry is the ledger's entry for a public key under id.
func keyEntry(pub *keys.PublicKey, id string) registry.Key {
	jwk := pub.JWK()
	delete(jwk, "kid")
	return registry.Key{ID: id, JWK: jwk, Purposes: slices.Clone(allPurposes)}
}

// signerEntry is the ledger's entry for a key named by signerFor.
func signerEntry(k *keys.PrivateKey) registry.Key {
	_, frag, _ := strings.Cut(k.KeyID(), "#")
	return keyEntry(k.Public(), frag)
}

// parseServices reads --service id=type=https://… values.
func parseServices(specs []string) ([]registry.Service, error) {
	var out []registry.Service
	for _, s := range specs {
		parts := strings.SplitN(s, "=", 3)
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return nil, usageError{fmt.Errorf("--service %q: want id=type=https://…", s)}
		}
		out = append(out, registry.Service{ID: parts[0], Type: parts[1], Endpoint: parts[2]})
	}
	return out, nil
}

// checkDID refuses a DID argument or flag that is not a did:seoul.
func checkDID(flag, d string) error {
	err := registry.ParseDID(d)
	switch {
	case err == nil:
		return nil
	case flag == "":
		return usageError{err}
	default:
		return usageError{fmt.Errorf("%s: %w", flag, err)}
	}
}

func newRegistryDIDCreateCmd(a *app, n *nodeFlag) *cobra.Command {
	var keyFile, newKeyFile string
	var services []string
	var f opFlags
	cmd := &cobra.Command{
		Use:   "create --key AGENCY.jwk --new-key NEW.jwk [--service id=type=https://…]…",
		Short: "Create a DID for a new key (an agency acts)",
		Long: `An agency creates a did:seoul for NEW's public key: the DID derives from the
key, and both the agency's key and NEW sign (NEW as proof of possession). The
key's id is its kid's fragment (or the kid) or key-1, and it has every purpose:
capabilityInvocation (it controls the DID), assertionMethod and
authentication. Prints the DID and the block that committed it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svcs, err := parseServices(services)
			if err != nil {
				return err
			}
			agency, actor, err := a.readSigner(keyFile, "--key", "")
			if err != nil {
				return err
			}
			k, d, err := a.newDIDKey(newKeyFile)
			if err != nil {
				return err
			}
			op := &registry.Op{Type: registry.OpDIDCreate, Actor: actor, DID: d, Keys: []registry.Key{signerEntry(k)}, Services: svcs}
			return a.send(cmd.Context(), n, &f, op, []*keys.PrivateKey{agency, k})
		},
	}
	cmd.Flags().StringVar(&keyFile, "key", "", "the acting agency's private JWK")
	cmd.Flags().StringVar(&newKeyFile, "new-key", "", "the new DID's private JWK")
	cmd.Flags().StringArrayVar(&services, "service", nil, "a service, id=type=https://endpoint (repeatable)")
	f.register(cmd)
	_ = cmd.MarkFlagRequired("key")
	_ = cmd.MarkFlagRequired("new-key")
	return cmd
}

func newRegistryDIDUpdateCmd(a *app, n *nodeFlag) *cobra.Command {
	var keyFile, d string
	var setKeys, compromised, services []string
	var f opFlags
	cmd := &cobra.Command{
		Use:   "update --key CONTROLLER.jwk --did DID --set-key NEW.jwk[,…] [--compromised ID,…] [--service id=type=https://…]…",
		Short: "Replace a DID's keys and services (its controller acts)",
		Long: `The DID's controller key replaces the DID's document with a new version: the
keys are exactly the --set-key files (public or private JWKs; each key's id is
its kid's fragment, or the kid, or key-1; every key has every purpose) and the
services exactly the --service values, so an update that should keep a key or
a service lists it again. A key id names one key for the DID's whole life:
a new key needs a new id (keys generate --kid key-2). --compromised names
removed keys whose signatures are never to be trusted, not even those made
before this update. Earlier versions stay resolvable (did resolve
--version-id).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDID("--did", d); err != nil {
				return err
			}
			svcs, err := parseServices(services)
			if err != nil {
				return err
			}
			signer, _, err := a.readSigner(keyFile, "--key", d)
			if err != nil {
				return err
			}
			var ks []registry.Key
			for _, file := range setKeys {
				pub, err := a.readPublicKey(file, "--set-key")
				if err != nil {
					return err
				}
				if kd, _, ok := strings.Cut(pub.KeyID(), "#"); ok && strings.HasPrefix(kd, "did:"+registry.Method+":") && kd != d {
					return fmt.Errorf("--set-key %s is a key of %s, not of %s", file, kd, d)
				}
				id := keyFragment(pub.KeyID())
				if slices.ContainsFunc(ks, func(k registry.Key) bool { return k.ID == id }) {
					return usageError{fmt.Errorf("--set-key %s: two keys have the id %q; give each its own kid (keys generate --kid key-2)", file, id)}
				}
				ks = append(ks, keyEntry(pub, id))
			}
			op := &registry.Op{Type: registry.OpDIDUpdate, Actor: d, DID: d, Keys: ks, Services: svcs, Compromised: compromised}
			return a.send(cmd.Context(), n, &f, op, []*keys.PrivateKey{signer})
		},
	}
	cmd.Flags().StringVar(&keyFile, "key", "", "a current controller key of the DID (private JWK)")
	cmd.Flags().StringVar(&d, "did", "", "the DID to update")
	cmd.Flags().StringSliceVar(&setKeys, "set-key", nil, "the new version's keys: JWK files, comma-separated or repeated")
	cmd.Flags().StringSliceVar(&compromised, "compromised", nil, "ids of removed keys reported compromised")
	cmd.Flags().StringArrayVar(&services, "service", nil, "a service, id=type=https://endpoint (repeatable)")
	f.register(cmd)
	for _, fl := range []string{"key", "did", "set-key"} {
		_ = cmd.MarkFlagRequired(fl)
	}
	return cmd
}

func newRegistryDIDDeactivateCmd(a *app, n *nodeFlag) *cobra.Command {
	var keyFile, d string
	var f opFlags
	cmd := &cobra.Command{
		Use:   "deactivate --key CONTROLLER.jwk --did DID",
		Short: "Deactivate a DID (its controller acts)",
		Long: `The DID's controller key deactivates it for good: its keys verify nothing
signed from then on. A council member must leave the council first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDID("--did", d); err != nil {
				return err
			}
			signer, _, err := a.readSigner(keyFile, "--key", d)
			if err != nil {
				return err
			}
			op := &registry.Op{Type: registry.OpDIDDeactivate, Actor: d, DID: d}
			return a.send(cmd.Context(), n, &f, op, []*keys.PrivateKey{signer})
		},
	}
	cmd.Flags().StringVar(&keyFile, "key", "", "a current controller key of the DID (private JWK)")
	cmd.Flags().StringVar(&d, "did", "", "the DID to deactivate")
	f.register(cmd)
	_ = cmd.MarkFlagRequired("key")
	_ = cmd.MarkFlagRequired("did")
	return cmd
}

func newRegistryDIDResolveCmd(a *app, n *nodeFlag) *cobra.Command {
	var versionID int
	var versionTime string
	cmd := &cobra.Command{
		Use:   "resolve DID [--version-id N | --version-time RFC3339]",
		Short: "Resolve a did:seoul: its document and metadata",
		Long: `Resolve a did:seoul from the node: the DID document of its latest version,
of version N, or of the version in force at a time, with its DID document
metadata (created, updated, versionId, nextVersionId, deactivated, the keys
reported compromised, the block that wrote it). A deactivated DID resolves,
with "deactivated": true.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d := args[0]
			if err := checkDID("", d); err != nil {
				return err
			}
			var at time.Time
			switch {
			case versionID != 0 && versionTime != "":
				return usageError{errors.New("give --version-id or --version-time, not both")}
			case versionID < 0:
				return usageError{fmt.Errorf("--version-id %d: versions are numbered from 1", versionID)}
			case versionTime != "":
				var err error
				if at, err = time.Parse(time.RFC3339, versionTime); err != nil {
					return usageError{fmt.Errorf("--version-time: %q is not an RFC 3339 time like 2026-11-22T09:00:00Z", versionTime)}
				}
			}
			remote, err := n.dial()
			if err != nil {
				return err
			}
			var rec registry.DIDRecord
			if err := remote.Query(cmd.Context(), "/did/"+d, &rec); err != nil {
				if errors.Is(err, node.ErrNotFound) {
					return fmt.Errorf("%s is not on the ledger", d)
				}
				return err
			}
			res, err := resolveRecord(d, &rec, versionID, at)
			if err != nil {
				return err
			}
			return a.writeJSON(map[string]any{
				"didDocument":           res.Document,
				"didDocumentMetadata":   res.Metadata,
				"didResolutionMetadata": map[string]any{"contentType": "application/did+json"},
			})
		},
	}
	cmd.Flags().IntVar(&versionID, "version-id", 0, "resolve this version (1, 2, …)")
	cmd.Flags().StringVar(&versionTime, "version-time", "", "resolve the version in force at this RFC 3339 time")
	return cmd
}

// resolveRecord picks a version of a DID's record fetched from a node (by
// number, by time, or the latest) and renders it with its metadata.
func resolveRecord(d string, rec *registry.DIDRecord, versionID int, at time.Time) (*registry.Resolution, error) {
	if len(rec.Versions) == 0 || rec.DID != d {
		return nil, fmt.Errorf("the node sent a record that is not a record of %s", d)
	}
	opts := registry.ResolveOptions{VersionTime: at}
	if versionID != 0 {
		opts.VersionID = strconv.Itoa(versionID)
	}
	res, err := rec.Resolve(opts)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "registry: not found: "))
	}
	return res, nil
}

func newRegistryAgencyAddCmd(a *app, n *nodeFlag) *cobra.Command {
	var keyFiles, services []string
	var newKeyFile, d, nameKo, nameEn string
	var f opFlags
	cmd := &cobra.Command{
		Use:   "add --key MEMBER.jwk… (--new-key NEW.jwk | --did DID) --name-ko NAME --name-en NAME [--service id=type=https://…]…",
		Short: "Admit an agency (a council operation)",
		Long: `The council admits an agency: with --new-key, a new DID for NEW's public key
(NEW signs as proof of possession, and its key has every purpose); with --did,
an existing DID. Agencies create DIDs. Signed by each --key (council members;
the first is the actor); the council's threshold of members must sign, here or
by registry cosign on an --out file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (newKeyFile == "") == (d == "") {
				return usageError{errors.New("give --new-key (a new DID) or --did (an existing one)")}
			}
			if strings.TrimSpace(nameKo) == "" || strings.TrimSpace(nameEn) == "" {
				return usageError{errors.New("an agency needs --name-ko and --name-en")}
			}
			svcs, err := parseServices(services)
			if err != nil {
				return err
			}
			if d != "" && len(svcs) > 0 {
				return usageError{errors.New("--service goes with --new-key; an existing DID keeps its document")}
			}
			signers, actor, err := a.readCouncilSigners(keyFiles)
			if err != nil {
				return err
			}
			op := &registry.Op{Type: registry.OpAgencyAdd, Actor: actor, DID: d, Services: svcs, Name: &registry.Names{Ko: nameKo, En: nameEn}}
			if newKeyFile != "" {
				k, nd, err := a.newDIDKey(newKeyFile)
				if err != nil {
					return err
				}
				op.DID, op.Keys = nd, []registry.Key{signerEntry(k)}
				signers = append(signers, k)
			} else if err := checkDID("--did", d); err != nil {
				return err
			}
			return a.send(cmd.Context(), n, &f, op, signers)
		},
	}
	cmd.Flags().StringArrayVar(&keyFiles, "key", nil, "a council member's private JWK (repeatable; the first is the actor)")
	cmd.Flags().StringVar(&newKeyFile, "new-key", "", "the new agency's private JWK")
	cmd.Flags().StringVar(&d, "did", "", "an existing DID to admit")
	cmd.Flags().StringVar(&nameKo, "name-ko", "", "the agency's name in Korean")
	cmd.Flags().StringVar(&nameEn, "name-en", "", "the agency's name in English")
	cmd.Flags().StringArrayVar(&services, "service", nil, "a service of the new DID, id=type=https://endpoint (repeatable)")
	f.register(cmd)
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

func newRegistryAgencyRemoveCmd(a *app, n *nodeFlag) *cobra.Command {
	var keyFiles []string
	var d string
	var f opFlags
	cmd := &cobra.Command{
		Use:   "remove --key MEMBER.jwk… --did DID",
		Short: "Remove an agency (a council operation)",
		Long: `The council removes an agency: it can no longer create DIDs. Its own DID
stays. A council member must leave the council first (council set).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDID("--did", d); err != nil {
				return err
			}
			signers, actor, err := a.readCouncilSigners(keyFiles)
			if err != nil {
				return err
			}
			op := &registry.Op{Type: registry.OpAgencyRemove, Actor: actor, DID: d}
			return a.send(cmd.Context(), n, &f, op, signers)
		},
	}
	cmd.Flags().StringArrayVar(&keyFiles, "key", nil, "a council member's private JWK (repeatable; the first is the actor)")
	cmd.Flags().StringVar(&d, "did", "", "the agency's DID")
	f.register(cmd)
	_ = cmd.MarkFlagRequired("key")
	_ = cmd.MarkFlagRequired("did")
	return cmd
}

func newRegistryTrustIssuerCmd(a *app, n *nodeFlag) *cobra.Command {
	var keyFiles, vcts []string
	var d string
	var f opFlags
	cmd := &cobra.Command{
		Use:   "authorise-issuer --key MEMBER.jwk… --did DID [--vct VCT]…",
		Short: "Set the credential types an issuer may issue (a council operation)",
		Long: `The council sets the full list of credential types (vcts) the DID may issue;
no --vct revokes the authorisation. Signed by each --key (council members; the
first is the actor).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDID("--did", d); err != nil {
				return err
			}
			signers, actor, err := a.readCouncilSigners(keyFiles)
			if err != nil {
				return err
			}
			op := &registry.Op{Type: registry.OpTrustIssuer, Actor: actor, DID: d, VCTs: vcts}
			return a.send(cmd.Context(), n, &f, op, signers)
		},
	}
	cmd.Flags().StringArrayVar(&keyFiles, "key", nil, "a council member's private JWK (repeatable; the first is the actor)")
	cmd.Flags().StringVar(&d, "did", "", "the issuer's DID")
	cmd.Flags().StringSliceVar(&vcts, "vct", nil, "a credential type the issuer may issue (repeatable; none revokes)")
	f.register(cmd)
	_ = cmd.MarkFlagRequired("key")
	_ = cmd.MarkFlagRequired("did")
	return cmd
}

func newRegistryTrustVerifierCmd(a *app, n *nodeFlag) *cobra.Command {
	var keyFiles []string
	var d, purposesFile string
	var f opFlags
	cmd := &cobra.Command{
		Use:   "register-verifier --key MEMBER.jwk… --did DID --purposes FILE|-",
		Short: "Set a verifier's purposes (a council operation)",
		Long: `The council sets the full list of a verifier's purposes: each with an id, a
description in Korean and English, its legal basis, how long the verifier
keeps what it receives (an ISO 8601 duration, P0D for nothing), and the claim
paths of each credential type it may ask for. FILE is a JSON array of them:

  [{"id": "age-check", "description": {"ko": "…", "en": "…"},
    "legal_basis": "…", "retention": "P0D",
    "claims": [{"vct": "urn:seoulid:vct:seoul-citizen-card:1", "paths": [["age_over_19"]]}]}]

An empty array ([]) removes the verifier. Signed by each --key (council
members; the first is the actor).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDID("--did", d); err != nil {
				return err
			}
			purposes, err := a.readPurposes(purposesFile)
			if err != nil {
				return err
			}
			signers, actor, err := a.readCouncilSigners(keyFiles)
			if err != nil {
				return err
			}
			op := &registry.Op{Type: registry.OpTrustVerifier, Actor: actor, DID: d, Purposes: purposes}
			return a.send(cmd.Context(), n, &f, op, signers)
		},
	}
	cmd.Flags().StringArrayVar(&keyFiles, "key", nil, "a council member's private JWK (repeatable; the first is the actor)")
	cmd.Flags().StringVar(&d, "did", "", "the verifier's DID")
	cmd.Flags().StringVar(&purposesFile, "purposes", "", "the purposes, a JSON array file (- for standard input)")
	f.register(cmd)
	for _, fl := range []string{"key", "did", "purposes"} {
		_ = cmd.MarkFlagRequired(fl)
	}
	return cmd
}

// readPurposes reads a JSON array of registry.Purpose strictly: no
// duplicate or unknown members.
func (a *app) readPurposes(file string) ([]registry.Purpose, error) {
	b, err := a.readInput(file, "--purposes")
	if err != nil {
		return nil, err
	}
	v, err := jsonx.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("--purposes: %w", err)
	}
	if _, ok := v.([]any); !ok {
		return nil, fmt.Errorf("--purposes: %s is %s, not a JSON array of purposes", file, jsonx.Describe(v))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	purposes := []registry.Purpose{}
	if err := dec.Decode(&purposes); err != nil {
		return nil, fmt.Errorf("--purposes: %s: %w", file, err)
	}
	return purposes, nil
}

func newRegistryTrustShowCmd(a *app, n *nodeFlag) *cobra.Command {
	return &cobra.Command{
		Use:   "show DID",
		Short: "Show a DID's issuer and verifier entries",
		Long: `Show what the trust registry holds about a DID: the credential types it may
issue, and the purposes it is registered for as a verifier (whichever exist).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d := args[0]
			if err := checkDID("", d); err != nil {
				return err
			}
			remote, err := n.dial()
			if err != nil {
				return err
			}
			out := map[string]any{"did": d}
			var issuer registry.IssuerEntry
			var verifier registry.VerifierEntry
			for name, into := range map[string]any{"issuer": &issuer, "verifier": &verifier} {
				err := remote.Query(cmd.Context(), "/"+name+"/"+d, into)
				switch {
				case err == nil:
					out[name] = into
				case !errors.Is(err, node.ErrNotFound):
					return err
				}
			}
			if len(out) == 1 {
				return fmt.Errorf("%s is neither an authorised issuer nor a registered verifier", d)
			}
			return a.writeJSON(out)
		},
	}
}

func newRegistryCouncilSetCmd(a *app, n *nodeFlag) *cobra.Command {
	var keyFiles, members []string
	var threshold int
	var f opFlags
	cmd := &cobra.Command{
		Use:   "set --key MEMBER.jwk… --member DID… --threshold N",
		Short: "Change the council's members and threshold (a council operation)",
		Long: `The council replaces itself: the members (1 to 32 agencies) and the number
of them that must sign a council operation, a majority. Signed by each --key
(members of the current council; the first is the actor).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, m := range members {
				if err := checkDID("--member", m); err != nil {
					return err
				}
			}
			signers, actor, err := a.readCouncilSigners(keyFiles)
			if err != nil {
				return err
			}
			op := &registry.Op{Type: registry.OpCouncilSet, Actor: actor, Council: &registry.Council{Members: members, Threshold: threshold}}
			return a.send(cmd.Context(), n, &f, op, signers)
		},
	}
	cmd.Flags().StringArrayVar(&keyFiles, "key", nil, "a council member's private JWK (repeatable; the first is the actor)")
	cmd.Flags().StringSliceVar(&members, "member", nil, "the DID of a member of the new council (repeatable)")
	cmd.Flags().IntVar(&threshold, "threshold", 0, "how many members must sign a council operation")
	f.register(cmd)
	for _, fl := range []string{"key", "member", "threshold"} {
		_ = cmd.MarkFlagRequired(fl)
	}
	return cmd
}

func newRegistryCouncilShowCmd(a *app, n *nodeFlag) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Show the council: its members and threshold",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			remote, err := n.dial()
			if err != nil {
				return err
			}
			var c registry.Council
			if err := remote.Query(cmd.Context(), "/council", &c); err != nil {
				return err
			}
			members := make([]any, len(c.Members))
			for i, m := range c.Members {
				var ag registry.Agency
				if err := remote.Query(cmd.Context(), "/agency/"+m, &ag); err != nil {
					return err
				}
				members[i] = map[string]any{"did": m, "name": map[string]any{"ko": ag.Name.Ko, "en": ag.Name.En}}
			}
			return a.writeJSON(map[string]any{"threshold": c.Threshold, "members": members})
		},
	}
}

func newRegistryCosignCmd(a *app) *cobra.Command {
	var keyFiles []string
	var out string
	cmd := &cobra.Command{
		Use:   "cosign FILE --key KEY.jwk… [--out FILE]",
		Short: "Add signatures to a signed transaction",
		Long: `Add a signature by each --key to a transaction that an operation command
wrote with --out, over exactly the operation the others signed, and write it
back to FILE (or to --out). Prints the operation and who has signed it. The
signatures are checked when the transaction is submitted (registry submit).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				if args[0] == "-" {
					return usageError{errors.New("--out is needed when the transaction comes from standard input")}
				}
				out = args[0]
			}
			tx, err := a.readTx(args[0])
			if err != nil {
				return err
			}
			var signers []*keys.PrivateKey
			for _, f := range keyFiles {
				k, _, err := a.readSigner(f, "--key", "")
				if err != nil {
					return err
				}
				signers = append(signers, k)
			}
			tx, err = cosign(cmd.Context(), tx, signers)
			if err != nil {
				return err
			}
			return a.writeTx(out, tx)
		},
	}
	cmd.Flags().StringArrayVar(&keyFiles, "key", nil, "a signer's private JWK (repeatable)")
	cmd.Flags().StringVar(&out, "out", "", "write the transaction here instead of back to FILE")
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

// cosign adds a signature by each signer over the same payload.
func cosign(ctx context.Context, tx *registry.Tx, signers []*keys.PrivateKey) (*registry.Tx, error) {
	ss := make([]registry.Signer, len(signers))
	for i, k := range signers {
		ss[i] = k
	}
	next, err := tx.Cosign(ctx, ss...)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "registry: "))
	}
	return next, nil
}

func newRegistrySubmitCmd(a *app, n *nodeFlag) *cobra.Command {
	return &cobra.Command{
		Use:   "submit FILE|-",
		Short: "Submit a signed transaction",
		Long: `Submit a transaction written by an operation command with --out (and
co-signed with registry cosign) and wait until it is committed or rejected.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tx, err := a.readTx(args[0])
			if err != nil {
				return err
			}
			remote, err := n.dial()
			if err != nil {
				return err
			}
			return a.submit(cmd.Context(), remote, tx)
		},
	}
}
