package tse

import (
	"archive/tar"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"time"
)

// opSuffix is the file-name part of a transaction operation.
var opSuffix = map[string]string{OpStart: "Start", OpUpdate: "Update", OpFinish: "Finish"}

// FileName is the TR-03151 member name of a log (tse-formats §4.1),
// derived from its content: a verifier checks the one against the other.
func FileName(l *Log) string {
	prefix := fmt.Sprintf("Unixt_%d_Sig-%s", l.Time.Unix(), l.Counter)
	switch l.Kind() {
	case "transaction":
		return fmt.Sprintf("%s_Log-Tra_No-%s_%s_Client-%s.log", prefix, l.TxNumber(), opSuffix[string(l.Field(0))], l.Field(1))
	case "system":
		return fmt.Sprintf("%s_Log-Sys_%s.log", prefix, l.Field(0))
	}
	return prefix + "_Log-Aud.log"
}

// CertName is the member name of a certificate: hex SHA-256 of its
// public point, as for the TSS serial.
func CertName(der []byte) (string, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return "", err
	}
	k, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("certificate key is %T, not ECDSA", c.PublicKey)
	}
	sum := sha256.Sum256(Point(k))
	return hex.EncodeToString(sum[:]) + "_X509.der", nil
}

// TarWriter writes a TSE export: POSIX ustar, PAX headers only for names
// longer than 99 characters, mode 0644, owner 0, mtime = export time.
type TarWriter struct {
	tw  *tar.Writer
	now time.Time
}

// NewTarWriter starts an archive on w.
func NewTarWriter(w io.Writer, now time.Time) *TarWriter {
	return &TarWriter{tw: tar.NewWriter(w), now: now.Truncate(time.Second)}
}

// Add writes one member.
func (t *TarWriter) Add(name string, data []byte) error {
	h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: t.now, Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}
	if len(name) > 99 {
		h.Format = tar.FormatPAX
	}
	if err := t.tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := t.tw.Write(data)
	return err
}

// Close writes the archive trailer.
func (t *TarWriter) Close() error { return t.tw.Close() }

// InfoCSV is the info.csv line of an export, shaped like fiskaly's (no
// trailing newline).
func InfoCSV(description, version string) []byte {
	return []byte(fmt.Sprintf(`"description:","%s","manufacturer:","fiskaldesk","version:","fiskaldesk %s (software TSS, not certified)"`, description, version))
}
