package secret

import (
	"bytes"
	"strings"
	"testing"
)

// The sealer protects TSS keys, the token key and the sync credential:
// a box opens only with its key and its owner (aad), and any change to
// it is detected.
func TestSealerOpensOnlyItsOwnBoxes(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("ECDSA private key of TSS 1")
	box := s.Seal(plain, []byte("tss-1"))
	if bytes.Contains(box, plain) || len(box) != 12+len(plain)+16 {
		t.Fatalf("box of %d bytes holds the plain text: %v", len(box), bytes.Contains(box, plain))
	}
	if bytes.Equal(box, s.Seal(plain, []byte("tss-1"))) {
		t.Fatal("two seals of one secret must differ (nonce)")
	}
	got, err := s.Open(box, []byte("tss-1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open %q %v", got, err)
	}
	other, _ := NewSealer(bytes.Repeat([]byte{2}, 32))
	flipped := append([]byte{}, box...)
	flipped[len(flipped)-1] ^= 1
	nonce := append([]byte{}, box...)
	nonce[0] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"another owner (a box copied to another TSS)": func() ([]byte, error) { return s.Open(box, []byte("tss-2")) },
		"another data key":                            func() ([]byte, error) { return other.Open(box, []byte("tss-1")) },
		"a flipped tag bit":                           func() ([]byte, error) { return s.Open(flipped, []byte("tss-1")) },
		"a flipped nonce bit":                         func() ([]byte, error) { return s.Open(nonce, []byte("tss-1")) },
		"a box shorter than a nonce":                  func() ([]byte, error) { return s.Open(box[:11], []byte("tss-1")) },
		"an empty box":                                func() ([]byte, error) { return s.Open(nil, nil) },
	} {
		if got, err := open(); err == nil || got != nil {
			t.Errorf("%s: opened %q", name, got)
		}
	}
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewSealer(make([]byte, n)); err == nil || !strings.Contains(err.Error(), "32 bytes") {
			t.Errorf("a key of %d bytes: %v", n, err)
		}
	}
}

// Tokens draw from their alphabet without bias: over many characters
// every symbol shows up about equally often.
func TestTokenAlphabetIsUniform(t *testing.T) {
	counts := map[rune]int{}
	const n = 62 * 2000
	for _, r := range Token62(n) {
		counts[r]++
	}
	if len(counts) != 62 {
		t.Fatalf("%d of 62 symbols drawn", len(counts))
	}
	for r, c := range counts {
		// Expected 2000 each (σ ≈ 44); modulo without rejection would
		// put the first 8 symbols near 2420. ±6σ: a false alarm about
		// once in ten million runs.
		if c < 1735 || c > 2265 {
			t.Errorf("%q drawn %d times, want about 2000", r, c)
		}
	}
	if Token(0) != "" || len(Token62(1)) != 1 {
		t.Fatal("token lengths")
	}
}

func TestVerifyRejectsAnEmptyOrMangledHash(t *testing.T) {
	h := Hash("pin-123456")
	parts := strings.Split(h, "$")
	for name, bad := range map[string]string{
		"empty digest":   strings.Join(append(parts[:5:5], ""), "$"),
		"too many parts": h + "$x",
		"no memory cost": strings.Replace(h, "m=19456,", "", 1),
	} {
		if ok, err := Verify(bad, "pin-123456"); ok || err != ErrMalformed {
			t.Errorf("%s: %v %v", name, ok, err)
		}
	}
	// A different salt of the same length is simply a mismatch.
	salted := strings.Replace(h, parts[4], strings.Repeat("A", len(parts[4])), 1)
	if ok, err := Verify(salted, "pin-123456"); ok || err != nil {
		t.Fatalf("another salt: %v %v", ok, err)
	}
}
