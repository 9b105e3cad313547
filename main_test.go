package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// These tests run the real binary as a user would: separate processes,
// real signals, real data directories.

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fiskaldesk-bin-")
	if err != nil {
		panic(err)
	}
	// make test hands over the headless binary it has just built from this
	// tree (one compile of every package fewer on a cold machine); a plain
	// go test builds its own.
	binPath = os.Getenv("FISKALDESK_TEST_BIN")
	if binPath == "" {
		binPath = filepath.Join(dir, "fiskaldesk")
		build := exec.Command("go", "build", "-o", binPath, ".")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			panic("build fiskaldesk: " + err.Error())
		}
	} else if binPath, err = filepath.Abs(binPath); err != nil {
		panic(err)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan error
	// setupToken is the first-start token printed before the URL ("" when
	// the data dir has an installation administrator).
	setupToken string
}

// syncBuffer is a bytes.Buffer that exec's copying goroutine and the test
// may use at the same time.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	urlLine   = regexp.MustCompile(`running at (https?://\S+)`)
	setupLine = regexp.MustCompile(`/setup\?token=(\S+)`)
)

// start runs the binary with args and waits for the URL it prints.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	out, _ := cmd.StdoutPipe()
	p := &proc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.done })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := setupLine.FindStringSubmatch(sc.Text()); m != nil {
				p.setupToken = m[1] // printed before the URL, read after it
			}
			if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		p.done <- cmd.Wait()
		close(p.done)
	}()
	select {
	case p.url = <-found:
		return p
	case err := <-p.done:
		t.Fatalf("fiskaldesk exited before serving: %v\n%s", err, p.stderr)
	case <-time.After(15 * time.Second):
		t.Fatalf("no URL printed within 15 s\n%s", p.stderr)
	}
	return nil
}

func startServe(t *testing.T, data string) *proc {
	return start(t, nil, "serve", "--data", data, "--addr", "127.0.0.1:0")
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatal("process did not exit within 15 s")
	}
	return p.cmd.ProcessState.ExitCode()
}

func getOK(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// run runs the binary to completion and returns stdout, stderr and exit code.
func run(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run()
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

func TestServeAnswersAndStopsCleanlyOnSIGTERM(t *testing.T) {
	data := t.TempDir()
	p := startServe(t, data)
	if body := getOK(t, p.url+"/healthz"); !strings.Contains(body, `"status":"ok"`) || !strings.Contains(body, fmt.Sprintf(`"store_format":%d`, store.FormatVersion)) {
		t.Fatalf("healthz: %s", body)
	}
	getOK(t, p.url+"/")
	getOK(t, p.url+"/settings/workstation")
	if _, err := os.Stat(filepath.Join(data, "run.json")); err != nil {
		t.Fatalf("run file: %v", err)
	}
	// Info lines reach the file in batches, at most logFlushInterval
	// (100 ms) late; a loaded machine may delay the ticker further.
	logFile := filepath.Join(data, "logs", "fiskaldesk.log")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		fi, err := os.Stat(logFile)
		if err == nil && fi.Size() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log file: %v (size %v)", err, fi)
		}
	}

	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit code %d after SIGTERM\n%s", code, p.stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "run.json")); !os.IsNotExist(err) {
		t.Fatal("run file left behind after a clean stop")
	}
}

func TestKill9ThenRestartOpensTheStore(t *testing.T) {
	data := t.TempDir()
	for i := range 3 {
		p := startServe(t, data)
		getOK(t, p.url+"/healthz")
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		if code := p.wait(t); code != -1 {
			t.Fatalf("round %d: exit code %d, want killed", i, code)
		}
	}
	p := startServe(t, data)
	getOK(t, p.url+"/healthz")
}

func TestSecondProcessOnTheSameDataDirFails(t *testing.T) {
	data := t.TempDir()
	first := startServe(t, data)
	_, stderr, code := run(t, nil, "serve", "--data", data, "--addr", "127.0.0.1:0")
	if code == 0 {
		t.Fatal("second process started on a held data dir")
	}
	want := fmt.Sprintf("data directory %s is in use by another fiskaldesk process (pid %d, serving %s)", data, first.cmd.Process.Pid, first.url)
	if !strings.Contains(stderr, want) {
		t.Fatalf("stderr %q\nshould contain %q", stderr, want)
	}
	getOK(t, first.url+"/healthz") // the first one is unharmed
}

