// Package report builds transaction reports for an organization (and,
// if asked, its managed organizations) over a period: totals per TSS,
// client and day by VAT rate and payment type, and the list of receipts
// with their signature data, as CSV, XLSX or PDF.
package report

import (
	"cmp"
	"context"
	"maps"
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

// Turnover is the BON_TYP that counts as turnover (DSFinV-K: receipts
// of type Beleg); every other type (AVTraining, AVSachbezug, AVTransfer,
// AVBelegstorno, …) is shown separately and never added to it.
const Turnover = "Beleg"

// BaseCurrency is the currency of payments without a currency code in
// processData (DSFinV-K Anhang I: the code is written only for others).
const BaseCurrency = "EUR"

// Pay is what was paid in one currency: cash (Bar) and non-cash (Unbar),
// in cents of that currency.
type Pay struct{ Cash, NonCash int64 }

// Receipt is one finished transaction in the report. Amounts are cents.
type Receipt struct {
	Organization string
	TSSID        string
	ClientSerial string
	Number       uint64
	Time         time.Time
	Type         string // BON_TYP or the processType when not a receipt
	Gross        [5]int64
	Payments     map[string]Pay // by ISO 4217 currency
	Counter      uint64
	Signature    string
}

// Total is the sum of a (day, TSS, client, type) group; Organization is
// the one the TSS belongs to.
type Total struct {
	Organization                   string
	TSSID, ClientSerial, Day, Type string
	Receipts                       int
	Gross                          [5]int64
	Payments                       map[string]Pay
}

// Sum is the gross total of all VAT classes.
func (t Total) Sum() int64 { return t.Gross[0] + t.Gross[1] + t.Gross[2] + t.Gross[3] + t.Gross[4] }

func (t *Total) add(gross [5]int64, pays map[string]Pay, n int) {
	t.Receipts += n
	for j := range t.Gross {
		t.Gross[j] += gross[j]
	}
	if t.Payments == nil {
		t.Payments = map[string]Pay{}
	}
	for cur, p := range pays {
		q := t.Payments[cur]
		q.Cash += p.Cash
		q.NonCash += p.NonCash
		t.Payments[cur] = q
	}
}

// Report is the data behind every format.
type Report struct {
	Organization *org.Organization
	Logo         []byte
	LogoType     string
	From, To     string // YYYY-MM-DD, inclusive
	Env          string
	Receipts     []Receipt
	Totals       []Total  // per day, TSS, client and type
	Currencies   []string // of every payment, the base currency first
	Generated    time.Time
	// Lang is the language of the texts (LangDE, LangEN); the CSV format
	// does not change with it (docs/exports.md › Reports).
	Lang string
	// Managed is how many managed organizations the report includes.
	Managed int
	// Gaps are placeholders or missing fields of the organization's master
	// data (org.MasterDataGaps) that the report's header shows as they are.
	Gaps []string
}

// TurnoverTotals are the totals of receipts of type Beleg.
func (r *Report) TurnoverTotals() []Total {
	return slices.DeleteFunc(slices.Clone(r.Totals), func(t Total) bool { return t.Type != Turnover })
}

// OtherTotals are the totals of every other type, one per type over the
// whole period, sorted by type.
func (r *Report) OtherTotals() []Total {
	byType := map[string]*Total{}
	for _, t := range r.Totals {
		if t.Type == Turnover {
			continue
		}
		if byType[t.Type] == nil {
			byType[t.Type] = &Total{Type: t.Type}
		}
		byType[t.Type].add(t.Gross, t.Payments, t.Receipts)
	}
	var out []Total
	for _, k := range slices.Sorted(maps.Keys(byType)) {
		out = append(out, *byType[k])
	}
	return out
}

// Grand adds up totals.
func Grand(ts []Total) Total {
	var g Total
	for _, t := range ts {
		g.add(t.Gross, t.Payments, t.Receipts)
	}
	return g
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
	seen := map[string]bool{BaseCurrency: true}
	for _, rc := range r.Receipts {
		for cur := range rc.Payments {
			seen[cur] = true
		}
	}
	delete(seen, BaseCurrency)
	r.Currencies = append([]string{BaseCurrency}, slices.Sorted(maps.Keys(seen))...)
	r.Gaps = o.MasterDataGaps()
	return r, nil
}

// receipt reads the amounts from the signed processData (QR code data).
func receipt(orgName string, tx *tss.TxView) Receipt {
	rc := Receipt{Organization: orgName, TSSID: tx.TSSID, ClientSerial: tx.ClientSerialNumber, Number: tx.Number,
		Time: time.Unix(tx.TimeEnd, 0).UTC(), Counter: tx.Signature.Counter, Signature: tx.Signature.Value}
	f, err := tse.SplitQRCodeData(tx.QRCodeData)
	if err != nil || len(f) != 12 {
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
	// Payments: <amount>:<Bar|Unbar>[:<currency>], the currency only when
	// it is not the base currency. Each currency is kept apart: 20.00 CHF
	// are no 20.00 EUR.
	rc.Payments = map[string]Pay{}
	for _, p := range strings.Split(parts[2], "_") {
		f := strings.Split(p, ":")
		if len(f) < 2 {
			continue
		}
		cur := BaseCurrency
		if len(f) > 2 && f[2] != "" {
			cur = strings.ToUpper(f[2])
		}
		q := rc.Payments[cur]
		switch f[1] {
		case "Bar":
			q.Cash += cents(f[0])
		case "Unbar":
			q.NonCash += cents(f[0])
		default:
			continue
		}
		rc.Payments[cur] = q
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
		k := r.TSSID + "|" + r.ClientSerial + "|" + day + "|" + r.Type
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Total{Organization: r.Organization, TSSID: r.TSSID, ClientSerial: r.ClientSerial, Day: day, Type: r.Type})
		}
		out[i].add(r.Gross, r.Payments, 1)
	}
	slices.SortFunc(out, func(a, b Total) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Organization, b.Organization), cmp.Compare(a.TSSID, b.TSSID),
			cmp.Compare(a.ClientSerial, b.ClientSerial), cmp.Compare(a.Type, b.Type))
	})
	return out
}
