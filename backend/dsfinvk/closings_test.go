package dsfinvk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
	"github.com/fiskaldesk/fiskaldesk/backend/tss/tsstest"
)

// Cash point closings on the in-memory store: the insert's field rules,
// the validation job's findings (run synchronously through the job's
// handler), the Z_NR rule, deletion and the list.

// dkEnv is a DSFinV-K service with one MASTER register "kasse-1" on an
// external TSS and a clock the test moves.
type dkEnv struct {
	*tsstest.Env
	s   *Service
	now time.Time
}

func newClosingEnv(t *testing.T) *dkEnv {
	t.Helper()
	e, s := newDK(t)
	d := &dkEnv{Env: e, s: s, now: time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)}
	s.now = func() time.Time { return d.now }
	if _, err := s.PutRegister(e.Ctx, e.C, "kasse-1", master()); err != nil {
		t.Fatal(err)
	}
	return d
}

func f64(v float64) *float64 { return &v }

// goodClosing is a closing of one paid receipt (15.00: 10.00 cash, 5.00
// card) that validates without a finding.
func goodClosing(client string, znr int64) Closing {
	tx := Transaction{
		Head: TxHead{TransactionExportID: "1", ClosingClientID: client, Type: "Beleg", Number: 1, TimestampStart: 1764583200, TimestampEnd: 1764583260,
			User: &Party{UserExportID: "u1", Name: "Anna"}},
		Data: TxData{FullAmountInclVat: 15, PaymentTypes: []PaymentType{{Type: "Bar", CurrencyCode: "EUR", Amount: 10}, {Type: "Unbar", CurrencyCode: "EUR", Amount: 5}},
			AmountsPerVatID: []VatAmount{{VatDefinitionExportID: 1, InclVat: 15, ExclVat: 12.61, Vat: 2.39}},
			Lines: []Line{{BusinessCase: BusinessCase{Type: "Umsatz", AmountsPerVatID: []VatAmount{{VatDefinitionExportID: 1, InclVat: 15, ExclVat: 12.61, Vat: 2.39}}},
				LineitemExportID: "1", Text: "Schnitzel", Item: Item{Number: "A1", Quantity: 1, PricePerUnit: 15}}}},
		Security: TxSecurity{ErrorMessage: "TSE nicht erreichbar"},
	}
	return Closing{ClientID: client, ExportID: &znr,
		Head: &ClosingHead{ExportCreationDate: 1764619200, FirstTransactionExportID: "1", LastTransactionExportID: "1", BusinessDate: "2026-12-01"},
		CashStatement: &CashStatement{
			BusinessCases: []BusinessCase{{Type: "Umsatz", AmountsPerVatID: []VatAmount{{VatDefinitionExportID: 1, InclVat: 15, ExclVat: 12.61, Vat: 2.39}}}},
			Payment: Payment{FullAmount: 15, CashAmount: 10, CashAmountsByCurrency: []CurrencyAmount{{CurrencyCode: "EUR", Amount: 10}},
				PaymentTypes: []PaymentType{{Type: "Bar", CurrencyCode: "EUR", Amount: 10}, {Type: "Unbar", CurrencyCode: "EUR", Amount: 5}}},
		},
		Transactions: []Transaction{tx},
	}
}

