package tse

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"testing"
)

// seedLog is a valid transaction log signed with a throwaway key.
func seedLog(t testing.TB) []byte {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	m := Message{Type: OIDTransactionLog, CertifiedData: TransactionData(OpFinish, "POS 1", []byte("Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Bar"), TypeReceipt, 7),
		Serial: Serial(&k.PublicKey), Algorithm: OIDECDSAPlainSHA256, Counter: 42, UnixTime: 1700000000}
	sig, err := SignPlain(k, m.DTBS())
	if err != nil {
		t.Fatal(err)
	}
	return Encode(m.DTBS(), sig)
}

// The log reader takes bytes from any TAR; it must never panic, and what
// it accepts must be self-consistent.
func FuzzParseLog(f *testing.F) {
	f.Add(seedLog(f))
	f.Add([]byte{0x30, 0x80, 0x02, 0x01, 0x02, 0x00, 0x00})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := Parse(b)
		if err != nil {
			return
		}
		if len(l.DTBS) > len(b) || l.Counter == nil || l.Counter.Sign() < 0 {
			t.Fatalf("inconsistent parse: dtbs %d of %d bytes, counter %v", len(l.DTBS), len(b), l.Counter)
		}
		_ = FileName(l)
	})
}

// processData comes from POS requests.
func FuzzSchemaProcess(f *testing.F) {
	f.Add([]byte(`{"standard_v1":{"receipt":{"receipt_type":"RECEIPT","amounts_per_vat_rate":[{"vat_rate":"NORMAL","amount":"21.42"}],"amounts_per_payment_type":[{"payment_type":"CASH","amount":"21.42","currency_code":"USD"}]}}}`))
	f.Add([]byte(`{"standard_v1":{"order":{"line_items":[{"quantity":"-1","text":"Limo","price_per_unit":"2.30"}]}}}`))
	f.Add([]byte(`{"raw":{"process_type":"X","process_data":"AAEC"}}`))
	f.Add([]byte(`{"standard_v1":{"other":{"a":1}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Schema
		if json.Unmarshal(b, &s) != nil {
			return
		}
		typ, data, err := s.Process()
		if err == nil && typ == TypeReceipt && len(data) == 0 {
			t.Fatal("a receipt without processData")
		}
	})
}
