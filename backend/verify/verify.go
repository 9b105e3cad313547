// Package verify checks a TSE TAR export of any vendor (fiskaly, D-Trust,
// fiskaldesk): its structure, member names against their content,
// certificates against the serials they name, each signer's certificate
// chain up to the CAs in the archive (or given trust anchors), every log
// signature, signature-counter continuity and duplicates, and time order.
// It shares only the TR-03151 reader with the signing side.
package verify

import (
	"archive/tar"
	"crypto"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "crypto/sha3"   // SHA3 variants of ecdsa-plain
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
	Issuer      string `json:"issuer,omitempty"`
	Curve       string `json:"curve,omitempty"`
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
	File               string `json:"file"`
	Members            int    `json:"members"`
	InfoCSV            string `json:"info_csv,omitempty"`
	Logs               int    `json:"logs"`
	TransactionLogs    int    `json:"transaction_logs"`
	SystemLogs         int    `json:"system_logs"`
	AuditLogs          int    `json:"audit_logs"`
	SignaturesVerified int    `json:"signatures_verified"`
	// VerifiedWithoutCertificate counts the verified signatures whose key
	// came not from a certificate but from the signatures themselves,
	// pinned by the serial (the archive lacks the signer certificate).
	VerifiedWithoutCertificate int           `json:"verified_without_certificate,omitempty"`
	SignaturesFailed           int           `json:"signatures_failed"`
	NotCheckable               int           `json:"not_checkable"`
	Certificates               []Certificate `json:"certificates"`
	// Chains holds the certificate chain of every serial that signs logs.
	Chains       []Chain   `json:"chains"`
	TrustAnchors int       `json:"trust_anchors"`
	Serials      []Serial  `json:"serials"`
	Findings     []Finding `json:"findings"`
	OK           bool      `json:"ok"`
}

// Options change what counts as an error.
type Options struct {
	// Partial accepts counter gaps, as a filtered export has them.
	Partial bool
	// Trust holds DER certificates of trust anchors (ReadTrustFile): every
	// signer's chain must lead to one of them.
	Trust [][]byte
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

// logEntry is what the counter checks keep of a log once its own checks
// are done: 32 bytes instead of the whole message or even its member
// name, so memory stays small for archives with millions of logs. The
// few names a counter finding needs are read again from the archive
// (memberNames).
type logEntry struct {
	counter    uint64
	unix       int64
	ord        uint32 // the member's position in the archive
	serial     uint32 // index into the archive's serials
	updateTime bool
}

// chunk is the number of logs parsed before their signatures and names
// are checked on every core, while the next chunk is read.
const chunk = 4096

// fastKeyAfter is how many logs a P-256 key must sign before its
// verification table (p256Key) pays for itself.
const fastKeyAfter = 256

// Verify reads a TAR from rd and checks everything that can be checked.
// When rd is also an io.Seeker (a file), the names of members that
// counter findings mention are read again from it instead of being kept
// for every log.
func Verify(name string, rd io.Reader, opt Options) (*Report, error) {
	r := &Report{File: name, TrustAnchors: len(opt.Trust)}
	var anchors []*cert
	for i, der := range opt.Trust {
		c, err := parseCert(fmt.Sprintf("trust anchor %d", i+1), der)
		if err != nil {
			return nil, fmt.Errorf("trust anchor %d: %w", i+1, err)
		}
		c.member = "trust anchor " + c.name
		anchors = append(anchors, c)
	}
	names := &memberIndex{}
	if rs, ok := rd.(io.ReadSeeker); ok {
		if pos, err := rs.Seek(0, io.SeekCurrent); err == nil {
			names.rs, names.start = rs, pos
		}
	}
	tr := tar.NewReader(rd)
	v := &verifier{r: r, keys: map[string]*ecdsa.PublicKey{}, serialIdx: map[string]uint32{},
		fast: map[string]*p256Key{}, uses: map[string]int{}, names: names}
	v.rec = &recovery{keys: v.keys, tried: map[string]int{}, recovered: map[string]bool{}}
	var certs []*cert
	pending := make([]parsed, 0, chunk)
	for ord := uint32(0); ; ord++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			v.wait()
			return nil, fmt.Errorf("%s is not a readable TAR archive: %w", name, err)
		}
		r.Members++
		if h.Typeflag != tar.TypeReg {
			r.add(SevWarning, "structure", h.Name, "member of type %q ignored", h.Typeflag)
			continue
		}
		data, err := readMember(tr, h.Size)
		if err != nil {
			v.wait()
			return nil, fmt.Errorf("%s: member %s: %w", name, h.Name, err)
		}
		base := h.Name[strings.LastIndex(h.Name, "/")+1:]
		switch {
		case base == "info.csv":
			r.InfoCSV = string(data)
		case strings.Contains(base, "_X509"):
			if c := r.certificate(base, data, v.keys); c != nil {
				certs = append(certs, c)
			}
		case strings.HasSuffix(base, ".log"):
			l, err := tse.Parse(data)
			if err != nil {
				r.add(SevError, "structure", base, "not a TR-03151 log message: %v", err)
				continue
			}
			pending = append(pending, parsed{member: base, log: l, ord: ord})
			if len(pending) == chunk {
				v.start(pending)
				pending = make([]parsed, 0, chunk)
			}
		default:
			r.add(SevWarning, "structure", base, "unexpected member")
		}
	}
	v.start(pending)
	v.wait()
	if r.InfoCSV == "" {
		r.add(SevError, "structure", "info.csv", "the archive has no info.csv")
	}
	// A certificate whose key signs logs here must be named by that key.
	for i := range r.Certificates {
		c := &r.Certificates[i]
		if c.Parsed && !c.NameMatches {
			sev := SevWarning
			if v.signers[c.KeyHash] || !c.IsCA {
				sev = SevError
			}
			r.add(sev, "certificate", c.Member, "file name does not name the certificate's key (SHA-256 of its point is %s)", c.KeyHash)
		}
	}
	if err := r.checkCounters(v.logs, v.serials, names, opt); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r.checkChains(v.signers, certs, anchors)
	r.OK = r.Errors() == 0
	return r, nil
}