func body(t *testing.T, cl any) []byte {
	t.Helper()
	b, err := json.Marshal(cl)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// insert stores a closing and runs its validation job's handler.
func (d *dkEnv) insert(t *testing.T, id string, cl Closing) *ClosingView {
	t.Helper()
	if _, err := d.s.InsertClosing(d.Ctx, d.C, id, body(t, cl)); err != nil {
		t.Fatalf("insert %s: %v", id, err)
	}
	if err := d.s.validate(d.Ctx, nil, d.Org.ID, org.EnvTest, id); err != nil {
		t.Fatalf("validate %s: %v", id, err)
	}
	v, err := d.s.GetClosing(d.C, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (d *dkEnv) job(t *testing.T, kind, id string) jobs.Job {
	t.Helper()
	var j jobs.Job
	err := d.St.View(func(txn store.Tx) (err error) {
		j, err = jobs.Get(txn, kind, jobRef(d.Org.ID, org.EnvTest, id))
		return err
	})
	if err != nil {
		t.Fatalf("job %s %s: %v", kind, id, err)
	}
	return j
}

func TestInsertClosingFieldRules(t *testing.T) {
	d := newClosingEnv(t)
	slave := master()
	slave.CashRegisterType = RegisterType{Type: "SLAVE_WITHOUT_TSS", MasterClientID: "kasse-1"}
	if _, err := d.s.PutRegister(d.Ctx, d.C, "terminal-1", slave); err != nil {
		t.Fatal(err)
	}
	manyKeys := map[string]string{}
	for i := range org.MaxMetadataKeys + 1 {
		manyKeys[fmt.Sprint("k", i)] = "v"
	}
	// Each case edits the JSON object of a good closing.
	cases := []struct {
		name  string
		edit  func(m map[string]any)
		field string
		err   error
	}{
		{"client_id missing", func(m map[string]any) { delete(m, "client_id") }, "client_id", nil},
		{"client_id empty", func(m map[string]any) { m["client_id"] = "" }, "client_id", nil},
		{"export id missing", func(m map[string]any) { delete(m, "cash_point_closing_export_id") }, "cash_point_closing_export_id", nil},
		{"export id null", func(m map[string]any) { m["cash_point_closing_export_id"] = nil }, "cash_point_closing_export_id", nil},
		{"export id negative", func(m map[string]any) { m["cash_point_closing_export_id"] = -1 }, "cash_point_closing_export_id", nil},
		{"export id above int32", func(m map[string]any) { m["cash_point_closing_export_id"] = int64(math.MaxInt32) + 1 }, "cash_point_closing_export_id", nil},
		{"export id a string", func(m map[string]any) { m["cash_point_closing_export_id"] = "7" }, "body", nil},
		{"head missing", func(m map[string]any) { delete(m, "head") }, "head", nil},
		{"cash_statement missing", func(m map[string]any) { delete(m, "cash_statement") }, "cash_statement", nil},
		{"transactions missing", func(m map[string]any) { delete(m, "transactions") }, "transactions", nil},
		{"transactions null", func(m map[string]any) { m["transactions"] = nil }, "transactions", nil},
		{"too many metadata keys", func(m map[string]any) { m["metadata"] = manyKeys }, "metadata", nil},
		{"metadata key too long", func(m map[string]any) {
			m["metadata"] = map[string]string{strings.Repeat("k", org.MaxMetadataKeyLen+1): "v"}
		}, "metadata", nil},
		{"metadata value too long", func(m map[string]any) {
			m["metadata"] = map[string]string{"k": strings.Repeat("v", org.MaxMetadataValueLen+1)}
		}, "metadata", nil},
		{"unknown register", func(m map[string]any) { m["client_id"] = "kasse-9" }, "", ErrRegisterNotFound},
		{"a SLAVE register", func(m map[string]any) { m["client_id"] = "terminal-1" }, "client_id", nil},
	}
	for _, c := range cases {
		var m map[string]any
		if err := json.Unmarshal(body(t, goodClosing("kasse-1", 1)), &m); err != nil {
			t.Fatal(err)
		}
		c.edit(m)
		_, err := d.s.InsertClosing(d.Ctx, d.C, "cl-"+c.name, body(t, m))
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%s: %v, want %v", c.name, err, c.err)
			}
			continue
		}
		var ve *org.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: %v, want a validation error of %s", c.name, err, c.field)
		}
	}
	for _, raw := range []string{``, `[]`, `{"client_id":`, `null x`} {
		var ve *org.ValidationError
		if _, err := d.s.InsertClosing(d.Ctx, d.C, "cl-raw", []byte(raw)); !errors.As(err, &ve) || ve.Field != "body" {
			t.Errorf("body %q: %v", raw, err)
		}
	}
	// Nothing refused was stored.
	if list, n, err := d.s.Closings(d.C, ClosingFilter{}); err != nil || n != 0 || len(list) != 0 {
		t.Fatalf("refused closings stored: %d %v", n, err)
	}
	// The limits themselves are accepted.
	ok := goodClosing("kasse-1", math.MaxInt32)
	ok.Metadata = map[string]string{strings.Repeat("k", org.MaxMetadataKeyLen): strings.Repeat("v", org.MaxMetadataValueLen)}
	if v, err := d.s.InsertClosing(d.Ctx, d.C, "cl-max", body(t, ok)); err != nil || v.CashPointClosingExportID != math.MaxInt32 {
		t.Fatalf("largest Z_NR: %+v %v", v, err)
	}
	zero := goodClosing("kasse-1", 0)
	if _, err := d.s.InsertClosing(d.Ctx, d.C, "cl-zero", body(t, zero)); err != nil {
		t.Fatalf("Z_NR 0: %v", err)
	}
	// A stranger's caller sees no org.
	stranger := d.C
	stranger.ActingOrg = d.NewOrg("Fremd GmbH", "").ID
	if _, err := d.s.InsertClosing(d.Ctx, stranger, "cl-x", body(t, goodClosing("kasse-1", 1))); !errors.Is(err, org.ErrNotFound) {
		t.Fatalf("stranger: %v", err)
	}
}

