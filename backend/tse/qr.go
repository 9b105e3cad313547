package tse

import (
	"encoding/base64"
	"encoding/csv"
	"errors"
	"io"
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

// SplitQRCodeData splits a QR text into its fields, undoing qrField.
func SplitQRCodeData(qr string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(qr))
	r.Comma, r.FieldsPerRecord = ';', -1
	// A bare CR inside a quoted field is data; csv keeps it.
	rec, err := r.Read()
	if err != nil {
		return nil, err
	}
	if _, err := r.Read(); err != io.EOF {
		return nil, errors.New("qr code data: more than one line")
	}
	return rec, nil
}
