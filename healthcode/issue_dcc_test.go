package healthcode

import (
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

func TestIssueDCCVerifies(t *testing.T) {
	d := newDSC(t, dccVaccination)
	clock := &fixedClock{t: t0}
	text, err := IssueDCC("DE", vaccination(2, 2, t0.AddDate(0, -2, 0).Format("2006-01-02")), d.key, d.der, t0.Add(-time.Hour), t0.AddDate(0, 6, 0))
	if err != nil {
		t.Fatal(err)
	}
	code, err := NewVerifier(d.list, nil, clock, Options{}).Verify(text)
	if err != nil {
		t.Fatalf("an issued DCC does not verify: %v", err)
	}
	if code.Format != checkpoint.FormatDCC || code.Color != checkpoint.ColorGreen || code.Region != "DE" {
		t.Fatalf("verified DCC mapped to %+v", code)
	}
	if _, err := IssueDCC("DE", nil, nil, nil, t0, t0); err == nil {
		t.Fatal("issued without a signer")
	}
}