// seed writes n records directly into a stopped store.
func seed(t *testing.T, data string, n int) map[string]string {
	t.Helper()
	st, err := store.Open(store.DBDir(data), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := map[string]string{}
	err = st.Update(context.Background(), func(txn store.Tx) error {
		for i := range n {
			k, v := fmt.Sprintf("test/%05d", i), strings.Repeat("v", i%100)
			want[k] = v
			if err := txn.Set([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

func readAll(t *testing.T, data string) map[string]string {
	t.Helper()
	st, err := store.Open(store.DBDir(data), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got := map[string]string{}
	_ = st.View(func(txn store.Tx) error {
		it := txn.Iterate(store.IterOptions{})
		defer it.Close()
		for ; it.Valid(); it.Next() {
			v, err := it.Value()
			if err != nil {
				return err
			}
			got[string(it.Key())] = string(v)
		}
		return nil
	})
	return got
}

func TestBackupOfARunningServerRestoresIntoAnEmptyDir(t *testing.T) {
	data := t.TempDir()
	seed(t, data, 3000)
	p := startServe(t, data)

	file := filepath.Join(t.TempDir(), "fiskaldesk.bak")
	out, stderr, code := run(t, nil, "backup", "--data", data, "--out", file)
	if code != 0 || !strings.Contains(out, "online from "+p.url) {
		t.Fatalf("backup: code %d, out %q, err %q", code, out, stderr)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)

	restored := filepath.Join(t.TempDir(), "restored")
	if out, stderr, code := run(t, nil, "restore", "--in", file, "--data", restored); code != 0 {
		t.Fatalf("restore: code %d, out %q, err %q", code, out, stderr)
	}
	want, got := readAll(t, data), readAll(t, restored)
	if len(got) != len(want) || len(got) < 3000 {
		t.Fatalf("restored %d keys, original has %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("key %q differs after restore", k)
		}
	}
	// Without the data key that sealed its secrets the restored dir does
	// not start (the backup does not carry the key); with it, it works.
	if _, stderr, code := run(t, nil, "serve", "--data", restored, "--addr", "127.0.0.1:0"); code == 0 || !strings.Contains(stderr, filepath.Join(restored, "data.key")) {
		t.Fatalf("restored dir without its data key: code %d, %q", code, stderr)
	}
	key, err := os.ReadFile(filepath.Join(data, "data.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, "data.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	getOK(t, startServe(t, restored).url+"/healthz")
}

func TestOfflineBackupAndRestoreRefusals(t *testing.T) {
	data := t.TempDir()
	seed(t, data, 10)
	file := filepath.Join(t.TempDir(), "b.bak")
	if out, _, code := run(t, nil, "backup", "--data", data, "--out", file); code != 0 || !strings.Contains(out, "from the store directly") {
		t.Fatalf("offline backup: %d %q", code, out)
	}

	nonEmpty := t.TempDir()
	_ = os.WriteFile(filepath.Join(nonEmpty, "keep"), []byte("x"), 0o600)
	_, stderr, code := run(t, nil, "restore", "--in", file, "--data", nonEmpty)
	if code != 1 || !strings.Contains(stderr, "not empty") {
		t.Fatalf("restore into non-empty dir: code %d, %q", code, stderr)
	}

	_, stderr, code = run(t, nil, "backup", "--data", filepath.Join(t.TempDir(), "nothing"), "--out", file+"2")
	if code != 1 || !strings.Contains(stderr, "no fiskaldesk store in") {
		t.Fatalf("backup of a missing store: code %d, %q", code, stderr)
	}
	if _, err := os.Stat(file + "2"); !os.IsNotExist(err) {
		t.Fatal("a failed backup left a file")
	}
}

func TestDefaultCommandFallsBackToHeadless(t *testing.T) {
	p := start(t, []string{"DISPLAY=", "WAYLAND_DISPLAY="}, "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	getOK(t, p.url+"/healthz")
	lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
	if !strings.Contains(lines[0], "running headless as `fiskaldesk serve`") {
		t.Fatalf("first stderr line %q should say why it runs headless", lines[0])
	}
}

func TestEnvironmentConfiguresServe(t *testing.T) {
	data := t.TempDir()
	p := start(t, []string{"FISKALDESK_DATA=" + data, "FISKALDESK_ADDR=127.0.0.1:0"}, "serve")
	getOK(t, p.url+"/healthz")
	if _, err := os.Stat(filepath.Join(data, "run.json")); err != nil {
		t.Fatal("FISKALDESK_DATA was not used")
	}
}

func TestVersionAndUsageErrors(t *testing.T) {
	out, _, code := run(t, nil, "version")
	if code != 0 || !strings.Contains(out, "fiskaldesk ") || !strings.Contains(out, fmt.Sprintf("store format %d", store.FormatVersion)) || !strings.Contains(out, "commit ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if _, stderr, code := run(t, nil, "frobnicate"); code != 2 || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %q", code, stderr)
	}
	if _, stderr, code := run(t, nil, "serve", "--log-level", "loud"); code != 2 || !strings.Contains(stderr, "invalid log level") {
		t.Fatalf("bad flag value: %d %q", code, stderr)
	}
	if _, stderr, code := run(t, nil, "backup"); code != 2 || !strings.Contains(stderr, "--out FILE is required") {
		t.Fatalf("missing --out: %d %q", code, stderr)
	}
}
