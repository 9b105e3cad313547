package api

import (
	"bytes"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fiskaldesk/fiskaldesk/backend/billing"
)

func (a *handlers) listAddresses(w http.ResponseWriter, r *http.Request) error {
	list, err := a.bill.Addresses(principal(r).Viewer)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, len(list), "BILLING_ADDRESS_LIST"))
	return nil
}

func (a *handlers) createAddress(w http.ResponseWriter, r *http.Request) error {
	var in billing.Address
	if err := decode(r, &in); err != nil {
		return err
	}
	c := caller(r)
	var err error
	orgID := c.ActingOrg
	if in.OrganizationID != "" {
		if orgID, err = pathUUID(r, "organization_id", in.OrganizationID); err != nil {
			return err
		}
	}
	addr, err := a.bill.CreateAddress(r.Context(), principal(r).Viewer, orgID, in)
	return reply(w, addr, err)
}

func (a *handlers) address(w http.ResponseWriter, r *http.Request) error {
	id, err := pathUUID(r, "address_id", chi.URLParam(r, "address_id"))
	if err != nil {
		return err
	}
	v := principal(r).Viewer
	switch r.Method {
	case http.MethodDelete:
		if err := a.bill.DeleteAddress(r.Context(), v, id); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, success)
		return nil
	case http.MethodPatch:
		var in billing.Address
		if err := decode(r, &in); err != nil {
			return err
		}
		addr, err := a.bill.UpdateAddress(r.Context(), v, id, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, addr)
		return nil
	}
	addr, err := a.bill.Address(v, id, false)
	return reply(w, addr, err)
}

func (a *handlers) priceList(w http.ResponseWriter, r *http.Request) error {
	v := principal(r).Viewer
	var p *billing.PriceList
	var err error
	if r.Method == http.MethodPut {
		var in billing.PriceList
		if err := decode(r, &in); err != nil {
			return err
		}
		p, err = a.bill.SetPrices(r.Context(), v, in)
	} else {
		p, err = a.bill.Prices(v)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func month(r *http.Request) (billing.Month, error) {
	if s := r.URL.Query().Get("month"); s != "" {
		return billing.ParseMonth(s)
	}
	return billing.MonthOf(time.Now()), nil
}

func (a *handlers) usage(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	m, err := month(r)
	if err != nil {
		return err
	}
	u, err := a.bill.Usage(principal(r).Viewer, id, m)
	return reply(w, u, err)
}

func (a *handlers) listInvoices(w http.ResponseWriter, r *http.Request) error {
	list, err := a.bill.Invoices(principal(r).Viewer)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, len(list), "INVOICE_LIST"))
	return nil
}

// generateRequest names the month (YYYY-MM) to draft invoices for.
type generateRequest struct {
	Month string `json:"month"`
}

// generatedInvoices says how many drafts a month got.
type generatedInvoices struct {
	Success bool   `json:"_success"`
	Drafts  int    `json:"drafts"`
	Month   string `json:"month"`
}

func (a *handlers) generateInvoices(w http.ResponseWriter, r *http.Request) error {
	var body generateRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	m, err := billing.ParseMonth(body.Month)
	if err != nil {
		return err
	}
	n, err := a.bill.Generate(r.Context(), principal(r).Viewer, m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, generatedInvoices{Success: true, Drafts: n, Month: m.String()})
	return nil
}

func invoiceID(r *http.Request) (string, error) {
	return pathUUID(r, "invoice_id", chi.URLParam(r, "invoice_id"))
}

func (a *handlers) getInvoice(w http.ResponseWriter, r *http.Request) error {
	id, err := invoiceID(r)
	if err != nil {
		return err
	}
	inv, err := a.bill.Invoice(principal(r).Viewer, id)
	return reply(w, inv, err)
}

func (a *handlers) issueInvoice(w http.ResponseWriter, r *http.Request) error {
	id, err := invoiceID(r)
	if err != nil {
		return err
	}
	inv, err := a.bill.Issue(r.Context(), principal(r).Viewer, id)
	return reply(w, inv, err)
}

func (a *handlers) invoicePDF(w http.ResponseWriter, r *http.Request) error {
	id, err := invoiceID(r)
	if err != nil {
		return err
	}
	v := principal(r).Viewer
	inv, err := a.bill.Invoice(v, id)
	if err != nil {
		return err
	}
	payer, _, err := a.orgs.Get(v, inv.OrganizationID)
	if err != nil {
		return err
	}
	logo, _, _ := a.orgs.Logo(v, payer.ID)
	var buf bytes.Buffer
	if err := inv.PDF(&buf, payer, logo); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="invoice-`+inv.Month+`-`+id[:8]+`.pdf"`)
	_, _ = w.Write(buf.Bytes())
	return nil
}
