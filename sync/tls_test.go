package sync_test

import (
	"context"
	"crypto/sha256"
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

func TestTLSPinnedCertificateAndPrivateCA(t *testing.T) {
	h := newHub(t)
	h.publish(1, time.Now())
	srv := httptest.NewUnstartedServer(hub.New(h.pool, hub.Config{Log: quiet}).Handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pin := sha256.Sum256(srv.Certificate().Raw)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	wrong := sha256.Sum256([]byte("another certificate"))
	for _, tc := range []struct {
		name    string
		ca      []byte
		pin     []byte
		wantErr string
	}{
		{"pinned self-signed certificate", nil, pin[:], ""},
		{"private CA", caPEM, nil, ""},
		{"private CA and pin", caPEM, pin[:], ""},
		{"wrong pin", nil, wrong[:], "pinned"},
		{"system roots only", nil, nil, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, "", h.auth.roots())
			ids := appendN(t, s, 3, time.Now())
			c, err := cpsync.NewClient(s, cpsync.ClientConfig{HubURL: srv.URL, DeviceID: "T1", Token: h.token, Roots: h.auth.roots(), CAPEM: tc.ca, PinSHA256: tc.pin}, nil, quiet)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Sync(context.Background())
			if tc.wantErr == "" {
				if err != nil || s.Pending() != 0 {
					t.Fatalf("sync over TLS: %v, %d pending", err, s.Pending())
				}
				if got := h.hubIDs(); got[ids[0]] != 1 {
					t.Errorf("record %s not at the hub", ids[0])
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || s.Pending() != 3 || c.Status().Online {
				t.Errorf("sync: %v, %d pending; want a %q error and nothing sent", err, s.Pending(), tc.wantErr)
			}
		})
	}
}

func TestClientConfigRefusesUnsafeHubs(t *testing.T) {
	a := newAuthority(t)
	s := openStore(t, "", a.roots())
	for _, tc := range []struct {
		name string
		cfg  cpsync.ClientConfig
	}{
		{"plain http to another host", cpsync.ClientConfig{HubURL: "http://192.0.2.7:8080", DeviceID: "T1", Token: "x", Roots: a.roots()}},
		{"unknown scheme", cpsync.ClientConfig{HubURL: "ftp://127.0.0.1", DeviceID: "T1", Token: "x", Roots: a.roots()}},
		{"no token", cpsync.ClientConfig{HubURL: "https://hub.example", DeviceID: "T1", Roots: a.roots()}},
		{"no roots", cpsync.ClientConfig{HubURL: "https://hub.example", DeviceID: "T1", Token: "x"}},
		{"short pin", cpsync.ClientConfig{HubURL: "https://hub.example", DeviceID: "T1", Token: "x", Roots: a.roots(), PinSHA256: []byte{1, 2}}},
		{"CA PEM without certificate", cpsync.ClientConfig{HubURL: "https://hub.example", DeviceID: "T1", Token: "x", Roots: a.roots(), CAPEM: []byte("nope")}},
	} {
		if _, err := cpsync.NewClient(s, tc.cfg, nil, quiet); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	for _, u := range []string{"http://127.0.0.1:1", "http://[::1]:1", "http://localhost:1", "https://hub.example"} {
		if _, err := cpsync.NewClient(s, cpsync.ClientConfig{HubURL: u, DeviceID: "T1", Token: "x", Roots: a.roots()}, nil, quiet); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}
