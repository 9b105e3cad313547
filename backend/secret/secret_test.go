package secret

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h := Hash("correct horse")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "correct horse") {
		t.Fatalf("hash %q", h)
	}
	if h == Hash("correct horse") {
		t.Fatal("two hashes of one secret must differ (salt)")
	}
	for s, want := range map[string]bool{"correct horse": true, "correct hors": false, "": false} {
		ok, err := Verify(h, s)
		if err != nil || ok != want {
			t.Fatalf("Verify(%q) = %v, %v", s, ok, err)
		}
	}
}

func TestVerifyAcceptsOtherParamsAndRejectsGarbage(t *testing.T) {
	saved := Default
	Default = Params{Memory: 8, Time: 1, Threads: 1}
	h := Hash("x")
	Default = saved
	if ok, err := Verify(h, "x"); !ok || err != nil {
		t.Fatalf("old-parameter hash: %v %v", ok, err)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=18$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1,t=1,p=1$!!$AA"} {
		if _, err := Verify(bad, "x"); err != ErrMalformed {
			t.Fatalf("Verify(%q) err = %v", bad, err)
		}
	}
}

func TestTokens(t *testing.T) {
	a, b := Token(24), Token(24)
	if len(a) != 24 || a == b || strings.Trim(a, alnum) != "" {
		t.Fatalf("tokens %q %q", a, b)
	}
	if s := Token62(40); len(s) != 40 || strings.Trim(s, base62) != "" {
		t.Fatalf("token62 %q", s)
	}
	if TokenHash("abc") != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatal("TokenHash is not SHA-256 hex")
	}
}
