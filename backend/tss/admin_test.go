package tss

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// Admin PIN and PUK rules, the PUK's back-off, and admin logins bound to
// the caller's token, on the in-memory store.

func TestValidPIN(t *testing.T) {
	cases := map[string]bool{
		"12345":                            false,
		"123456":                           true,
		strings.Repeat("x", MaxPINLen):     true,
		strings.Repeat("x", MaxPINLen+1):   false,
		"":                                 false,
		"123 456":                          false,
		"123456\t":                         false,
		"pässwört":                         false, // ASCII only
		"!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~": true,
		"abc\x7f123":                       false,
	}
	for pin, want := range cases {
		if validPIN(pin) != want {
			t.Errorf("validPIN(%q) = %v", pin, !want)
		}
	}
}

func TestPUKBackoff(t *testing.T) {
	cases := []struct {
		n    int
		want time.Duration
	}{
		{0, 0}, {1, 0}, {MaxPUKFailures - 1, 0},
		{MaxPUKFailures, time.Minute}, {MaxPUKFailures + 1, 2 * time.Minute}, {MaxPUKFailures + 2, 4 * time.Minute},
		{MaxPUKFailures + 10, 1024 * time.Minute}, {MaxPUKFailures + 11, MaxPUKBackoff}, {MaxPUKFailures + 1000, MaxPUKBackoff},
	}
	for _, c := range cases {
		if got := pukBackoff(c.n); got != c.want {
			t.Errorf("pukBackoff(%d) = %v, want %v", c.n, got, c.want)
		}
	}
	e := &PUKBlockedError{Failures: 6, Wait: 90*time.Second + 400*time.Millisecond}
	if e.Error() != "The admin PUK is blocked after 6 wrong tries; retry in 1m30s" {
		t.Fatalf("%q", e.Error())
	}
}

