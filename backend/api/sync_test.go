package api

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/sync"
)

// workstationBatch writes kv on a fresh workstation store and returns its
// instance id and the encoded outbox, as a push body.
func workstationBatch(t *testing.T, kv ...string) (string, []byte) {
	t.Helper()
	ws, err := store.Open(t.TempDir(), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ctx := context.Background()
	_ = ws.SetOutboxMode(ctx, store.OutboxWorkstation)
	_, _ = ws.ContinueSnapshot(ctx)
	err = ws.Update(ctx, func(txn store.Tx) error {
		for i := 0; i < len(kv); i += 2 {
			if err := txn.Set([]byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	frames, _, _ := ws.ReadOutbox(0, 100, 1<<20, nil)
	var b bytes.Buffer
	_ = sync.WriteFrames(&b, frames)
	self := ws.Self()
	return hex.EncodeToString(self[:]), b.Bytes()
}

func TestSyncRoutes(t *testing.T) {
	a := newTestApp(t)
	owner, orgID := a.setup("olga@vendor.example", "olga-password-123", "Vendor GmbH")
	st := a.must(a.do(owner, "GET", "/api/dashboard/sync", nil), 200).obj()
	if st["role"] != "standalone" || st["can_manage"] != true {
		t.Fatalf("status %v", st)
	}
	a.must(a.do(owner, "POST", "/api/dashboard/sync/workstations", map[string]string{"name": " "}), 400)
	// API keys may not pair: sync carries every organization's data.
	key, secret, _ := a.newKey(owner, orgID, nil)
	keyCred := cred{bearer: a.token(key, secret)}
	a.must(a.do(keyCred, "POST", "/api/dashboard/sync/workstations", map[string]string{"name": "x"}), 403)
	a.must(a.do(keyCred, "POST", "/api/dashboard/restore", "x"), 403)
	// Not even the status: it describes every tenant's data.
	a.must(a.do(keyCred, "GET", "/api/dashboard/sync", nil), 403)

	paired := a.must(a.do(owner, "POST", "/api/dashboard/sync/workstations", map[string]string{"name": "Kasse 1"}), 200).obj()
	credential := paired["credential"].(string)
	if !strings.HasPrefix(credential, "fdsync_") {
		t.Fatal(credential)
	}
	if a.must(a.do(owner, "GET", "/api/dashboard/sync", nil), 200).obj()["role"] != "central" {
		t.Fatal("pairing did not make the instance central")
	}

	ctr := string([]byte{0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1})
	inst, body := workstationBatch(t, "org/ws-org", `{"name":"from the workstation"}`, "log/t9/1", "signed",
		"tss/t9", `{"id":"t9"}`, "tss-ctr/t9", ctr)
	push := func(c, instance, ct string, b []byte) resp {
		return a.doH(cred{bearer: c}, "POST", "/api/sync/v1/push", b, map[string]string{sync.InstanceHeader: instance, "Content-Type": ct})
	}
	a.must(push("fdsync_nope_nope", inst, sync.ContentType, body), 401)
	a.must(push(credential, inst, "application/json", body), 415)
	if r := a.must(push(credential, inst, sync.ContentType, []byte("garbage")), 400); !strings.Contains(string(r.body), "E_SYNC_BAD_BATCH") {
		t.Fatal(string(r.body))
	}
	ans := a.must(push(credential, inst, sync.ContentType, body), 200).obj()
	if ans["applied"].(float64) != 1 {
		t.Fatalf("%v", ans)
	}
	if again := a.must(push(credential, inst, sync.ContentType, body), 200).obj(); again["applied"].(float64) != 0 || again["skipped"].(float64) != 1 {
		t.Fatalf("second delivery %v", again)
	}
	// The credential now belongs to that workstation.
	other, otherBody := workstationBatch(t, "org/x", "{}")
	if r := a.must(push(credential, other, sync.ContentType, otherBody), 409); !strings.Contains(string(r.body), "E_SYNC_OTHER_INSTANCE") {
		t.Fatal(string(r.body))
	}
	// A batch writing a key sync never carries changes nothing.
	_, bad := workstationBatch(t, "org/y", "{}")
	bad = bytes.Replace(bad, []byte("org/y"), []byte("meta/"), 1)
	a.must(push(credential, inst, sync.ContentType, bad), 400)

	// Pull: the central's own organization, not the workstation's echo.
	r := a.must(a.doH(cred{bearer: credential}, "GET", "/api/sync/v1/pull?after=0", nil, map[string]string{sync.InstanceHeader: inst}), 200)
	es, err := sync.ReadEntries(bytes.NewReader(r.body), sync.MaxBatchBytes)
	if err != nil || len(es) == 0 || r.hdr.Get(sync.LastHeader) == "" {
		t.Fatalf("%v %d %v", err, len(es), r.hdr)
	}
	var sawOwn, sawEcho bool
	for _, e := range es {
		for _, op := range e.Ops {
			sawOwn = sawOwn || string(op.Key) == "org/"+orgID
			sawEcho = sawEcho || string(op.Key) == "org/ws-org"
			if store.ClassOf(op.Key) != store.SyncShared {
				t.Fatalf("pull carries %s", op.Key)
			}
		}
	}
	if !sawOwn || sawEcho {
		t.Fatalf("own org %v, echo %v", sawOwn, sawEcho)
	}

	ws := a.must(a.do(owner, "GET", "/api/dashboard/sync/workstations", nil), 200).obj()["data"].([]any)[0].(map[string]any)
	if ws["instance"] != inst || ws["entries"].(float64) != 1 || ws["secret_hash"] != nil || ws["tss"].(float64) != 1 || ws["transactions"].(float64) != 4 {
		t.Fatalf("%v", ws)
	}
	// The central view of the workstation: its TSS, whatever org they are in.
	wsTSS := a.must(a.do(owner, "GET", "/api/dashboard/sync/workstations/"+ws["id"].(string)+"/tss", nil), 200).obj()["data"].([]any)
	if len(wsTSS) != 1 || wsTSS[0].(map[string]any)["_id"] != "t9" || wsTSS[0].(map[string]any)["transaction_counter"].(float64) != 4 {
		t.Fatalf("%v", wsTSS)
	}
	a.must(a.do(owner, "GET", "/api/dashboard/sync/workstations/nope/tss", nil), 404)
	a.must(a.do(owner, "DELETE", "/api/dashboard/sync/workstations/"+ws["id"].(string), nil), 200)
	a.must(push(credential, inst, sync.ContentType, body), 401)

	// A central does not become a workstation, and nobody syncs over
	// plain HTTP across the network.
	if r := a.must(a.do(owner, "POST", "/api/dashboard/sync/connect", map[string]string{"url": "http://central.example.com", "credential": credential}), 400); !strings.Contains(string(r.body), "https://") {
		t.Fatal(string(r.body))
	}
	a.must(a.do(owner, "POST", "/api/dashboard/sync/connect", map[string]string{"url": "https://central.example.com", "credential": credential}), 409)
}
