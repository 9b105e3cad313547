package tse

import (
	"archive/tar"
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"io"
	"math"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TR-03151 log messages built by Message and read back by Parse, the
// signature checked with crypto/ecdsa; the parser's refusals; the
// certificates, file names, TAR writer and info.csv.

var testKey = func() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}()

func signed(t *testing.T, m Message) ([]byte, []byte) {
	t.Helper()
	dtbs := m.DTBS()
	sig, err := SignPlain(testKey, dtbs)
	if err != nil {
		t.Fatal(err)
	}
	return Encode(dtbs, sig), sig
}

func verifies(pub *ecdsa.PublicKey, data, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	sum := sha256.Sum256(data)
	return ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

func TestIntBytes(t *testing.T) {
	for v, want := range map[uint64]string{0: "00", 1: "01", 127: "7f", 128: "0080", 255: "00ff", 256: "0100", 32767: "7fff", 32768: "008000",
		math.MaxUint32: "00ffffffff", math.MaxUint64: "00ffffffffffffffff"} {
		if got := hex.EncodeToString(IntBytes(v)); got != want {
			t.Errorf("IntBytes(%d) = %s, want %s", v, got, want)
		}
		// encoding/asn1 reads the same number back.
		der := append([]byte{0x02, byte(len(IntBytes(v)))}, IntBytes(v)...)
		var n *big.Int
		if _, err := asn1.Unmarshal(der, &n); err != nil || n.Uint64() != v {
			t.Errorf("asn1 reads %x as %v (%v)", der, n, err)
		}
	}
	if !bytes.Equal(Bool(true), []byte{0xff}) || !bytes.Equal(Bool(false), []byte{0}) || !bytes.Equal(Enum(2), []byte{2}) {
		t.Fatal("Bool/Enum")
	}
}

func TestLogRoundTrip(t *testing.T) {
	serial := Serial(&testKey.PublicKey)
	big := bytes.Repeat([]byte("x"), 70000) // a three-byte length
	cases := []struct {
		name     string
		m        Message
		kind     string
		fileName string
	}{
		{"start", Message{Type: OIDTransactionLog, CertifiedData: TransactionData(OpStart, "POS 1", nil, "", 1),
			Serial: serial, Algorithm: OIDECDSAPlainSHA256, Counter: 1, UnixTime: 1764583200},
			"transaction", "Unixt_1764583200_Sig-1_Log-Tra_No-1_Start_Client-POS 1.log"},
		{"update with long processData", Message{Type: OIDTransactionLog, CertifiedData: TransactionData(OpUpdate, "POS 1", big, TypeOther, 200),
			Serial: serial, Algorithm: OIDECDSAPlainSHA256, Counter: 300, UnixTime: 1764583201},
			"transaction", "Unixt_1764583201_Sig-300_Log-Tra_No-200_Update_Client-POS 1.log"},
		{"finish with umlauts", Message{Type: OIDTransactionLog, CertifiedData: TransactionData(OpFinish, "Kasse Ü", []byte("Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Bar"), TypeReceipt, math.MaxUint64),
			Serial: serial, Algorithm: OIDECDSAPlainSHA256, Counter: math.MaxUint64, UnixTime: 0},
			"transaction", "Unixt_0_Sig-18446744073709551615_Log-Tra_No-18446744073709551615_Finish_Client-Kasse Ü.log"},
		{"system", Message{Type: OIDSystemLog, CertifiedData: SystemData("authenticateUser", Field{1, []byte("admin")}, Field{3, Bool(true)}),
			Serial: serial, Algorithm: OIDECDSAPlainSHA256, Counter: 7, UnixTime: 1764583202},
			"system", "Unixt_1764583202_Sig-7_Log-Sys_authenticateUser.log"},
		{"audit", Message{Type: OIDAuditLog, SEAuditData: AuditData(1764583203, 3, "1.2.3"),
			Serial: serial, Algorithm: OIDECDSAPlainSHA256, Counter: 8, UnixTime: 1764583203},
			"audit", "Unixt_1764583203_Sig-8_Log-Aud.log"},
	}
	for _, c := range cases {
		raw, sig := signed(t, c.m)
		l, err := Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !l.Type.Equal(c.m.Type) || l.Kind() != c.kind || !bytes.Equal(l.Serial, serial) || !l.Algorithm.Equal(OIDECDSAPlainSHA256) ||
			l.Counter.Uint64() != c.m.Counter || l.Time.Unix() != c.m.UnixTime || l.TimeFormat != TimeFormatUnix || l.BER {
			t.Fatalf("%s: %+v", c.name, l)
		}
		if !bytes.Equal(l.DTBS, c.m.DTBS()) || !bytes.Equal(l.Signature, sig) || !verifies(&testKey.PublicKey, l.DTBS, l.Signature) {
			t.Fatalf("%s: signed bytes or signature differ", c.name)
		}
		if len(l.CertifiedData) != len(c.m.CertifiedData) {
			t.Fatalf("%s: %d fields", c.name, len(l.CertifiedData))
		}
		for i, f := range c.m.CertifiedData {
			if l.CertifiedData[i].Tag != f.Tag || l.CertifiedData[i].Constructed || !bytes.Equal(l.CertifiedData[i].Value, f.Value) {
				t.Fatalf("%s: field %d %+v", c.name, i, l.CertifiedData[i])
			}
		}
		if !bytes.Equal(l.SEAuditData, c.m.SEAuditData) {
			t.Fatalf("%s: seAuditData", c.name)
		}
		if got := FileName(l); got != c.fileName {
			t.Fatalf("%s: file name %q, want %q", c.name, got, c.fileName)
		}
		// One flipped byte in the signed part breaks the signature.
		bad := bytes.Clone(raw)
		bad[len(l.DTBS)/2+4] ^= 1
		if l2, err := Parse(bad); err == nil && verifies(&testKey.PublicKey, l2.DTBS, l2.Signature) {
			t.Fatalf("%s: a changed log still verifies", c.name)
		}
	}
	// An empty processType is written as one space (fiskaly's Start).
	l, _ := Parse(func() []byte { r, _ := signed(t, cases[0].m); return r }())
	if string(l.Field(3)) != " " || l.Field(2) == nil && len(l.Field(2)) != 0 || l.Field(9) != nil || l.TxNumber().Uint64() != 1 {
		t.Fatalf("start fields %+v", l.CertifiedData)
	}
	if (&Log{Type: asn1.ObjectIdentifier{1, 2, 3}}).Kind() != "unknown" {
		t.Fatal("an unknown type has a kind")
	}
}

// The system log's eventData is a run of context-tagged fields.
func TestSystemAndAuditData(t *testing.T) {
	d := SystemData("registerClient", Field{1, []byte("kasse-1")}, Field{4, Enum(300)})
	if len(d) != 2 || string(d[0].Value) != "registerClient" || d[1].Tag != 1 {
		t.Fatalf("%+v", d)
	}
	s := cryptobyte.String(d[1].Value)
	var a, b cryptobyte.String
	if !s.ReadASN1(&a, cbasn1.Tag(1).ContextSpecific()) || string(a) != "kasse-1" || !s.ReadASN1(&b, cbasn1.Tag(4).ContextSpecific()) ||
		!bytes.Equal(b, []byte{0x01, 0x2c}) || !s.Empty() {
		t.Fatalf("eventData %x", d[1].Value)
	}
	if e := SystemData("selfTest"); len(e[1].Value) != 0 {
		t.Fatalf("no event data: %x", e[1].Value)
	}
	// configureLogging's parameters: every event, enabled.
	p := cryptobyte.String(LoggingParameters(LoggedEvents))
	var seq cryptobyte.String
	if !p.ReadASN1(&seq, cbasn1.SEQUENCE) || !p.Empty() {
		t.Fatal("not one SEQUENCE")
	}
	var names []string
	for !seq.Empty() {
		var item, name, on cryptobyte.String
		if !seq.ReadASN1(&item, cbasn1.SEQUENCE) || !item.ReadASN1(&name, cbasn1.Tag(0).ContextSpecific()) ||
			!item.ReadASN1(&on, cbasn1.Tag(1).ContextSpecific()) || !bytes.Equal(on, []byte{0xff}) || !item.Empty() {
			t.Fatal("bad entry")
		}
		names = append(names, string(name))
	}
	if strings.Join(names, ",") != strings.Join(LoggedEvents, ",") {
		t.Fatalf("events %v", names)
	}
	// Audit data: time, event, 1, and the version only when given.
	for _, c := range []struct {
		version string
		fields  int
	}{{"", 3}, {"2.0.1", 4}} {
		a := cryptobyte.String(AuditData(1764583200, 3, c.version))
		var body cryptobyte.String
		if !a.ReadASN1(&body, cbasn1.SEQUENCE) || !a.Empty() {
			t.Fatal("audit data is no SEQUENCE")
		}
		var tm, ev, one cryptobyte.String
		if !body.ReadASN1(&tm, cbasn1.Tag(0).ContextSpecific()) || new(big.Int).SetBytes(tm).Int64() != 1764583200 ||
			!body.ReadASN1(&ev, cbasn1.Tag(1).ContextSpecific()) || !bytes.Equal(ev, []byte{3}) ||
			!body.ReadASN1(&one, cbasn1.Tag(2).ContextSpecific()) || !bytes.Equal(one, []byte{1}) {
			t.Fatalf("audit data %x", AuditData(1764583200, 3, c.version))
		}
		n := 3
		if !body.Empty() {
			var v4, v1, v3, ver cryptobyte.String
			if !body.ReadASN1(&v4, cbasn1.Tag(4).ContextSpecific().Constructed()) || !v4.ReadASN1(&v1, cbasn1.Tag(1).ContextSpecific().Constructed()) ||
				!v1.ReadASN1(&v3, cbasn1.Tag(3).ContextSpecific().Constructed()) || !v3.ReadASN1(&ver, cbasn1.Tag(0).ContextSpecific()) || string(ver) != c.version {
				t.Fatal("version not nested as [4][1][3][0]")
			}
			n = 4
		}
		if n != c.fields {
			t.Fatalf("version %q: %d fields", c.version, n)
		}
	}
}

// rawLog builds a log by hand: the elements between the OID and the
// signature as given.
func rawLog(oid asn1.ObjectIdentifier, middle func(b *cryptobyte.Builder), logTime func(b *cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(2)
		b.AddASN1ObjectIdentifier(oid)
		middle(b)
		b.AddASN1OctetString(make([]byte, 32))
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(OIDECDSAPlainSHA384) })
		b.AddASN1Int64(5)
		logTime(b)
		b.AddASN1OctetString(make([]byte, 96))
	})
	return b.BytesOrPanic()
}

