package api

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/fixtures"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
	"github.com/fiskaldesk/fiskaldesk/backend/verify"
)

// logKindRe reads the kind of a log from its TR-03151 member name (verify
// checks names against content).
var logKindRe = regexp.MustCompile(`_Sig-(\d+)_Log-(?:Sys_([A-Za-z]+)|Tra_No-\d+_(Start|Update|Finish)_Client-.*|(Aud))(?:_Fc-\d+)?\.log$`)

// logKinds lists the kinds of the logs of a TAR in counter order: the
// system event, Tra:<operation>, or Aud. Runs of updateTime count once
// (the cloud's TSE logs one a day while it waits in its pool).
func logKinds(t *testing.T, b []byte) []string {
	t.Helper()
	type kl struct {
		ctr  int
		kind string
	}
	var ls []kl
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		m := logKindRe.FindStringSubmatch(h.Name)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		k := m[2]
		if m[3] != "" {
			k = "Tra:" + m[3]
		}
		if m[4] != "" {
			k = "Aud"
		}
		ls = append(ls, kl{n, k})
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].ctr < ls[j].ctr })
	var out []string
	for _, l := range ls {
		if l.kind == "updateTime" && len(out) > 0 && out[len(out)-1] == "updateTime" {
			continue
		}
		out = append(out, l.kind)
	}
	return out
}

func fullExport(t *testing.T, a *testApp, c cred, tssID string) []byte {
	t.Helper()
	path := "/api/v2/tss/" + tssID + "/export/" + uuid.NewString()
	a.must(a.do(c, "PUT", path, nil), 200)
	if e := waitExport(t, a, c, path); e["state"] != "COMPLETED" {
		t.Fatalf("export: %v", e)
	}
	b := a.must(a.do(c, "GET", path+"/file", nil), 200).body
	if r, err := verify.Verify("export.tar", bytes.NewReader(b), verify.Options{}); err != nil || !r.OK {
		t.Fatalf("the export does not verify: %v %+v", err, r)
	}
	return b
}

// A fresh fiskaldesk TSS with a few receipts has the logs of a fresh
// fiskaly TSS, kind by kind and in the same order: the real export
// TSE_Export_6f12d091 (deployment, PUK, admin login, initialize, one
// client, four receipts) and the prefix of four others.
func TestLogSequenceLikeTheCloud(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 1)
	a.must(a.do(v, "POST", "/api/v2/tss/"+tssID+"/admin/logout", "{}"), 200)
	for range 4 {
		tx := "/api/v2/tss/" + tssID + "/tx/" + uuid.NewString()
		a.must(a.do(v, "PUT", tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 200)
		a.must(a.do(v, "PUT", tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[0], "schema": receipt("2.30")}), 200)
	}
	ours := logKinds(t, fullExport(t, a, v, tssID))

	dir, err := fixtures.TSEExports()
	if err != nil {
		t.Fatal(err)
	}
	cloud := func(name string) []string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return logKinds(t, b)
	}
	full := cloud("TSE_Export_6f12d091-517f-4293-9d8f-623c71729e0d_202109171115.tar")
	if !slices.Equal(ours, full) {
		t.Fatalf("log kinds differ from the cloud's\nours:  %v\ncloud: %v", ours, full)
	}
	for _, f := range []string{
		"TSE_Export_accfaa6e-ace5-459c-8dda-30eb1790f738_202109171330.tar",
		"TSE_Export_b0fb4017-dffb-4e96-b1ee-3fefeafff612_202109171330.tar",
		"TSE_Export_41b1a3e6-14ca-4715-921e-714dd7783d28_202109171330.tar",
		"TSE_Export_01ce3d13-fa87-407c-a65f-6882f8ef8b78_202109171015.tar",
	} {
		c := cloud(f)
		if len(c) > len(ours) || !slices.Equal(ours[:len(c)], c) {
			t.Fatalf("%s: not a prefix of ours\nours:  %v\ncloud: %v", f, ours, c)
		}
	}

	// Later, as in the cloud's exports: a day on, updateTime before the
	// next log; after a restart, the secure element starts again
	// (selfTest, enterSecureState, exitSecureState); a new software
	// version is recorded in a pair of audit logs; a client registered
	// later runs in its own admin login.
	day := time.Now().Add(25 * time.Hour)
	a.tss.SetClock(func() time.Time { return day })
	receiptTx := func() {
		tx := "/api/v2/tss/" + tssID + "/tx/" + uuid.NewString()
		a.must(a.do(v, "PUT", tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 200)
		a.must(a.do(v, "PUT", tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[0], "schema": receipt("1.00")}), 200)
	}
	receiptTx()
	restarted := func() *tss.Service {
		sealer, _ := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
		s := tss.NewService(a.st, a.orgs, sealer)
		s.SetClock(func() time.Time { return day })
		return s
	}()
	restarted.SoftwareVersion = "next"
	// The restarted service signs through the same handlers' domain calls.
	c := domainCaller(t, a, v)
	tx := uuid.NewString()
	if _, err := restarted.Upsert(t.Context(), c, tssID, tx, 1, tss.TxRequest{State: "ACTIVE", ClientID: clients[0]}); err != nil {
		t.Fatal(err)
	}
	// The original service exports what both signed (one after the other).
	later := logKinds(t, fullExport(t, a, v, tssID))[len(ours):]
	want := []string{"updateTime", "Tra:Start", "Tra:Finish", "selfTest", "enterSecureState", "exitSecureState", "Aud", "Aud", "Tra:Start"}
	if !slices.Equal(later, want) {
		t.Fatalf("later logs %v, want %v", later, want)
	}
}