func TestInsertClosingIsIdempotentPerBody(t *testing.T) {
	d := newClosingEnv(t)
	b := body(t, goodClosing("kasse-1", 1))
	v1, err := d.s.InsertClosing(d.Ctx, d.C, "cl-1", b)
	if err != nil {
		t.Fatal(err)
	}
	if v1.State != StatePending || v1.ClosingID != "cl-1" || v1.CashPointClosingExportID != 1 || v1.FullAmount != 15 || v1.CashAmount != 10 ||
		v1.BusinessDate != "2026-12-01" || v1.FirstTransactionExportID != "1" || v1.Type != "CASH_POINT_CLOSING" || v1.Env != org.EnvTest ||
		v1.TaxonomyVersion != TaxonomyVersion || v1.TimeCreation != d.now.Unix() {
		t.Fatalf("view %+v", v1)
	}
	if j := d.job(t, ClosingJob, "cl-1"); j.State != jobs.Queued {
		t.Fatalf("validation job %+v", j)
	}
	d.now = d.now.Add(time.Minute)
	v2, err := d.s.InsertClosing(d.Ctx, d.C, "cl-1", b)
	if err != nil || v2.TimeCreation != v1.TimeCreation || v2.State != StatePending {
		t.Fatalf("repeat: %+v %v", v2, err)
	}
	if j := d.job(t, ClosingJob, "cl-1"); j.Attempts != 0 || j.State != jobs.Queued {
		t.Fatalf("repeat queued again: %+v", j)
	}
	other := goodClosing("kasse-1", 2)
	if _, err := d.s.InsertClosing(d.Ctx, d.C, "cl-1", body(t, other)); !errors.Is(err, ErrClosingConflict) {
		t.Fatalf("same id, other body: %v", err)
	}
	// The body is kept as sent, unknown fields too (compacted: the store
	// writes it as JSON).
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["vendor_extension"] = map[string]any{"x": 1}
	spaced, _ := json.MarshalIndent(m, "", "   ")
	if _, err := d.s.InsertClosing(d.Ctx, d.C, "cl-2", spaced); err != nil {
		t.Fatal(err)
	}
	det, err := d.s.ClosingDetails(d.C, "cl-2")
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, spaced)
	if raw := det.CashPointClosing; string(raw) != compact.String() || !strings.Contains(string(raw), `"vendor_extension":{"x":1}`) || det.Type != "CASH_POINT_CLOSING_DETAILS" || det.State != StatePending || det.ClosingID != "cl-2" {
		t.Fatalf("details %+v", det)
	}
	for _, get := range []func() error{
		func() error { _, err := d.s.GetClosing(d.C, "nope"); return err },
		func() error { _, err := d.s.ClosingDetails(d.C, "nope"); return err },
		func() error { _, err := d.s.ClosingReports(d.C, "nope"); return err },
		func() error { _, err := d.s.DeleteClosing(d.Ctx, d.C, "nope"); return err },
	} {
		if err := get(); !errors.Is(err, ErrClosingNotFound) {
			t.Errorf("unknown closing: %v", err)
		}
	}
}

