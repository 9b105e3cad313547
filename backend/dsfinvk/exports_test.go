package dsfinvk

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fiskaldesk/fiskaldesk/backend/fixtures"
	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
	"github.com/fiskaldesk/fiskaldesk/backend/tss/tsstest"
)

// DSFinV-K exports built by the export job's handler (called directly,
// so no runner and no waiting) and read back against the official
// index.xml of testdata/, parsed here on its own.

// refColumn is a column as the reference index.xml declares it.
type refColumn struct {
	Name     string
	Numeric  bool
	Accuracy int
	Max      int
}

func referenceTables(t *testing.T) (map[string][]refColumn, []string) {
	t.Helper()
	dir, err := fixtures.DSFinVK()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "index.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var x struct {
		Tables []struct {
			URL     string `xml:"URL"`
			Columns []struct {
				Name    string `xml:"Name"`
				Numeric *struct {
					Accuracy string `xml:"Accuracy"`
				} `xml:"Numeric"`
				Max string `xml:"MaxLength"`
			} `xml:"VariableLength>VariableColumn"`
		} `xml:"Media>Table"`
	}
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = false
	if err := d.Decode(&x); err != nil {
		t.Fatal(err)
	}
	out := map[string][]refColumn{}
	var order []string
	for _, tb := range x.Tables {
		order = append(order, tb.URL)
		for _, c := range tb.Columns {
			acc := 0
			if c.Numeric != nil {
				acc, _ = strconv.Atoi(c.Numeric.Accuracy)
			}
			max, _ := strconv.Atoi(c.Max)
			out[tb.URL] = append(out[tb.URL], refColumn{c.Name, c.Numeric != nil, acc, max})
		}
	}
	return out, order
}

// table is one CSV file read back: rows by column name.
type table struct {
	header []string
	rows   []map[string]string
}

func (tb table) col(name string) []string {
	var out []string
	for _, r := range tb.rows {
		out = append(out, r[name])
	}
	return out
}

// amount reads a DSFinV-K number (decimal comma) as cents.
func amount(t *testing.T, s string) int64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	if f < 0 {
		return int64(f*100 - 0.5)
	}
	return int64(f*100 + 0.5)
}

func sum(t *testing.T, vals []string) int64 {
	var s int64
	for _, v := range vals {
		s += amount(t, v)
	}
	return s
}

// checkTables checks every member against the reference definitions and
// returns the tables by file name.
func checkTables(t *testing.T, members map[string][]byte) map[string]table {
	t.Helper()
	ref, order := referenceTables(t)
	if len(order) != 20 {
		t.Fatalf("reference has %d tables", len(order))
	}
	want := append([]string{"index.xml", "gdpdu-01-09-2004.dtd"}, order...)
	var got []string
	for name := range members {
		got = append(got, name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}
	if !bytes.Equal(members["index.xml"], IndexXML) || !bytes.Equal(members["gdpdu-01-09-2004.dtd"], DTD) {
		t.Fatal("index.xml or the DTD differ from the embedded official files")
	}
	out := map[string]table{}
	for _, url := range order {
		raw := members[url]
		if !bytes.HasSuffix(raw, []byte("\r\n")) || bytes.Count(raw, []byte("\n")) != bytes.Count(raw, []byte("\r\n")) {
			t.Fatalf("%s: records not ended by CRLF: %q", url, raw)
		}
		cr := csv.NewReader(bytes.NewReader(raw))
		cr.Comma = ';'
		recs, err := cr.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		cols := ref[url]
		var names []string
		for _, c := range cols {
			names = append(names, c.Name)
		}
		if !slices.Equal(recs[0], names) {
			t.Fatalf("%s header %v, want %v", url, recs[0], names)
		}
		tb := table{header: recs[0]}
		for i, rec := range recs[1:] {
			if len(rec) != len(cols) {
				t.Fatalf("%s row %d: %d fields, want %d", url, i, len(rec), len(cols))
			}
			r := map[string]string{}
			for j, c := range cols {
				v := rec[j]
				r[c.Name] = v
				if v == "" {
					continue
				}
				if c.Numeric {
					re := `^-?\d+$`
					if c.Accuracy > 0 {
						re = fmt.Sprintf(`^-?\d+,\d{%d}$`, c.Accuracy)
					}
					if !regexp.MustCompile(re).MatchString(v) || strings.HasPrefix(v, "-") && strings.Trim(v, "-0,") == "" {
						t.Errorf("%s row %d %s: %q is no number of accuracy %d", url, i, c.Name, v, c.Accuracy)
					}
				} else if c.Max > 0 && utf8.RuneCountInString(v) > c.Max {
					t.Errorf("%s row %d %s: %d characters, at most %d", url, i, c.Name, utf8.RuneCountInString(v), c.Max)
				}
			}
			tb.rows = append(tb.rows, r)
		}
		out[url] = tb
	}
	return out
}

func readTarMembers(t *testing.T, b []byte) (map[string][]byte, []*tar.Header) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	m := map[string][]byte{}
	var hs []*tar.Header
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		m[h.Name] = data
		hs = append(hs, h)
	}
	return m, hs
}