// uninitialized makes a deployed TSS without a PIN and returns its PUK.
func (f *fixture) uninitialized(id string) string {
	f.t.Helper()
	v, err := f.svc.Create(f.ctx, f.c, id, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.must(f.svc.Patch(f.ctx, f.c, id, StateUninitialized, "", false, nil))
	return v.AdminPUK
}

// lastSystemLog is the event type and eventData fields of the newest log.
func (f *fixture) lastSystemLog(id string) (string, map[uint8][]byte) {
	f.t.Helper()
	l := f.log(id, f.counters(id).Sig)
	if l.Kind() != "system" {
		f.t.Fatalf("newest log is a %s log", l.Kind())
	}
	fields := map[uint8][]byte{}
	data := l.Field(1)
	for len(data) > 0 {
		tag, n := data[0]&0x1f, int(data[1])
		fields[tag] = data[2 : 2+n]
		data = data[2+n:]
	}
	return string(l.Field(0)), fields
}

func TestPUKBlocksWithGrowingBackoff(t *testing.T) {
	f := newFixture(t)
	const id = "61000000-0000-4000-8000-000000000000"
	puk := f.uninitialized(id)
	if len(puk) < 6 {
		t.Fatalf("PUK %q", puk)
	}
	// Four wrong PUKs: refused and logged as a failed unblockUser each.
	for i := 1; i < MaxPUKFailures; i++ {
		before := f.counters(id).Sig
		if err := f.svc.ChangePIN(f.ctx, f.c, id, "wrong", testPIN); !errors.Is(err, ErrPUKWrong) {
			t.Fatalf("wrong PUK %d: %v", i, err)
		}
		if f.counters(id).Sig != before+1 {
			t.Fatalf("wrong PUK %d not logged", i)
		}
		if ev, data := f.lastSystemLog(id); ev != "unblockUser" || string(data[1]) != adminUser || data[2][0] != 1 {
			t.Fatalf("log %s %v", ev, data)
		}
	}
	// The fifth blocks it for a minute.
	if err := f.svc.ChangePIN(f.ctx, f.c, id, "wrong", testPIN); !errors.Is(err, ErrPUKWrong) {
		t.Fatalf("fifth: %v", err)
	}
	sig := f.counters(id).Sig
	// While blocked even the right PUK is refused, unchecked and unlogged.
	var blocked *PUKBlockedError
	f.now = f.now.Add(30 * time.Second)
	if err := f.svc.ChangePIN(f.ctx, f.c, id, puk, testPIN); !errors.As(err, &blocked) || blocked.Failures != MaxPUKFailures || blocked.Wait != 30*time.Second {
		t.Fatalf("blocked: %v", err)
	}
	if f.counters(id).Sig != sig {
		t.Fatal("an attempt while blocked was logged")
	}
	// After the minute one more wrong PUK blocks for two.
	f.now = f.now.Add(30 * time.Second)
	if err := f.svc.ChangePIN(f.ctx, f.c, id, "wrong", testPIN); !errors.Is(err, ErrPUKWrong) {
		t.Fatalf("after the block: %v", err)
	}
	f.now = f.now.Add(time.Minute + 59*time.Second)
	if err := f.svc.ChangePIN(f.ctx, f.c, id, puk, testPIN); !errors.As(err, &blocked) || blocked.Wait != time.Second || blocked.Failures != MaxPUKFailures+1 {
		t.Fatalf("second block: %v", err)
	}
	// Then the right PUK sets the PIN and clears the failures.
	f.now = f.now.Add(time.Second)
	if err := f.svc.ChangePIN(f.ctx, f.c, id, puk, testPIN); err != nil {
		t.Fatalf("right PUK after the block: %v", err)
	}
	if ev, data := f.lastSystemLog(id); ev != "unblockUser" || data[2][0] != 0 {
		t.Fatalf("success log %s %v", ev, data)
	}
	for i := 1; i < MaxPUKFailures; i++ {
		if err := f.svc.ChangePIN(f.ctx, f.c, id, "wrong", testPIN); !errors.Is(err, ErrPUKWrong) {
			t.Fatalf("failures not reset: %v", err)
		}
	}
	if err := f.svc.ChangePIN(f.ctx, f.c, id, puk, "654321"); err != nil {
		t.Fatalf("four failures after a reset do not block: %v", err)
	}
	if err := f.svc.AdminAuth(f.ctx, f.c, id, "654321"); err != nil {
		t.Fatalf("new PIN: %v", err)
	}
}

func TestChangePINRules(t *testing.T) {
	f := newFixture(t)
	var ve *ValidationError
	for _, pin := range []string{"12345", strings.Repeat("1", 65), "12 3456", "ÄÖÜ123"} {
		if err := f.svc.ChangePIN(f.ctx, f.c, "61000000-0000-4000-8000-000000000001", "puk", pin); !errors.As(err, &ve) || ve.Field != "new_admin_pin" {
			t.Errorf("PIN %q: %v", pin, err)
		}
	}
	if err := f.svc.ChangePIN(f.ctx, f.c, "61000000-0000-4000-8000-000000000001", "", testPIN); !errors.As(err, &ve) || ve.Field != "admin_puk" {
		t.Errorf("no PUK: %v", err)
	}
	// Only a deployed TSS has a PIN.
	created := f.tssIn(StateCreated, 62)
	if err := f.svc.ChangePIN(f.ctx, f.c, created, "puk-x", testPIN); !errors.Is(err, ErrChangePIN) {
		t.Fatalf("CREATED: %v", err)
	}
	disabled := f.tssIn(StateDisabled, 63)
	if err := f.svc.ChangePIN(f.ctx, f.c, disabled, "puk-x", testPIN); !errors.Is(err, ErrChangePIN) {
		t.Fatalf("DISABLED: %v", err)
	}
	if err := f.svc.ChangePIN(f.ctx, f.c, "61000000-0000-4000-8000-0000000000ff", "puk-x", testPIN); !errors.Is(err, ErrTSSNotFound) {
		t.Fatalf("unknown TSS: %v", err)
	}
	// A stranger cannot reach the TSS.
	stranger := f.c
	stranger.ActingOrg = "other-org"
	stranger.Viewer.Roots = nil
	if err := f.svc.ChangePIN(f.ctx, stranger, disabled, "puk-x", testPIN); err == nil {
		t.Fatal("a stranger changed a PIN")
	}
}

func TestAdminAuthAndLogout(t *testing.T) {
	f := newFixture(t)
	const id = "64000000-0000-4000-8000-000000000000"
	puk := f.uninitialized(id)
	// No PIN yet: blocked.
	if err := f.svc.AdminAuth(f.ctx, f.c, id, testPIN); !errors.Is(err, ErrPINBlocked) {
		t.Fatalf("before a PIN: %v", err)
	}
	if err := f.svc.ChangePIN(f.ctx, f.c, id, puk, testPIN); err != nil {
		t.Fatal(err)
	}
	// A wrong PIN says how many tries are left, signed as a failed login.
	err := f.svc.AdminAuth(f.ctx, f.c, id, "000000")
	if !errors.Is(err, ErrPINWrong) || !strings.Contains(err.Error(), "4 tries left") {
		t.Fatalf("wrong PIN: %v", err)
	}
	if ev, data := f.lastSystemLog(id); ev != "authenticateUser" || string(data[1]) != adminUser || data[3][0] != 0 {
		t.Fatalf("failed login log %s %v", ev, data)
	}
	// The right PIN resets the count and logs in this token only.
	if err := f.svc.AdminAuth(f.ctx, f.c, id, testPIN); err != nil {
		t.Fatal(err)
	}
	if ev, data := f.lastSystemLog(id); ev != "authenticateUser" || data[3][0] != 0xff {
		t.Fatalf("login log %s %v", ev, data)
	}
	other := f.c
	other.TokenID = "token-2"
	if err := f.svc.requireAdmin(f.c, id); err != nil {
		t.Fatal("logged-in token is no admin")
	}
	if err := f.svc.requireAdmin(other, id); !errors.Is(err, ErrAdminRequired) {
		t.Fatal("another token is admin")
	}
	// Initializing needs the login; with another token it is refused.
	if _, err := f.svc.Patch(f.ctx, other, id, StateInitialized, "", false, nil); !errors.Is(err, ErrAdminRequired) {
		t.Fatalf("initialize without login: %v", err)
	}
	// The login ends with the token.
	f.now = f.c.TokenExp
	if err := f.svc.requireAdmin(f.c, id); !errors.Is(err, ErrAdminRequired) {
		t.Fatal("login outlived its token")
	}
	f.now = f.c.TokenExp.Add(-time.Hour)
	// Logout signs logOut unless the last admin operation logged out already.
	if err := f.svc.AdminLogout(f.ctx, f.c, id); err != nil {
		t.Fatal(err)
	}
	if ev, _ := f.lastSystemLog(id); ev != "logOut" {
		t.Fatalf("logout log %s", ev)
	}
	if err := f.svc.requireAdmin(f.c, id); !errors.Is(err, ErrAdminRequired) {
		t.Fatal("still admin after logout")
	}
	sig := f.counters(id).Sig
	if err := f.svc.AdminLogout(f.ctx, f.c, id); err != nil || f.counters(id).Sig != sig {
		t.Fatalf("a second logout: %v, %d logs", err, f.counters(id).Sig-sig)
	}
	if err := f.svc.AdminLogout(f.ctx, f.c, "64000000-0000-4000-8000-0000000000ff"); !errors.Is(err, ErrTSSNotFound) {
		t.Fatalf("logout of an unknown TSS: %v", err)
	}
	// Five wrong PINs end every login and block the PIN; the PUK unblocks it.
	if err := f.svc.AdminAuth(f.ctx, f.c, id, testPIN); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < MaxPINFailures; i++ {
		_ = f.svc.AdminAuth(f.ctx, other, id, "000000")
	}
	if err := f.svc.requireAdmin(f.c, id); !errors.Is(err, ErrAdminRequired) {
		t.Fatal("a wrong PIN of another token left the login")
	}
	sig = f.counters(id).Sig
	if err := f.svc.AdminAuth(f.ctx, f.c, id, testPIN); !errors.Is(err, ErrPINBlocked) {
		t.Fatalf("blocked PIN: %v", err)
	}
	if f.counters(id).Sig != sig {
		t.Fatal("an attempt on a blocked PIN was logged")
	}
	// The PUK was used: the TSS no longer holds it in clear; it still works.
	if err := f.svc.ChangePIN(f.ctx, f.c, id, puk, "abcdef"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AdminAuth(f.ctx, f.c, id, "abcdef"); err != nil {
		t.Fatalf("PIN after unblocking: %v", err)
	}
	// A PIN change ends every login.
	if err := f.svc.ChangePIN(f.ctx, f.c, id, puk, "ghijkl"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.requireAdmin(f.c, id); !errors.Is(err, ErrAdminRequired) {
		t.Fatal("login survived a PIN change")
	}
	// Disabled and created TSS.
	dis := f.tssIn(StateDisabled, 65)
	if err := f.svc.AdminAuth(f.ctx, f.c, dis, testPIN); !errors.Is(err, ErrTSSDisabled) {
		t.Fatalf("DISABLED: %v", err)
	}
	cre := f.tssIn(StateCreated, 66)
	if err := f.svc.AdminAuth(f.ctx, f.c, cre, testPIN); !errors.Is(err, ErrPINBlocked) {
		t.Fatalf("CREATED: %v", err)
	}
	// Disabling ends the logins too.
	ini := f.tssIn(StateInitialized, 67)
	f.must(f.svc.Patch(f.ctx, f.c, ini, StateDisabled, "", false, nil))
	if err := f.svc.requireAdmin(f.c, ini); !errors.Is(err, ErrAdminRequired) {
		t.Fatal("login survived disabling")
	}
	if l := f.log(ini, f.counters(ini).Sig); string(l.Field(0)) != "disableSecureElement" || !l.Type.Equal(tse.OIDSystemLog) {
		t.Fatalf("last log of a disabled TSS %q", l.Field(0))
	}
}

// A stored PIN or PUK hash that cannot be read is damage, said as such:
// not a wrong PIN that counts towards the block, and nothing is signed.
func TestDamagedPINHashIsAnError(t *testing.T) {
	f := newFixture(t)
	const id = "68000000-0000-4000-8000-000000000000"
	f.initialized(id)
	err := f.st.Update(f.ctx, func(txn store.Tx) error {
		rec, err := store.GetJSON[TSS](txn, store.TSSKey(id))
		if err != nil {
			return err
		}
		rec.PINHash, rec.PUKHash = "$argon2id$garbage", "not-a-hash"
		return store.PutJSON(txn, store.TSSKey(id), rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	// A service that reads the TSS afresh, as after a restart.
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(f.st, f.svc.orgs, sealer)
	svc.SetClock(func() time.Time { return f.now })
	before := f.counters(id)
	if err := svc.AdminAuth(f.ctx, f.c, id, testPIN); !errors.Is(err, secret.ErrMalformed) || errors.Is(err, ErrPINWrong) {
		t.Fatalf("damaged PIN hash: %v", err)
	}
	if err := svc.ChangePIN(f.ctx, f.c, id, "1234567890", testPIN); !errors.Is(err, secret.ErrMalformed) || errors.Is(err, ErrPUKWrong) {
		t.Fatalf("damaged PUK hash: %v", err)
	}
	if after := f.counters(id); after != before {
		t.Fatalf("signed on a damaged record: %+v → %+v", before, after)
	}
	var rec TSS
	_ = f.st.View(func(txn store.Tx) (err error) { rec, err = store.GetJSON[TSS](txn, store.TSSKey(id)); return err })
	if rec.PINFailures != 0 || rec.PUKFailures != 0 {
		t.Fatalf("failures counted: %d %d", rec.PINFailures, rec.PUKFailures)
	}
}