func TestParseTimeFormats(t *testing.T) {
	when := time.Date(2026, 12, 1, 10, 11, 12, 345e6, time.UTC)
	none := func(*cryptobyte.Builder) {}
	cases := []struct {
		tag    cbasn1.Tag
		text   string
		format string
		want   time.Time
	}{
		{cbasn1.UTCTime, "2612011011Z", "utcTime", when.Truncate(time.Minute)},
		{cbasn1.UTCTime, "261201101112Z", "utcTimeWithSeconds", when.Truncate(time.Second)},
		{cbasn1.GeneralizedTime, "20261201101112Z", "generalizedTime", when.Truncate(time.Second)},
		{cbasn1.GeneralizedTime, "20261201101112.345Z", "generalizedTimeWithMilliseconds", when},
	}
	for _, c := range cases {
		raw := rawLog(OIDTransactionLog, none, func(b *cryptobyte.Builder) {
			b.AddASN1(c.tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(c.text)) })
		})
		l, err := Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", c.text, err)
		}
		if l.TimeFormat != c.format || !l.Time.Equal(c.want) || !l.Algorithm.Equal(OIDECDSAPlainSHA384) || len(l.Signature) != 96 {
			t.Fatalf("%s: %s %v", c.text, l.TimeFormat, l.Time)
		}
	}
	for _, bad := range []struct {
		tag  cbasn1.Tag
		text string
	}{{cbasn1.UTCTime, "26120110Z"}, {cbasn1.GeneralizedTime, "2026-12-01"}, {cbasn1.GeneralizedTime, "20261301101112Z"}, {cbasn1.OCTET_STRING, "x"}} {
		raw := rawLog(OIDTransactionLog, none, func(b *cryptobyte.Builder) {
			b.AddASN1(bad.tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(bad.text)) })
		})
		if _, err := Parse(raw); err == nil || !strings.Contains(err.Error(), "logTime") {
			t.Errorf("time %q (tag %v): %v", bad.text, bad.tag, err)
		}
	}
	// unixTime: at most 8 bytes, positive.
	for _, content := range [][]byte{{}, {0x80}, bytes.Repeat([]byte{1}, 9)} {
		raw := rawLog(OIDTransactionLog, none, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(content) })
		})
		if _, err := Parse(raw); err == nil {
			t.Errorf("unixTime %x accepted", content)
		}
	}
}

