package dsfinvk

import (
	"archive/tar"
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// row is one CSV record by column name; columns it lacks stay empty.
type row map[string]any

// tableSet collects the rows of every table.
type tableSet map[string][]row

func (t tableSet) add(url string, key row, r row) {
	out := row{}
	for k, v := range key {
		out[k] = v
	}
	for k, v := range r {
		out[k] = v
	}
	t[url] = append(t[url], out)
}

// dsTime is DSFinV-K's time format for non-TSE times (ISO 8601, UTC).
func dsTime(unix int64) string { return time.Unix(unix, 0).UTC().Format("2006-01-02T15:04:05Z") }

func boolFlag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// fill adds the rows of one closing. slaves are the registers whose
// master is reg (Stamm_Terminals); agencies are the purchaser agencies
// (Stamm_Agenturen), those of reg go into pa.csv, and a business case's
// purchaser_agency_id names one of them by id (AGENTUR_ID is its export
// id; 0 without one).
func fill(t tableSet, cl *Closing, reg *CashRegister, slaves []CashRegister, agencies []PurchaserAgency, o *org.Organization, vats map[uint32]VatDefinition, tseRows func(tx Transaction) row) {
	key := row{"Z_KASSE_ID": reg.ClientSerial, "Z_ERSTELLUNG": dsTime(cl.Head.ExportCreationDate), "Z_NR": *cl.ExportID}
	p := cl.CashStatement.Payment
	t.add("cashpointclosing.csv", key, row{"Z_BUCHUNGSTAG": cl.Head.BusinessDate, "TAXONOMIE_VERSION": TaxonomyVersion,
		"Z_START_ID": cl.Head.FirstTransactionExportID, "Z_ENDE_ID": cl.Head.LastTransactionExportID,
		"NAME": o.Name, "STRASSE": o.AddressLine1, "PLZ": o.Zip, "ORT": o.Town, "LAND": o.CountryCode, "STNR": o.TaxNumber, "USTID": o.VatID,
		"Z_SE_ZAHLUNGEN": p.FullAmount, "Z_SE_BARZAHLUNGEN": p.CashAmount})
	t.add("location.csv", key, row{"LOC_NAME": o.Name, "LOC_STRASSE": o.AddressLine1, "LOC_PLZ": o.Zip, "LOC_ORT": o.Town, "LOC_LAND": o.CountryCode, "LOC_USTID": o.VatID})
	t.add("cashregister.csv", key, row{"KASSE_BRAND": reg.Brand, "KASSE_MODELL": reg.Model, "KASSE_SERIENNR": reg.ClientSerial,
		"KASSE_SW_BRAND": reg.Software.Brand, "KASSE_SW_VERSION": reg.Software.Version, "KASSE_BASISWAEH_CODE": reg.BaseCurrencyCode,
		"KEINE_UST_ZUORDNUNG": boolFlag(reg.ProcessingFlags.UmsatzsteuerNichtErmittelbar)})
	if reg.SerialNumber != "" {
		cert := reg.Certificate
		c1, c2 := cert, ""
		if len(cert) > 1000 {
			c1, c2 = cert[:1000], cert[1000:]
		}
		t.add("tse.csv", key, row{"TSE_ID": 1, "TSE_SERIAL": reg.SerialNumber, "TSE_SIG_ALGO": reg.SignatureAlgorithm,
			"TSE_ZEITFORMAT": reg.SignatureTimestampFormat, "TSE_PD_ENCODING": reg.TransactionDataEncoding, "TSE_PUBLIC_KEY": reg.PublicKey,
			"TSE_ZERTIFIKAT_I": c1, "TSE_ZERTIFIKAT_II": c2})
	}
	for _, sl := range slaves {
		t.add("slaves.csv", key, row{"TERMINAL_ID": sl.ClientID, "TERMINAL_BRAND": sl.Brand, "TERMINAL_MODELL": sl.Model,
			"TERMINAL_SERIENNR": sl.ClientSerial, "TERMINAL_SW_BRAND": sl.Software.Brand, "TERMINAL_SW_VERSION": sl.Software.Version})
	}
	agencyID := map[string]int{}
	for _, a := range agencies {
		agencyID[a.ID] = a.PurchaserAgencyExportID
		if a.ClientID == reg.ClientID {
			t.add("pa.csv", key, row{"AGENTUR_ID": a.PurchaserAgencyExportID, "AGENTUR_NAME": a.Name, "AGENTUR_STRASSE": a.Address.Street,
				"AGENTUR_PLZ": a.Address.PostalCode, "AGENTUR_ORT": a.Address.City, "AGENTUR_LAND": a.Address.CountryCode,
				"AGENTUR_STNR": a.TaxNumber, "AGENTUR_USTID": a.VatIDNumber})
		}
	}
	used := map[uint32]bool{}
	for _, bc := range cl.CashStatement.BusinessCases {
		for _, a := range bc.AmountsPerVatID {
			used[a.VatDefinitionExportID] = true
			t.add("businesscases.csv", key, row{"GV_TYP": bc.Type, "GV_NAME": bc.Name, "AGENTUR_ID": agencyID[bc.PurchaserAgencyID], "UST_SCHLUESSEL": a.VatDefinitionExportID,
				"Z_UMS_BRUTTO": a.InclVat, "Z_UMS_NETTO": a.ExclVat, "Z_UST": a.Vat})
		}
	}
	for _, pt := range p.PaymentTypes {
		t.add("payment.csv", key, row{"ZAHLART_TYP": pt.Type, "ZAHLART_NAME": pt.Name, "Z_ZAHLART_BETRAG": pt.Amount})
	}
	for _, c := range p.CashAmountsByCurrency {
		t.add("cash_per_currency.csv", key, row{"ZAHLART_WAEH": c.CurrencyCode, "ZAHLART_BETRAG_WAEH": c.Amount})
	}
	for _, tx := range cl.Transactions {
		h, d := tx.Head, tx.Data
		bon := row{"BON_ID": h.TransactionExportID}
		r := row{"BON_NR": h.Number, "BON_TYP": h.Type, "BON_NAME": h.Name, "TERMINAL_ID": h.ClosingClientID, "BON_STORNO": boolFlag(h.Storno),
			"BON_START": dsTime(h.TimestampStart), "BON_ENDE": dsTime(h.TimestampEnd), "UMS_BRUTTO": d.FullAmountInclVat}
		if h.User != nil {
			r["BEDIENER_ID"], r["BEDIENER_NAME"] = h.User.UserExportID, h.User.Name
		}
		if h.Buyer != nil {
			r["KUNDE_NAME"], r["KUNDE_ID"], r["KUNDE_TYP"] = h.Buyer.Name, h.Buyer.BuyerExportID, h.Buyer.Type
		}
		t.add("transactions.csv", key, merge(bon, r))
		for _, pt := range d.PaymentTypes {
			pr := row{"ZAHLART_TYP": pt.Type, "ZAHLART_NAME": pt.Name, "ZAHLWAEH_CODE": pt.CurrencyCode, "BASISWAEH_BETRAG": pt.Amount}
			if pt.ForeignAmount != nil {
				pr["ZAHLWAEH_BETRAG"] = *pt.ForeignAmount
			}
			t.add("datapayment.csv", key, merge(bon, pr))
		}
		for _, a := range d.AmountsPerVatID {
			used[a.VatDefinitionExportID] = true
			t.add("transactions_vat.csv", key, merge(bon, row{"UST_SCHLUESSEL": a.VatDefinitionExportID, "BON_BRUTTO": a.InclVat, "BON_NETTO": a.ExclVat, "BON_UST": a.Vat}))
		}
		for _, l := range d.Lines {
			pos := merge(bon, row{"POS_ZEILE": l.LineitemExportID})
			t.add("lines.csv", key, merge(pos, row{"ARTIKELTEXT": l.Text, "GV_TYP": l.BusinessCase.Type, "GV_NAME": l.BusinessCase.Name,
				"INHAUS": "0", "P_STORNO": boolFlag(l.Storno), "AGENTUR_ID": agencyID[l.BusinessCase.PurchaserAgencyID], "ART_NR": l.Item.Number, "MENGE": l.Item.Quantity, "FAKTOR": 1.0, "STK_BR": l.Item.PricePerUnit}))
			for _, a := range l.BusinessCase.AmountsPerVatID {
				used[a.VatDefinitionExportID] = true
				t.add("itemamounts.csv", key, merge(pos, row{"TYP": "base_amount", "UST_SCHLUESSEL": a.VatDefinitionExportID, "PF_BRUTTO": a.InclVat, "PF_NETTO": a.ExclVat, "PF_UST": a.Vat}))
				t.add("lines_vat.csv", key, merge(pos, row{"UST_SCHLUESSEL": a.VatDefinitionExportID, "POS_BRUTTO": a.InclVat, "POS_NETTO": a.ExclVat, "POS_UST": a.Vat}))
			}
		}
		if r := tseRows(tx); r != nil {
			t.add("transactions_tse.csv", key, merge(bon, r))
		}
		for _, ref := range h.References {
			t.add("references.csv", key, merge(bon, row{"POS_ZEILE": "", "REF_TYP": ref.Type, "REF_NAME": ref.Name, "REF_DATUM": refDate(ref.Date),
				"REF_Z_KASSE_ID": ref.CashRegisterExportID, "REF_Z_NR": ref.CashPointClosingExportID, "REF_BON_ID": cmpOr(ref.TransactionExportID, ref.ExternalExportID)}))
		}
	}
	// In key order, not map order: the same data gives the same bytes.
	for _, id := range slices.Sorted(maps.Keys(used)) {
		v := vats[id]
		t.add("vat.csv", key, row{"UST_SCHLUESSEL": id, "UST_SATZ": v.Percentage, "UST_BESCHR": v.Description})
	}
}

func refDate(d int64) string {
	if d == 0 {
		return ""
	}
	return dsTime(d)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func merge(a, b row) row {
	out := row{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// cell writes one value as index.xml declares the column: text in quotes
// ("" escapes a quote), cut to the declared length; numbers with the
// declared decimals and a decimal comma.
func cell(c Column, v any) string {
	if v == nil {
		return ""
	}
	if c.Numeric {
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case int:
			f = float64(x)
		case int64:
			f = float64(x)
		case uint32:
			f = float64(x)
		case string:
			if x == "" {
				return ""
			}
			f, _ = strconv.ParseFloat(x, 64)
		}
		s := strconv.FormatFloat(f, 'f', c.Accuracy, 64)
		if strings.Trim(s, "-0.") == "" {
			s = strings.TrimPrefix(s, "-") // what rounds to zero is 0,00, never -0,00
		}
		return strings.Replace(s, ".", ",", 1)
	}
	s := fmt.Sprint(v)
	if c.MaxLength > 0 && utf8.RuneCountInString(s) > c.MaxLength {
		s = string([]rune(s)[:c.MaxLength])
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// writeCSV renders a table: header, then rows, ';' and CRLF.
func writeCSV(tb Table, rows []row) []byte {
	var b strings.Builder
	for i, c := range tb.Columns {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(c.Name)
	}
	b.WriteString("\r\n")
	for _, r := range rows {
		for i, c := range tb.Columns {
			if i > 0 {
				b.WriteByte(';')
			}
			b.WriteString(cell(c, r[c.Name]))
		}
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

// buildExport is the export job: it writes the archive and marks the
// export COMPLETED, or ERROR. A cancel (recorded already by CancelExport)
// or a shutdown stops it; after a shutdown it runs again from the start.
func (s *Service) buildExport(ctx context.Context, run *jobs.Run, o, env, id string) error {
	pending := func(e *Export) bool { return e.State == StatePending || e.State == StateWorking }
	e, err := s.updateExport(ctx, o, env, id, func(_ store.Tx, e *Export) (bool, error) {
		if !pending(e) {
			return false, nil
		}
		e.State, e.TimeStart = StateWorking, s.now().Unix()
		return true, nil
	})
	if err != nil || e.State != StateWorking {
		return err // cancelled before it started
	}
	path := s.exportPath(e)
	run.Progress(0, int64(len(e.CashPointClosings)))
	files, stamp, err := s.exportFiles(ctx, o, env, e, run)
	if err == nil {
		err = s.writeArchive(e, files, stamp)
	}
	if ctx.Err() != nil {
		return errors.Join(context.Cause(ctx), removeFile(path))
	}
	now := s.now().Unix()
	var size int64
	if err == nil {
		fi, serr := os.Stat(path)
		if serr != nil {
			err = serr
		} else {
			size = fi.Size()
		}
	}
	e, werr := s.updateExport(context.WithoutCancel(ctx), o, env, id, func(_ store.Tx, e *Export) (bool, error) {
		if !pending(e) {
			return false, nil // cancelled in the last moment: CANCELLED stays
		}
		if err != nil {
			code := "E_INTERNAL"
			if errors.Is(err, store.ErrDiskFull) {
				code = "E_DISK_FULL"
			}
			e.State, e.TimeError, e.Error = StateError, now, &ErrorInfo{code, err.Error()}
		} else {
			e.State, e.TimeCompleted, e.Size = StateCompleted, now, size
		}
		return true, nil
	})
	if err != nil {
		s.log.Error().Err(err).Str("export", id).Msg("dsfinvk export failed")
	}
	if werr != nil || e.State != StateCompleted {
		werr = errors.Join(werr, removeFile(path))
	}
	return werr
}

// removeFile removes a file that may not exist.
func removeFile(name string) error {
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

type file struct {
	name string
	data []byte
}

// exportFiles renders index.xml, the DTD and the 20 tables, and returns
// the time to stamp the archive members with: the latest Z_ERSTELLUNG of
// the closings, so that the same data gives the same bytes whenever it is
// exported. It stops when ctx ends and reports progress in closings.
func (s *Service) exportFiles(ctx context.Context, o, env string, e *Export, run *jobs.Run) ([]file, time.Time, error) {
	tables, err := Tables()
	if err != nil {
		return nil, time.Time{}, err
	}
	sys := systemCaller(o, env)
	organization, _, err := s.orgs.Get(sys.Viewer, o)
	if err != nil {
		return nil, time.Time{}, err
	}
	vatList, err := s.VatDefinitions(sys)
	if err != nil {
		return nil, time.Time{}, err
	}
	vats := map[uint32]VatDefinition{}
	for _, v := range vatList {
		vats[v.ExportID] = v
	}
	slaves := map[string][]CashRegister{}
	all, _, err := s.Registers(sys, 1<<30, 0)
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, r := range all {
		if r.MasterClientID != "" {
			slaves[r.MasterClientID] = append(slaves[r.MasterClientID], r)
		}
	}
	agencies, _, err := s.Agencies(sys, 1<<30, 0)
	if err != nil {
		return nil, time.Time{}, err
	}
	set := tableSet{}
	var latest int64
	for i, cid := range e.CashPointClosings {
		if ctx.Err() != nil {
			return nil, time.Time{}, context.Cause(ctx)
		}
		run.Progress(int64(i), int64(len(e.CashPointClosings)))
		rec, _, _, err := s.closing(sys, cid)
		if err != nil {
			return nil, time.Time{}, err
		}
		var cl Closing
		if err := json.Unmarshal(rec.Body, &cl); err != nil {
			return nil, time.Time{}, err
		}
		latest = max(latest, cl.Head.ExportCreationDate)
		reg, err := s.register(o, env, cl.ClientID, -1)
		if err != nil {
			return nil, time.Time{}, err
		}
		fill(set, &cl, reg, slaves[reg.ClientID], agencies, organization, vats, func(tx Transaction) row { return s.tseRow(sys, reg, tx) })
	}
	files := []file{{"index.xml", IndexXML}, {"gdpdu-01-09-2004.dtd", DTD}}
	for _, tb := range tables {
		files = append(files, file{tb.URL, writeCSV(tb, set[tb.URL])})
	}
	return files, time.Unix(latest, 0).UTC(), nil
}

// tseRow fills transactions_tse.csv from the signed SIGN DE transaction,
// or records the TSE failure the POS reported.
func (s *Service) tseRow(sys tss.Caller, reg *CashRegister, tx Transaction) row {
	if tx.Security.ErrorMessage != "" && tx.Security.TSSTxID == "" {
		return row{"TSE_ID": 1, "TSE_TA_FEHLER": tx.Security.ErrorMessage}
	}
	if tx.Security.TSSTxID == "" || reg.TSSID == "" {
		return nil
	}
	v, err := s.tss.GetTx(sys, reg.TSSID, tx.Security.TSSTxID, 0)
	if err != nil {
		return row{"TSE_ID": 1, "TSE_TA_FEHLER": "transaction not found in the TSS: " + tx.Security.TSSTxID}
	}
	r := row{"TSE_ID": 1, "TSE_TANR": int64(v.Number), "TSE_TA_START": time.Unix(v.TimeStart, 0).UTC().Format(tse.QRTime),
		"TSE_TA_ENDE": time.Unix(v.TimeEnd, 0).UTC().Format(tse.QRTime), "TSE_TA_SIGZ": int64(v.Signature.Counter), "TSE_TA_SIG": v.Signature.Value}
	if f, err := tse.SplitQRCodeData(v.QRCodeData); err == nil && len(f) == 12 {
		r["TSE_TA_VORGANGSART"], r["TSE_VORGANGSDATEN"] = f[2], f[3]
	}
	return r
}

func (s *Service) writeArchive(e *Export, files []file, stamp time.Time) error {
	tmp := s.exportPath(e) + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := s.st.SpaceGuard(f)
	if e.Format == "zip" {
		err = writeZip(w, files, stamp)
	} else {
		err = writeTar(w, files, stamp)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.exportPath(e))
	}
	if err != nil {
		return errors.Join(err, removeFile(tmp))
	}
	return nil
}

func writeTar(w io.Writer, files []file, now time.Time) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: now, Format: tar.FormatUSTAR}); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeZip(w io.Writer, files []file, stamp time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		// Without a date, zip writes the DOS epoch (shown as 1979-12-31).
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return zw.Close()
}
