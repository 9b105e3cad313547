package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// fiskaldesk doctor on healthy and damaged data dirs, staged restores
// that fail, and the bootstrap settings.

// newDataDir makes a data dir the way serve leaves it: one organization,
// the data key and its check value; the server is closed again.
func newDataDir(t *testing.T) Config {
	t.Helper()
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", BootstrapKey: "test_doctor_key", BootstrapSecret: "doctor-secret-0123456789"}
	s, err := New(cfg, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// offline changes the closed store of cfg directly.
func offline(t *testing.T, cfg Config, fn func(store.Tx) error) {
	t.Helper()
	st, err := store.Open(store.DBDir(cfg.DataDir), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func finding(r *DoctorReport, check string) *Finding {
	for i := range r.Findings {
		if r.Findings[i].Check == check {
			return &r.Findings[i]
		}
	}
	return nil
}

func TestDoctorOnAHealthyDataDir(t *testing.T) {
	cfg := newDataDir(t)
	r, err := Doctor(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if r.Problems() != 0 || r.DataDir != cfg.DataDir {
		t.Fatalf("problems in a healthy dir: %+v", r)
	}
	var checks []string
	for _, f := range r.Findings {
		checks = append(checks, f.Check)
	}
	if strings.Join(checks, ",") != "files,tables,data key,TSS,organizations,API keys" {
		t.Fatalf("checks %q", checks)
	}
	if f := finding(r, "organizations"); !strings.HasPrefix(f.Summary, "1 organizations, 0 users") {
		t.Fatalf("organizations: %q", f.Summary)
	}
	if f := finding(r, "API keys"); !strings.HasPrefix(f.Summary, "1 keys") {
		t.Fatalf("keys: %q", f.Summary)
	}
	if f := finding(r, "data key"); !strings.Contains(f.Summary, filepath.Join(cfg.DataDir, dataKeyFile)) {
		t.Fatalf("data key: %q", f.Summary)
	}
	// Doctor only reads: a second run finds the same, and no key file appears
	// for a dir that has none.
	empty := Config{DataDir: t.TempDir()}
	if _, err := Doctor(empty, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "holds no fiskaldesk store") {
		t.Fatalf("a dir without a store: %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty.DataDir, dataKeyFile)); !os.IsNotExist(err) {
		t.Fatal("doctor made a data key")
	}
}

func TestDoctorFindsDamage(t *testing.T) {
	cfg := newDataDir(t)
	// Broken indexes behind the services' back, and more problems of one
	// kind than a report lists.
	var keyID string
	offline(t, cfg, func(tx store.Tx) error {
		id, err := tx.Get(store.APIKeyByKeyKey("test_doctor_key"))
		if err != nil {
			return err
		}
		keyID = string(id)
		if err := tx.Delete(store.APIKeyByKeyKey("test_doctor_key")); err != nil {
			return err
		}
		for i := range maxProblems + 7 {
			if err := tx.Set(store.InstallAdminKey(fmt.Sprintf("ghost-%02d", i)), []byte(`{}`)); err != nil {
				return err
			}
		}
		return nil
	})
	r, err := Doctor(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	keys := finding(r, "API keys")
	if len(keys.Problems) != 1 || !strings.Contains(keys.Problems[0], keyID) {
		t.Fatalf("key problems %q", keys.Problems)
	}
	orgs := finding(r, "organizations")
	if len(orgs.Problems) != maxProblems+1 || orgs.Problems[maxProblems] != "… and 7 more" {
		t.Fatalf("%d organization problems, last %q", len(orgs.Problems), orgs.Problems[len(orgs.Problems)-1])
	}
	if r.Problems() != 1+maxProblems+1 {
		t.Fatalf("problems %d", r.Problems())
	}
	// The data key missing: named, not made.
	if err := os.Remove(filepath.Join(cfg.DataDir, dataKeyFile)); err != nil {
		t.Fatal(err)
	}
	r, err = Doctor(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if f := finding(r, "data key"); len(f.Problems) != 1 || !strings.Contains(f.Problems[0], "is missing") {
		t.Fatalf("missing data key: %+v", f)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, dataKeyFile)); !os.IsNotExist(err) {
		t.Fatal("doctor made a data key")
	}
	// Another data key.
	cfg.DataKey = b64(bytes.Repeat([]byte{9}, 32))
	r, _ = Doctor(cfg, zerolog.Nop())
	if f := finding(r, "data key"); len(f.Problems) != 1 || !strings.Contains(f.Problems[0], "FISKALDESK_DATA_KEY does not open") {
		t.Fatalf("wrong data key: %+v", f)
	}
}

func TestDoctorRefusesAHeldDataDir(t *testing.T) {
	cfg := newDataDir(t)
	s, err := startNew(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rf := RunFile{PID: 777, URL: "http://127.0.0.1:1"}
	if err := rf.write(cfg.DataDir); err != nil {
		t.Fatal(err)
	}
	_, err = Doctor(cfg, zerolog.Nop())
	if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), "pid 777") {
		t.Fatalf("doctor on a held dir: %v", err)
	}
	// So does a second server.
	if _, err := New(cfg, zerolog.Nop(), nil); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second server: %v", err)
	}
	_ = s
}

// backupOf returns a backup of a fresh data dir holding key k.
func backupOf(t *testing.T, k string) []byte {
	t.Helper()
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	s, err := startNew(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mark(t, s.Store, k)
	var b bytes.Buffer
	if _, err := s.Store.Backup(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAStagedRestoreThatFailsKeepsTheData: a backup whose header is
// right but whose body is damaged is set aside at the next start; the
// current data is used unchanged and a restore interrupted before is
// cleaned up.
func TestAStagedRestoreThatFailsKeepsTheData(t *testing.T) {
	good := backupOf(t, "org/from-backup")
	header := good[:bytes.IndexByte(good, '\n')+1]
	damaged := append(append([]byte{}, header...), bytes.Repeat([]byte("garbage "), 512)...)

	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	s, err := New(cfg, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	mark(t, s.Store, "org/current")
	h, err := StageRestore(cfg.DataDir, bytes.NewReader(damaged))
	if err != nil {
		t.Fatalf("a damaged body is found at restore, not at staging: %v", err)
	}
	if h.Format == 0 {
		t.Fatalf("header %+v", h)
	}
	_ = s.Close()
	// Leftovers of a restore interrupted before.
	leftover := store.DBDir(cfg.DataDir) + ".restoring"
	if err := os.MkdirAll(filepath.Join(leftover, "junk"), 0o700); err != nil {
		t.Fatal(err)
	}
	var logBuf syncBuf
	s, err = New(cfg, zerolog.New(&logBuf), nil)
	if err != nil {
		t.Fatalf("start after a failed restore: %v", err)
	}
	defer s.Close()
	if !has(s.Store, "org/current") || has(s.Store, "org/from-backup") {
		t.Fatal("the current data changed")
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "restore-failed.backup")); err != nil {
		t.Fatalf("the failed backup is not kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, pendingRestoreFile)); !os.IsNotExist(err) {
		t.Fatal("the failed backup is still pending: every start would retry it")
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Fatal("the interrupted restore's directory is left")
	}
	if logged, _ := logBuf.String(); !strings.Contains(logged, "staged restore failed") || !strings.Contains(logged, "damaged backup") {
		t.Fatalf("log %q", logged)
	}
	if kept, _ := filepath.Glob(store.DBDir(cfg.DataDir) + ".before-restore-*"); len(kept) != 0 {
		t.Fatalf("a failed restore moved the data: %v", kept)
	}
}

type failingReader struct {
	r     io.Reader
	after int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("connection reset")
	}
	if len(p) > f.after {
		p = p[:f.after]
	}
	n, err := f.r.Read(p)
	f.after -= n
	return n, err
}

func TestStagingAnUploadThatBreaksOffStagesNothing(t *testing.T) {
	good := backupOf(t, "org/x")
	dir := t.TempDir()
	_, err := StageRestore(dir, &failingReader{r: bytes.NewReader(good), after: len(good) / 2})
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("broken upload: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
	// A complete one is staged byte for byte, private.
	if _, err := StageRestore(dir, bytes.NewReader(good)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, pendingRestoreFile))
	fi, _ := os.Stat(filepath.Join(dir, pendingRestoreFile))
	if err != nil || !bytes.Equal(b, good) || fi.Mode().Perm() != 0o600 {
		t.Fatalf("staged %d of %d bytes, mode %v, %v", len(b), len(good), fi.Mode(), err)
	}
}

func TestBootstrapSettings(t *testing.T) {
	st, err := store.OpenMemory(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sealer, _ := secret.NewSealer(bytes.Repeat([]byte{5}, 32))
	orgs := org.NewService(st)
	keys, err := auth.NewService(context.Background(), st, orgs, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if err := bootstrap(Config{}, zerolog.Nop(), keys); err != nil {
		t.Fatalf("nothing set: %v", err)
	}
	for _, c := range []Config{{BootstrapKey: "test_ci_bootstrap"}, {BootstrapSecret: "ci-secret-0123456789"}} {
		if err := bootstrap(c, zerolog.Nop(), keys); err == nil || !strings.Contains(err.Error(), "set both") {
			t.Errorf("%+v: %v", c, err)
		}
	}
	cfg := Config{BootstrapKey: "test_ci_bootstrap", BootstrapSecret: "ci-secret-0123456789", BootstrapOrgName: "CI GmbH"}
	var buf bytes.Buffer
	if err := bootstrap(cfg, zerolog.New(&buf), keys); err != nil {
		t.Fatal(err)
	}
	if err := bootstrap(cfg, zerolog.New(&buf), keys); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "bootstrap: created"); n != 1 || strings.Contains(buf.String(), cfg.BootstrapSecret) {
		t.Fatalf("log %q", buf.String())
	}
	k, err := keys.Authenticate(cfg.BootstrapKey, cfg.BootstrapSecret)
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := orgs.List(org.Viewer{Roots: map[string]org.Role{k.OrganizationID: org.RoleAdmin}, Actor: audit.System}, org.ListFilter{Limit: 10})
	if err != nil || len(list) != 1 || list[0].Name != "CI GmbH" {
		t.Fatalf("bootstrap org %+v %v", list, err)
	}
	cfg.BootstrapSecret = "another-secret-0123456"
	if err := bootstrap(cfg, zerolog.Nop(), keys); err == nil {
		t.Fatal("the existing key with another secret accepted")
	}
}

// gatedReader returns its parts in turn; before each part after the
// first it says it is waiting and waits for the gate.
type gatedReader struct {
	parts   [][]byte
	waiting chan<- struct{}
	gate    <-chan struct{}
	started bool
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if len(g.parts) == 0 {
		return 0, io.EOF
	}
	if !g.started {
		g.started = true
	} else if len(g.parts[0]) == 0 {
		g.parts = g.parts[1:]
		if len(g.parts) == 0 {
			return 0, io.EOF
		}
		g.waiting <- struct{}{}
		<-g.gate
	}
	n := copy(p, g.parts[0])
	g.parts[0] = g.parts[0][n:]
	return n, nil
}

// TestTwoUploadsStagedAtOnceDoNotMix: two restores uploaded at the same
// time (a double click) leave one of them whole, never a mix of both
// that was answered "staged" and then fails at the next start.
func TestTwoUploadsStagedAtOnceDoNotMix(t *testing.T) {
	dir := t.TempDir()
	header := fmt.Sprintf(`{"magic":"fiskaldesk-backup","store_format":%d}`+"\n", store.FormatVersion)
	upload := func(c byte, n int) ([]byte, [][]byte) {
		body := bytes.Repeat([]byte{c}, n)
		whole := append([]byte(header), body...)
		return whole, [][]byte{append([]byte(header), body[:1000]...), body[1000:]}
	}
	wholeA, partsA := upload('a', 6000)
	wholeB, partsB := upload('b', 3000)
	waitA, gateA := make(chan struct{}), make(chan struct{})
	waitB, gateB := make(chan struct{}), make(chan struct{})
	errA, errB := make(chan error, 1), make(chan error, 1)
	go func() {
		_, err := StageRestore(dir, &gatedReader{parts: partsA, waiting: waitA, gate: gateA})
		errA <- err
	}()
	<-waitA // A has written its first part
	go func() {
		_, err := StageRestore(dir, &gatedReader{parts: partsB, waiting: waitB, gate: gateB})
		errB <- err
	}()
	<-waitB // so has B
	close(gateA)
	ea := <-errA
	close(gateB)
	eb := <-errB
	got, err := os.ReadFile(filepath.Join(dir, pendingRestoreFile))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case !bytes.Equal(got, wholeA) && !bytes.Equal(got, wholeB):
		t.Fatalf("the staged file mixes both uploads (A: %v, B: %v; %d bytes)", ea, eb, len(got))
	case ea == nil && eb == nil && !bytes.Equal(got, wholeB):
		t.Fatal("both answered staged, but the file is not the last one")
	case ea == nil && eb != nil && !bytes.Equal(got, wholeA):
		t.Fatalf("A answered staged, B failed (%v), but B's file is staged", eb)
	case ea != nil && eb == nil && !bytes.Equal(got, wholeB):
		t.Fatalf("B answered staged, A failed (%v), but A's file is staged", ea)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.partial")); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}
