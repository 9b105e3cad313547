package api

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// An independent check of what SIGN DE signs: the test rebuilds the
// signed bytes of every answer from the answer's fields with its own small
// DER encoder (not the production one) and verifies them with crypto/ecdsa.

// der is the test's own TLV encoder: definite lengths, one-byte tags.
func der(tag byte, content []byte) []byte {
	n := len(content)
	var l []byte
	switch {
	case n < 0x80:
		l = []byte{byte(n)}
	case n < 0x100:
		l = []byte{0x81, byte(n)}
	default:
		l = []byte{0x82, byte(n >> 8), byte(n)}
	}
	return append(append([]byte{tag}, l...), content...)
}

func derUint(v uint64) []byte {
	b := new(big.Int).SetUint64(v).Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

var (
	oidTxLog  = []byte{0x04, 0x00, 0x7f, 0x00, 0x07, 0x03, 0x07, 0x01, 0x01}
	oidSHA256 = []byte{0x04, 0x00, 0x7f, 0x00, 0x07, 0x01, 0x01, 0x04, 0x01, 0x03}
)

// txDTBS rebuilds the signed bytes of a transaction log (tse-formats §2.2–2.3).
func txDTBS(op, client string, data []byte, ptype string, number uint64, serial []byte, counter uint64, unix int64) []byte {
	var b []byte
	for _, p := range [][]byte{
		der(0x02, []byte{2}), der(0x06, oidTxLog),
		der(0x80, []byte(op)), der(0x81, []byte(client)), der(0x82, data), der(0x83, []byte(ptype)), der(0x85, derUint(number)),
		der(0x04, serial), der(0x30, der(0x06, oidSHA256)), der(0x02, derUint(counter)), der(0x02, derUint(uint64(unix))),
	} {
		b = append(b, p...)
	}
	return b
}

// verifyPlainSig checks a base64 r‖s signature with a base64 65-byte point.
func verifyPlainSig(t *testing.T, pointB64, sigB64 string, msg []byte) bool {
	t.Helper()
	point, _ := base64.StdEncoding.DecodeString(pointB64)
	sig, _ := base64.StdEncoding.DecodeString(sigB64)
	if len(point) != 65 || point[0] != 4 || len(sig) != 64 {
		t.Fatalf("point %d bytes, signature %d bytes", len(point), len(sig))
	}
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(point[1:33]), Y: new(big.Int).SetBytes(point[33:])}
	sum := sha256.Sum256(msg)
	return ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

// txResp is what the test reads of a transaction answer.
type txResp struct {
	ID, State, ClientSerial, TSSSerial, QR string
	Number                                 uint64
	Revision                               int
	TimeStart                              int64
	Log                                    struct {
		Operation string
		Timestamp int64
	}
	Signature struct {
		Value, Algorithm, PublicKey string
		Counter                     uint64
	}
}

func parseTx(t *testing.T, r resp) txResp {
	t.Helper()
	var raw struct {
		ID        string `json:"_id"`
		State     string `json:"state"`
		CS        string `json:"client_serial_number"`
		TS        string `json:"tss_serial_number"`
		QR        string `json:"qr_code_data"`
		Number    uint64 `json:"number"`
		Revision  int    `json:"revision"`
		TimeStart int64  `json:"time_start"`
		Log       struct {
			Operation string `json:"operation"`
			Timestamp int64  `json:"timestamp"`
		} `json:"log"`
		Signature struct {
			Value     string `json:"value"`
			Algorithm string `json:"algorithm"`
			Counter   uint64 `json:"counter"`
			PublicKey string `json:"public_key"`
		} `json:"signature"`
	}
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	out := txResp{ID: raw.ID, State: raw.State, ClientSerial: raw.CS, TSSSerial: raw.TS, QR: raw.QR, Number: raw.Number, Revision: raw.Revision, TimeStart: raw.TimeStart}
	out.Log.Operation, out.Log.Timestamp = raw.Log.Operation, raw.Log.Timestamp
	out.Signature.Value, out.Signature.Algorithm, out.Signature.Counter, out.Signature.PublicKey = raw.Signature.Value, raw.Signature.Algorithm, raw.Signature.Counter, raw.Signature.PublicKey
	return out
}

// verifyTx checks one answer: serial = SHA-256(point), signature over the
// rebuilt bytes, and on Finish the QR code data.
func verifyTx(t *testing.T, tx txResp, wantData string) {
	t.Helper()
	point, _ := base64.StdEncoding.DecodeString(tx.Signature.PublicKey)
	sum := sha256.Sum256(point)
	if hex.EncodeToString(sum[:]) != tx.TSSSerial {
		t.Fatalf("tss_serial_number %s is not SHA-256 of the public key", tx.TSSSerial)
	}
	op := map[string]string{"Start": "StartTransaction", "Update": "UpdateTransaction", "Finish": "FinishTransaction"}[tx.Log.Operation]
	data, ptype := []byte(wantData), "Kassenbeleg-V1"
	if tx.Log.Operation == "Start" {
		data, ptype = nil, " "
	}
	msg := txDTBS(op, tx.ClientSerial, data, ptype, tx.Number, sum[:], tx.Signature.Counter, tx.Log.Timestamp)
	if tx.Signature.Algorithm != "ecdsa-plain-SHA256" || !verifyPlainSig(t, tx.Signature.PublicKey, tx.Signature.Value, msg) {
		t.Fatalf("signature of tx %d rev %d (%s) does not verify", tx.Number, tx.Revision, tx.Log.Operation)
	}
	if tx.Log.Operation != "Finish" {
		if tx.QR != "" {
			t.Fatal("qr_code_data before Finish")
		}
		return
	}
	// The QR code alone must suffice to verify the receipt (QRV's method).
	f := strings.Split(tx.QR, ";")
	if len(f) != 12 || f[0] != "V0" || f[8] != "ecdsa-plain-SHA256" || f[9] != "unixTime" {
		t.Fatalf("qr_code_data %q", tx.QR)
	}
	n, _ := strconv.ParseUint(f[4], 10, 64)
	ctr, _ := strconv.ParseUint(f[5], 10, 64)
	end, err := time.Parse("2006-01-02T15:04:05.000Z", f[7])
	if err != nil {
		t.Fatal(err)
	}
	startQR, _ := time.Parse("2006-01-02T15:04:05.000Z", f[6])
	qpoint, _ := base64.StdEncoding.DecodeString(f[11])
	qsum := sha256.Sum256(qpoint)
	qmsg := txDTBS("FinishTransaction", f[1], []byte(f[3]), f[2], n, qsum[:], ctr, end.Unix())
	if !verifyPlainSig(t, f[11], f[10], qmsg) || f[3] != wantData || n != tx.Number || ctr != tx.Signature.Counter || startQR.Unix() != tx.TimeStart {
		t.Fatalf("QR code does not verify or disagrees with the answer: %q", tx.QR)
	}
}

// posSetup runs the real clients' admin sequence (fiskaly-api §6) and
// returns the TSS id and n client ids with serials "POS <i>".
func posSetup(t testing.TB, a *testApp, c cred, n int) (string, []string) {
	t.Helper()
	id := uuid.NewString()
	puk := a.must(a.do(c, "PUT", "/api/v2/tss/"+id, "{}"), 200).str("admin_puk")
	if len(puk) != 10 || strings.Trim(puk, "0123456789") != "" {
		t.Fatalf("puk %q", puk)
	}
	a.must(a.do(c, "PATCH", "/api/v2/tss/"+id, map[string]string{"state": "UNINITIALIZED"}), 200)
	a.must(a.do(c, "PATCH", "/api/v2/tss/"+id+"/admin", map[string]string{"admin_puk": puk, "new_admin_pin": "123456"}), 200)
	a.must(a.do(c, "POST", "/api/v2/tss/"+id+"/admin/auth", map[string]string{"admin_pin": "123456"}), 200)
	a.must(a.do(c, "PATCH", "/api/v2/tss/"+id, map[string]string{"state": "INITIALIZED"}), 200)
	var clients []string
	for i := range n {
		cid := uuid.NewString()
		a.must(a.do(c, "PUT", "/api/v2/tss/"+id+"/client/"+cid, map[string]string{"serial_number": fmt.Sprintf("POS %d", i)}), 200)
		clients = append(clients, cid)
	}
	a.must(a.do(c, "POST", "/api/v2/tss/"+id+"/admin/logout", "{}"), 200)
	return id, clients
}

func receipt(total string) map[string]any {
	return map[string]any{"standard_v1": map[string]any{"receipt": map[string]any{
		"receipt_type":             "RECEIPT",
		"amounts_per_vat_rate":     []map[string]string{{"vat_rate": "NORMAL", "amount": total}, {"vat_rate": "REDUCED_1", "amount": "1.07"}},
		"amounts_per_payment_type": []map[string]string{{"payment_type": "CASH", "amount": total}, {"payment_type": "NON_CASH", "amount": "1.07"}},
	}}}
}

func TestPOSFlowSignaturesVerifyIndependently(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 4)
	base := "/api/v2/tss/" + tssID + "/tx/"

	var mu sync.Mutex
	counters := map[uint64]bool{}
	numbers := map[uint64]bool{}
	record := func(tx txResp) {
		mu.Lock()
		defer mu.Unlock()
		if counters[tx.Signature.Counter] {
			t.Errorf("signature counter %d used twice", tx.Signature.Counter)
		}
		counters[tx.Signature.Counter] = true
	}
	var wg sync.WaitGroup
	for w, client := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				txID := uuid.NewString()
				total := fmt.Sprintf("%d.%02d", 10+i, w)
				start := parseTx(t, a.must(a.do(v, "PUT", base+txID+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": client}), 200))
				verifyTx(t, start, "")
				record(start)
				mu.Lock()
				if numbers[start.Number] {
					t.Errorf("transaction number %d used twice", start.Number)
				}
				numbers[start.Number] = true
				mu.Unlock()
				upd := parseTx(t, a.must(a.do(v, "PUT", base+txID+"?tx_revision=2", map[string]any{"state": "ACTIVE", "client_id": client, "schema": receipt(total)}), 200))
				wantData := fmt.Sprintf("Beleg^%s_1.07_0.00_0.00_0.00^%s:Bar_1.07:Unbar", total, total)
				verifyTx(t, upd, wantData)
				record(upd)
				state, schema := "FINISHED", receipt(total)
				if i%5 == 4 {
					state, schema, wantData = "CANCELLED", nil, "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^"
				}
				body := map[string]any{"state": state, "client_id": client}
				if schema != nil {
					body["schema"] = schema
				}
				// Some POS send no tx_revision at all.
				path := base + txID
				if i%2 == 0 {
					path += "?tx_revision=3"
				}
				fin := parseTx(t, a.must(a.do(v, "PUT", path, body), 200))
				if fin.State != state || fin.Revision != 3 || fin.Number != start.Number {
					t.Errorf("finish: %+v", fin)
				}
				verifyTx(t, fin, wantData)
				record(fin)
				// A retry of the same request signs nothing new.
				again := parseTx(t, a.must(a.do(v, "PUT", base+txID+"?tx_revision=3", body), 200))
				if again.Signature.Value != fin.Signature.Value {
					t.Error("an identical repeat signed again")
				}
			}
		}()
	}
	wg.Wait()
	if len(numbers) != 100 {
		t.Fatalf("%d transaction numbers, want 100", len(numbers))
	}
	// Counters are unique and the TSS counter covers them all with its system logs.
	tssView := a.must(a.do(v, "GET", "/api/v2/tss/"+tssID, nil), 200).obj()
	sigCtr, _ := strconv.ParseUint(tssView["signature_counter"].(string), 10, 64)
	if len(counters) != 300 || sigCtr < 300 || tssView["transaction_counter"] != "100" || tssView["number_active_transactions"].(float64) != 0 {
		t.Fatalf("counters %d, tss %v", len(counters), tssView)
	}
	for c := range counters {
		if c < 1 || c > sigCtr {
			t.Fatalf("counter %d outside 1..%d", c, sigCtr)
		}
	}
	// The certificate carries the key the signatures verify with.
	certDER, _ := base64.StdEncoding.DecodeString(tssView["certificate"].(string))
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		t.Fatal(err)
	}
	pk := cert.PublicKey.(*ecdsa.PublicKey)
	point, _ := pk.ECDH()
	if base64.StdEncoding.EncodeToString(point.Bytes()) != tssView["public_key"] || cert.Subject.CommonName != tssView["serial_number"] || cert.Subject.SerialNumber != tssView["serial_number"] {
		t.Fatalf("certificate subject %v does not match the TSS", cert.Subject)
	}
	// GET by number and by revision returns the stored answers.
	byNum := parseTx(t, a.must(a.do(v, "GET", base+"1", nil), 200))
	first := parseTx(t, a.must(a.do(v, "GET", base+byNum.ID+"?tx_revision=1", nil), 200))
	if byNum.Number != 1 || first.Log.Operation != "Start" || byNum.Revision != 3 {
		t.Fatalf("get by number/revision: %+v %+v", byNum, first)
	}
	verifyTx(t, first, "")
}

func sha256sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