// readMember reads a member's content of the size its header gives.
func readMember(tr *tar.Reader, size int64) ([]byte, error) {
	if size < 0 || size > 64<<20 {
		return io.ReadAll(tr) // let the reader find out what is there
	}
	b := make([]byte, size)
	_, err := io.ReadFull(tr, b)
	return b, err
}

// verifier checks the logs of one archive chunk by chunk: signatures and
// names of a chunk on every core while the next chunk is read and
// parsed, then the findings and counter entries in archive order.
type verifier struct {
	r         *Report
	keys      map[string]*ecdsa.PublicKey // by serial (hex)
	rec       *recovery
	fast      map[string]*p256Key // by serial, for keys with many logs
	uses      map[string]int
	serialIdx map[string]uint32 // raw serial → index in serials
	serials   []string          // hex
	signers   map[string]bool
	logs      []logEntry
	names     *memberIndex
	inflight  *job
}

// job is one chunk under check. Everything the workers need is resolved
// before they start, so they read no map the reader goroutine changes.
type job struct {
	logs []parsed
	key  []*ecdsa.PublicKey
	fast []*p256Key
	res  []sigResult
	name []nameCheck
	done chan struct{}
}

// start recovers missing keys of the chunk's serials, hands the chunk to
// the workers and accounts for the chunk before it.
func (v *verifier) start(logs []parsed) {
	v.rec.run(logs)
	j := &job{logs: logs, key: make([]*ecdsa.PublicKey, len(logs)), fast: make([]*p256Key, len(logs)),
		res: make([]sigResult, len(logs)), name: make([]nameCheck, len(logs)), done: make(chan struct{})}
	for i, p := range logs {
		s := hex.EncodeToString(p.log.Serial)
		k := v.keys[s]
		j.key[i] = k
		if k == nil {
			continue
		}
		if f, ok := v.fast[s]; ok {
			j.fast[i] = f
		} else if v.uses[s]++; v.uses[s] == fastKeyAfter {
			v.fast[s] = newP256Key(k) // nil for other curves: crypto/ecdsa then
		}
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(logs); i += workers {
				j.res[i] = checkSignature(logs[i].log, j.key[i], j.fast[i])
				j.name[i] = checkName(logs[i])
			}
		}()
	}
	go func() { wg.Wait(); close(j.done) }()
	v.wait()
	v.inflight = j
}

