package api

import (
	"archive/tar"
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
)

// testTLV splits one DER element (definite lengths only): the test's own
// reader, sharing nothing with the production parser.
func testTLV(b []byte) (tag byte, content, rest []byte) {
	l, hdr := int(b[1]), 2
	if l&0x80 != 0 {
		n := l & 0x7f
		l = 0
		for _, c := range b[2 : 2+n] {
			l = l<<8 | int(c)
		}
		hdr += n
	}
	return b[0], b[hdr : hdr+l], b[hdr+l:]
}

// testLog is what the test reads from a log file itself.
type testLog struct {
	dtbs, sig []byte
	counter   uint64
	kind      byte // last byte of the certifiedDataType OID: 1 tx, 2 system, 3 audit
	op, cl    string
	number    uint64
}

func readTestLog(t *testing.T, raw []byte) testLog {
	t.Helper()
	tag, body, rest := testTLV(raw)
	if tag != 0x30 || len(rest) != 0 {
		t.Fatal("not one SEQUENCE")
	}
	var elems [][]byte
	var tags []byte
	for b := body; len(b) > 0; {
		tg, c, r := testTLV(b)
		elems, tags = append(elems, c), append(tags, tg)
		b = r
	}
	n := len(elems)
	l := testLog{sig: elems[n-1], dtbs: body[:len(body)-len(elems[n-1])-2]}
	l.counter = new(big.Int).SetBytes(elems[n-3]).Uint64()
	l.kind = elems[1][len(elems[1])-1]
	for i, tg := range tags {
		switch tg {
		case 0x80:
			l.op = string(elems[i])
		case 0x81:
			l.cl = string(elems[i])
		case 0x85:
			l.number = new(big.Int).SetBytes(elems[i]).Uint64()
		}
	}
	return l
}

type tarMember struct {
	name string
	data []byte
	hdr  *tar.Header
}

func readTarBytes(t *testing.T, b []byte) []tarMember {
	t.Helper()
	var out []tarMember
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		d, _ := io.ReadAll(tr)
		out = append(out, tarMember{h.Name, d, h})
	}
}

