package billing

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/report"
)

// PDF renders an invoice: the payer's billing address (or its
// organization address) and logo, the lines, net, VAT and gross.
func (inv *Invoice) PDF(w io.Writer, payer *org.Organization, logo []byte) error {
	p := fpdf.New("P", "mm", "A4", "")
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.SetTitle("Rechnung "+inv.Number, true)
	p.SetCreator("fiskaldesk", true)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("Helvetica", "", 8)
		p.CellFormat(0, 8, tr(fmt.Sprintf("fiskaldesk · Rechnung %s · Seite %d von {nb}", cmpOr(inv.Number, "Entwurf"), p.PageNo())), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	// Any logo the org could upload (PNG, JPEG, WebP) is printed: as PNG.
	if png, ok := report.PrintableLogo(logo); ok {
		if info := p.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png)); info != nil && info.Height() > 0 {
			h := 16.0
			wd := min(h*info.Width()/info.Height(), 60)
			p.ImageOptions("logo", 200-wd, 10, wd, 0, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		}
	}
	addr := []string{payer.Name, payer.AddressLine1, payer.Zip + " " + payer.Town, payer.CountryCode}
	if a := inv.Address; a != nil {
		addr = []string{a.CompanyName, a.AddressLine1, a.AddressLine2, a.Zip + " " + a.Town, a.CountryCode}
		if a.VatID != "" {
			addr = append(addr, "USt-IdNr. "+a.VatID)
		}
	}
	p.SetFont("Helvetica", "", 10)
	p.SetY(32)
	for _, l := range addr {
		if strings.TrimSpace(l) != "" {
			p.CellFormat(0, 5, tr(l), "", 1, "L", false, 0, "")
		}
	}
	p.Ln(8)
	p.SetFont("Helvetica", "B", 15)
	title := "Rechnung " + inv.Number
	if inv.State != "issued" {
		title = "Rechnungsentwurf (noch nicht gestellt)"
	}
	p.CellFormat(0, 8, tr(title), "", 1, "L", false, 0, "")
	p.SetFont("Helvetica", "", 10)
	issued := "—"
	if inv.IssuedAt != 0 {
		issued = time.Unix(inv.IssuedAt, 0).UTC().Format("02.01.2006")
	}
	p.CellFormat(0, 5, tr(fmt.Sprintf("Leistungszeitraum %s · Rechnungsdatum %s", inv.Month, issued)), "", 1, "L", false, 0, "")
	p.Ln(4)
	widths := []float64{48, 62, 16, 22, 24}
	head := []string{"Organisation", "Leistung", "Menge", "Einzelpreis", "Betrag (EUR)"}
	p.SetFont("Helvetica", "B", 8.5)
	p.SetFillColor(230, 236, 245)
	for i, h := range head {
		p.CellFormat(widths[i], 6, tr(h), "1", 0, "C", true, 0, "")
	}
	p.Ln(-1)
	p.SetFont("Helvetica", "", 8.5)
	for _, l := range inv.Lines {
		desc := l.Description
		if l.TSSID != "" {
			desc = l.TSSID[:8] + " · " + desc
		}
		unit := report.Money(l.UnitPrice)
		if l.Kind == "transactions" {
			unit += " / 1000"
		}
		cells := []string{l.OrganizationName, desc, fmt.Sprint(l.Quantity), unit, report.Money(l.Amount)}
		for i, c := range cells {
			align := "L"
			if i >= 2 {
				align = "R"
			}
			p.CellFormat(widths[i], 5.5, tr(truncate(c, []int{30, 40, 10, 18, 16}[i])), "1", 0, align, false, 0, "")
		}
		p.Ln(-1)
	}
	p.Ln(3)
	p.SetFont("Helvetica", "", 10)
	for _, t := range [][2]string{{"Summe netto", report.Money(inv.Net)}, {"USt " + inv.VatRate + " %", report.Money(inv.Vat)}, {"Gesamtbetrag", report.Money(inv.Gross) + " EUR"}} {
		if t[0] == "Gesamtbetrag" {
			p.SetFont("Helvetica", "B", 11)
		}
		p.CellFormat(148, 6, tr(t[0]), "", 0, "R", false, 0, "")
		p.CellFormat(24, 6, tr(t[1]), "", 1, "R", false, 0, "")
	}
	p.Ln(6)
	p.SetFont("Helvetica", "", 8)
	p.MultiCell(0, 4, tr("Nutzung im TEST-Modus ist aufgeführt, wird aber nicht berechnet. Erstellt mit fiskaldesk, einer Software-TSS ohne Zertifizierung."), "", "L", false)
	return p.Output(w)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