// Unix times sent as strings of digits become numbers (the cloud's
// leniency); everything else stays as sent.
func TestLenientClosing(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{`{"head":{"export_creation_date":"1645710845"}}`, `{"head":{"export_creation_date":1645710845}}`},
		{`{"head":{"export_creation_date":1645710845}}`, `{"head":{"export_creation_date":1645710845}}`},
		{`{"transactions":[{"head":{"timestamp_start":"10","timestamp_end":"20"}},{"head":{"timestamp_start":30}}]}`,
			`{"transactions":[{"head":{"timestamp_end":20,"timestamp_start":10}},{"head":{"timestamp_start":30}}]}`},
		// Not digits, empty, too long, a negative number: left for the decoder to refuse.
		{`{"head":{"export_creation_date":"12a"}}`, `{"head":{"export_creation_date":"12a"}}`},
		{`{"head":{"export_creation_date":""}}`, `{"head":{"export_creation_date":""}}`},
		{`{"head":{"export_creation_date":"1234567890123456789"}}`, `{"head":{"export_creation_date":"1234567890123456789"}}`},
		{`{"head":{"export_creation_date":"-5"}}`, `{"head":{"export_creation_date":"-5"}}`},
		// Other fields of the same name elsewhere are not touched.
		{`{"cash_statement":{"export_creation_date":"5"}}`, `{"cash_statement":{"export_creation_date":"5"}}`},
		{`not json`, `not json`},
		{`{"head":"x","transactions":"y"}`, `{"head":"x","transactions":"y"}`},
		// Large amounts keep every digit when the body is rewritten.
		{`{"head":{"export_creation_date":"1"},"x":12345678901234567890.123}`, `{"head":{"export_creation_date":1},"x":12345678901234567890.123}`},
	}
	for _, c := range cases {
		if got := string(lenientClosing([]byte(c.in))); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	// Through the insert: a string date is stored as the number.
	d := newClosingEnv(t)
	var m map[string]any
	_ = json.Unmarshal(body(t, goodClosing("kasse-1", 1)), &m)
	m["head"].(map[string]any)["export_creation_date"] = "1764619200"
	v, err := d.s.InsertClosing(d.Ctx, d.C, "cl-1", body(t, m))
	if err != nil || v.ExportCreationDate != 1764619200 {
		t.Fatalf("%+v %v", v, err)
	}
}

func reportCodes(rs []Report) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