// D-Trust writes processData with indefinite length: read, marked BER.
func TestParseIndefiniteLengthField(t *testing.T) {
	middle := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(OpFinish)) })
		// [2] constructed, indefinite: two OCTET STRING chunks, end-of-contents.
		b.AddBytes([]byte{0xa2, 0x80, 0x04, 0x03, 'a', 'b', 'c', 0x04, 0x02, 'd', 'e', 0x00, 0x00})
	}
	raw := rawLog(OIDTransactionLog, middle, func(b *cryptobyte.Builder) { b.AddASN1Int64(1764583200) })
	l, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !l.BER || len(l.CertifiedData) != 2 || !l.CertifiedData[1].Constructed || l.CertifiedData[1].Tag != 2 || string(l.Field(2)) != "abcde" {
		t.Fatalf("%+v", l)
	}
}

func TestParseRefusals(t *testing.T) {
	good, _ := signed(t, Message{Type: OIDTransactionLog, CertifiedData: TransactionData(OpStart, "P", nil, "", 1),
		Serial: make([]byte, 32), Algorithm: OIDECDSAPlainSHA256, Counter: 1, UnixTime: 1})
	none := func(*cryptobyte.Builder) {}
	unix := func(b *cryptobyte.Builder) { b.AddASN1Int64(1) }
	replaceFirst := func(old, new []byte) []byte { return bytes.Replace(bytes.Clone(good), old, new, 1) }
	cases := []struct {
		name string
		raw  []byte
		msg  string
	}{
		{"empty", nil, "truncated"},
		{"one byte", []byte{0x30}, "truncated"},
		{"cut short", good[:len(good)-1], "truncated"},
		{"bytes after it", append(bytes.Clone(good), 0), "bytes after the SEQUENCE"},
		{"not a SEQUENCE", append([]byte{0x31}, good[1:]...), "want SEQUENCE"},
		{"indefinite outer", []byte{0x30, 0x80, 0x02, 0x01, 0x02, 0x00, 0x00}, "indefinite-length outer"},
		{"multi-byte tag", []byte{0x1f, 0x01, 0x00}, "multi-byte tag"},
		{"length of five bytes", []byte{0x30, 0x85, 1, 2, 3, 4, 5}, "truncated"},
		{"version 3", replaceFirst([]byte{0x02, 0x01, 0x02}, []byte{0x02, 0x01, 0x03}), "version"},
		{"no OID", replaceFirst([]byte{0x06, 0x09}, []byte{0x04, 0x09}), "certifiedDataType"},
		{"audit log without seAuditData", rawLog(OIDAuditLog, none, unix), "seAuditData"},
		{"negative counter", bytes.Replace(rawLog(OIDSystemLog, none, unix), []byte{0x02, 0x01, 0x05}, []byte{0x02, 0x01, 0x85}, 1), "signatureCounter"},
		{"indefinite primitive", rawLog(OIDTransactionLog, func(b *cryptobyte.Builder) { b.AddBytes([]byte{0x82, 0x80, 0x00, 0x00}) }, unix), "indefinite length on a primitive"},
		{"no algorithm OID", bytes.Replace(rawLog(OIDSystemLog, none, unix), []byte{0x30, 0x0c, 0x06, 0x0a}, []byte{0x30, 0x0c, 0x04, 0x0a}, 1), "signatureAlgorithm"},
	}
	for _, c := range cases {
		if _, err := Parse(c.raw); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %q", c.name, err, c.msg)
		}
	}
	// Something after the signature, inside the SEQUENCE.
	var b cryptobyte.Builder
	l, _ := Parse(good)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(l.DTBS)
		b.AddASN1OctetString(l.Signature)
		b.AddASN1NULL()
	})
	if _, err := Parse(b.BytesOrPanic()); err == nil || !strings.Contains(err.Error(), "after signatureValue") {
		t.Fatalf("trailing element: %v", err)
	}
}

