//go:build linux

package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sys/unix"
)

// On a full disk Badger's mmap'd write-ahead log turns a write into SIGBUS
// (seen: the server died mid-request). With the free-space reserve the
// server stays up, answers 507 E_DISK_FULL, keeps serving reads, loses no
// acknowledged transaction, and writes again once space is freed.
//
// It needs a small file system of its own: a tmpfs, which only root may
// mount (make test runs as root in CI and in the dev container).
func TestDiskFullRefusesWritesAndKeepsServing(t *testing.T) {
	mnt := t.TempDir()
	if err := unix.Mount("tmpfs", mnt, "tmpfs", 0, "size=300m"); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(mnt, unix.MNT_DETACH) })

	// Leave the reserve plus 3 MiB, so a few thousand signatures reach it.
	const reserveMiB = 256
	var st unix.Statfs_t
	if err := unix.Statfs(mnt, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * st.Bsize
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Fallocate(int(f.Fd()), 0, 0, free-(reserveMiB+3)<<20); err != nil {
		t.Fatal(err)
	}
	f.Close()

	env := []string{"FISKALDESK_BOOTSTRAP_API_KEY=test_diskfull", "FISKALDESK_BOOTSTRAP_API_SECRET=diskfull-secret-0123456789",
		fmt.Sprintf("FISKALDESK_MIN_FREE_MB=%d", reserveMiB)}
	p := start(t, env, "serve", "--data", filepath.Join(mnt, "data"), "--addr", "127.0.0.1:0")
	tok := mustCall(t, "POST", p.url+"/api/v2/auth", "", map[string]string{"api_key": "test_diskfull", "api_secret": "diskfull-secret-0123456789"})["access_token"].(string)
	tssID, clients := setupTSS(t, p.url, tok, 1)
	base := p.url + "/api/v2/tss/" + tssID

	client := &http.Client{Timeout: 10 * time.Second}
	// sign starts a transaction and finishes it, so the open-transaction
	// limit is never what stops the loop; it returns the first non-200.
	var lastCounter float64 // of the last acknowledged signature
	sign := func() (int, map[string]any, string) {
		tx := uuid.NewString()
		var code int
		var m map[string]any
		var err error
		for rev, state := range []string{"ACTIVE", "FINISHED"} {
			body := map[string]any{"state": state, "client_id": clients[0]}
			if state == "FINISHED" {
				body["schema"] = map[string]any{"raw": map[string]string{"process_type": "Kassenbeleg-V1", "process_data": "Z2VzdA=="}}
			}
			code, m, err = call(client, "PUT", fmt.Sprintf("%s/tx/%s?tx_revision=%d", base, tx, rev+1), tok, body)
			if err != nil {
				t.Fatalf("server gone: %v\n%s", err, p.stderr)
			}
			if code != 200 {
				break
			}
			lastCounter = m["signature"].(map[string]any)["counter"].(float64)
		}
		return code, m, tx
	}
	var lastTx string
	signed := 0
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, m, tx := sign()
		if code == http.StatusInsufficientStorage {
			if m["code"] != "E_DISK_FULL" || m["status_code"] != float64(507) || m["error"] != "Insufficient Storage" {
				t.Fatalf("507 body = %v", m)
			}
			break
		}
		if code != 200 {
			t.Fatalf("sign: %d %v", code, m)
		}
		lastTx = tx
		signed++
		if time.Now().After(deadline) {
			t.Fatalf("no 507 after %d signatures", signed)
		}
	}
	t.Logf("%d transactions signed before the reserve was reached", signed)
	if signed < 100 {
		t.Fatalf("only %d signed: the reserve check fires too early", signed)
	}

	// Still refusing, still alive, still reading.
	for range 200 {
		if code, m, _ := sign(); code != http.StatusInsufficientStorage {
			t.Fatalf("write while full: %d %v", code, m)
		}
	}
	// An export would write a file into the reserve: refused up front.
	code, m, err := call(client, "PUT", base+"/export/"+uuid.NewString(), tok, nil)
	if err != nil || code != http.StatusInsufficientStorage || m["code"] != "E_DISK_FULL" {
		t.Fatalf("export on a full disk: %d %v %v", code, m, err)
	}
	acked := lastCounter
	got := mustCall(t, "GET", base+"/tx/"+lastTx, tok, nil)
	if got["state"] != "FINISHED" || got["signature"] == nil {
		t.Fatalf("last acknowledged transaction changed: %v", got)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	code, m, _ = sign()
	if code != 200 {
		t.Fatalf("write after freeing space: %d %v", code, m)
	}
	// Counters went on from the last acknowledged signature (start and
	// finish: +2): refused writes consumed no signature counter.
	if c := m["signature"].(map[string]any)["counter"].(float64); c != acked+2 {
		t.Fatalf("counter after refusals = %v, want %v", c, acked+2)
	}
}