// Every finding of the validation, one edit of a good closing at a time.
func TestValidateFindings(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(cl *Closing)
		codes []string
		msg   string // part of the first report's message
	}{
		{"good", func(*Closing) {}, nil, ""},
		{"no payment types", func(cl *Closing) { cl.CashStatement.Payment.PaymentTypes = nil },
			[]string{"W_MISSING_FIELD", "W_INCONSISTENT_AMOUNT"}, "payment_types is empty"},
		{"full amount not the sum of the payment types", func(cl *Closing) { cl.CashStatement.Payment.FullAmount = 16 },
			[]string{"W_INCONSISTENT_AMOUNT", "W_INCONSISTENT_AMOUNT"}, "full_amount 16.00 differs from the sum of payment_types 15.00"},
		{"cash amount not the Bar payments", func(cl *Closing) { cl.CashStatement.Payment.CashAmount = 9.5 },
			[]string{"W_INCONSISTENT_AMOUNT"}, "cash_amount 9.50 differs from the sum of Bar payment types 10.00"},
		{"rounding within half a cent", func(cl *Closing) {
			p := &cl.CashStatement.Payment
			p.PaymentTypes = []PaymentType{{Type: "Bar", Amount: 0.1}, {Type: "Bar", Amount: 0.2}, {Type: "Unbar", Amount: 14.704}}
			p.CashAmount = 0.3
		}, nil, ""},
		{"off by more than half a cent", func(cl *Closing) { cl.CashStatement.Payment.CashAmount = 10.006 }, []string{"W_INCONSISTENT_AMOUNT"}, "cash_amount"},
		{"no business date", func(cl *Closing) { cl.Head.BusinessDate = "" }, []string{"W_MISSING_FIELD"}, "Z_BUCHUNGSTAG"},
		{"no BON_ID", func(cl *Closing) { cl.Transactions[0].Head.TransactionExportID = "" },
			[]string{"W_MISSING_FIELD", "W_INCONSISTENT_REFERENCE", "W_INCONSISTENT_REFERENCE"}, "transactions[0].head.transaction_export_id"},
		{"no user", func(cl *Closing) { cl.Transactions[0].Head.User = nil }, []string{"W_MISSING_FIELD"}, "BEDIENER_ID"},
		{"no security", func(cl *Closing) { cl.Transactions[0].Security = TxSecurity{} }, []string{"W_MISSING_FIELD"}, "neither security.tss_tx_id nor security.error_message"},
		{"transactions add up to something else", func(cl *Closing) { cl.Transactions[0].Data.FullAmountInclVat = 14 },
			[]string{"W_INCONSISTENT_AMOUNT"}, "the transactions add up to 14.00"},
		{"head names an unknown receipt", func(cl *Closing) { cl.Head.LastTransactionExportID = "99" },
			[]string{"W_INCONSISTENT_REFERENCE"}, "transaction 99"},
		{"no transactions at all", func(cl *Closing) { cl.Transactions = []Transaction{} }, nil, ""},
		// Receipts that move no money carry amounts but do not count.
		{"receipts without payment", func(cl *Closing) {
			for _, typ := range []string{"AVTraining", "AVBelegabbruch", "AVBestellung", "AVSachbezug"} {
				tx := cl.Transactions[0]
				tx.Head.Type, tx.Head.TransactionExportID = typ, typ
				tx.Data.FullAmountInclVat = 7
				cl.Transactions = append(cl.Transactions, tx)
			}
		}, nil, ""},
		{"a second paid receipt counts", func(cl *Closing) {
			tx := cl.Transactions[0]
			tx.Head.Type, tx.Head.TransactionExportID = "AVRechnung", "2"
			cl.Transactions = append(cl.Transactions, tx)
		}, []string{"W_INCONSISTENT_AMOUNT"}, "the transactions add up to 30.00"},
		{"BON_ID of 40 characters", func(cl *Closing) {
			id := strings.Repeat("ß", 40)
			cl.Transactions[0].Head.TransactionExportID, cl.Head.FirstTransactionExportID, cl.Head.LastTransactionExportID = id, id, id
		}, nil, ""},
		{"BON_ID of 41 characters", func(cl *Closing) {
			id := strings.Repeat("ß", 41)
			cl.Transactions[0].Head.TransactionExportID, cl.Head.FirstTransactionExportID, cl.Head.LastTransactionExportID = id, id, id
		}, []string{"W_FIELD_TOO_LONG"}, "transaction_export_id (BON_ID) has 41 characters; index.xml allows 40"},
		{"a defined custom VAT key", func(cl *Closing) { cl.CashStatement.BusinessCases[0].AmountsPerVatID[0].VatDefinitionExportID = 1000 }, nil, ""},
		{"an undefined VAT key, named once", func(cl *Closing) {
			cl.CashStatement.BusinessCases[0].AmountsPerVatID[0].VatDefinitionExportID = 4711
			cl.Transactions[0].Data.AmountsPerVatID[0].VatDefinitionExportID = 4711
			cl.Transactions[0].Data.Lines[0].BusinessCase.AmountsPerVatID[0].VatDefinitionExportID = 4711
		}, []string{"W_UNKNOWN_VAT_DEFINITION"}, "vat_definition_export_id 4711 is not defined"},
		{"two undefined VAT keys", func(cl *Closing) {
			cl.Transactions[0].Data.AmountsPerVatID[0].VatDefinitionExportID = 8
			cl.Transactions[0].Data.Lines[0].BusinessCase.AmountsPerVatID[0].VatDefinitionExportID = 999
		}, []string{"W_UNKNOWN_VAT_DEFINITION", "W_UNKNOWN_VAT_DEFINITION"}, "vat_definition_export_id 8 "},
		{"negative amounts (a return)", func(cl *Closing) {
			p := &cl.CashStatement.Payment
			p.FullAmount, p.CashAmount = -15, -10
			p.PaymentTypes = []PaymentType{{Type: "Bar", Amount: -10}, {Type: "Unbar", Amount: -5}}
			cl.Transactions[0].Data.FullAmountInclVat = -15
		}, nil, ""},
	}
	d := newClosingEnv(t)
	if _, err := d.s.PutVatDefinition(d.Ctx, d.C, 1000, VatDefinition{Percentage: 16}); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		cl := goodClosing("kasse-1", int64(i+1))
		c.edit(&cl)
		id := fmt.Sprint("cl-", i)
		v := d.insert(t, id, cl)
		if v.State != StateCompleted || v.Error != nil {
			t.Errorf("%s: state %s %+v", c.name, v.State, v.Error)
		}
		rs, err := d.s.ClosingReports(d.C, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := reportCodes(rs); !slices.Equal(got, c.codes) {
			t.Errorf("%s: codes %v, want %v (%+v)", c.name, got, c.codes, rs)
			continue
		}
		if c.msg != "" && !strings.Contains(rs[0].Message, c.msg) {
			t.Errorf("%s: message %q lacks %q", c.name, rs[0].Message, c.msg)
		}
		seen := map[string]bool{}
		for _, r := range rs {
			if r.Severity != "WARNING" || r.ClosingID != id || r.ReportID == "" || seen[r.ReportID] || r.TimeCreation != d.now.Unix() {
				t.Errorf("%s: report %+v", c.name, r)
			}
			seen[r.ReportID] = true
		}
	}
}