// wait accounts for the chunk in flight, if any.
func (v *verifier) wait() {
	j := v.inflight
	if j == nil {
		return
	}
	v.inflight = nil
	<-j.done
	if v.signers == nil {
		v.signers = map[string]bool{}
	}
	r := v.r
	for i, p := range j.logs {
		idx, ok := v.serialIdx[string(p.log.Serial)]
		if !ok {
			idx = uint32(len(v.serials))
			s := hex.EncodeToString(p.log.Serial)
			v.serials = append(v.serials, s)
			v.serialIdx[string(p.log.Serial)] = idx
			v.signers[s] = true
		}
		if j.res[i] == sigVerified && v.rec.recovered[v.serials[idx]] {
			r.VerifiedWithoutCertificate++
		}
		r.checkLog(p, j.res[i], j.name[i])
		if !p.log.Counter.IsUint64() {
			r.add(SevError, "counter", p.member, "signature counter %s is out of range", p.log.Counter)
			continue
		}
		v.logs = append(v.logs, logEntry{counter: p.log.Counter.Uint64(), unix: p.log.Time.Unix(), ord: p.ord, serial: idx,
			updateTime: p.log.Kind() == "system" && string(p.log.Field(0)) == "updateTime"})
		v.names.keep(p.ord, p.member)
	}
}

// checkChains checks the certificate chain of every serial that signs
// logs, and reports serials without a certificate.
func (r *Report) checkChains(signers map[string]bool, certs, anchors []*cert) {
	serials := make([]string, 0, len(signers))
	for s := range signers {
		serials = append(serials, s)
	}
	slices.Sort(serials)
	logsOf := map[string]int{}
	for _, s := range r.Serials {
		logsOf[s.Serial] = s.Logs
	}
	for _, s := range serials {
		var leaf *cert
		for _, c := range certs {
			if c.keyHash == s {
				leaf = c
				break
			}
		}
		if leaf == nil {
			r.Chains = append(r.Chains, Chain{Serial: s, Status: ChainNoCertificate,
				Message: "the archive has no certificate for this serial"})
			r.add(SevError, "certificate", s+"_X509", "the archive has no certificate for serial %s, which signs %d logs; their signatures were checked against the key recovered from them and pinned by the serial, but no certificate chain can be checked", s, logsOf[s])
			continue
		}
		ch := buildChain(leaf, certs, anchors)
		r.Chains = append(r.Chains, ch)
		switch ch.Status {
		case ChainVerified, ChainTrusted:
		default:
			r.add(SevError, "chain", leaf.member, "certificate chain %s: %s", ch.Status, ch.Message)
		}
		if ch.Sandbox {
			r.add(SevWarning, "chain", leaf.member, "the root is a fiskaldesk Sandbox CA: these logs come from a software TSS of a fiskaldesk installation, not from a certified TSE")
		}
	}
}

// certificate reads a certificate member and offers its key for the logs.
func (r *Report) certificate(member string, data []byte, keys map[string]*ecdsa.PublicKey) *cert {
	c := Certificate{Member: member}
	defer func() { r.Certificates = append(r.Certificates, c) }()
	ct, err := parseCert(member, data)
	if err != nil {
		r.add(SevError, "certificate", member, "cannot be read: %v", err)
		return nil
	}
	c.Parsed, c.Subject, c.Issuer, c.IsCA, c.Curve = true, ct.name, ct.issName, ct.isCA, ct.curve
	if ct.pub == nil {
		r.add(SevWarning, "certificate", member, "key is not ECDSA on a curve this verifier knows; logs signed with it are not checkable")
		return ct
	}
	c.KeyHash = ct.keyHash
	c.NameMatches = strings.EqualFold(strings.SplitN(member, "_X509", 2)[0], c.KeyHash)
	keys[c.KeyHash] = ct.pub
	return ct
}

// recovery finds the keys of serials whose certificate is missing.
type recovery struct {
	keys      map[string]*ecdsa.PublicKey
	tried     map[string]int  // failed attempts per serial
	recovered map[string]bool // serials whose key came from a signature
}

// maxRecoveryTries bounds the work on a serial whose logs all fail (a
// forged archive): after that many, its logs count as without key.
const maxRecoveryTries = 16

