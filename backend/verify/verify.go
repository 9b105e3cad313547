// Package verify checks a TSE TAR export of any vendor (fiskaly, D-Trust,
// fiskaldesk): its structure, member names against their content,
// certificates against the serials they name, every log signature,
// signature-counter continuity and duplicates, and time order. It shares
// only the TR-03151 reader with the signing side.
package verify

import (
	"archive/tar"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "crypto/sha512" // SHA-384/512 for D-Trust and others

	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// Severities of findings. Only errors make a report fail.
const (
	SevError   = "error"
	SevWarning = "warning"
)

// Finding is one result of a check.
type Finding struct {
	Severity string `json:"severity"`
	Check    string `json:"check"`
	Member   string `json:"member,omitempty"`
	Message  string `json:"message"`
}

// Certificate describes one certificate member.
type Certificate struct {
	Member      string `json:"member"`
	Subject     string `json:"subject,omitempty"`
	KeyHash     string `json:"key_hash,omitempty"`
	NameMatches bool   `json:"name_matches_key"`
	IsCA        bool   `json:"is_ca"`
	Parsed      bool   `json:"parsed"`
}

// Serial summarises the logs of one TSS serial.
type Serial struct {
	Serial       string   `json:"serial"`
	Logs         int      `json:"logs"`
	FirstCounter uint64   `json:"first_counter"`
	LastCounter  uint64   `json:"last_counter"`
	Gaps         []string `json:"gaps,omitempty"` // "a..b" missing counters
	Duplicates   []uint64 `json:"duplicates,omitempty"`
}

// Report is the result of verifying one archive.
type Report struct {
	File               string        `json:"file"`
	Members            int           `json:"members"`
	InfoCSV            string        `json:"info_csv,omitempty"`
	Logs               int           `json:"logs"`
	TransactionLogs    int           `json:"transaction_logs"`
	SystemLogs         int           `json:"system_logs"`
	AuditLogs          int           `json:"audit_logs"`
	SignaturesVerified int           `json:"signatures_verified"`
	SignaturesFailed   int           `json:"signatures_failed"`
	NotCheckable       int           `json:"not_checkable"`
	Certificates       []Certificate `json:"certificates"`
	Serials            []Serial      `json:"serials"`
	Findings           []Finding     `json:"findings"`
	OK                 bool          `json:"ok"`
}

// Options change what counts as an error.
type Options struct {
	// Partial accepts counter gaps, as a filtered export has them.
	Partial bool
}

func (r *Report) add(sev, check, member, format string, a ...any) {
	r.Findings = append(r.Findings, Finding{sev, check, member, fmt.Sprintf(format, a...)})
}

// Errors counts the error findings.
func (r *Report) Errors() int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == SevError {
			n++
		}
	}
	return n
}

type logEntry struct {
	member string
	log    *tse.Log
}

// Verify reads a TAR from rd and checks everything that can be checked.
func Verify(name string, rd io.Reader, opt Options) (*Report, error) {
	r := &Report{File: name}
	tr := tar.NewReader(rd)
	keys := map[string]*ecdsa.PublicKey{}
	var logs []logEntry
	var certMembers [][2]string // member, key hash (for naming checks after)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s is not a readable TAR archive: %w", name, err)
		}
		r.Members++
		if h.Typeflag != tar.TypeReg {
			r.add(SevWarning, "structure", h.Name, "member of type %q ignored", h.Typeflag)
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("%s: member %s: %w", name, h.Name, err)
		}
		base := h.Name[strings.LastIndex(h.Name, "/")+1:]
		switch {
		case base == "info.csv":
			r.InfoCSV = string(data)
		case strings.Contains(base, "_X509"):
			c := r.certificate(base, data, keys)
			if c.KeyHash != "" {
				certMembers = append(certMembers, [2]string{base, c.KeyHash})
			}
		case strings.HasSuffix(base, ".log"):
			l, err := tse.Parse(data)
			if err != nil {
				r.add(SevError, "structure", base, "not a TR-03151 log message: %v", err)
				continue
			}
			logs = append(logs, logEntry{base, l})
		default:
			r.add(SevWarning, "structure", base, "unexpected member")
		}
	}
	if r.InfoCSV == "" {
		r.add(SevError, "structure", "info.csv", "the archive has no info.csv")
	}
	signers := map[string]bool{}
	for _, e := range logs {
		r.checkLog(e, keys)
		signers[hex.EncodeToString(e.log.Serial)] = true
	}
	// A certificate whose key signs logs here must be named by that key.
	for i := range r.Certificates {
		c := &r.Certificates[i]
		if c.Parsed && !c.NameMatches {
			sev := SevWarning
			if signers[c.KeyHash] || !c.IsCA {
				sev = SevError
			}
			r.add(sev, "certificate", c.Member, "file name does not name the certificate's key (SHA-256 of its point is %s)", c.KeyHash)
		}
	}
	r.checkCounters(logs, opt)
	r.OK = r.Errors() == 0
	return r, nil
}

