package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

func (a *handlers) exportParams(r *http.Request) (tss.Caller, string, string, error) {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return c, "", "", err
	}
	eid, err := param(r, "export_id")
	return c, id, eid, err
}

// exportFilters reads the filters from the query and, as some clients
// send them, from a JSON body (query wins).
func exportFilters(r *http.Request) (tss.ExportParams, error) {
	var p tss.ExportParams
	vals := url.Values{}
	var body map[string]any
	if err := decode(r, &body); err != nil {
		return p, err
	}
	for k, v := range body {
		switch x := v.(type) {
		case string:
			vals.Set(k, x)
		case float64:
			vals.Set(k, strconv.FormatFloat(x, 'f', -1, 64))
		}
	}
	for k, v := range r.URL.Query() {
		vals[k] = v
	}
	num := func(name string) (uint64, error) {
		s := vals.Get(name)
		if s == "" {
			return 0, nil
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			return 0, Errorf(http.StatusBadRequest, CodeSchema, "querystring.%s should be a positive integer", name)
		}
		return n, nil
	}
	var err error
	for _, f := range []struct {
		name string
		dst  *uint64
	}{{"transaction_number", &p.TransactionNumber}, {"start_transaction_number", &p.StartTransactionNum}, {"end_transaction_number", &p.EndTransactionNum},
		{"start_signature_counter", &p.StartSignatureCounter}, {"end_signature_counter", &p.EndSignatureCounter}, {"maximum_number_records", &p.MaximumNumberRecords}} {
		if *f.dst, err = num(f.name); err != nil {
			return p, err
		}
	}
	var sd, ed uint64
	if sd, err = num("start_date"); err != nil {
		return p, err
	}
	if ed, err = num("end_date"); err != nil {
		return p, err
	}
	p.StartDate, p.EndDate = int64(sd), int64(ed)
	if cid := vals.Get("client_id"); cid != "" {
		if validUUID(cid) != nil {
			return p, Errorf(http.StatusBadRequest, CodeSchema, "querystring.client_id should match format \"uuid\"")
		}
		p.ClientID = cid
	}
	if p.TransactionNumber != 0 && (p.StartTransactionNum != 0 || p.EndTransactionNum != 0) {
		return p, Errorf(http.StatusBadRequest, "E_PARAMETER_MISMATCH", "give transaction_number or a transaction number range, not both")
	}
	for _, r := range [][2]uint64{{p.StartTransactionNum, p.EndTransactionNum}, {p.StartSignatureCounter, p.EndSignatureCounter}, {sd, ed}} {
		if r[0] != 0 && r[1] != 0 && r[0] > r[1] {
			return p, Errorf(http.StatusBadRequest, "E_PARAMETER_MISMATCH", "a range starts after it ends")
		}
	}
	return p, nil
}

func (a *handlers) triggerExport(w http.ResponseWriter, r *http.Request) error {
	c, id, eid, err := a.exportParams(r)
	if err != nil {
		return err
	}
	p, err := exportFilters(r)
	if err != nil {
		return err
	}
	e, err := a.tss.TriggerExport(r.Context(), c, id, eid, p)
	if errors.Is(err, tss.ErrClientNotFound) {
		return &Error{Status: http.StatusBadRequest, Code: "E_CLIENT_NOT_FOUND", Message: "Client not found"}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (a *handlers) getExport(w http.ResponseWriter, r *http.Request) error {
	c, id, eid, err := a.exportParams(r)
	if err != nil {
		return err
	}
	e, err := a.tss.GetExport(c, id, eid)
	return reply(w, e, err)
}

func (a *handlers) cancelExport(w http.ResponseWriter, r *http.Request) error {
	c, id, eid, err := a.exportParams(r)
	if err != nil {
		return err
	}
	e, err := a.tss.CancelExport(r.Context(), c, id, eid)
	return reply(w, e, err)
}

// exportFile serves the TAR with Range support (http.ServeContent).
func (a *handlers) exportFile(w http.ResponseWriter, r *http.Request) error {
	c, id, eid, err := a.exportParams(r)
	if err != nil {
		return err
	}
	f, e, err := a.tss.ExportFile(c, id, eid)
	if errors.Is(err, tss.ErrExportNotCompleted) {
		return &Error{Status: http.StatusNotFound, Code: "E_EXPORT_NOT_COMPLETED", Message: fmt.Sprintf("Export is %s; retry later", e.State), RetryAfter: 60}
	}
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.tar"`, eid))
	w.Header().Set("ETag", `"`+e.SHA256+`"`)
	http.ServeContent(w, r, eid+".tar", time.Unix(e.TimeEnd, 0), f)
	return nil
}

func (a *handlers) exportMetadata(w http.ResponseWriter, r *http.Request) error {
	c, id, eid, err := a.exportParams(r)
	if err != nil {
		return err
	}
	var m map[string]string
	if r.Method == http.MethodPatch {
		if m, err = metadataBody(r); err != nil {
			return err
		}
	}
	out, err := a.tss.ExportMetadata(r.Context(), c, id, eid, m)
	return reply(w, out, err)
}

var exportOrder = []string{"state", "time_request", "time_start", "time_end", "time_expiration", "time_error"}
var exportStates = []string{tss.ExportCancelled, tss.ExportPending, tss.ExportWorking, tss.ExportCompleted, tss.ExportError}

func (a *handlers) writeExports(w http.ResponseWriter, r *http.Request, c tss.Caller, id string) error {
	f, err := listFilter(r.URL.Query(), exportOrder, exportStates...)
	if err != nil {
		return err
	}
	list, n, err := a.tss.ListExports(c, id, f)
	if err != nil {
		return err
	}
	writeSignList(w, list, n, "EXPORT_LIST", c.Env)
	return nil
}

func (a *handlers) listExports(w http.ResponseWriter, r *http.Request) error {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return err
	}
	return a.writeExports(w, r, c, id)
}

func (a *handlers) listAllExports(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	return a.writeExports(w, r, c, "")
}