func TestSignPlainIsRS(t *testing.T) {
	data := []byte("dtbs")
	sig, err := SignPlain(testKey, data)
	if err != nil || len(sig) != 64 || !verifies(&testKey.PublicKey, data, sig) || verifies(&testKey.PublicKey, []byte("other"), sig) {
		t.Fatalf("%x %v", sig, err)
	}
	// Two signatures of the same data differ (random nonce) and both verify.
	sig2, _ := SignPlain(testKey, data)
	if bytes.Equal(sig, sig2) || !verifies(&testKey.PublicKey, data, sig2) {
		t.Fatal("nonce reused or second signature invalid")
	}
	if p := Point(&testKey.PublicKey); len(p) != 65 || p[0] != 4 {
		t.Fatalf("point %x", p)
	}
	sum := sha256.Sum256(Point(&testKey.PublicKey))
	if !bytes.Equal(Serial(&testKey.PublicKey), sum[:]) {
		t.Fatal("serial is not SHA-256 of the point")
	}
}

func TestSandboxCertificates(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	caKey, caDER, err := NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	if !ca.IsCA || !ca.MaxPathLenZero || ca.Subject.CommonName != CAName || ca.Subject.Organization[0] != Organization ||
		ca.PublicKey.(*ecdsa.PublicKey).Curve != elliptic.P384() || ca.SignatureAlgorithm != x509.ECDSAWithSHA384 || ca.NotAfter.Year() != 2056 {
		t.Fatalf("CA %+v", ca.Subject)
	}
	if err := ca.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("CA not self-signed: %v", err)
	}
	leafDER, err := IssueLeaf(caKey, caDER, &testKey.PublicKey, now)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		t.Fatal(err)
	}
	serialHex := hex.EncodeToString(Serial(&testKey.PublicKey))
	if leaf.Subject.CommonName != serialHex || leaf.Subject.SerialNumber != serialHex || leaf.IsCA || leaf.KeyUsage != x509.KeyUsageDigitalSignature ||
		!leaf.PublicKey.(*ecdsa.PublicKey).Equal(&testKey.PublicKey) || leaf.NotBefore.After(now) || leaf.NotAfter.Year() != 2034 {
		t.Fatalf("leaf %+v", leaf.Subject)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("leaf does not chain to the CA: %v", err)
	}
	// Another CA does not vouch for it.
	_, otherDER, _ := NewCA(now)
	other, _ := x509.ParseCertificate(otherDER)
	if err := leaf.CheckSignatureFrom(other); err == nil {
		t.Fatal("leaf verifies under a foreign CA")
	}
	if name, err := CertName(leafDER); err != nil || name != serialHex+"_X509.der" {
		t.Fatalf("CertName %q %v", name, err)
	}
	if _, err := CertName([]byte("not DER")); err == nil {
		t.Fatal("CertName of garbage")
	}
	// A certificate of another key type is refused by name.
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ed"}, NotBefore: now, NotAfter: now.Add(time.Hour)}
	edDER, err := x509.CreateCertificate(rand.Reader, tpl, tpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CertName(edDER); err == nil || !strings.Contains(err.Error(), "not ECDSA") {
		t.Fatalf("ed25519 certificate: %v", err)
	}
	if _, err := IssueLeaf(caKey, []byte("x"), &testKey.PublicKey, now); err == nil {
		t.Fatal("IssueLeaf with a broken CA certificate")
	}
}