// A register on a SIGN DE TSS: every tss_tx_id must be a FINISHED
// transaction of that TSS.
func TestValidateChecksTheSignedTransactions(t *testing.T) {
	d := newClosingEnv(t)
	const tssID = "c4c4c4c4-c4c4-4c4c-8c4c-c4c4c4c4c4c4"
	d.Initialized(d.C, tssID)
	d.Client(d.C, tssID, "kasse-2", "SN-2")
	in := master()
	in.CashRegisterType = RegisterType{Type: "MASTER", TSSID: tssID}
	if _, err := d.s.PutRegister(d.Ctx, d.C, "kasse-2", in); err != nil {
		t.Fatal(err)
	}
	const done, open = "a0000000-0000-4000-8000-000000000001", "a0000000-0000-4000-8000-000000000002"
	d.Receipt(d.C, tssID, "kasse-2", done, tsstest.Standard(map[string]string{"NORMAL": "15.00"}, map[string]string{"CASH": "10.00", "NON_CASH": "5.00"}))
	if _, err := d.TSS.Upsert(d.Ctx, d.C, tssID, open, 1, tss.TxRequest{State: tss.TxActive, ClientID: "kasse-2"}); err != nil {
		t.Fatal(err)
	}
	cl := goodClosing("kasse-2", 1)
	cl.Transactions[0].Security = TxSecurity{TSSTxID: done}
	for i, id := range []string{open, "a0000000-0000-4000-8000-00000000ffff"} {
		tx := cl.Transactions[0]
		tx.Head.TransactionExportID = fmt.Sprint("x", i)
		tx.Data.FullAmountInclVat = 0
		tx.Security = TxSecurity{TSSTxID: id}
		cl.Transactions = append(cl.Transactions, tx)
	}
	d.insert(t, "cl-1", cl)
	rs, _ := d.s.ClosingReports(d.C, "cl-1")
	if got := reportCodes(rs); !slices.Equal(got, []string{"W_TSS_TX_NOT_FOUND", "W_TSS_TX_NOT_FOUND"}) {
		t.Fatalf("%+v", rs)
	}
	if !strings.Contains(rs[0].Message, open) || !strings.Contains(rs[1].Message, "ffff") || strings.Contains(rs[0].Message+rs[1].Message, done) {
		t.Fatalf("messages name the wrong transactions: %+v", rs)
	}
}

