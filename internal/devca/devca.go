package devca

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/seoulid/seoulid/internal/atomicfile"
)

// File names under the directory.
const (
	CACertFile     = "ca.pem"
	caKeyFile      = "ca-key.pem"
	ServerCertFile = "server.pem"
	ServerKeyFile  = "server-key.pem"
)

// Lifetimes: the CA's, and the server certificate's (renewed once less
// than a tenth of it is left).
const (
	caLifetime     = 10 * 365 * 24 * time.Hour
	serverLifetime = 397 * 24 * time.Hour
)

// DefaultHosts are the names the server certificate covers by default.
var DefaultHosts = []string{"127.0.0.1", "::1", "localhost"}

// Files are the paths Ensure returns.
type Files struct {
	CACert     string // give this to the wallets and browsers that must trust the city
	ServerCert string
	ServerKey  string
}

// Ensure makes, in dir, a CA (ECDSA P-256, "seoulid local development
// CA") and a server certificate it signs for hosts (nil means
// DefaultHosts) — or keeps those already there while they are valid at now
// and, for the server certificate, cover the hosts. Keys are written mode
// 0600, certificates 0644, each atomically.
func Ensure(dir string, hosts []string, now time.Time) (Files, error) {
	if hosts == nil {
		hosts = DefaultHosts
	}
	f := Files{CACert: filepath.Join(dir, CACertFile), ServerCert: filepath.Join(dir, ServerCertFile), ServerKey: filepath.Join(dir, ServerKeyFile)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Files{}, fmt.Errorf("devca: %w", err)
	}
	ca, caKey, err := loadPair(f.CACert, filepath.Join(dir, caKeyFile))
	if err != nil || !now.Before(ca.NotAfter) || now.Before(ca.NotBefore) {
		if ca, caKey, err = newCA(now); err != nil {
			return Files{}, err
		}
		if err := writePair(f.CACert, filepath.Join(dir, caKeyFile), ca.Raw, caKey); err != nil {
			return Files{}, err
		}
	}
	srv, _, err := loadPair(f.ServerCert, f.ServerKey)
	if err == nil && srv.CheckSignatureFrom(ca) == nil && covers(srv, hosts) &&
		now.Before(srv.NotAfter.Add(-serverLifetime/10)) && !now.Before(srv.NotBefore) {
		return f, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Files{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "seoulid local city"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(serverLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return Files{}, fmt.Errorf("devca: signing the server certificate: %w", err)
	}
	if err := writePair(f.ServerCert, f.ServerKey, der, key); err != nil {
		return Files{}, err
	}
	return f, nil
}

// ServerTLS is the TLS configuration of a server with the certificate.
func (f Files) ServerTLS() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(f.ServerCert, f.ServerKey)
	if err != nil {
		return nil, fmt.Errorf("devca: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// Pool is a certificate pool holding the CA alone: what a client of the
// city trusts.
func (f Files) Pool() (*x509.CertPool, error) {
	b, err := os.ReadFile(f.CACert)
	if err != nil {
		return nil, fmt.Errorf("devca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("devca: %s holds no certificate", f.CACert)
	}
	return pool, nil
}

func newCA(now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "seoulid local development CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("devca: making the CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func covers(c *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(c.IPAddresses, ip.Equal) {
				return false
			}
		} else if !slices.Contains(c.DNSNames, h) {
			return false
		}
	}
	return true
}

func loadPair(certFile, keyFile string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cb, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, err
	}
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, nil, err
	}
	cp, _ := pem.Decode(cb)
	kp, _ := pem.Decode(kb)
	if cp == nil || kp == nil {
		return nil, nil, errors.New("devca: not PEM")
	}
	cert, err := x509.ParseCertificate(cp.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kp.Bytes)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

func writePair(certFile, keyFile string, der []byte, key *ecdsa.PrivateKey) error {
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	var kb, cb bytes.Buffer
	if err := pem.Encode(&kb, &pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}); err != nil {
		return err
	}
	if err := pem.Encode(&cb, &pem.Block{Type: "CERTIFICATE", Bytes: der}); err != nil {
		return err
	}
	if err := atomicfile.Write(keyFile, kb.Bytes(), 0o600); err != nil {
		return fmt.Errorf("devca: %w", err)
	}
	if err := atomicfile.Write(certFile, cb.Bytes(), 0o644); err != nil {
		return fmt.Errorf("devca: %w", err)
	}
	return nil
}
