// Package devca makes the local certificate authority and the server
// certificate of a development city ("seoulid up --tls"), so that wallets
// that insist on https — as every wallet off this machine does — work
// against services on 127.0.0.1. It is for one machine: the CA's key sits
// in the data directory, and a browser or phone trusts it only when told
// to (the CA certificate's file is printed).
package devca
