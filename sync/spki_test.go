package sync_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

func TestParsePinForms(t *testing.T) {
	want := sha256.Sum256([]byte("key"))
	hexPlain := strings.ToLower(strings.ReplaceAll(cpsync.FormatPin(want[:]), ":", ""))
	for _, s := range []string{cpsync.FormatPin(want[:]), hexPlain, "sha256/" + base64.StdEncoding.EncodeToString(want[:]), " " + cpsync.FormatPin(want[:]) + "\n"} {
		got, err := cpsync.ParsePin(s)
		if err != nil || string(got) != string(want[:]) {
			t.Errorf("ParsePin(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"AB:CD", "zz", "sha256/!!", ""} {
		if _, err := cpsync.ParsePin(s); err == nil {
			t.Errorf("ParsePin(%q) accepted", s)
		}
	}
}

// TestSPKIPinsAcceptABackupAndNameWhatWasPresented: the hub's public-key
// pin works alone or beside a backup pin; a mismatch refuses the
// connection and the error names the pin the hub presented.
func TestSPKIPinsAcceptABackupAndNameWhatWasPresented(t *testing.T) {
	h := newHub(t)
	h.publish(1, time.Now())
	srv := httptest.NewUnstartedServer(hub.New(h.pool, hub.Config{Log: quiet}).Handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pin := cpsync.SPKIPin(srv.Certificate())
	backup := sha256.Sum256([]byte("the backup key"))
	other := sha256.Sum256([]byte("someone else's key"))
	for _, tc := range []struct {
		name string
		pins [][]byte
		ok   bool
	}{
		{"the hub's key", [][]byte{pin}, true},
		{"a backup pin first, then the hub's key", [][]byte{backup[:], pin}, true},
		{"only other keys", [][]byte{backup[:], other[:]}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, "", h.auth.roots())
			appendN(t, s, 2, time.Now())
			c, err := cpsync.NewClient(s, cpsync.ClientConfig{HubURL: srv.URL, DeviceID: "T1", Token: h.token, Roots: h.auth.roots(), SPKIPins: tc.pins}, nil, quiet)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Sync(context.Background())
			if tc.ok {
				if err != nil || s.Pending() != 0 {
					t.Fatalf("sync: %v, %d pending", err, s.Pending())
				}
				return
			}
			if !errors.Is(err, cpsync.ErrPinMismatch) || !strings.Contains(err.Error(), cpsync.FormatPin(pin)) || s.Pending() != 2 {
				t.Errorf("sync: %v (%d pending); want a pin mismatch naming %s", err, s.Pending(), cpsync.FormatPin(pin))
			}
		})
	}
}
