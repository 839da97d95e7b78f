package pin

import (
	"errors"
	"strings"
	"testing"
)

func TestHashThenCheck(t *testing.T) {
	h, err := Hash("864209")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "864209") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := Hash("864209")
	if h == h2 {
		t.Error("two hashes of one PIN are equal: no salt")
	}
	rows := []struct {
		name, stored, pin string
		ok                bool
	}{
		{"right PIN against its hash", h, "864209", true},
		{"wrong PIN against the hash", h, "864208", false},
		{"prefix of the PIN", h, "8642", false},
		{"plain legacy PIN matches", "2468", "2468", true},
		{"plain legacy PIN refuses another", "2468", "2469", false},
		{"empty stored refuses everything", "", "", false},
	}
	for _, r := range rows {
		if ok, err := Check(r.stored, r.pin); ok != r.ok || err != nil {
			t.Errorf("%s: Check = %v, %v; want %v", r.name, ok, err, r.ok)
		}
	}
}

func TestDefaultIsRecognisedPlainOrHashed(t *testing.T) {
	h, _ := Hash(Default)
	other, _ := Hash("97531")
	for _, r := range []struct {
		stored string
		want   bool
	}{{Default, true}, {h, true}, {"97531", false}, {other, false}} {
		if got := IsDefault(r.stored); got != r.want {
			t.Errorf("IsDefault(%.20q) = %v, want %v", r.stored, got, r.want)
		}
	}
}

func TestMalformedHashesAreRefused(t *testing.T) {
	for _, s := range []string{
		"$argon2id$",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ",
		"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", // 4 GiB
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if err := Validate(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("Validate(%q) = %v, want ErrMalformed", s, err)
		}
		if ok, err := Check(s, "1234"); ok || err == nil {
			t.Errorf("Check(%q) = %v, %v; want refusal with an error", s, ok, err)
		}
	}
	if err := Validate("123"); err == nil {
		t.Error("a three-character PIN validates")
	}
	if _, err := Hash("12"); err == nil {
		t.Error("Hash accepts a two-character PIN")
	}
}