// exportEnv has registers kasse-1 (MASTER, external TSS, a long
// certificate) with its terminal, and kasse-2 (MASTER), and the export
// directory set.
func newExportEnv(t *testing.T) *dkEnv {
	t.Helper()
	d := newClosingEnv(t)
	d.s.dir = t.TempDir()
	in := master()
	in.CashRegisterType.Certificate = strings.Repeat("C", 1500)
	in.CashRegisterType.PublicKey = "PUB"
	in.CashRegisterType.SignatureAlgorithm = "ecdsa-plain-SHA256"
	in.ProcessingFlags.UmsatzsteuerNichtErmittelbar = true
	if _, err := d.s.PutRegister(d.Ctx, d.C, "kasse-1", in); err != nil {
		t.Fatal(err)
	}
	term := master()
	term.Brand, term.Model = "Handheld", "H2"
	term.CashRegisterType = RegisterType{Type: "SLAVE_WITHOUT_TSS", MasterClientID: "kasse-1"}
	if _, err := d.s.PutRegister(d.Ctx, d.C, "terminal-1", term); err != nil {
		t.Fatal(err)
	}
	second := master()
	second.CashRegisterType.SerialNumber = "ext-tse-2"
	if _, err := d.s.PutRegister(d.Ctx, d.C, "kasse-2", second); err != nil {
		t.Fatal(err)
	}
	if _, err := d.s.PutVatDefinition(d.Ctx, d.C, 1000, VatDefinition{Percentage: 16, Description: "Sondersatz"}); err != nil {
		t.Fatal(err)
	}
	return d
}

