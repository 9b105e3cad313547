package tse

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// QRTime is the time format of QR codes and DSFinV-K TSE fields.
const QRTime = "2006-01-02T15:04:05.000Z"

// QRCodeData joins the 12 fields of DSFinV-K Anhang I (tse-formats §5.1).
func QRCodeData(clientSerial, processType string, processData []byte, txNumber, counter uint64,
	start, end int64, signature, publicKey []byte) string {
	return strings.Join([]string{
		"V0",
		clientSerial,
		processType,
		string(processData),
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