// waitExport polls an export until it leaves PENDING/WORKING.
func waitExport(t *testing.T, a *testApp, c cred, path string) map[string]any {
	t.Helper()
	for range 500 {
		e := a.must(a.do(c, "GET", path, nil), 200).obj()
		if s := e["state"]; s != "PENDING" && s != "WORKING" {
			return e
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("export did not finish in 10 s")
	return nil
}

// exportLogs runs an export with query q and returns its verified logs.
func exportLogs(t *testing.T, a *testApp, c cred, tssID, q string, pub *ecdsa.PublicKey) []testLog {
	t.Helper()
	path := "/api/v2/tss/" + tssID + "/export/" + uuid.NewString()
	a.must(a.do(c, "PUT", path+q, nil), 200)
	if e := waitExport(t, a, c, path); e["state"] != "COMPLETED" {
		t.Fatalf("export %s: %v", q, e)
	}
	r := a.must(a.do(c, "GET", path+"/file", nil), 200)
	if r.hdr.Get("Content-Type") != "application/x-tar" {
		t.Fatalf("content type %q", r.hdr.Get("Content-Type"))
	}
	members := readTarBytes(t, r.body)
	if members[0].name != "info.csv" || !strings.HasSuffix(members[1].name, "_X509.der") || !strings.HasSuffix(members[2].name, "_X509.der") {
		t.Fatalf("head of archive: %s %s %s", members[0].name, members[1].name, members[2].name)
	}
	var logs []testLog
	var last uint64
	for _, m := range members[3:] {
		if m.hdr.Format != tar.FormatUSTAR && len(m.name) <= 99 || m.hdr.Mode != 0o644 || m.hdr.Uid != 0 {
			t.Fatalf("%s: header %v mode %o", m.name, m.hdr.Format, m.hdr.Mode)
		}
		l := readTestLog(t, m.data)
		sum := sha256.Sum256(l.dtbs)
		if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(l.sig[:32]), new(big.Int).SetBytes(l.sig[32:])) {
			t.Fatalf("%s does not verify", m.name)
		}
		if l.counter <= last {
			t.Fatalf("%s: logs not in counter order", m.name)
		}
		last = l.counter
		if !strings.Contains(m.name, fmt.Sprintf("_Sig-%d_", l.counter)) {
			t.Fatalf("%s: name does not match counter %d", m.name, l.counter)
		}
		if l.kind == 1 && !strings.Contains(m.name, fmt.Sprintf("_Log-Tra_No-%d_", l.number)) {
			t.Fatalf("%s: name does not match number %d", m.name, l.number)
		}
		logs = append(logs, l)
	}
	return logs
}

func TestExportsAndFilters(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 2)
	base := "/api/v2/tss/" + tssID
	wantCode(t, a.do(v, "PUT", "/api/v2/tss/"+uuid.NewString()+"/export/"+uuid.NewString(), nil), 404, "E_TSS_NOT_FOUND")
	created := uuid.NewString()
	a.must(a.do(v, "PUT", "/api/v2/tss/"+created, "{}"), 200)
	wantCode(t, a.do(v, "PUT", "/api/v2/tss/"+created+"/export/"+uuid.NewString(), nil), 409, "E_TSS_ILLEGAL_STATE_TO_PERFORM_EXPORT")

	// 20 receipts alternating between the two clients.
	type sig struct{ start, end uint64 }
	byNumber := map[uint64]sig{}
	for i := range 20 {
		cl := clients[i%2]
		tx := uuid.NewString()
		s := parseTx(t, a.must(a.do(v, "PUT", base+"/tx/"+tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": cl}), 200))
		if i == 5 { // a client registration in the middle of transaction 6
			a.must(a.do(v, "POST", base+"/admin/auth", map[string]string{"admin_pin": "123456"}), 200)
		}
		f := parseTx(t, a.must(a.do(v, "PUT", base+"/tx/"+tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": cl, "schema": receipt("3.00")}), 200))
		byNumber[s.Number] = sig{s.Signature.Counter, f.Signature.Counter}
	}
	tssView := a.must(a.do(v, "GET", base, nil), 200).obj()
	certDER, _ := base64.StdEncoding.DecodeString(tssView["certificate"].(string))
	cert, _ := x509.ParseCertificate(certDER)
	pub := cert.PublicKey.(*ecdsa.PublicKey)
	total := uint64(0)
	fmt.Sscan(tssView["signature_counter"].(string), &total)

	all := exportLogs(t, a, v, tssID, "", pub)
	if uint64(len(all)) != total || all[0].counter != 1 {
		t.Fatalf("full export: %d logs, TSS counter %d", len(all), total)
	}

	// client_id: only that client's transaction logs.
	logs := exportLogs(t, a, v, tssID, "?client_id="+clients[1], pub)
	if len(logs) != 20 {
		t.Fatalf("client export: %d logs, want 20", len(logs))
	}
	for _, l := range logs {
		if l.kind != 1 || l.cl != "POS 1" {
			t.Fatalf("client export holds %+v", l)
		}
	}
	// transaction_number: its logs and the system logs between Start and Finish.
	six := byNumber[6]
	logs = exportLogs(t, a, v, tssID, "?transaction_number=6", pub)
	var sys int
	for _, l := range logs {
		if l.kind == 1 && l.number != 6 {
			t.Fatalf("tx export holds tx %d", l.number)
		}
		if l.kind == 2 {
			sys++
			if l.counter < six.start || l.counter > six.end {
				t.Fatalf("system log %d outside %d..%d", l.counter, six.start, six.end)
			}
		}
	}
	if len(logs) != 3 || sys != 1 {
		t.Fatalf("tx 6 export: %d logs (%d system), want Start, Finish and the admin login between", len(logs), sys)
	}
	// A number range, sent in the JSON body as one client does.
	path := base + "/export/" + uuid.NewString()
	a.must(a.do(v, "PUT", path, map[string]string{"start_transaction_number": "2", "end_transaction_number": "4"}), 200)
	waitExport(t, a, v, path)
	members := readTarBytes(t, a.must(a.do(v, "GET", path+"/file", nil), 200).body)
	if len(members) != 3+6 {
		t.Fatalf("range 2..4 export: %d members", len(members))
	}
	// Signature counter range: exactly that range.
	logs = exportLogs(t, a, v, tssID, "?start_signature_counter=10&end_signature_counter=19", pub)
	var got []uint64
	for _, l := range logs {
		got = append(got, l.counter)
	}
	if !slices.Equal(got, []uint64{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}) {
		t.Fatalf("counter range: %v", got)
	}
	// A date range in the future holds no logs.
	if logs := exportLogs(t, a, v, tssID, fmt.Sprintf("?start_date=%d", time.Now().Add(time.Hour).Unix()), pub); len(logs) != 0 {
		t.Fatalf("future export: %d logs", len(logs))
	}
	// Too many records.
	path = base + "/export/" + uuid.NewString()
	a.must(a.do(v, "PUT", path+"?maximum_number_records=5", nil), 200)
	if e := waitExport(t, a, v, path); e["state"] != "ERROR" || e["exception"] != "E_TOO_MANY_RECORDS" {
		t.Fatalf("%v", e)
	}
	wantCode(t, a.do(v, "GET", path+"/file", nil), 404, "E_EXPORT_NOT_COMPLETED")
	wantCode(t, a.do(v, "DELETE", path, nil), 400, "E_CANCEL_EXPORT")
	wantCode(t, a.do(v, "PUT", path+"?maximum_number_records=6", nil), 400, "E_DUPLICATE_EXPORT")
	wantCode(t, a.do(v, "PUT", path+"?transaction_number=1&start_transaction_number=1", nil), 400, "E_PARAMETER_MISMATCH")
	wantCode(t, a.do(v, "PUT", base+"/export/"+uuid.NewString()+"?start_signature_counter=abc", nil), 400, "E_FAILED_SCHEMA_VALIDATION")

	// Range requests on the file.
	full := base + "/export/" + uuid.NewString()
	a.must(a.do(v, "PUT", full, nil), 200)
	e := waitExport(t, a, v, full)
	whole := a.must(a.do(v, "GET", full+"/file", nil), 200).body
	sum := sha256.Sum256(whole)
	if e["sha256"] != hex.EncodeToString(sum[:]) || int(e["size"].(float64)) != len(whole) {
		t.Fatalf("size/sha256 of the export do not match the file")
	}
	r := a.doH(v, "GET", full+"/file", nil, map[string]string{"Range": "bytes=512-1023"})
	if r.status != 206 || !bytes.Equal(r.body, whole[512:1024]) {
		t.Fatalf("range: %d, %d bytes", r.status, len(r.body))
	}
	// Lists.
	l := a.must(a.do(v, "GET", base+"/export?states[]=ERROR", nil), 200).obj()
	if l["count"].(float64) != 1 || l["_type"] != "EXPORT_LIST" {
		t.Fatalf("%v", l)
	}
	if n := a.must(a.do(v, "GET", "/api/v2/export", nil), 200).obj()["count"].(float64); n < 8 {
		t.Fatalf("all exports: %v", n)
	}
}

// An export queued while the job runner is stopped (the process stopped
// before it ran) is produced when a runner starts again.
func TestExportResumesAfterRestart(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, _ := posSetup(t, a, v, 1)
	a.jobs.Stop()
	path := "/api/v2/tss/" + tssID + "/export/" + uuid.NewString()
	a.must(a.do(v, "PUT", path, nil), 200)
	time.Sleep(200 * time.Millisecond)
	if s := a.must(a.do(v, "GET", path, nil), 200).str("state"); s != "PENDING" {
		t.Fatalf("with no runner the export is %s", s)
	}
	// A new runner finds the job in the store and runs it.
	r, err := jobs.New(a.st, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.tss.StartExports(t.Context(), r, t.TempDir(), 1, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	if e := waitExport(t, a, v, path); e["state"] != "COMPLETED" {
		t.Fatalf("resumed export: %v", e)
	}
	a.must(a.do(v, "GET", path+"/file", nil), 200)
}