// domainCaller is the SIGN DE caller of the token in v.
func domainCaller(t *testing.T, a *testApp, v cred) tss.Caller {
	t.Helper()
	p, err := a.auth.Resolve(v.bearer)
	if err != nil || p.Key == nil {
		t.Fatalf("%v %+v", err, p)
	}
	return tss.Caller{Viewer: p.Viewer, Env: p.Viewer.Env, ActingOrg: p.Key.OrganizationID}
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Orders: the QR text of a FINISHED order splits into 12 fields (the
// processData field quoted), and its signature verifies from the QR alone.
func TestOrderQRCodeParses(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 1)
	tx := "/api/v2/tss/" + tssID + "/tx/" + uuid.NewString()
	a.must(a.do(v, "PUT", tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 200)
	order := map[string]any{"standard_v1": map[string]any{"order": map[string]any{"line_items": []map[string]string{
		{"quantity": "1", "text": "Limo Orange 0.2l", "price_per_unit": "2.30"},
		{"quantity": "-1", "text": `Cola "Zero"; groß`, "price_per_unit": "3.10"},
	}}}}
	fin := parseTx(t, a.must(a.do(v, "PUT", tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[0], "schema": order}), 200))
	r := csv.NewReader(strings.NewReader(fin.QR))
	r.Comma = ';'
	f, err := r.Read()
	if err != nil || len(f) != 12 {
		t.Fatalf("QR %q: %v, %d fields", fin.QR, err, len(f))
	}
	want := "1;\"Limo Orange 0.2l\";2.30\r-1;\"Cola \"\"Zero\"\"; groß\";3.10"
	if f[2] != "Bestellung-V1" || f[3] != want {
		t.Fatalf("processType %q processData %q", f[2], f[3])
	}
	n, _ := strconv.ParseUint(f[4], 10, 64)
	ctr, _ := strconv.ParseUint(f[5], 10, 64)
	end, _ := time.Parse("2006-01-02T15:04:05.000Z", f[7])
	msg := txDTBS("FinishTransaction", f[1], []byte(f[3]), f[2], n, sha256sum(mustB64(t, f[11])), ctr, end.Unix())
	if !verifyPlainSig(t, f[11], f[10], msg) {
		t.Fatal("the order's QR code does not verify")
	}
}
