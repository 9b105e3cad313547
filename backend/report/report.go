// Package report builds transaction reports for an organization (and,
// if asked, its managed organizations) over a period: totals per TSS,
// client and day by VAT rate and payment type, and the list of receipts
// with their signature data, as CSV, XLSX or PDF.
package report

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// VATClasses are the five gross amounts of Kassenbeleg-V1, in order.
var VATClasses = []string{"19 %", "7 %", "10,7 %", "5,5 %", "0 %"}

// Receipt is one finished transaction in the report. Amounts are cents.
type Receipt struct {
	Organization  string
	TSSID         string
	ClientSerial  string
	Number        uint64
	Time          time.Time
	Type          string // BON_TYP or the processType when not a receipt
	Gross         [5]int64
	Cash, NonCash int64
	Counter       uint64
	Signature     string
}

// Total is the sum of a (TSS, client, day) group.
type Total struct {
	Organization             string
	TSSID, ClientSerial, Day string
	Receipts                 int
	Gross                    [5]int64
	Cash, NonCash            int64
}

// Sum is the gross total of all VAT classes.
func (t Total) Sum() int64 { return t.Gross[0] + t.Gross[1] + t.Gross[2] + t.Gross[3] + t.Gross[4] }

// Report is the data behind every format.
type Report struct {
	Organization *org.Organization
	Logo         []byte
	LogoType     string
	From, To     string // YYYY-MM-DD, inclusive
	Env          string
	Receipts     []Receipt
	Totals       []Total
	Generated    time.Time
	// Lang is the language of the texts (LangDE, LangEN); the CSV format
	// does not change with it (docs/exports.md › Reports).
	Lang string
	// Managed is how many managed organizations the report includes.
	Managed int
}

// Params select the report.
type Params struct {
	OrgID          string
	IncludeManaged bool
	From, To       time.Time // To is exclusive
	Lang           string
}

// Build collects the FINISHED transactions whose end lies in the period.
func Build(ctx context.Context, orgs *org.Service, signer *tss.Service, c tss.Caller, p Params) (*Report, error) {
	o, _, err := orgs.Get(c.Viewer, p.OrgID)
	if err != nil {
		return nil, err
	}
	r := &Report{Organization: o, From: p.From.Format(time.DateOnly), To: p.To.AddDate(0, 0, -1).Format(time.DateOnly), Env: c.Env,
		Generated: time.Now().UTC(), Lang: Lang(p.Lang)}
	if b, ct, err := orgs.Logo(c.Viewer, o.ID); err == nil {
		r.Logo, r.LogoType = b, ct
	}
	scope := []*org.Organization{o}
	if p.IncludeManaged {
		children, _, err := orgs.List(c.Viewer, org.ListFilter{ManagedBy: o.ID, Limit: 1 << 30})
		if err != nil {
			return nil, err
		}
		scope = append(scope, children...)
		r.Managed = len(children)
	}
	for _, so := range scope {
		sc := c
		sc.ActingOrg = so.ID
		list, _, err := signer.ListTx(ctx, sc, "", tss.TxFilter{ListFilter: tss.ListFilter{States: []string{tss.TxFinished}, Limit: 1 << 30}})
		if err != nil {
			return nil, err
		}
		for _, tx := range list {
			end := time.Unix(tx.TimeEnd, 0).UTC()
			if end.Before(p.From) || !end.Before(p.To) {
				continue
			}
			r.Receipts = append(r.Receipts, receipt(so.Name, tx))
		}
	}
	slices.SortFunc(r.Receipts, func(a, b Receipt) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.TSSID, b.TSSID), cmp.Compare(a.Number, b.Number))
	})
	r.Totals = totals(r.Receipts)
	return r, nil
}

// receipt reads the amounts from the signed processData (QR code data).
func receipt(orgName string, tx *tss.TxView) Receipt {
	rc := Receipt{Organization: orgName, TSSID: tx.TSSID, ClientSerial: tx.ClientSerialNumber, Number: tx.Number,
		Time: time.Unix(tx.TimeEnd, 0).UTC(), Counter: tx.Signature.Counter, Signature: tx.Signature.Value}
	f := strings.Split(tx.QRCodeData, ";")
	if len(f) != 12 {
		return rc
	}
	rc.Type = f[2]
	if f[2] != tse.TypeReceipt {
		return rc
	}
	parts := strings.Split(f[3], "^")
	if len(parts) != 3 {
		return rc
	}
	rc.Type = parts[0]
	for i, a := range strings.Split(parts[1], "_") {
		if i < 5 {
			rc.Gross[i] = cents(a)
		}
	}
	for _, p := range strings.Split(parts[2], "_") {
		amount, kind, _ := strings.Cut(p, ":")
		kind, _, _ = strings.Cut(kind, ":")
		if kind == "Bar" {
			rc.Cash += cents(amount)
		} else if kind == "Unbar" {
			rc.NonCash += cents(amount)
		}
	}
	return rc
}

// cents parses "12.34" or "-0.50" (two decimals, as processData has them).
func cents(s string) int64 {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "00")[:2]
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := w*100 + f
	if neg {
		return -v
	}
	return v
}

func totals(rs []Receipt) []Total {
	idx := map[string]int{}
	var out []Total
	for _, r := range rs {
		day := r.Time.Format(time.DateOnly)
		k := r.TSSID + "|" + r.ClientSerial + "|" + day
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Total{Organization: r.Organization, TSSID: r.TSSID, ClientSerial: r.ClientSerial, Day: day})
		}
		t := &out[i]
		t.Receipts++
		for j := range t.Gross {
			t.Gross[j] += r.Gross[j]
		}
		t.Cash += r.Cash
		t.NonCash += r.NonCash
	}
	slices.SortFunc(out, func(a, b Total) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Organization, b.Organization), cmp.Compare(a.TSSID, b.TSSID), cmp.Compare(a.ClientSerial, b.ClientSerial))
	})
	return out
}
