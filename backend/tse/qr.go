package tse

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// QRTime is the time format of QR codes and DSFinV-K TSE fields.
const QRTime = "2006-01-02T15:04:05.000Z"

// QRCodeData joins the 12 fields of DSFinV-K Anhang I (tse-formats §5.1).
// A field that holds the separator, a quote or a line break — the
// processData of an order (Bestellung-V1: `;`-separated lines joined by
// CR) — is enclosed in quotes with inner quotes doubled, DSFinV-K's own
// text rule (index.xml: delimiter `;`, text encapsulator `"`), so the
// string still splits into 12 fields and yields the signed bytes back.
// Receipts (Kassenbeleg-V1) never need it and stay exactly as Anhang I
// shows them.
func QRCodeData(clientSerial, processType string, processData []byte, txNumber, counter uint64,
	start, end int64, signature, publicKey []byte) string {
	return strings.Join([]string{
		"V0",
		qrField(clientSerial),
		qrField(processType),
		qrField(string(processData)),
		strconv.FormatUint(txNumber, 10),
		strconv.FormatUint(counter, 10),
		time.Unix(start, 0).UTC().Format(QRTime),
		time.Unix(end, 0).UTC().Format(QRTime),
		AlgECDSAPlainSHA256,
		TimeFormatUnix,
		base64.StdEncoding.EncodeToString(signature),
		base64.StdEncoding.EncodeToString(publicKey),
	}, ";")
}

// qrField encloses a field in quotes when it would not survive splitting
// the QR text at `;`.
func qrField(s string) string {
	if !strings.ContainsAny(s, ";\"\r\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// SplitQRCodeData splits a QR text into its fields, undoing qrField: a
// field that starts with a quote runs to the closing quote, "" inside it
// is one quote, and everything else — CR, LF, CRLF, ';' — is data as
// signed. (encoding/csv would turn a quoted CRLF into LF, so a raw
// processData holding CRLF came back other than it was signed.)
func SplitQRCodeData(qr string) ([]string, error) {
	if qr == "" {
		return nil, errors.New("qr code data: empty")
	}
	var out []string
	for i := 0; ; i++ { // i is at the start of a field
		var f string
		if i < len(qr) && qr[i] == '"' {
			var b strings.Builder
			j := i + 1
			for {
				k := strings.IndexByte(qr[j:], '"')
				if k < 0 {
					return nil, errors.New("qr code data: a quoted field is not closed")
				}
				b.WriteString(qr[j : j+k])
				j += k + 1
				if j < len(qr) && qr[j] == '"' {
					b.WriteByte('"')
					j++
					continue
				}
				break
			}
			if j < len(qr) && qr[j] != ';' {
				return nil, errors.New("qr code data: text after a quoted field")
			}
			f, i = b.String(), j
		} else {
			k := strings.IndexByte(qr[i:], ';')
			if k < 0 {
				k = len(qr) - i
			}
			f = qr[i : i+k]
			if strings.ContainsAny(f, "\"\r\n") {
				return nil, errors.New("qr code data: a quote or line break outside quotes")
			}
			i += k
		}
		out = append(out, f)
		if i >= len(qr) {
			return out, nil
		}
	}
}
