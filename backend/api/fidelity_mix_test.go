package api

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// csvTable reads a ';' CSV into header-keyed rows.
func csvTable(t *testing.T, b []byte) []map[string]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("csv: %v", err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

// A hand-computed mix: two receipts (one paid partly in CHF) and a
// training receipt. The report keeps CHF apart and counts only Beleg as
// turnover; the DSFinV-K closing of the same mix completes without a
// false warning, its files carry the figures, the slave register is in
// slaves.csv, two exports of it are byte-identical and dated by the data,
// and the placeholder zip is warned about.
func TestReportAndDSFinVKMix(t *testing.T) {
	a, _, vendor, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 1)
	cl := clients[0]
	sale := func(typ string, vat [][2]string, pays []map[string]string) string {
		tx := uuid.NewString()
		base := "/api/v2/tss/" + tssID + "/tx/" + tx
		a.must(a.do(v, "PUT", base+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": cl}), 200)
		var amounts []map[string]string
		for _, x := range vat {
			amounts = append(amounts, map[string]string{"vat_rate": x[0], "amount": x[1]})
		}
		a.must(a.do(v, "PUT", base+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": cl, "schema": map[string]any{"standard_v1": map[string]any{
			"receipt": map[string]any{"receipt_type": typ, "amounts_per_vat_rate": amounts, "amounts_per_payment_type": pays}}}}), 200)
		return tx
	}
	tx1 := sale("RECEIPT", [][2]string{{"NORMAL", "11.90"}, {"REDUCED_1", "1.07"}}, []map[string]string{{"payment_type": "CASH", "amount": "12.97"}})
	tx2 := sale("RECEIPT", [][2]string{{"NORMAL", "23.80"}}, []map[string]string{{"payment_type": "NON_CASH", "amount": "10.00"}, {"payment_type": "CASH", "amount": "12.00", "currency_code": "CHF"}})
	tx3 := sale("TRAINING", [][2]string{{"NORMAL", "5.95"}}, []map[string]string{{"payment_type": "CASH", "amount": "5.95"}})

	day := time.Now().UTC().Format(time.DateOnly)
	// The report's CSV convention (docs/exports.md › Transaction reports):
	// a byte order mark, then decimal commas.
	body := a.must(a.do(v, "GET", "/api/dashboard/reports/transactions?format=csv&kind=totals&from="+day+"&to="+day, nil), 200).body
	if !bytes.HasPrefix(body, []byte("\uFEFF")) {
		t.Fatalf("report CSV without byte order mark: %.40q", body)
	}
	totals := csvTable(t, bytes.TrimPrefix(body, []byte("\uFEFF")))
	want := map[string]map[string]string{
		"Beleg":      {"Belege": "2", "Brutto 19 %": "35,70", "Brutto 7 %": "1,07", "Brutto gesamt": "36,77", "Bar EUR": "12,97", "Unbar EUR": "10,00", "Bar CHF": "12,00", "Unbar CHF": "0,00"},
		"AVTraining": {"Belege": "1", "Brutto 19 %": "5,95", "Brutto gesamt": "5,95", "Bar EUR": "5,95", "Bar CHF": "0,00"},
	}
	if len(totals) != 2 {
		t.Fatalf("totals %v", totals)
	}
	for _, row := range totals {
		w, ok := want[row["Typ"]]
		if !ok {
			t.Fatalf("unexpected type %v", row)
		}
		for k, x := range w {
			if row[k] != x {
				t.Errorf("%s %s: %q, want %q", row["Typ"], k, row[k], x)
			}
		}
	}
	// The PDF says the placeholder zip once it is set; the answer too.
	a.must(a.do(v, "PATCH", "/api/v0/organizations/"+vendor, map[string]any{"zip": "00000"}), 200)
	pdf := a.must(a.do(v, "GET", "/api/dashboard/reports/transactions?format=pdf&from="+day+"&to="+day, nil), 200)
	if !strings.Contains(pdf.hdr.Get("X-Master-Data-Warning"), `zip is the placeholder "00000"`) {
		t.Fatalf("report warning header %q", pdf.hdr.Get("X-Master-Data-Warning"))
	}

	// DSFinV-K: a master register, a slave without TSS, one closing.
	a.must(a.do(v, "PUT", "/api/v1/cash_registers/"+cl, map[string]any{"cash_register_type": map[string]string{"type": "MASTER", "tss_id": tssID},
		"brand": "fiskaldesk", "model": "Kasse", "software": map[string]string{"brand": "POS", "version": "1"}, "base_currency_code": "EUR"}), 200)
	a.must(a.do(v, "PUT", "/api/v1/cash_registers/terminal-7", map[string]any{"cash_register_type": map[string]string{"type": "SLAVE_WITHOUT_TSS", "master_client_id": cl},
		"brand": "Handheld", "model": "H1", "software": map[string]string{"version": "2"}, "base_currency_code": "EUR"}), 200)
	vatAmt := func(id int, incl, excl, vat float64) map[string]any {
		return map[string]any{"vat_definition_export_id": id, "incl_vat": incl, "excl_vat": excl, "vat": vat}
	}
	txOf := func(id, bon, typ string, full float64, pays []map[string]any, vats []map[string]any) map[string]any {
		return map[string]any{"head": map[string]any{"tx_id": id, "transaction_export_id": bon, "closing_client_id": cl, "type": typ, "storno": false, "number": 1,
			"timestamp_start": 1764000000, "timestamp_end": "1764000005", "user": map[string]string{"user_export_id": "1", "name": "Kim"}},
			"data":     map[string]any{"full_amount_incl_vat": full, "payment_types": pays, "amounts_per_vat_id": vats, "lines": []any{}},
			"security": map[string]string{"tss_tx_id": id}}
	}
	const created = "1764000100"
	closing := map[string]any{"client_id": cl, "cash_point_closing_export_id": 1,
		"head": map[string]any{"export_creation_date": created, "business_date": "2025-11-24", "first_transaction_export_id": "B1", "last_transaction_export_id": "T1"},
		"cash_statement": map[string]any{
			"business_cases": []any{map[string]any{"type": "Umsatz", "amounts_per_vat_id": []any{vatAmt(1, 35.70, 30.00, 5.70), vatAmt(2, 1.07, 1.00, 0.07)}}},
			"payment": map[string]any{"full_amount": 36.77, "cash_amount": 26.77,
				"cash_amounts_by_currency": []any{map[string]any{"currency_code": "EUR", "amount": 12.97}, map[string]any{"currency_code": "CHF", "amount": 12.00}},
				"payment_types": []any{map[string]any{"type": "Bar", "currency_code": "EUR", "amount": 12.97}, map[string]any{"type": "Unbar", "currency_code": "EUR", "amount": 10.00},
					map[string]any{"type": "Bar", "currency_code": "CHF", "amount": 13.80, "foreign_amount": 12.00}}}},
		"transactions": []any{
			txOf(tx1, "B1", "Beleg", 12.97, []map[string]any{{"type": "Bar", "currency_code": "EUR", "amount": 12.97}}, []map[string]any{vatAmt(1, 11.90, 10.00, 1.90), vatAmt(2, 1.07, 1.00, 0.07)}),
			txOf(tx2, "B2", "Beleg", 23.80, []map[string]any{{"type": "Unbar", "currency_code": "EUR", "amount": 10.00}, {"type": "Bar", "currency_code": "CHF", "amount": 13.80, "foreign_amount": 12.00}}, []map[string]any{vatAmt(1, 23.80, 20.00, 3.80)}),
			txOf(tx3, "T1", "AVTraining", 5.95, nil, []map[string]any{vatAmt(1, 5.95, 5.00, 0.95)}),
		}}
	id := uuid.NewString()
	a.must(a.do(v, "PUT", "/api/v1/cash_point_closings/"+id, closing), 200) // export_creation_date as a string, as recorded
	if done := waitState(t, a, v, "/api/v1/cash_point_closings/"+id, "COMPLETED", "ERROR"); done["state"] != "COMPLETED" || done["export_creation_date"] != float64(1764000100) {
		t.Fatalf("closing: %v", done)
	}
	details := a.must(a.do(v, "GET", "/api/v1/cash_point_closings/"+id+"/details", nil), 200).body
	if !bytes.Contains(details, []byte(`"export_creation_date":1764000100`)) {
		t.Fatalf("the string is not stored as the number: %s", details)
	}
	if rep := a.must(a.do(v, "GET", "/api/v1/cash_point_closings/"+id+"/reports", nil), 200).body; bytes.Contains(rep, []byte("W_INCONSISTENT_AMOUNT")) {
		t.Fatalf("the training receipt made the figures look inconsistent: %s", rep)
	}
	export := func() (map[string]any, []byte) {
		eid := uuid.NewString()
		e := a.must(a.do(v, "PUT", "/api/v1/exports/"+eid, map[string]any{"format": "zip", "business_date_start": "2025-11-24", "business_date_end": "2025-11-24"}), 200).obj()
		if e := waitState(t, a, v, "/api/v1/exports/"+eid, "COMPLETED", "ERROR"); e["state"] != "COMPLETED" {
			t.Fatalf("export %v", e)
		}
		return e, a.must(a.do(v, "GET", "/api/v1/exports/"+eid+"/download", nil), 200).body
	}
	first, z1 := export()
	ws, _ := first["warnings"].([]any)
	if len(ws) != 2 || !strings.Contains(ws[0].(map[string]any)["message"].(string), `zip is the placeholder "00000"`) ||
		!strings.Contains(ws[1].(map[string]any)["message"].(string), "neither tax_number nor vat_id") {
		t.Fatalf("export answer warnings: %v", first["warnings"])
	}
	time.Sleep(1100 * time.Millisecond) // another second: the bytes must not follow the clock
	_, z2 := export()
	if !bytes.Equal(z1, z2) {
		t.Fatal("two exports of the same data differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(z1), int64(len(z1)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		if !f.Modified.Equal(time.Unix(1764000100, 0)) {
			t.Fatalf("%s dated %v, want the closing's creation", f.Name, f.Modified)
		}
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	slaves := csvTable(t, files["slaves.csv"])
	if len(slaves) != 1 || slaves[0]["TERMINAL_ID"] != "terminal-7" || slaves[0]["TERMINAL_BRAND"] != "Handheld" || slaves[0]["TERMINAL_SERIENNR"] != "terminal-7" {
		t.Fatalf("slaves.csv %v", slaves)
	}
	var vatIDs []string
	for _, r := range csvTable(t, files["vat.csv"]) {
		vatIDs = append(vatIDs, r["UST_SCHLUESSEL"])
	}
	if !slices.Equal(vatIDs, []string{"1", "2"}) {
		t.Fatalf("vat.csv keys %v", vatIDs)
	}
	cur := map[string]string{}
	for _, r := range csvTable(t, files["cash_per_currency.csv"]) {
		cur[r["ZAHLART_WAEH"]] = r["ZAHLART_BETRAG_WAEH"]
	}
	if cur["EUR"] != "12,97" || cur["CHF"] != "12,00" || len(cur) != 2 {
		t.Fatalf("cash_per_currency.csv %v", cur)
	}
	types := map[string]string{}
	for _, r := range csvTable(t, files["transactions.csv"]) {
		types[r["BON_ID"]] = r["BON_TYP"] + " " + r["UMS_BRUTTO"]
	}
	if types["B1"] != "Beleg 12,97" || types["B2"] != "Beleg 23,80" || types["T1"] != "AVTraining 5,95" {
		t.Fatalf("transactions.csv %v", types)
	}
	var foreign []string
	for _, r := range csvTable(t, files["datapayment.csv"]) {
		if r["ZAHLWAEH_CODE"] == "CHF" {
			foreign = append(foreign, r["BASISWAEH_BETRAG"]+"/"+r["ZAHLWAEH_BETRAG"])
		}
	}
	if !slices.Equal(foreign, []string{"13,80/12,00"}) {
		t.Fatalf("datapayment.csv CHF %v", foreign)
	}
	if cpc := csvTable(t, files["cashpointclosing.csv"]); cpc[0]["Z_SE_ZAHLUNGEN"] != "36,77" || cpc[0]["Z_SE_BARZAHLUNGEN"] != "26,77" || cpc[0]["PLZ"] != "00000" {
		t.Fatalf("cashpointclosing.csv %v", cpc)
	}
}
