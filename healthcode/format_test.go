package healthcode

import (
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// The worked example of docs/healthcode-format.md, made with
//
//	hctool keygen --out ex.key
//	hctool issue --key ex.key --region 110000 --issuer BJHC --color green --kind dynamic \
//	  --id 00112233445566778899aabbccddeeff --issued-at 2026-11-23T08:00:00Z \
//	  --holder '张*' --id-last4 123X --birth-year 1950
//
// It pins the wire format: a change that stops this text verifying breaks
// every code already issued.
const (
	exampleText = "HCN1:NCFK30A20FFWTWGSLKC 4L99X:G1$AO62QZ787BV%K OD$96646G465H8469FN0ZNDA UWY0ZNDPTUR-0H00PE4XS8-.C4CHCQLK+PS9U/E7V50U30W504H0:O0.1T7BKUU0*964M6VY0F/027BJ0F7F4B3WQHE05W%IEFW9D905%217R7OP-G3K7OS25BYGKWRP*D.*3FABD3MH1RONUSRAC$PPMR-+I0Y377P0IGIJG73FGOVV50U50BDW.W642"
	examplePub  = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1s21NQ5+w/oYaHsFwN9skCx8Qd5/
JzMxW4/cNDANo1V2kpxzeEj1rxE78ZelqfBcb3v71W7nkk70GyAwiGEErA==
-----END PUBLIC KEY-----
`
)

func TestFormatExampleFromTheDocs(t *testing.T) {
	pub, err := ParsePublicKeyPEM([]byte(examplePub))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewKeyEntry(pub, "110000", "BJHC")
	if err != nil {
		t.Fatal(err)
	}
	if kid, _ := KeyID(pub); string(kid) != "\xdb\x86\x6d\x55\x9c\x10\xf8\x3d" {
		t.Fatalf("kid %x, the docs say db866d559c10f83d", kid)
	}
	now := time.Date(2026, 11, 23, 8, 1, 0, 0, time.UTC)
	v := NewVerifier(mustList(t, e), nil, checkpoint.ClockFunc(func() time.Time { return now }), Options{})
	code, err := v.Verify(exampleText)
	if err != nil {
		t.Fatal(err)
	}
	want := checkpoint.Code{
		Format: checkpoint.FormatHealthCode, Issuer: "110000:BJHC", Region: "110000", ID: "00112233445566778899aabbccddeeff",
		Color: checkpoint.ColorGreen, IssuedAt: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), ExpiresAt: time.Date(2026, 11, 23, 8, 5, 0, 0, time.UTC),
		Kind: checkpoint.KindDynamic, HolderMasked: "张*", Note: "ID …123X, born 1950", BirthYear: 1950,
	}
	if code != want {
		t.Fatalf("got  %+v\nwant %+v", code, want)
	}
}