// run recovers, before a chunk is checked in parallel, the key of every
// serial in it that has none yet.
func (rc *recovery) run(logs []parsed) {
	for _, p := range logs {
		l := p.log
		s := hex.EncodeToString(l.Serial)
		if l.BER || rc.keys[s] != nil || rc.tried[s] >= maxRecoveryTries {
			continue
		}
		h, ok := hashFor[l.Algorithm.String()]
		if !ok {
			continue
		}
		d := h.New()
		d.Write(l.DTBS)
		if k := recoverKey(l.Serial, d.Sum(nil), l.Signature); k != nil {
			rc.keys[s], rc.recovered[s] = k, true
		} else {
			rc.tried[s]++
		}
	}
}

// hashFor maps the signature algorithm OID to its hash.
var hashFor = map[string]crypto.Hash{
	"0.4.0.127.0.7.1.1.4.1.2": crypto.SHA224, "0.4.0.127.0.7.1.1.4.1.3": crypto.SHA256,
	"0.4.0.127.0.7.1.1.4.1.4": crypto.SHA384, "0.4.0.127.0.7.1.1.4.1.5": crypto.SHA512,
	"0.4.0.127.0.7.1.1.4.1.8": crypto.SHA3_224, "0.4.0.127.0.7.1.1.4.1.9": crypto.SHA3_256,
	"0.4.0.127.0.7.1.1.4.1.10": crypto.SHA3_384, "0.4.0.127.0.7.1.1.4.1.11": crypto.SHA3_512,
}

var nameRe = regexp.MustCompile(`^(Unixt|Utc|Gent)_([0-9.]+Z?)_Sig-(\d+)_Log-(Tra|Sys|Aud)(?:_No-(\d+)_(Start|Update|Finish)_Client-(.*?)|_([A-Za-z]+))?(?:_Fc-\d+)?\.log$`)

type parsed struct {
	member string
	log    *tse.Log
	ord    uint32
}

// sigResult is the outcome of one signature check.
type sigResult int

const (
	sigVerified sigResult = iota
	sigFailed
	sigBER
	sigNoKey
	sigNoAlg
)

// checkSignature verifies one log against key k (nil: none), with the
// P-256 table f when there is one; it only reads shared state.
func checkSignature(l *tse.Log, k *ecdsa.PublicKey, f *p256Key) sigResult {
	if l.BER {
		return sigBER
	}
	h, ok := hashFor[l.Algorithm.String()]
	switch {
	case k == nil:
		return sigNoKey
	case !ok:
		return sigNoAlg
	}
	hh := h.New()
	hh.Write(l.DTBS)
	digest := hh.Sum(nil)
	n := len(l.Signature) / 2
	switch {
	case len(l.Signature)%2 != 0:
		return sigFailed
	case f != nil:
		if f.verify(digest, l.Signature) {
			return sigVerified
		}
	case ecdsa.Verify(k, digest, new(big.Int).SetBytes(l.Signature[:n]), new(big.Int).SetBytes(l.Signature[n:])):
		return sigVerified
	}
	return sigFailed
}

func (r *Report) checkLog(e parsed, res sigResult, name nameCheck) {
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
	switch {
	case name.noPattern:
		r.add(SevError, "name", e.member, "name does not follow the TR-03151 pattern")
	case len(name.problems) > 0:
		r.add(SevError, "name", e.member, "name does not match content: %s", strings.Join(name.problems, "; "))
	}
	switch res {
	case sigVerified:
		r.SignaturesVerified++
	case sigFailed:
		r.SignaturesFailed++
		r.add(SevError, "signature", e.member, "signature does not verify")
	case sigBER:
		r.NotCheckable++
		r.add(SevWarning, "signature", e.member, "BER indefinite-length encoding: the signed bytes cannot be rebuilt, signature not checkable")
	case sigNoKey:
		// Not a pass: without a key nothing vouches for this log.
		r.NotCheckable++
		r.add(SevError, "signature", e.member, "no certificate for serial %x, and no key recovered from the signature matches it: the log is changed or its certificate is missing", l.Serial)
	case sigNoAlg:
		r.NotCheckable++
		r.add(SevError, "signature", e.member, "signature algorithm %v not supported by this verifier: the log cannot be checked", l.Algorithm)
	}
}

// nameCheck is what comparing a member name with its log found.
type nameCheck struct {
	noPattern bool
	problems  []string
}

