package api

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/fixtures"
)

// officialIndex reads the reference index.xml itself: table file → columns.
func officialIndex(t *testing.T) (map[string][]string, []string, []byte) {
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
			URL  string   `xml:"URL"`
			Cols []string `xml:"VariableLength>VariableColumn>Name"`
		} `xml:"Media>Table"`
	}
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = false
	if err := d.Decode(&x); err != nil {
		t.Fatal(err)
	}
	cols := map[string][]string{}
	var order []string
	for _, tb := range x.Tables {
		cols[tb.URL] = tb.Cols
		order = append(order, tb.URL)
	}
	return cols, order, raw
}

func waitState(t *testing.T, a *testApp, c cred, path string, states ...string) map[string]any {
	t.Helper()
	for range 500 {
		o := a.must(a.do(c, "GET", path, nil), 200).obj()
		for _, s := range states {
			if o["state"] == s {
				return o
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never reached %v", path, states)
	return nil
}

func TestDSFinVKExportMatchesIndexXML(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 2)
	for _, cl := range clients {
		a.must(a.do(v, "PUT", "/api/v1/cash_registers/"+cl, map[string]any{
			"cash_register_type": map[string]string{"type": "MASTER", "tss_id": tssID},
			"brand":              "fiskaldesk", "model": "Kasse 1", "software": map[string]string{"brand": "POS", "version": "1.0"}, "base_currency_code": "EUR",
		}), 200)
	}
	// A slave without TSS under the first register, and a revision of a register.
	slave := uuid.NewString()
	a.must(a.do(v, "PUT", "/api/v1/cash_registers/"+slave, map[string]any{"cash_register_type": map[string]string{"type": "SLAVE_WITHOUT_TSS", "master_client_id": clients[0]},
		"brand": "b", "model": "m", "software": map[string]string{"version": "1"}, "base_currency_code": "EUR"}), 200)
	if r := a.must(a.do(v, "PUT", "/api/v1/cash_registers/"+clients[0], map[string]any{"cash_register_type": map[string]string{"type": "MASTER", "tss_id": tssID},
		"brand": "fiskaldesk", "model": "Kasse 1b", "software": map[string]string{"brand": "POS", "version": "1.1"}, "base_currency_code": "EUR"}), 200).obj(); r["revision"].(float64) != 1 {
		t.Fatalf("revision %v", r["revision"])
	}
	if r := a.must(a.do(v, "GET", "/api/v1/cash_registers/"+clients[0]+"?revision=0", nil), 200).obj(); r["model"] != "Kasse 1" || r["cash_register_type"] != "MASTER" {
		t.Fatalf("revision 0: %v", r)
	}

	sigs := map[string]string{} // BON_ID → signature of its SIGN DE transaction
	for day := 1; day <= 3; day++ {
		for ci, cl := range clients {
			var txs []map[string]any
			total := 0.0
			for i := range 3 {
				txID := uuid.NewString()
				base := "/api/v2/tss/" + tssID + "/tx/" + txID
				a.must(a.do(v, "PUT", base+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": cl}), 200)
				fin := parseTx(t, a.must(a.do(v, "PUT", base+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": cl, "schema": receipt("11.90")}), 200))
				bon := fmt.Sprintf("K%d-D%d-%d", ci, day, i)
				sigs[bon] = fin.Signature.Value
				total += 12.97
				txs = append(txs, map[string]any{
					"head": map[string]any{"tx_id": txID, "transaction_export_id": bon, "closing_client_id": cl, "type": "Beleg", "storno": false, "number": i + 1,
						"timestamp_start": fin.TimeStart, "timestamp_end": fin.Log.Timestamp, "user": map[string]string{"user_export_id": "7", "name": "Ina \"Chefin\" K."}},
					"data": map[string]any{"full_amount_incl_vat": 12.97,
						"payment_types":      []map[string]any{{"type": "Bar", "currency_code": "EUR", "amount": 12.97}},
						"amounts_per_vat_id": []map[string]any{{"vat_definition_export_id": 1, "incl_vat": 11.9, "excl_vat": 10, "vat": 1.9}, {"vat_definition_export_id": 2, "incl_vat": 1.07, "excl_vat": 1, "vat": 0.07}},
						"lines": []map[string]any{{"lineitem_export_id": "1", "storno": false, "text": "Kaffee; groß", "item": map[string]any{"number": "A1", "quantity": 1, "price_per_unit": 11.9},
							"business_case": map[string]any{"type": "Umsatz", "amounts_per_vat_id": []map[string]any{{"vat_definition_export_id": 1, "incl_vat": 11.9, "excl_vat": 10, "vat": 1.9}}}}}},
					"security": map[string]string{"tss_tx_id": txID},
				})
			}
			closing := map[string]any{"client_id": cl, "cash_point_closing_export_id": day,
				"head": map[string]any{"export_creation_date": time.Now().Unix(), "first_transaction_export_id": txs[0]["head"].(map[string]any)["transaction_export_id"],
					"last_transaction_export_id": txs[2]["head"].(map[string]any)["transaction_export_id"], "business_date": fmt.Sprintf("2026-11-0%d", day)},
				"cash_statement": map[string]any{"business_cases": []map[string]any{{"type": "Umsatz", "amounts_per_vat_id": []map[string]any{{"vat_definition_export_id": 1, "incl_vat": 35.7, "excl_vat": 30, "vat": 5.7}, {"vat_definition_export_id": 2, "incl_vat": 3.21, "excl_vat": 3, "vat": 0.21}}}},
					"payment": map[string]any{"full_amount": total, "cash_amount": total, "cash_amounts_by_currency": []map[string]any{{"currency_code": "EUR", "amount": total}},
						"payment_types": []map[string]any{{"type": "Bar", "currency_code": "EUR", "amount": total}}}},
				"transactions": txs}
			id := uuid.NewString()
			r := a.must(a.do(v, "PUT", "/api/v1/cash_point_closings/"+id, closing), 200).obj()
			if r["state"] != "PENDING" || r["_type"] != "CASH_POINT_CLOSING" {
				t.Fatalf("%v", r)
			}
			a.must(a.do(v, "PUT", "/api/v1/cash_point_closings/"+id, closing), 200) // idempotent
			done := waitState(t, a, v, "/api/v1/cash_point_closings/"+id, "COMPLETED", "ERROR")
			if done["state"] != "COMPLETED" {
				t.Fatalf("closing: %v", done)
			}
			reports := a.must(a.do(v, "GET", "/api/v1/cash_point_closings/"+id+"/reports", nil), 200).body
			if bytes.Contains(reports, []byte("W_TSS_TX_NOT_FOUND")) || bytes.Contains(reports, []byte("W_INCONSISTENT")) {
				t.Fatalf("unexpected reports: %s", reports)
			}
			closing["head"].(map[string]any)["business_date"] = "changed"
			wantCode(t, a.do(v, "PUT", "/api/v1/cash_point_closings/"+id, closing), 409, "E_CASH_POINT_CLOSING_CONFLICT")
		}
	}
	// Closing numbers rise per register; an inconsistent closing gets reports.
	bad := uuid.NewString()
	a.must(a.do(v, "PUT", "/api/v1/cash_point_closings/"+bad, map[string]any{"client_id": clients[0], "cash_point_closing_export_id": 2,
		"head": map[string]any{"export_creation_date": time.Now().Unix()}, "cash_statement": map[string]any{"payment": map[string]any{"full_amount": 5}}, "transactions": []any{}}), 200)
	e := waitState(t, a, v, "/api/v1/cash_point_closings/"+bad, "COMPLETED", "ERROR")
	if e["state"] != "ERROR" || e["error"].(map[string]any)["code"] != "E_CASH_POINT_CLOSING_EXPORT_ID" {
		t.Fatalf("descending Z_NR: %v", e)
	}
	if rep := a.must(a.do(v, "GET", "/api/v1/cash_point_closings/"+bad+"/reports", nil), 200).body; !bytes.Contains(rep, []byte("payment_types is empty")) || !bytes.Contains(rep, []byte("business_date is missing")) {
		t.Fatalf("reports do not name the fields: %s", rep)
	}
	wantCode(t, a.do(v, "PUT", "/api/v1/cash_point_closings/"+uuid.NewString(), map[string]any{"client_id": slave, "cash_point_closing_export_id": 1, "head": map[string]any{}, "cash_statement": map[string]any{}, "transactions": []any{}}), 400, "E_FAILED_SCHEMA_VALIDATION")
	wantCode(t, a.do(v, "PUT", "/api/v1/exports/"+uuid.NewString(), map[string]string{"business_date_start": "2030-01-01", "business_date_end": "2030-01-31"}), 404, "E_CASH_POINT_CLOSING_NOT_FOUND")

	// The export of the three days.
	exportID := uuid.NewString()
	a.must(a.do(v, "PUT", "/dsfinvk/api/v0/exports/"+exportID, map[string]string{"business_date_start": "2026-11-01", "business_date_end": "2026-11-03"}), 200)
	wantCode(t, a.do(v, "PUT", "/api/v1/exports/"+exportID, map[string]string{"business_date_start": "2026-11-01", "business_date_end": "2026-11-03"}), 409, "E_EXPORT_CONFLICT")
	ex := waitState(t, a, v, "/api/v1/exports/"+exportID, "COMPLETED", "ERROR")
	if ex["state"] != "COMPLETED" || len(ex["cash_point_closings"].([]any)) != 6 {
		t.Fatalf("export: %v", ex)
	}
	if href := a.must(a.do(v, "GET", "/api/v1/exports/"+exportID+"/href", nil), 200).str("href"); !strings.HasSuffix(href, "/download") {
		t.Fatalf("href %q", href)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(a.must(a.do(v, "GET", "/api/v1/exports/"+exportID+"/download", nil), 200).body))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name], _ = io.ReadAll(tr)
	}
	cols, order, rawIndex := officialIndex(t)
	if !bytes.Equal(files["index.xml"], rawIndex) || len(files["gdpdu-01-09-2004.dtd"]) == 0 {
		t.Fatal("index.xml or DTD missing or changed")
	}
	tables := map[string][]map[string]string{}
	for _, name := range order {
		data, ok := files[name]
		if !ok {
			t.Fatalf("%s missing", name)
		}
		if !bytes.HasSuffix(data, []byte("\r\n")) || bytes.Count(data, []byte("\n")) != bytes.Count(data, []byte("\r\n")) {
			t.Fatalf("%s: records must end in CRLF", name)
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.Comma = ';'
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Join(recs[0], ";") != strings.Join(cols[name], ";") {
			t.Fatalf("%s header %v, index.xml says %v", name, recs[0], cols[name])
		}
		for i, rec := range recs[1:] {
			if len(rec) != len(cols[name]) {
				t.Fatalf("%s row %d has %d columns", name, i+2, len(rec))
			}
			m := map[string]string{}
			for j, c := range cols[name] {
				m[c] = rec[j]
			}
			tables[name] = append(tables[name], m)
		}
	}
	zkey := func(m map[string]string) string { return m["Z_KASSE_ID"] + "|" + m["Z_ERSTELLUNG"] + "|" + m["Z_NR"] }
	closings := map[string]bool{}
	for _, m := range tables["cashpointclosing.csv"] {
		closings[zkey(m)] = true
		if m["Z_SE_ZAHLUNGEN"] != "38,91" || m["NAME"] != "POS Vendor GmbH" {
			t.Fatalf("cashpointclosing row %v", m)
		}
	}
	if len(closings) != 6 || len(tables["transactions.csv"]) != 18 || len(tables["transactions_tse.csv"]) != 18 || len(tables["cashregister.csv"]) != 6 {
		t.Fatalf("closings %d, receipts %d, tse rows %d", len(closings), len(tables["transactions.csv"]), len(tables["transactions_tse.csv"]))
	}
	bons := map[string]bool{}
	for name, rows := range tables {
		for _, m := range rows {
			if !closings[zkey(m)] {
				t.Fatalf("%s refers to closing %s, which cashpointclosing.csv lacks", name, zkey(m))
			}
		}
	}
	for _, m := range tables["transactions.csv"] {
		bons[zkey(m)+"|"+m["BON_ID"]] = true
		if m["UMS_BRUTTO"] != "12,97" || m["BEDIENER_NAME"] != `Ina "Chefin" K.` {
			t.Fatalf("Bonkopf %v", m)
		}
	}
	tseIDs := map[string]bool{}
	for _, m := range tables["tse.csv"] {
		tseIDs[zkey(m)+"|"+m["TSE_ID"]] = true
	}
	for _, name := range []string{"datapayment.csv", "lines.csv", "itemamounts.csv", "transactions_tse.csv", "transactions_vat.csv", "lines_vat.csv"} {
		for _, m := range tables[name] {
			if !bons[zkey(m)+"|"+m["BON_ID"]] {
				t.Fatalf("%s refers to BON_ID %s, missing in transactions.csv", name, m["BON_ID"])
			}
		}
	}
	for _, m := range tables["transactions_tse.csv"] {
		if !tseIDs[zkey(m)+"|"+m["TSE_ID"]] || m["TSE_TA_SIG"] != sigs[m["BON_ID"]] || m["TSE_TA_VORGANGSART"] != "Kassenbeleg-V1" {
			t.Fatalf("TSE row %v does not match tse.csv or the signed transaction", m)
		}
	}
	// The ZIP variant holds the same members.
	zid := uuid.NewString()
	a.must(a.do(v, "PUT", "/api/v1/exports/"+zid, map[string]any{"format": "zip", "client_id": clients[1], "business_date_start": "2026-11-01", "business_date_end": "2026-11-03"}), 200)
	waitState(t, a, v, "/api/v1/exports/"+zid, "COMPLETED")
	zb := a.must(a.do(v, "GET", "/api/v1/exports/"+zid+"/download", nil), 200).body
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 22 {
		t.Fatalf("zip: %d members", len(zr.File))
	}
}