func (r *Report) certificate(member string, data []byte, keys map[string]*ecdsa.PublicKey) Certificate {
	c := Certificate{Member: member}
	defer func() { r.Certificates = append(r.Certificates, c) }()
	if p, _ := pem.Decode(data); p != nil {
		data = p.Bytes
	}
	cert, err := x509.ParseCertificate(data)
	if err != nil {
		r.add(SevWarning, "certificate", member, "cannot be parsed here (%v); logs signed with it are not checkable", err)
		return c
	}
	c.Parsed, c.Subject, c.IsCA = true, cert.Subject.String(), cert.IsCA
	k, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		r.add(SevWarning, "certificate", member, "key type %T is not ECDSA", cert.PublicKey)
		return c
	}
	sum := sha256.Sum256(tse.Point(k))
	c.KeyHash = hex.EncodeToString(sum[:])
	c.NameMatches = strings.EqualFold(strings.SplitN(member, "_X509", 2)[0], c.KeyHash)
	keys[c.KeyHash] = k
	return c
}

// hashFor maps the signature algorithm OID to its hash.
var hashFor = map[string]crypto.Hash{
	"0.4.0.127.0.7.1.1.4.1.3": crypto.SHA256, "0.4.0.127.0.7.1.1.4.1.4": crypto.SHA384, "0.4.0.127.0.7.1.1.4.1.5": crypto.SHA512,
}

var nameRe = regexp.MustCompile(`^(Unixt|Utc|Gent)_([0-9.]+Z?)_Sig-(\d+)_Log-(Tra|Sys|Aud)(?:_No-(\d+)_(Start|Update|Finish)_Client-(.*?)|_([A-Za-z]+))?(?:_Fc-\d+)?\.log$`)

func (r *Report) checkLog(e logEntry, keys map[string]*ecdsa.PublicKey) {
	l := e.log
	r.Logs++
	switch l.Kind() {
	case "transaction":
		r.TransactionLogs++
	case "system":
		r.SystemLogs++
	case "audit":
		r.AuditLogs++
	default:
		r.add(SevError, "structure", e.member, "unknown certifiedDataType %v", l.Type)
	}
	r.checkName(e)
	if l.BER {
		r.NotCheckable++
		r.add(SevWarning, "signature", e.member, "BER indefinite-length encoding: the signed bytes cannot be rebuilt, signature not checkable")
		return
	}
	k := keys[hex.EncodeToString(l.Serial)]
	h, ok := hashFor[l.Algorithm.String()]
	switch {
	case k == nil:
		r.NotCheckable++
		r.add(SevWarning, "signature", e.member, "no usable certificate for serial %x", l.Serial)
	case !ok:
		r.NotCheckable++
		r.add(SevWarning, "signature", e.member, "signature algorithm %v not supported", l.Algorithm)
	default:
		hh := h.New()
		hh.Write(l.DTBS)
		n := len(l.Signature) / 2
		if len(l.Signature)%2 == 0 && ecdsa.Verify(k, hh.Sum(nil), new(big.Int).SetBytes(l.Signature[:n]), new(big.Int).SetBytes(l.Signature[n:])) {
			r.SignaturesVerified++
		} else {
			r.SignaturesFailed++
			r.add(SevError, "signature", e.member, "signature does not verify")
		}
	}
}