// build runs the export job's handler and returns the archive.
func (d *dkEnv) build(t *testing.T, id string) (*Export, []byte) {
	t.Helper()
	if err := d.s.buildExport(d.Ctx, &jobs.Run{}, d.Org.ID, org.EnvTest, id); err != nil {
		t.Fatalf("build %s: %v", id, err)
	}
	f, e, err := d.s.ExportFile(d.C, id)
	if err != nil {
		t.Fatalf("export %s: %+v %v", id, e, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return e, b
}

// richClosing is goodClosing with a second receipt paid in two VAT keys
// (one custom), a foreign currency, a buyer and a reference.
func richClosing(client string, znr int64, created int64) Closing {
	cl := goodClosing(client, znr)
	cl.Head.ExportCreationDate = created
	chf := 10.0
	tx := Transaction{
		Head: TxHead{TransactionExportID: "2", ClosingClientID: "terminal-1", Type: "Beleg", Name: `Rechnung "A;B"`, Number: 2, TimestampStart: 1764583300, TimestampEnd: 1764583310,
			User: &Party{UserExportID: "u2", Name: "Bernd"}, Buyer: &Buyer{Name: "Müller GmbH", BuyerExportID: "b1", Type: "Kunde"},
			References: []Reference{{Type: "Transaktion", TransactionExportID: "1", CashPointClosingExportID: znr, CashRegisterExportID: client, Date: 1764583200}}},
		Data: TxData{FullAmountInclVat: 11.6, PaymentTypes: []PaymentType{{Type: "Bar", CurrencyCode: "CHF", Amount: 11.6, ForeignAmount: &chf}},
			AmountsPerVatID: []VatAmount{{VatDefinitionExportID: 2, InclVat: 1.07, ExclVat: 1, Vat: 0.07}, {VatDefinitionExportID: 1000, InclVat: 10.53, ExclVat: 9.08, Vat: 1.45}},
			Lines: []Line{{BusinessCase: BusinessCase{Type: "Umsatz", AmountsPerVatID: []VatAmount{{VatDefinitionExportID: 2, InclVat: 1.07, ExclVat: 1, Vat: 0.07}}},
				LineitemExportID: "1", Text: strings.Repeat("Ä", 300), Item: Item{Quantity: 1, PricePerUnit: 1.07}},
				{BusinessCase: BusinessCase{Type: "Umsatz", AmountsPerVatID: []VatAmount{{VatDefinitionExportID: 1000, InclVat: 10.53, ExclVat: 9.08, Vat: 1.45}}},
					LineitemExportID: "2", Storno: true, Text: "Sonder", Item: Item{Quantity: -0.5, PricePerUnit: 21.06}}}},
		Security: TxSecurity{ErrorMessage: "Ausfall"},
	}
	cl.Transactions = append(cl.Transactions, tx)
	cl.Head.LastTransactionExportID = "2"
	p := &cl.CashStatement.Payment
	p.FullAmount, p.CashAmount = 26.6, 21.6
	p.PaymentTypes = append(p.PaymentTypes, PaymentType{Type: "Bar", CurrencyCode: "CHF", Amount: 11.6, ForeignAmount: &chf})
	p.CashAmountsByCurrency = append(p.CashAmountsByCurrency, CurrencyAmount{CurrencyCode: "CHF", Amount: 10})
	cl.CashStatement.BusinessCases = append(cl.CashStatement.BusinessCases,
		BusinessCase{Type: "Umsatz", AmountsPerVatID: []VatAmount{{VatDefinitionExportID: 2, InclVat: 1.07, ExclVat: 1, Vat: 0.07}, {VatDefinitionExportID: 1000, InclVat: 10.53, ExclVat: 9.08, Vat: 1.45}}})
	return cl
}

func TestExportTablesFollowTheOfficialDefinitions(t *testing.T) {
	d := newExportEnv(t)
	const day1, day2 = 1764619200, 1764705600
	d.insert(t, "z1", richClosing("kasse-1", 1, day1))
	d.insert(t, "z2", richClosing("kasse-1", 2, day2))
	d.insert(t, "z3", goodClosing("kasse-2", 1))
	e, err := d.s.TriggerExport(d.Ctx, d.C, "ex-1", ExportParams{StartDate: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.CashPointClosings, []string{"z1", "z2", "z3"}) || e.State != StatePending || e.Format != "tar" ||
		e.TimeExpiration != e.TimeRequest+28*24*3600 || e.Type != "EXPORT" {
		t.Fatalf("export %+v", e)
	}
	done, raw := d.build(t, "ex-1")
	if done.State != StateCompleted || done.Size != int64(len(raw)) || done.TimeCompleted == 0 || done.TimeStart == 0 {
		t.Fatalf("completed export %+v (file %d bytes)", done, len(raw))
	}
	if j := d.job(t, ExportJob, "ex-1"); j.State != jobs.Queued {
		t.Fatalf("the job record is the runner's to finish: %+v", j)
	}
	members, headers := readTarMembers(t, raw)
	// Members are dated with the latest closing's creation, mode 0644.
	for _, h := range headers {
		if !h.ModTime.Equal(time.Unix(day2, 0)) || h.Mode != 0o644 {
			t.Fatalf("%s: %v %o", h.Name, h.ModTime, h.Mode)
		}
	}
	if headers[0].Name != "index.xml" || headers[1].Name != "gdpdu-01-09-2004.dtd" || headers[2].Name != "cashpointclosing.csv" {
		t.Fatalf("order %s %s %s", headers[0].Name, headers[1].Name, headers[2].Name)
	}
	tb := checkTables(t, members)

	cpc := tb["cashpointclosing.csv"]
	if len(cpc.rows) != 3 {
		t.Fatalf("%d closings", len(cpc.rows))
	}
	z1 := cpc.rows[0]
	if z1["Z_KASSE_ID"] != "ext-tse-1" || z1["Z_NR"] != "1" || z1["Z_ERSTELLUNG"] != "2025-12-01T20:00:00Z" || z1["Z_BUCHUNGSTAG"] != "2026-12-01" ||
		z1["TAXONOMIE_VERSION"] != TaxonomyVersion || z1["Z_START_ID"] != "1" || z1["Z_ENDE_ID"] != "2" || z1["NAME"] != "Gastro GmbH" ||
		z1["STRASSE"] != "Weg 1" || z1["PLZ"] != "10115" || z1["LAND"] != "DEU" || z1["Z_SE_ZAHLUNGEN"] != "26,60" || z1["Z_SE_BARZAHLUNGEN"] != "21,60" {
		t.Fatalf("cashpointclosing %v", z1)
	}
	if cpc.rows[2]["Z_KASSE_ID"] != "ext-tse-2" || cpc.rows[2]["Z_SE_ZAHLUNGEN"] != "15,00" {
		t.Fatalf("second register %v", cpc.rows[2])
	}
	// Every row of every table belongs to one of the closings.
	closings := map[string]bool{}
	for _, r := range cpc.rows {
		closings[r["Z_KASSE_ID"]+"|"+r["Z_ERSTELLUNG"]+"|"+r["Z_NR"]] = true
	}
	for url, x := range tb {
		for i, r := range x.rows {
			if !closings[r["Z_KASSE_ID"]+"|"+r["Z_ERSTELLUNG"]+"|"+r["Z_NR"]] {
				t.Errorf("%s row %d names no closing: %v", url, i, r)
			}
		}
	}
	// Per closing, the sums agree with the cash statement.
	for _, c := range cpc.rows {
		of := func(url, col string) []string {
			var out []string
			for _, r := range tb[url].rows {
				if r["Z_KASSE_ID"] == c["Z_KASSE_ID"] && r["Z_NR"] == c["Z_NR"] && r["Z_ERSTELLUNG"] == c["Z_ERSTELLUNG"] {
					out = append(out, r[col])
				}
			}
			return out
		}
		total := amount(t, c["Z_SE_ZAHLUNGEN"])
		if s := sum(t, of("businesscases.csv", "Z_UMS_BRUTTO")); s != total {
			t.Errorf("closing %s/%s: business cases %d, payments %d", c["Z_KASSE_ID"], c["Z_NR"], s, total)
		}
		if s := sum(t, of("payment.csv", "Z_ZAHLART_BETRAG")); s != total {
			t.Errorf("closing %s/%s: payment.csv %d, Z_SE_ZAHLUNGEN %d", c["Z_KASSE_ID"], c["Z_NR"], s, total)
		}
		if s := sum(t, of("transactions.csv", "UMS_BRUTTO")); s != total {
			t.Errorf("closing %s/%s: receipts %d, Z_SE_ZAHLUNGEN %d", c["Z_KASSE_ID"], c["Z_NR"], s, total)
		}
		if s, v := sum(t, of("transactions_vat.csv", "BON_BRUTTO")), sum(t, of("lines_vat.csv", "POS_BRUTTO")); s != total || v != total {
			t.Errorf("closing %s/%s: VAT of receipts %d, of lines %d, total %d", c["Z_KASSE_ID"], c["Z_NR"], s, v, total)
		}
		if s := sum(t, of("datapayment.csv", "BASISWAEH_BETRAG")); s != total {
			t.Errorf("closing %s/%s: datapayment %d", c["Z_KASSE_ID"], c["Z_NR"], s)
		}
	}
	// Receipt-level tables name receipts of transactions.csv.
	bons := map[string]bool{}
	for _, r := range tb["transactions.csv"].rows {
		bons[r["Z_KASSE_ID"]+"|"+r["Z_NR"]+"|"+r["BON_ID"]] = true
	}
	for _, url := range []string{"datapayment.csv", "lines.csv", "itemamounts.csv", "transactions_tse.csv", "transactions_vat.csv", "lines_vat.csv", "references.csv"} {
		if len(tb[url].rows) == 0 {
			t.Errorf("%s is empty", url)
		}
		for _, r := range tb[url].rows {
			if !bons[r["Z_KASSE_ID"]+"|"+r["Z_NR"]+"|"+r["BON_ID"]] {
				t.Errorf("%s names an unknown receipt %v", url, r)
			}
		}
	}
	// What the rich receipt carries, cell by cell.
	var rich map[string]string
	for _, r := range tb["transactions.csv"].rows {
		if r["Z_NR"] == "1" && r["Z_KASSE_ID"] == "ext-tse-1" && r["BON_ID"] == "2" {
			rich = r
		}
	}
	if rich["BON_NAME"] != `Rechnung "A;B"` || rich["TERMINAL_ID"] != "terminal-1" || rich["BON_STORNO"] != "0" || rich["BON_START"] != "2025-12-01T10:01:40Z" ||
		rich["KUNDE_NAME"] != "Müller GmbH" || rich["KUNDE_ID"] != "b1" || rich["BEDIENER_ID"] != "u2" || rich["UMS_BRUTTO"] != "11,60" {
		t.Fatalf("transactions.csv %v", rich)
	}
	for _, r := range tb["datapayment.csv"].rows {
		if r["BON_ID"] == "2" && (r["ZAHLWAEH_CODE"] != "CHF" || r["ZAHLWAEH_BETRAG"] != "10,00" || r["BASISWAEH_BETRAG"] != "11,60") {
			t.Fatalf("foreign payment %v", r)
		}
	}
	for _, r := range tb["lines.csv"].rows {
		if r["BON_ID"] == "2" && r["POS_ZEILE"] == "1" && r["ARTIKELTEXT"] != strings.Repeat("Ä", 255) {
			t.Fatalf("item text cut to %d characters", utf8.RuneCountInString(r["ARTIKELTEXT"]))
		}
		if r["BON_ID"] == "2" && r["POS_ZEILE"] == "2" && (r["P_STORNO"] != "1" || r["MENGE"] != "-0,500" || r["STK_BR"] != "21,06000" || r["FAKTOR"] != "1,000") {
			t.Fatalf("line 2 %v", r)
		}
	}
	if refs := tb["references.csv"].rows; len(refs) != 2 || refs[0]["REF_TYP"] != "Transaktion" || refs[0]["REF_BON_ID"] != "1" || refs[0]["REF_DATUM"] != "2025-12-01T10:00:00Z" {
		t.Fatalf("references %v", refs)
	}
	// vat.csv: the keys used, in key order, per closing.
	var keys []string
	for _, r := range tb["vat.csv"].rows {
		if r["Z_NR"] == "1" && r["Z_KASSE_ID"] == "ext-tse-1" {
			keys = append(keys, r["UST_SCHLUESSEL"]+"="+r["UST_SATZ"]+" "+r["UST_BESCHR"])
		}
	}
	if want := []string{"1=19,00 Regelsteuersatz", "2=7,00 Ermäßigter Steuersatz", "1000=16,00 Sondersatz"}; !slices.Equal(keys, want) {
		t.Fatalf("vat.csv %v, want %v", keys, want)
	}
	// Master data: the terminal under its master, the TSE with its
	// certificate in two parts, the processing flag.
	if sl := tb["slaves.csv"].rows; len(sl) != 2 || sl[0]["TERMINAL_ID"] != "terminal-1" || sl[0]["TERMINAL_BRAND"] != "Handheld" || sl[0]["Z_KASSE_ID"] != "ext-tse-1" {
		t.Fatalf("slaves.csv %v", sl)
	}
	tseRows := tb["tse.csv"].rows
	if len(tseRows) != 3 || tseRows[0]["TSE_SERIAL"] != "ext-tse-1" || tseRows[0]["TSE_PUBLIC_KEY"] != "PUB" ||
		tseRows[0]["TSE_ZERTIFIKAT_I"] != strings.Repeat("C", 1000) || tseRows[0]["TSE_ZERTIFIKAT_II"] != strings.Repeat("C", 500) || tseRows[2]["TSE_ZERTIFIKAT_II"] != "" {
		t.Fatalf("tse.csv %v", tseRows)
	}
	if kr := tb["cashregister.csv"].rows; kr[0]["KEINE_UST_ZUORDNUNG"] != "1" || kr[2]["KEINE_UST_ZUORDNUNG"] != "0" || kr[0]["KASSE_BASISWAEH_CODE"] != "EUR" {
		t.Fatalf("cashregister.csv %v", kr)
	}
	for _, r := range tb["transactions_tse.csv"].rows {
		if r["TSE_ID"] != "1" || r["TSE_TA_FEHLER"] == "" {
			t.Fatalf("transactions_tse.csv %v", r)
		}
	}
	if n := len(tb["subitems.csv"].rows) + len(tb["allocation_groups.csv"].rows); n != 0 {
		t.Fatalf("%d rows in tables fiskaldesk does not fill", n)
	}
	// The same data gives the same bytes, and the ZIP the same files.
	if _, err := d.s.TriggerExport(d.Ctx, d.C, "ex-2", ExportParams{StartDate: 1}); err != nil {
		t.Fatal(err)
	}
	d.now = d.now.Add(time.Hour)
	if _, again := d.build(t, "ex-2"); !bytes.Equal(again, raw) {
		t.Fatal("a second export of the same data differs")
	}
	if _, err := d.s.TriggerExport(d.Ctx, d.C, "ex-zip", ExportParams{StartDate: 1, Format: "zip"}); err != nil {
		t.Fatal(err)
	}
	_, zb := d.build(t, "ex-zip")
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != len(members) {
		t.Fatalf("zip has %d files", len(zr.File))
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, members[f.Name]) || !f.Modified.Equal(time.Unix(day2, 0)) || f.Method != zip.Deflate {
			t.Fatalf("zip member %s differs (%v)", f.Name, f.Modified)
		}
	}
}

// A register on a SIGN DE TSS: transactions_tse.csv carries the signed
// transaction, or says that the TSS does not know it.
func TestExportTSEDataFromSignDE(t *testing.T) {
	d := newExportEnv(t)
	const tssID = "e6e6e6e6-e6e6-4e6e-8e6e-e6e6e6e6e6e6"
	d.Initialized(d.C, tssID)
	d.Client(d.C, tssID, "kasse-3", "SN-3")
	in := master()
	in.CashRegisterType = RegisterType{Type: "MASTER", TSSID: tssID}
	if _, err := d.s.PutRegister(d.Ctx, d.C, "kasse-3", in); err != nil {
		t.Fatal(err)
	}
	const txID = "b0000000-0000-4000-8000-000000000001"
	signed := d.Receipt(d.C, tssID, "kasse-3", txID, tsstest.Standard(map[string]string{"NORMAL": "15.00"}, map[string]string{"CASH": "10.00", "NON_CASH": "5.00"}))
	cl := goodClosing("kasse-3", 1)
	cl.Transactions[0].Security = TxSecurity{TSSTxID: txID}
	lost := cl.Transactions[0]
	lost.Head.TransactionExportID, lost.Data.FullAmountInclVat = "2", 0
	lost.Security = TxSecurity{TSSTxID: "b0000000-0000-4000-8000-00000000dead"}
	cl.Transactions = append(cl.Transactions, lost)
	d.insert(t, "z1", cl)
	if _, err := d.s.TriggerExport(d.Ctx, d.C, "ex", ExportParams{ClientID: "kasse-3", BusinessDateStart: "2026-01-01"}); err != nil {
		t.Fatal(err)
	}
	_, raw := d.build(t, "ex")
	m, _ := readTarMembers(t, raw)
	tb := checkTables(t, m)
	rows := tb["transactions_tse.csv"].rows
	if len(rows) != 2 {
		t.Fatalf("%v", rows)
	}
	r := rows[0]
	f, err := tse.SplitQRCodeData(signed.QRCodeData)
	if err != nil {
		t.Fatal(err)
	}
	if r["TSE_TANR"] != strconv.FormatUint(signed.Number, 10) || r["TSE_TA_SIGZ"] != strconv.FormatUint(signed.Signature.Counter, 10) ||
		r["TSE_TA_SIG"] != signed.Signature.Value || r["TSE_TA_VORGANGSART"] != tse.TypeReceipt || r["TSE_VORGANGSDATEN"] != f[3] ||
		r["TSE_TA_START"] != time.Unix(signed.TimeStart, 0).UTC().Format(tse.QRTime) || r["TSE_TA_ENDE"] != f[7] || r["TSE_TA_FEHLER"] != "" {
		t.Fatalf("signed row %v\nQR %v", r, f)
	}
	if f[3] != "Beleg^15.00_0.00_0.00_0.00_0.00^10.00:Bar_5.00:Unbar" {
		t.Fatalf("processData %q", f[3])
	}
	if rows[1]["TSE_TA_FEHLER"] != "transaction not found in the TSS: b0000000-0000-4000-8000-00000000dead" || rows[1]["TSE_TANR"] != "" {
		t.Fatalf("unknown transaction %v", rows[1])
	}
	v, err := d.TSS.Get(d.C, tssID)
	if err != nil {
		t.Fatal(err)
	}
	if tr := tb["tse.csv"].rows; len(tr) != 1 || tr[0]["TSE_SERIAL"] != v.SerialNumber || tr[0]["Z_KASSE_ID"] != "SN-3" || tr[0]["TSE_PUBLIC_KEY"] != v.PublicKey {
		t.Fatalf("tse.csv %v", tr)
	}
}

func TestTriggerExportParameters(t *testing.T) {
	d := newExportEnv(t)
	d.now = time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	d.insert(t, "a", goodClosing("kasse-1", 1))
	d.now = d.now.Add(24 * time.Hour)
	b := goodClosing("kasse-2", 1)
	b.Head.BusinessDate = "2026-12-02"
	d.insert(t, "b", b)
	d.insert(t, "err", goodClosing("kasse-2", 1)) // ERROR: same Z_NR
	if v, _ := d.s.GetClosing(d.C, "err"); v.State != StateError {
		t.Fatalf("setup: %s", v.State)
	}
	day1 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Unix()
	bad := []struct {
		name  string
		p     ExportParams
		field string
		err   error
	}{
		{"format", ExportParams{Format: "csv", StartDate: 1}, "format", nil},
		{"no period", ExportParams{}, "start_date", nil},
		{"both periods", ExportParams{StartDate: 1, BusinessDateStart: "2026-12-01"}, "start_date", nil},
		{"end date with business end", ExportParams{EndDate: 1, BusinessDateEnd: "2026-12-01"}, "start_date", nil},
		{"nothing in the period", ExportParams{StartDate: day1 + 3*86400}, "", ErrNothingToExport},
		{"unknown register", ExportParams{StartDate: 1, ClientID: "kasse-9"}, "", ErrNothingToExport},
		{"ended before", ExportParams{EndDate: day1}, "", ErrNothingToExport},
	}
	for _, c := range bad {
		_, err := d.s.TriggerExport(d.Ctx, d.C, "x-"+c.name, c.p)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var ve *org.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: %v, want %s", c.name, err, c.field)
		}
	}
	good := []struct {
		p    ExportParams
		want []string
	}{
		{ExportParams{StartDate: 1}, []string{"a", "b"}},
		{ExportParams{EndDate: day1 + 86400}, []string{"a"}},
		{ExportParams{StartDate: day1 + 86400}, []string{"b"}},
		{ExportParams{StartDate: 1, ClientID: "kasse-2"}, []string{"b"}},
		{ExportParams{BusinessDateStart: "2026-12-02"}, []string{"b"}},
		{ExportParams{BusinessDateEnd: "2026-12-01"}, []string{"a"}},
		{ExportParams{BusinessDateStart: "2026-12-01", BusinessDateEnd: "2026-12-02", Format: "zip"}, []string{"a", "b"}},
	}
	for i, c := range good {
		e, err := d.s.TriggerExport(d.Ctx, d.C, fmt.Sprint("ok-", i), c.p)
		if err != nil || !slices.Equal(e.CashPointClosings, c.want) || e.Parameters.Format != e.Format {
			t.Errorf("%+v: %+v %v", c.p, e, err)
		}
		if j := d.job(t, ExportJob, fmt.Sprint("ok-", i)); j.State != jobs.Queued {
			t.Errorf("job %+v", j)
		}
	}
	if _, err := d.s.TriggerExport(d.Ctx, d.C, "ok-0", ExportParams{StartDate: 1}); !errors.Is(err, ErrExportConflict) {
		t.Fatalf("reused id: %v", err)
	}
	// The org has no tax number: the export says so.
	e, _ := d.s.GetExport(d.C, "ok-0")
	if len(e.Warnings) != 1 || e.Warnings[0].Code != WarnPlaceholderMasterData || !strings.Contains(e.Warnings[0].Message, "tax_number") {
		t.Fatalf("warnings %+v", e.Warnings)
	}
	list, n, err := d.s.Exports(d.C, 3, 2)
	if err != nil || n != len(good) || len(list) != 3 || list[0].ID != "ok-2" {
		t.Fatalf("list %d %v %+v", n, err, list)
	}
	if _, err := d.s.GetExport(d.C, "nope"); !errors.Is(err, ErrExportNotFound) {
		t.Fatalf("unknown export: %v", err)
	}
}

func TestCancelExport(t *testing.T) {
	d := newExportEnv(t)
	d.insert(t, "a", goodClosing("kasse-1", 1))
	if _, err := d.s.TriggerExport(d.Ctx, d.C, "ex", ExportParams{StartDate: 1}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.s.ExportFile(d.C, "ex"); !errors.Is(err, ErrExportNotReady) {
		t.Fatalf("file of a pending export: %v", err)
	}
	e, err := d.s.CancelExport(d.Ctx, d.C, "ex")
	if err != nil || e.State != StateCancelled {
		t.Fatalf("%+v %v", e, err)
	}
	if j := d.job(t, ExportJob, "ex"); j.State != jobs.Cancelled {
		t.Fatalf("job %+v", j)
	}
	// The handler, should it still run, leaves it cancelled and writes nothing.
	if err := d.s.buildExport(d.Ctx, &jobs.Run{}, d.Org.ID, org.EnvTest, "ex"); err != nil {
		t.Fatal(err)
	}
	if e, _ := d.s.GetExport(d.C, "ex"); e.State != StateCancelled {
		t.Fatalf("state %s", e.State)
	}
	if files, _ := os.ReadDir(d.s.dir); len(files) != 0 {
		t.Fatalf("files %v", files)
	}
	if _, err := d.s.CancelExport(d.Ctx, d.C, "ex"); !errors.Is(err, ErrClosingState) {
		t.Fatalf("cancel twice: %v", err)
	}
	if _, err := d.s.CancelExport(d.Ctx, d.C, "nope"); !errors.Is(err, ErrExportNotFound) {
		t.Fatalf("cancel unknown: %v", err)
	}
	// A completed export cannot be cancelled.
	if _, err := d.s.TriggerExport(d.Ctx, d.C, "ex-2", ExportParams{StartDate: 1}); err != nil {
		t.Fatal(err)
	}
	d.build(t, "ex-2")
	if _, err := d.s.CancelExport(d.Ctx, d.C, "ex-2"); !errors.Is(err, ErrClosingState) {
		t.Fatalf("cancel completed: %v", err)
	}
}

// An archive that cannot be written ends the export in ERROR with the
// cause, and leaves no partial file behind.
func TestExportWriteFailure(t *testing.T) {
	d := newExportEnv(t)
	d.insert(t, "a", goodClosing("kasse-1", 1))
	if _, err := d.s.TriggerExport(d.Ctx, d.C, "ex", ExportParams{StartDate: 1}); err != nil {
		t.Fatal(err)
	}
	dir := d.s.dir
	d.s.dir = filepath.Join(dir, "missing", "dir")
	if err := d.s.buildExport(d.Ctx, &jobs.Run{}, d.Org.ID, org.EnvTest, "ex"); err != nil {
		t.Fatalf("the failure is recorded, not returned: %v", err)
	}
	e, err := d.s.GetExport(d.C, "ex")
	if err != nil || e.State != StateError || e.Error == nil || e.Error.Code != "E_INTERNAL" || e.TimeError == 0 || !strings.Contains(e.Error.Message, "missing") {
		t.Fatalf("%+v %v", e, err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("files left: %v", files)
	}
	// A closing gone from the store (deleted records are kept, so this is
	// damage) fails the export too.
	if _, err := d.s.TriggerExport(d.Ctx, d.C, "ex-2", ExportParams{StartDate: 1}); err != nil {
		t.Fatal(err)
	}
	d.s.dir = dir
	if err := d.St.Update(d.Ctx, func(txn store.Tx) error { return txn.Delete(store.DKClosingKey(d.Org.ID, org.EnvTest, "a")) }); err != nil {
		t.Fatal(err)
	}
	if err := d.s.buildExport(d.Ctx, &jobs.Run{}, d.Org.ID, org.EnvTest, "ex-2"); err != nil {
		t.Fatal(err)
	}
	if e, _ := d.s.GetExport(d.C, "ex-2"); e.State != StateError || !strings.Contains(e.Error.Message, ErrClosingNotFound.Error()) {
		t.Fatalf("%+v", e)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("files left: %v", files)
	}
}

// Purchaser agencies: pa.csv lists the agencies of the closing's
// register, and a business case naming an agency carries its export id.
func TestExportPurchaserAgencies(t *testing.T) {
	d := newExportEnv(t)
	addr := Address{Street: "Auftragsweg 5", PostalCode: "80331", City: "München", CountryCode: "DEU"}
	for _, a := range []struct {
		id, client string
		export     int
		tax, vat   string
	}{{"ag-1", "kasse-1", 11, "1121081508150", ""}, {"ag-2", "kasse-1", 12, "", "ATU12345678"}, {"ag-3", "kasse-2", 13, "99", ""}} {
		if _, err := d.s.PutAgency(d.Ctx, d.C, a.id, PurchaserAgency{PurchaserAgencyExportID: a.export, ClientID: a.client, Name: "Agentur " + a.id,
			Address: addr, TaxNumber: a.tax, VatIDNumber: a.vat}); err != nil {
			t.Fatal(err)
		}
	}
	cl := goodClosing("kasse-1", 1)
	cl.CashStatement.BusinessCases = []BusinessCase{
		{Type: "Umsatz", PurchaserAgencyID: "ag-2", AmountsPerVatID: []VatAmount{{VatDefinitionExportID: 1, InclVat: 10, ExclVat: 8.4, Vat: 1.6}}},
		{Type: "Umsatz", PurchaserAgencyID: "ag-unknown", AmountsPerVatID: []VatAmount{{VatDefinitionExportID: 1, InclVat: 5, ExclVat: 4.2, Vat: 0.8}}},
	}
	cl.Transactions[0].Data.Lines[0].BusinessCase.PurchaserAgencyID = "ag-1"
	d.insert(t, "z1", cl)
	d.insert(t, "z2", goodClosing("kasse-2", 1))
	if _, err := d.s.TriggerExport(d.Ctx, d.C, "ex", ExportParams{StartDate: 1}); err != nil {
		t.Fatal(err)
	}
	_, raw := d.build(t, "ex")
	m, _ := readTarMembers(t, raw)
	tb := checkTables(t, m)
	var pa []string
	for _, r := range tb["pa.csv"].rows {
		pa = append(pa, r["Z_KASSE_ID"]+":"+r["AGENTUR_ID"]+":"+r["AGENTUR_NAME"]+":"+r["AGENTUR_ORT"]+":"+r["AGENTUR_STNR"]+":"+r["AGENTUR_USTID"])
	}
	want := []string{"ext-tse-1:11:Agentur ag-1:München:1121081508150:", "ext-tse-1:12:Agentur ag-2:München::ATU12345678", "ext-tse-2:13:Agentur ag-3:München:99:"}
	if !slices.Equal(pa, want) {
		t.Fatalf("pa.csv %q\nwant %q", pa, want)
	}
	if r := tb["pa.csv"].rows[0]; r["AGENTUR_STRASSE"] != "Auftragsweg 5" || r["AGENTUR_PLZ"] != "80331" || r["AGENTUR_LAND"] != "DEU" {
		t.Fatalf("address %v", r)
	}
	var bc []string
	for _, r := range tb["businesscases.csv"].rows {
		bc = append(bc, r["Z_KASSE_ID"]+":"+r["AGENTUR_ID"]+":"+r["Z_UMS_BRUTTO"])
	}
	if want := []string{"ext-tse-1:12:10,00000", "ext-tse-1:0:5,00000", "ext-tse-2:0:15,00000"}; !slices.Equal(bc, want) {
		t.Fatalf("businesscases.csv %q, want %q", bc, want)
	}
	if l := tb["lines.csv"].rows; l[0]["AGENTUR_ID"] != "11" || l[1]["AGENTUR_ID"] != "0" {
		t.Fatalf("lines.csv AGENTUR_ID %q %q", l[0]["AGENTUR_ID"], l[1]["AGENTUR_ID"])
	}
}