// Z_NR rises per register; a deleted closing frees its number; an
// ERROR closing does not take one.
func TestClosingNumbersRisePerRegister(t *testing.T) {
	d := newClosingEnv(t)
	second := master()
	second.CashRegisterType.SerialNumber = "ext-tse-2"
	if _, err := d.s.PutRegister(d.Ctx, d.C, "kasse-2", second); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		id, client string
		znr        int64
		state      string
	}{
		{"a", "kasse-1", 5, StateCompleted},
		{"b", "kasse-1", 5, StateError},     // the same number again
		{"c", "kasse-1", 4, StateError},     // a smaller one
		{"d", "kasse-2", 1, StateCompleted}, // another register counts apart
		{"e", "kasse-1", 6, StateCompleted},
		{"f", "kasse-1", 6, StateError},
	}
	for _, s := range steps {
		v := d.insert(t, s.id, goodClosing(s.client, s.znr))
		if v.State != s.state {
			t.Fatalf("%s (Z_NR %d on %s): %s %+v", s.id, s.znr, s.client, v.State, v.Error)
		}
		if s.state == StateError && (v.Error == nil || v.Error.Code != "E_CASH_POINT_CLOSING_EXPORT_ID" || !strings.Contains(v.Error.Message, "greater than the last one")) {
			t.Fatalf("%s: error %+v", s.id, v.Error)
		}
	}
	// An ERROR closing cannot be deleted; a COMPLETED one can and frees 6.
	if _, err := d.s.DeleteClosing(d.Ctx, d.C, "f"); !errors.Is(err, ErrClosingState) {
		t.Fatalf("delete ERROR: %v", err)
	}
	v, err := d.s.DeleteClosing(d.Ctx, d.C, "e")
	if err != nil || v.State != StateDeleted || v.TimeDeleted != d.now.Unix() {
		t.Fatalf("delete: %+v %v", v, err)
	}
	if _, err := d.s.DeleteClosing(d.Ctx, d.C, "e"); !errors.Is(err, ErrClosingState) {
		t.Fatalf("delete twice: %v", err)
	}
	if v := d.insert(t, "g", goodClosing("kasse-1", 6)); v.State != StateCompleted {
		t.Fatalf("Z_NR 6 after its closing was deleted: %s %+v", v.State, v.Error)
	}
	// A closing whose register vanished (a record from before) ends ERROR.
	znr := int64(1)
	ghost := goodClosing("kasse-gone", znr)
	err = d.St.Update(d.Ctx, func(txn store.Tx) error {
		return store.PutJSON(txn, store.DKClosingKey(d.Org.ID, org.EnvTest, "h"), closingRecord{V: 1, Body: body(t, ghost),
			View: ClosingView{ClosingID: "h", State: StatePending, ClientID: "kasse-gone"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.s.validate(d.Ctx, nil, d.Org.ID, org.EnvTest, "h"); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.s.GetClosing(d.C, "h"); v.State != StateError || v.Error.Code != "E_CLIENT_NOT_FOUND" {
		t.Fatalf("vanished register: %+v", v)
	}
}

// A closing deleted before its validation ran stays DELETED, its job is
// cancelled and its number stays free.
func TestDeletePendingClosing(t *testing.T) {
	d := newClosingEnv(t)
	if _, err := d.s.InsertClosing(d.Ctx, d.C, "a", body(t, goodClosing("kasse-1", 3))); err != nil {
		t.Fatal(err)
	}
	if _, err := d.s.DeleteClosing(d.Ctx, d.C, "a"); err != nil {
		t.Fatal(err)
	}
	if j := d.job(t, ClosingJob, "a"); j.State != jobs.Cancelled {
		t.Fatalf("job %+v", j)
	}
	if err := d.s.validate(d.Ctx, nil, d.Org.ID, org.EnvTest, "a"); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.s.GetClosing(d.C, "a"); v.State != StateDeleted {
		t.Fatalf("validated after delete: %s", v.State)
	}
	if rs, _ := d.s.ClosingReports(d.C, "a"); len(rs) != 0 {
		t.Fatalf("reports of a deleted closing %+v", rs)
	}
	if v := d.insert(t, "b", goodClosing("kasse-1", 3)); v.State != StateCompleted {
		t.Fatalf("Z_NR 3 after the pending one was deleted: %+v", v)
	}
	// The deleted closing still answers with its body.
	if det, err := d.s.ClosingDetails(d.C, "a"); err != nil || det.State != StateDeleted || len(det.CashPointClosing) == 0 {
		t.Fatalf("details %+v %v", det, err)
	}
}

func TestClosingsListFiltersAndOrders(t *testing.T) {
	d := newClosingEnv(t)
	second := master()
	second.CashRegisterType.SerialNumber = "ext-tse-2"
	if _, err := d.s.PutRegister(d.Ctx, d.C, "kasse-2", second); err != nil {
		t.Fatal(err)
	}
	base := d.now
	add := func(id, client string, znr int64, date string, minute int, state string) {
		d.now = base.Add(time.Duration(minute) * time.Minute)
		cl := goodClosing(client, znr)
		cl.Head.BusinessDate = date
		if v := d.insert(t, id, cl); v.State != StateCompleted {
			t.Fatalf("%s: %+v", id, v)
		}
		if state == StateDeleted {
			if _, err := d.s.DeleteClosing(d.Ctx, d.C, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("a", "kasse-1", 1, "2026-12-01", 0, "")
	add("b", "kasse-2", 1, "2026-12-02", 1, "")
	add("c", "kasse-1", 2, "2026-12-03", 2, StateDeleted)
	add("d", "kasse-1", 3, "", 3, "")
	add("e", "kasse-2", 2, "2026-12-02", 4, "")
	ids := func(vs []ClosingView) string {
		var s []string
		for _, v := range vs {
			s = append(s, v.ClosingID)
		}
		return strings.Join(s, ",")
	}
	at := func(minute int) int64 { return base.Add(time.Duration(minute) * time.Minute).Unix() }
	cases := []struct {
		name  string
		f     ClosingFilter
		want  string
		total int
	}{
		{"all by creation", ClosingFilter{}, "a,b,c,d,e", 5},
		{"descending", ClosingFilter{Desc: true}, "e,d,c,b,a", 5},
		{"one register", ClosingFilter{ClientID: "kasse-2"}, "b,e", 2},
		{"states", ClosingFilter{States: []string{StateDeleted}}, "c", 1},
		{"two states", ClosingFilter{States: []string{StateDeleted, StateCompleted}}, "a,b,c,d,e", 5},
		{"created from", ClosingFilter{StartDate: at(2)}, "c,d,e", 3},
		{"created until (inclusive)", ClosingFilter{EndDate: at(1)}, "a,b", 2},
		{"business date from", ClosingFilter{BusinessDateStart: "2026-12-02"}, "b,c,e", 3},
		// Without a business date a closing is never inside an end bound.
		{"business date until", ClosingFilter{BusinessDateEnd: "2026-12-02"}, "a,b,e", 3},
		{"business date range", ClosingFilter{BusinessDateStart: "2026-12-02", BusinessDateEnd: "2026-12-02"}, "b,e", 2},
		{"by business date, then register and Z_NR", ClosingFilter{OrderBy: "business_date"}, "d,a,b,e,c", 5},
		{"by state", ClosingFilter{OrderBy: "state"}, "a,d,b,e,c", 5},
		{"paged", ClosingFilter{Limit: 2, Offset: 1}, "b,c", 5},
		{"page past the end", ClosingFilter{Limit: 2, Offset: 9}, "", 5},
	}
	for _, c := range cases {
		if c.f.Limit == 0 {
			c.f.Limit = 100
		}
		list, total, err := d.s.Closings(d.C, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(list); got != c.want || total != c.total {
			t.Errorf("%s: %s (%d), want %s (%d)", c.name, got, total, c.want, c.total)
		}
	}
	// Another org's list is its own.
	oc := d.Caller(d.NewOrg("Andere GmbH", "").ID)
	if list, n, err := d.s.Closings(oc, ClosingFilter{Limit: 100}); err != nil || n != 0 || len(list) != 0 {
		t.Fatalf("another org sees %d closings (%v)", n, err)
	}
}

// A register serial longer than Z_KASSE_ID's 50 characters (SIGN DE
// allows 70) is said in every closing of the register.
func TestValidateWarnsOfALongRegisterSerial(t *testing.T) {
	d := newClosingEnv(t)
	for _, c := range []struct {
		serial string
		codes  []string
	}{{strings.Repeat("s", 50), nil}, {strings.Repeat("s", 51), []string{"W_FIELD_TOO_LONG"}}} {
		in := master()
		in.CashRegisterType.SerialNumber = c.serial
		client := fmt.Sprint("kasse-", len(c.serial))
		if _, err := d.s.PutRegister(d.Ctx, d.C, client, in); err != nil {
			t.Fatal(err)
		}
		d.insert(t, client, goodClosing(client, 1))
		rs, _ := d.s.ClosingReports(d.C, client)
		if got := reportCodes(rs); !slices.Equal(got, c.codes) {
			t.Fatalf("serial of %d: %v", len(c.serial), rs)
		}
		if len(rs) > 0 && !strings.Contains(rs[0].Message, "Z_KASSE_ID) has 51 characters") {
			t.Fatalf("message %q", rs[0].Message)
		}
	}
}