// checkName compares the member name with what the log says.
func (r *Report) checkName(e logEntry) {
	l := e.log
	m := nameRe.FindStringSubmatch(e.member)
	if m == nil {
		r.add(SevError, "name", e.member, "name does not follow the TR-03151 pattern")
		return
	}
	var problems []string
	if m[3] != l.Counter.String() {
		problems = append(problems, fmt.Sprintf("signature counter %s, log says %s", m[3], l.Counter))
	}
	kind := map[string]string{"Tra": "transaction", "Sys": "system", "Aud": "audit"}[m[4]]
	if kind != l.Kind() {
		problems = append(problems, fmt.Sprintf("type %s, log is a %s log", m[4], l.Kind()))
	}
	if t, ok := nameTime(m[1], m[2]); !ok || !t.Equal(l.Time) {
		problems = append(problems, fmt.Sprintf("time %s_%s, log says %s", m[1], m[2], l.Time.Format(time.RFC3339)))
	}
	switch l.Kind() {
	case "transaction":
		op := map[string]string{"Start": tse.OpStart, "Update": tse.OpUpdate, "Finish": tse.OpFinish}[m[6]]
		if m[5] != l.TxNumber().String() || op != string(l.Field(0)) || m[7] != string(l.Field(1)) {
			problems = append(problems, fmt.Sprintf("transaction No-%s %s Client-%s, log says No-%s %s Client-%s", m[5], m[6], m[7], l.TxNumber(), l.Field(0), l.Field(1)))
		}
	case "system":
		if !strings.EqualFold(m[8], string(l.Field(0))) {
			problems = append(problems, fmt.Sprintf("event %s, log says %s", m[8], l.Field(0)))
		}
	}
	if len(problems) > 0 {
		r.add(SevError, "name", e.member, "name does not match content: %s", strings.Join(problems, "; "))
	}
}

func nameTime(kind, v string) (time.Time, bool) {
	switch kind {
	case "Unixt":
		n, err := strconv.ParseInt(v, 10, 64)
		return time.Unix(n, 0).UTC(), err == nil
	case "Utc":
		for _, layout := range []string{"060102150405Z", "0601021504Z"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true
			}
		}
	case "Gent":
		for _, layout := range []string{"20060102150405.000Z", "20060102150405Z", "20060102150405"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// checkCounters finds duplicates and gaps per serial, and times that go
// backwards without an updateTime in between.
func (r *Report) checkCounters(logs []logEntry, opt Options) {
	bySerial := map[string][]logEntry{}
	for _, e := range logs {
		s := hex.EncodeToString(e.log.Serial)
		bySerial[s] = append(bySerial[s], e)
	}
	serials := make([]string, 0, len(bySerial))
	for s := range bySerial {
		serials = append(serials, s)
	}
	slices.Sort(serials)
	for _, s := range serials {
		es := bySerial[s]
		slices.SortStableFunc(es, func(a, b logEntry) int { return a.log.Counter.Cmp(b.log.Counter) })
		sum := Serial{Serial: s, Logs: len(es), FirstCounter: es[0].log.Counter.Uint64(), LastCounter: es[len(es)-1].log.Counter.Uint64()}
		for i := 1; i < len(es); i++ {
			prev, cur := es[i-1].log, es[i].log
			d := new(big.Int).Sub(cur.Counter, prev.Counter).Int64()
			switch {
			case d == 0:
				sum.Duplicates = append(sum.Duplicates, cur.Counter.Uint64())
				r.add(SevError, "counter", es[i].member, "signature counter %s appears twice (also %s)", cur.Counter, es[i-1].member)
			case d > 1:
				gap := fmt.Sprintf("%d..%d", prev.Counter.Uint64()+1, cur.Counter.Uint64()-1)
				if d == 2 {
					gap = strconv.FormatUint(prev.Counter.Uint64()+1, 10)
				}
				sum.Gaps = append(sum.Gaps, gap)
				sev := SevError
				if opt.Partial {
					sev = SevWarning
				}
				r.add(sev, "counter", es[i].member, "signature counter(s) %s missing before this log", gap)
			}
			if cur.Time.Before(prev.Time) && string(prev.Field(0)) != "updateTime" {
				r.add(SevWarning, "time", es[i].member, "log time %s is before the previous log's %s", cur.Time.Format(time.RFC3339), prev.Time.Format(time.RFC3339))
			}
		}
		r.Serials = append(r.Serials, sum)
	}
}
