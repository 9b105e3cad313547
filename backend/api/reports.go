package api

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/report"
)

// transactionReport is GET /api/dashboard/reports/transactions (extension):
// organization_id (default: the acting org), include_managed, from and to
// (YYYY-MM-DD, inclusive, UTC; default: this month), format csv|xlsx|pdf,
// for CSV kind totals|receipts, and lang de|en (default de) for the texts.
func (a *handlers) transactionReport(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	q := r.URL.Query()
	lang, err := oneOf(q, "lang", report.LangDE, report.LangEN)
	if err != nil {
		return err
	}
	p := report.Params{OrgID: c.ActingOrg, IncludeManaged: q.Get("include_managed") == "true", Lang: lang}
	if id := q.Get("organization_id"); id != "" {
		if p.OrgID, err = pathUUID(r, "organization_id", id); err != nil {
			return err
		}
	}
	now := time.Now().UTC()
	p.From = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	p.To = p.From.AddDate(0, 1, 0)
	for name, dst := range map[string]*time.Time{"from": &p.From, "to": &p.To} {
		if s := q.Get(name); s != "" {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return Errorf(http.StatusBadRequest, CodeSchema, "%s: must be a date YYYY-MM-DD", name)
			}
			*dst = d
		}
	}
	if q.Get("to") != "" {
		p.To = p.To.AddDate(0, 0, 1) // inclusive day
	}
	if !p.From.Before(p.To) {
		return Errorf(http.StatusBadRequest, CodeSchema, "from: must not be after to")
	}
	format, err := oneOf(q, "format", "csv", "xlsx", "pdf")
	if err != nil {
		return err
	}
	kind, err := oneOf(q, "kind", "totals", "receipts")
	if err != nil {
		return err
	}
	rep, err := report.Build(r.Context(), a.orgs, a.tss, c, p)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	name := rep.FileName()
	if len(rep.Gaps) > 0 {
		// Placeholder master data: said in the answer (and in the PDF's header).
		w.Header().Set("X-Master-Data-Warning", strings.Join(rep.Gaps, "; "))
	}
	switch format {
	case "xlsx":
		err = rep.XLSX(&buf)
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		name += ".xlsx"
	case "pdf":
		err = rep.PDF(&buf)
		w.Header().Set("Content-Type", "application/pdf")
		name += ".pdf"
	default:
		if kind == "" {
			kind = "receipts"
		}
		err = rep.CSV(&buf, kind)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		name += "-" + kind + ".csv"
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(buf.Bytes())
	return nil
}
