package api

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fiskaldesk/fiskaldesk/backend/dsfinvk"
)

type dkList[T any] struct {
	Data    []T    `json:"data" nullable:"false"`
	Count   int    `json:"count"`
	Type    string `json:"_type"`
	Env     string `json:"_env"`
	Version string `json:"_version"`
}

func writeDKList[T any](w http.ResponseWriter, data []T, n int, typ, env string) {
	if data == nil {
		data = []T{}
	}
	writeJSON(w, http.StatusOK, dkList[T]{data, n, typ, env, dsfinvk.Version})
}

func dkPage(r *http.Request) (int, int, error) { return page(r.URL.Query(), 100, 100) }

func (a *handlers) dkVatList(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	list, err := a.dk.VatDefinitions(c)
	if err != nil {
		return err
	}
	writeDKList(w, list, len(list), "VAT_DEFINITIONS", c.Env)
	return nil
}

func (a *handlers) dkVat(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	id, err := strconv.ParseUint(chi.URLParam(r, "id"), 10, 32)
	if err != nil {
		return Errorf(http.StatusBadRequest, CodeSchema, "vat_definition_export_id: must be a number")
	}
	var v *dsfinvk.VatDefinition
	if r.Method == http.MethodPut {
		var in dsfinvk.VatDefinition
		if err := decode(r, &in); err != nil {
			return err
		}
		v, err = a.dk.PutVatDefinition(r.Context(), c, uint32(id), in)
	} else {
		v, err = a.dk.VatDefinition(c, uint32(id))
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *handlers) dkRegisters(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	limit, offset, err := dkPage(r)
	if err != nil {
		return err
	}
	list, n, err := a.dk.Registers(c, limit, offset)
	if err != nil {
		return err
	}
	writeDKList(w, list, n, "CASH_REGISTERS", c.Env)
	return nil
}

// registerIDRe: a cash register's client_id is the SIGN DE client's UUID
// or, for a register without one, the POS's own id (fiskaly-api §8:
// "user-defined when there is no SIGN DE client"; recorded traffic upserts
// /cash_registers/some_client_id).
var registerIDRe = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

func (a *handlers) dkRegister(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	var err error
	id := chi.URLParam(r, "client_id")
	if validUUID(id) == nil {
		id = strings.ToLower(id)
	} else if !registerIDRe.MatchString(id) {
		return Errorf(http.StatusBadRequest, CodeSchema, "params.client_id: a UUID or up to 100 of A-Z a-z 0-9 . _ : -")
	}
	var reg *dsfinvk.CashRegister
	if r.Method == http.MethodPut {
		var in dsfinvk.RegisterInput
		if err := decode(r, &in); err != nil {
			return err
		}
		reg, err = a.dk.PutRegister(r.Context(), c, id, in)
	} else {
		rev := -1
		if s := r.URL.Query().Get("revision"); s != "" {
			if rev, err = strconv.Atoi(s); err != nil || rev < 0 {
				return Errorf(http.StatusBadRequest, CodeSchema, "revision: must be a non-negative integer")
			}
		}
		reg, err = a.dk.Register(c, id, rev)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reg)
	return nil
}

func (a *handlers) dkAgencies(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	limit, offset, err := dkPage(r)
	if err != nil {
		return err
	}
	list, n, err := a.dk.Agencies(c, limit, offset)
	if err != nil {
		return err
	}
	writeDKList(w, list, n, "PURCHASER_AGENCIES", c.Env)
	return nil
}

func (a *handlers) dkAgency(w http.ResponseWriter, r *http.Request) error {
	c, id, err := callerParam(r, "id")
	if err != nil {
		return err
	}
	var ag *dsfinvk.PurchaserAgency
	if r.Method == http.MethodPut {
		var in dsfinvk.PurchaserAgency
		if err := decode(r, &in); err != nil {
			return err
		}
		ag, err = a.dk.PutAgency(r.Context(), c, id, in)
	} else {
		ag, err = a.dk.Agency(c, id)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ag)
	return nil
}

func (a *handlers) dkInsertClosing(w http.ResponseWriter, r *http.Request) error {
	c, id, err := callerParam(r, "id")
	if err != nil {
		return err
	}
	var raw map[string]any
	body, err := readBody(r, &raw)
	if err != nil {
		return err
	}
	v, err := a.dk.InsertClosing(r.Context(), c, id, body)
	return reply(w, v, err)
}

func (a *handlers) dkClosing(w http.ResponseWriter, r *http.Request) error {
	c, id, err := callerParam(r, "id")
	if err != nil {
		return err
	}
	var v *dsfinvk.ClosingView
	if r.Method == http.MethodDelete {
		v, err = a.dk.DeleteClosing(r.Context(), c, id)
	} else {
		v, err = a.dk.GetClosing(c, id)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *handlers) dkClosingDetails(w http.ResponseWriter, r *http.Request) error {
	c, id, err := callerParam(r, "id")
	if err != nil {
		return err
	}
	d, err := a.dk.ClosingDetails(c, id)
	return reply(w, d, err)
}

func (a *handlers) dkClosingReports(w http.ResponseWriter, r *http.Request) error {
	c, id, err := callerParam(r, "id")
	if err != nil {
		return err
	}
	reports, err := a.dk.ClosingReports(c, id)
	if err != nil {
		return err
	}
	writeDKList(w, reports, len(reports), "CASH_POINT_CLOSING_REPORT_LIST", c.Env)
	return nil
}

func (a *handlers) dkClosings(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	var err error
	q := r.URL.Query()
	var f dsfinvk.ClosingFilter
	if f.Limit, f.Offset, err = dkPage(r); err != nil {
		return err
	}
	if f.OrderBy, f.Desc, err = ordering(q, []string{"time_creation", "state", "business_date"}); err != nil {
		return err
	}
	if f.States, err = states(q, dsfinvk.StatePending, dsfinvk.StateWorking, dsfinvk.StateCompleted, "CANCELLED", "EXPIRED", dsfinvk.StateDeleted, dsfinvk.StateError); err != nil {
		return err
	}
	f.ClientID, f.BusinessDateStart, f.BusinessDateEnd = q.Get("client_id"), q.Get("business_date_start"), q.Get("business_date_end")
	f.StartDate, _ = strconv.ParseInt(q.Get("start_date"), 10, 64)
	f.EndDate, _ = strconv.ParseInt(q.Get("end_date"), 10, 64)
	list, n, err := a.dk.Closings(c, f)
	if err != nil {
		return err
	}
	writeDKList(w, list, n, "CASH_POINT_CLOSINGS", c.Env)
	return nil
}

func (a *handlers) dkExports(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	limit, offset, err := dkPage(r)
	if err != nil {
		return err
	}
	list, n, err := a.dk.Exports(c, limit, offset)
	if err != nil {
		return err
	}
	writeDKList(w, list, n, "EXPORT_LIST", c.Env)
	return nil
}

func (a *handlers) dkTriggerExport(w http.ResponseWriter, r *http.Request) error {
	c, id, err := callerParam(r, "id")
	if err != nil {
		return err
	}
	var p dsfinvk.ExportParams
	if err := decode(r, &p); err != nil {
		return err
	}
	e, err := a.dk.TriggerExport(r.Context(), c, id, p)
	return reply(w, e, err)
}

func (a *handlers) dkExport(w http.ResponseWriter, r *http.Request) error {
	c, id, err := callerParam(r, "id")
	if err != nil {
		return err
	}
	var e *dsfinvk.Export
	if r.Method == http.MethodDelete {
		e, err = a.dk.CancelExport(r.Context(), c, id)
	} else {
		e, err = a.dk.GetExport(c, id)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

// exportHref says where a completed DSFinV-K export is downloaded.
type exportHref struct {
	Env     string `json:"_env"`
	Version string `json:"_version"`
	Href    string `json:"href"`
}

func (a *handlers) dkExportHref(w http.ResponseWriter, r *http.Request) error {
	c, id, err := callerParam(r, "id")
	if err != nil {
		return err
	}
	e, err := a.dk.GetExport(c, id)
	if err != nil {
		return err
	}
	if e.State != dsfinvk.StateCompleted {
		return dsfinvk.ErrExportNotReady
	}
	writeJSON(w, http.StatusOK, exportHref{Env: c.Env, Version: dsfinvk.Version, Href: r.URL.Path[:len(r.URL.Path)-len("/href")] + "/download"})
	return nil
}

func (a *handlers) dkDownload(w http.ResponseWriter, r *http.Request) error {
	c, id, err := callerParam(r, "id")
	if err != nil {
		return err
	}
	f, e, err := a.dk.ExportFile(c, id)
	if err != nil {
		return err
	}
	defer f.Close()
	ct := "application/x-tar"
	if e.Format == "zip" {
		ct = "application/zip"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="dsfinvk-`+id+`.`+e.Format+`"`)
	http.ServeContent(w, r, id+"."+e.Format, timeOf(e.TimeCompleted), f)
	return nil
}