func TestTarWriter(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 12, 1, 10, 0, 0, 999e6, time.UTC)
	w := NewTarWriter(&buf, now)
	long := strings.Repeat("n", 120) + ".log"
	members := []struct {
		name string
		data []byte
	}{{"info.csv", InfoCSV("fiskaldesk TSS", "1.0")}, {strings.Repeat("a", 99), []byte("x")}, {long, bytes.Repeat([]byte{0}, 1000)}, {"empty", nil}}
	for _, m := range members {
		if err := w.Add(m.name, m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	for i, m := range members {
		h, err := tr.Next()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if h.Name != m.name || !bytes.Equal(data, m.data) || h.Mode != 0o644 || h.Uid != 0 || h.Typeflag != tar.TypeReg ||
			!h.ModTime.Equal(now.Truncate(time.Second)) {
			t.Fatalf("member %d: %+v", i, h)
		}
		// ustar where the name fits, PAX only beyond 99 characters.
		if want := len(m.name) > 99; (h.Format == tar.FormatPAX) != want {
			t.Fatalf("member %s: format %v", m.name[:10], h.Format)
		}
	}
	if _, err := tr.Next(); err != io.EOF {
		t.Fatalf("after the members: %v", err)
	}
	if got := string(InfoCSV("d", "v")); got != `"description:","d","manufacturer:","fiskaldesk","version:","fiskaldesk v (software TSS, not certified)"` {
		t.Fatalf("info.csv %q", got)
	}
}

func TestQRCodeData(t *testing.T) {
	sig, pub := []byte{1, 2, 3}, Point(&testKey.PublicKey)
	qr := QRCodeData("POS 1", TypeReceipt, []byte("Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Bar"), 7, 42, 1764583200, 1764583261, sig, pub)
	f, err := SplitQRCodeData(qr)
	if err != nil || len(f) != 12 {
		t.Fatalf("%q: %v", qr, err)
	}
	want := []string{"V0", "POS 1", TypeReceipt, "Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Bar", "7", "42", "2025-12-01T10:00:00.000Z", "2025-12-01T10:01:01.000Z",
		AlgECDSAPlainSHA256, TimeFormatUnix, base64.StdEncoding.EncodeToString(sig), base64.StdEncoding.EncodeToString(pub)}
	for i := range want {
		if f[i] != want[i] {
			t.Errorf("field %d %q, want %q", i, f[i], want[i])
		}
	}
	// Any text survives the round trip as one field.
	for _, s := range []string{"", "a;b", `"`, `""`, "a\rb", "a\nb", "a\r\nb", `x";"y`, "ümlaut; \"quoted\"\r", ";;;"} {
		f, err := SplitQRCodeData(QRCodeData(s, TypeOther, []byte(s), 1, 1, 0, 0, nil, nil))
		if err != nil || len(f) != 12 || f[1] != s || f[3] != s {
			t.Errorf("%q: %q %v", s, f, err)
		}
	}
	// Random texts of the characters that need quoting.
	rng := mrand.New(mrand.NewPCG(1, 2))
	alphabet := []string{";", `"`, "\r", "\n", "a", "Ü", " "}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		f, err := SplitQRCodeData(QRCodeData("k", TypeOther, []byte(s), 1, 1, 0, 0, nil, nil))
		if err != nil || len(f) != 12 || f[3] != s {
			t.Fatalf("%q: %q %v", s, f, err)
		}
	}
	for _, bad := range []string{"V0;a\nV0;b", `V0;"open`, "", `V0;"a"b`, `V0;a"b`, "V0;a\r"} {
		if _, err := SplitQRCodeData(bad); err == nil {
			t.Errorf("%q split", bad)
		}
	}
}