// checkName compares the member name with what the log says; it only
// reads its arguments (it runs on the workers).
func checkName(e parsed) nameCheck {
	l := e.log
	m := nameRe.FindStringSubmatch(e.member)
	if m == nil {
		return nameCheck{noPattern: true}
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
	return nameCheck{problems: problems}
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

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkCounters finds duplicates and gaps per serial, and times that go
// backwards without an updateTime in between.
func (r *Report) checkCounters(logs []logEntry, serials []string, names *memberIndex, opt Options) error {
	// One sort by serial and counter; each serial is then a run.
	slices.SortStableFunc(logs, func(a, b logEntry) int {
		if c := strings.Compare(serials[a.serial], serials[b.serial]); c != 0 {
			return c
		}
		return cmpUint(a.counter, b.counter)
	})
	// Findings name members; their names are looked up once all are known.
	type finding struct {
		sev, check string
		ord        uint32
		msg        func(name func(uint32) string) string
	}
	var found []finding
	for lo := 0; lo < len(logs); {
		hi := lo + 1
		for hi < len(logs) && logs[hi].serial == logs[lo].serial {
			hi++
		}
		es := logs[lo:hi]
		lo = hi
		sum := Serial{Serial: serials[es[0].serial], Logs: len(es), FirstCounter: es[0].counter, LastCounter: es[len(es)-1].counter}
		for i := 1; i < len(es); i++ {
			prev, cur := es[i-1], es[i]
			switch d := cur.counter - prev.counter; {
			case d == 0:
				sum.Duplicates = append(sum.Duplicates, cur.counter)
				found = append(found, finding{SevError, "counter", cur.ord, func(name func(uint32) string) string {
					return fmt.Sprintf("signature counter %d appears twice (also %s)", cur.counter, name(prev.ord))
				}})
			case d > 1:
				gap := fmt.Sprintf("%d..%d", prev.counter+1, cur.counter-1)
				if d == 2 {
					gap = strconv.FormatUint(prev.counter+1, 10)
				}
				sum.Gaps = append(sum.Gaps, gap)
				sev := SevError
				if opt.Partial {
					sev = SevWarning
				}
				found = append(found, finding{sev, "counter", cur.ord, func(func(uint32) string) string {
					return fmt.Sprintf("signature counter(s) %s missing before this log", gap)
				}})
			}
			if cur.unix < prev.unix && !prev.updateTime {
				found = append(found, finding{SevWarning, "time", cur.ord, func(func(uint32) string) string {
					return fmt.Sprintf("log time %s is before the previous log's %s",
						time.Unix(cur.unix, 0).UTC().Format(time.RFC3339), time.Unix(prev.unix, 0).UTC().Format(time.RFC3339))
				}})
			}
		}
		r.Serials = append(r.Serials, sum)
	}
	if len(found) == 0 {
		return nil
	}
	// Which names the findings need: their own and any they mention.
	want := map[uint32]string{}
	for _, f := range found {
		want[f.ord] = ""
		f.msg(func(o uint32) string { want[o] = ""; return "" })
	}
	if err := names.lookup(want); err != nil {
		return err
	}
	name := func(o uint32) string { return want[o] }
	for _, f := range found {
		r.add(f.sev, f.check, name(f.ord), "%s", f.msg(name))
	}
	return nil
}

// memberIndex finds member names by their position in the archive: read
// again from a seekable archive, or kept from the first reading when the
// archive is a stream.
type memberIndex struct {
	rs    io.ReadSeeker
	start int64
	kept  map[uint32]string
}

// keep remembers a log member's name when it cannot be read again.
func (m *memberIndex) keep(ord uint32, name string) {
	if m.rs != nil {
		return
	}
	if m.kept == nil {
		m.kept = map[uint32]string{}
	}
	m.kept[ord] = name
}

// lookup fills in the names of the members at the positions in want.
func (m *memberIndex) lookup(want map[uint32]string) error {
	if m.rs == nil {
		for o := range want {
			want[o] = m.kept[o]
		}
		return nil
	}
	if _, err := m.rs.Seek(m.start, io.SeekStart); err != nil {
		return fmt.Errorf("reading member names again: %w", err)
	}
	tr := tar.NewReader(m.rs)
	left := len(want)
	for ord := uint32(0); left > 0; ord++ {
		h, err := tr.Next()
		if err != nil {
			return fmt.Errorf("reading member names again: %w", err)
		}
		if _, ok := want[ord]; ok {
			want[ord] = h.Name[strings.LastIndex(h.Name, "/")+1:]
			left--
		}
	}
	return nil
}
