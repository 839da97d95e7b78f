package main

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"strings"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

// certificatePin reads the hub's certificate and returns its public-key
// pin (what terminals put in hub.pins) in colon form and as sha256/base64.
func certificatePin(certFile, keyFile string) (colon, hpkp string, err error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return "", "", fmt.Errorf("loading the TLS certificate: %w", err)
	}
	if pair.Leaf == nil {
		return "", "", fmt.Errorf("TLS certificate %s: no leaf", certFile)
	}
	pin := cpsync.SPKIPin(pair.Leaf)
	return cpsync.FormatPin(pin), "sha256/" + b64(pin), nil
}

// logPin logs the pin at start, for the installer to copy into terminals.
func logPin(log *slog.Logger, certFile, keyFile string) error {
	colon, hpkp, err := certificatePin(certFile, keyFile)
	if err != nil {
		return err
	}
	log.Info("hub TLS public-key pin (put it in the terminals' [hub] pins)", "pin", colon, "hpkp", hpkp)
	return nil
}

// checkPlainHTTP refuses to serve plain HTTP (device tokens and records in
// the clear) on anything but a loopback address, unless allowed (a TLS
// proxy in front on the same host or network).
func checkPlainHTTP(listen string, tlsOn, allow bool) error {
	if tlsOn || allow {
		return nil
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", listen, err)
	}
	if host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1" {
		return nil
	}
	return fmt.Errorf("refusing plain HTTP on %q (not loopback): device tokens and records would cross the network in the clear. "+
		"Give --tls-cert and --tls-key (README: a certificate with openssl), listen on 127.0.0.1 behind a TLS proxy, or pass --insecure-http", listen)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
