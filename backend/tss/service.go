package tss

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/buildinfo"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// Service runs SIGN DE on the store.
type Service struct {
	st     *store.Store
	orgs   *org.Service
	sealer *secret.Sealer
	now    func() time.Time
	// TestTSSLimit caps TEST TSS that are not DISABLED per org; 0 lifts it.
	TestTSSLimit int
	Faults       *Faults

	// committers: tss id → *committer, the one writer of each TSS.
	committers sync.Map
	// groups and grouped count the committers' groups and their requests.
	groups, grouped atomic.Uint64
	// locks: tss id → *sync.Mutex, for what is not the TSS itself
	// (creating it, its export records).
	locks  sync.Map
	keys   sync.Map // tss id → *ecdsa.PrivateKey, unsealed once
	admins admins
	// figures: each TSS's env and state for rollups (overview.go).
	figures figureCache

	caMu  sync.Mutex
	caKey *ecdsa.PrivateKey
	caDER []byte

	exp atomic.Pointer[exporter] // nil until StartExports

	// SoftwareVersion is the version that signs (buildinfo.Version); a TSS
	// last signed by another one gets audit logs of the change.
	SoftwareVersion string
}

// seState is what the cloud's secure element keeps between calls: whether
// it has started in this process (selfTest, enterSecureState,
// exitSecureState on the first use) and whether the admin is logged in to
// it (authenticateUser … logOut around each admin operation).
type seState struct{ awake, login bool }

// NewService returns the SIGN DE service; sealer protects private keys.
func NewService(st *store.Store, orgs *org.Service, sealer *secret.Sealer) *Service {
	return &Service{st: st, orgs: orgs, sealer: sealer, now: time.Now, TestTSSLimit: DefaultTestTSSLimit,
		Faults: NewFaults(), admins: admins{m: map[string]map[string]time.Time{}}, SoftwareVersion: buildinfo.Version}
}

// SetClock replaces the clock the TSS sign with (tests sign on other days).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) lock(id string) func() {
	m, _ := s.locks.LoadOrStore(id, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// counters are the numbers that change with every signature; their
// stored form (tss-ctr) belongs to the store.
type counters = store.TSSCounters

// load reads a TSS and its counters, checking that c may see it: its org
// is administered by c and its env is c's.
func (s *Service) load(txn store.Tx, c Caller, id string) (*TSS, counters, error) {
	t, err := store.GetJSON[TSS](txn, store.TSSKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, counters{}, ErrTSSNotFound
	}
	if err != nil {
		return nil, counters{}, err
	}
	if t.Env != c.Env {
		return nil, counters{}, ErrTSSNotFound
	}
	if _, _, err := s.orgs.GetTx(txn, c.Viewer, t.OrgID); err != nil {
		if errors.Is(err, org.ErrNotFound) {
			return nil, counters{}, ErrTSSNotFound
		}
		return nil, counters{}, err
	}
	ctr, err := store.GetTSSCounters(txn, id)
	if err != nil {
		return nil, counters{}, err
	}
	return &t, ctr, nil
}

// sees reports whether c may see TSS id (in any env): whether the TSS's
// organization is visible to c. An absent TSS is not seen.
func (s *Service) sees(txn store.Tx, c Caller, id string) (bool, error) {
	t, err := store.GetJSON[struct {
		OrgID string `json:"org"`
	}](txn, store.TSSKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, _, err := s.orgs.GetTx(txn, c.Viewer, t.OrgID); errors.Is(err, org.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

// Get returns the TSS resource.
func (s *Service) Get(c Caller, id string) (*View, error) {
	var v *View
	err := s.st.View(func(txn store.Tx) error {
		t, ctr, err := s.load(txn, c, id)
		if err == nil {
			v = t.view(ctr)
		}
		return err
	})
	return v, err
}

// write collects everything one change of a TSS stores: the record, the
// counters, the signed logs and other keys, written in one transaction.
type write struct {
	s       *Service
	t       *TSS
	ctr     counters
	key     *ecdsa.PrivateKey
	now     int64
	logs    [][]byte
	sets    map[string][]byte
	dels    [][]byte
	checks  []func(txn store.Tx) error
	counts  map[string]int64
	changed bool
	// se is the secure element's state as this write leaves it, applied
	// when the write is stored; chores guards the logs the TSE writes on
	// its own (sign → chores → sign).
	se     seState
	chores bool
	rd     *groupWrite
}

// read runs fn on the store as this write sees it: the snapshot of its
// group with the writes of the group's earlier requests.
func (w *write) read(fn func(txn store.Tx) error) error { return fn(w.rd) }

func (w *write) set(k, v []byte) { w.sets[string(k)] = v }

// setJSON is set with the JSON encoding of v.
func (w *write) setJSON(k []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", k, err)
	}
	w.set(k, b)
	return nil
}

// count moves n transactions into (client, state) of the per-client
// counts (negative: out of it); the counts are added when the group is
// stored.
func (w *write) count(client, state string, n int64) {
	if w.counts == nil {
		w.counts = map[string]int64{}
	}
	w.counts[string(store.TxCountKey(w.t.ID, client, state))] += n
}
func (w *write) del(k []byte) { w.dels = append(w.dels, k) }

// sign appends a signed log of type typ and returns its counter and the
// signature. The counter is taken here, in the TSS's committer, and
// stored with the log.
func (w *write) sign(typ asn1.ObjectIdentifier, data []tse.Field) (uint64, []byte, error) {
	if err := w.housekeeping(); err != nil {
		return 0, nil, err
	}
	return w.signNow(typ, data)
}

func (w *write) signNow(typ asn1.ObjectIdentifier, data []tse.Field) (uint64, []byte, error) {
	return w.signMessage(tse.Message{Type: typ, CertifiedData: data})
}

// signAudit signs an audit log with its seAuditData.
func (w *write) signAudit(data []byte) error {
	_, _, err := w.signMessage(tse.Message{Type: tse.OIDAuditLog, SEAuditData: data})
	return err
}

func (w *write) signMessage(m tse.Message) (uint64, []byte, error) {
	w.ctr.Sig++
	if m.Type.Equal(tse.OIDTransactionLog) {
		w.ctr.LastLog = w.now // the TSS's last activity, for the dashboard
	}
	m.Serial, m.Algorithm, m.Counter, m.UnixTime = mustHex(w.t.Serial), tse.OIDECDSAPlainSHA256, w.ctr.Sig, w.now
	dtbs := m.DTBS()
	sig, err := tse.SignPlain(w.key, dtbs)
	if err != nil {
		return 0, nil, err
	}
	raw := tse.Encode(dtbs, sig)
	w.set(store.LogKey(w.t.ID, w.ctr.Sig), raw)
	w.logs = append(w.logs, raw)
	return w.ctr.Sig, sig, nil
}

// system signs a system log.
func (w *write) system(event string, data ...tse.Field) error {
	_, _, err := w.sign(tse.OIDSystemLog, tse.SystemData(event, data...))
	return err
}

// housekeeping signs, before the first log of a write, the logs the
// cloud's TSE writes on its own (docs/sign-de.md › Log messages):
// selfTest, enterSecureState and exitSecureState when its secure element
// starts — here the first use of the TSS in this process —, the audit
// logs of a software change, and the updateTime of the daily clock sync.
func (w *write) housekeeping() error {
	if w.chores || !deployed(w.t) {
		return nil
	}
	w.chores = true
	defer func() { w.chores = false }()
	if !w.se.awake {
		if err := w.wake(); err != nil {
			return err
		}
	}
	if v := w.s.SoftwareVersion; w.t.SEVersion != v {
		if w.t.SEVersion != "" {
			for _, ev := range []struct {
				code uint64
				v    string
			}{{3, ""}, {1, v}} {
				if err := w.signAudit(tse.AuditData(w.now, ev.code, ev.v)); err != nil {
					return err
				}
			}
		}
		w.t.SEVersion, w.changed = v, true
	}
	if last := cmp.Or(w.t.ClockSet, w.t.TimeUninit); last != 0 && w.now-last >= clockSyncInterval {
		if err := w.setClock(w.now); err != nil {
			return err
		}
	}
	return nil
}

// clockSyncInterval is how often the cloud's TSE logs an updateTime.
const clockSyncInterval = 24 * 60 * 60

// setClock signs updateTime: the clock read before and after setting. A
// software TSS reads the system clock, so both are now, except when the
// TSS gets its clock at deployment (before: 0).
func (w *write) setClock(before int64) error {
	_, _, err := w.signNow(tse.OIDSystemLog, tse.SystemData("updateTime",
		tse.Field{Tag: 1, Value: tse.IntBytes(uint64(before))}, tse.Field{Tag: 2, Value: tse.IntBytes(uint64(w.now))}))
	w.t.ClockSet, w.changed = w.now, true
	return err
}

// wake signs the start of the secure element: a real self test of the
// TSS key (sign and verify a probe), then entering and leaving the secure
// state, as the cloud's TSE does when it starts.
func (w *write) wake() error {
	probe := []byte("fiskaldesk self test " + w.t.ID)
	sig, err := tse.SignPlain(w.key, probe)
	ok := err == nil && verifyPlain(&w.key.PublicKey, probe, sig)
	events := [][]tse.Field{
		tse.SystemData("selfTest", tse.Field{Tag: 1, Value: []byte(seComponent)}, tse.Field{Tag: 2, Value: tse.Bool(ok)},
			tse.Field{Tag: 4, Value: tse.IntBytes(uint64(w.now))}),
		tse.SystemData("enterSecureState", tse.Field{Tag: 1, Value: tse.IntBytes(uint64(w.now))}),
		tse.SystemData("exitSecureState"),
	}
	for _, d := range events {
		if _, _, err := w.signNow(tse.OIDSystemLog, d); err != nil {
			return err
		}
	}
	w.se.awake = true
	return nil
}

// deploy signs what the cloud's TSE writes when it is set up (seen in the
// real exports, same second): updateTime, registerClient of its internal
// client "setup", startAudit, configureLogging, and the start of the
// secure element (selfTest, enterSecureState, exitSecureState).
func (w *write) deploy() error {
	if err := w.setClock(0); err != nil {
		return err
	}
	for _, d := range [][]tse.Field{
		tse.SystemData("registerClient", tse.Field{Tag: 1, Value: []byte("setup")}),
		tse.SystemData("startAudit"),
		tse.SystemData("configureLogging", tse.Field{Tag: 1, Value: []byte(seComponent + "-audit")}, tse.Field{Tag: 2, Value: tse.Bool(true)},
			tse.Field{Tag: 3, Value: tse.LoggingParameters(tse.LoggedEvents)}),
	} {
		if _, _, err := w.signNow(tse.OIDSystemLog, d); err != nil {
			return err
		}
	}
	w.t.SEVersion = w.s.SoftwareVersion
	return w.wake()
}

// seComponent is the component the self test names: the SMAERS, the
// security module of TR-03153.
const seComponent = "SMAERS"

func verifyPlain(pub *ecdsa.PublicKey, data, sig []byte) bool {
	sum := sha256.Sum256(data)
	return len(sig) == 64 && ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

// adminOp signs an admin operation of the secure element inside a login
// to it: authenticateUser first unless the admin is logged in, and logOut
// after it (unless the operation ends the secure element), as the cloud's
// TSE logs them.
func (w *write) adminOp(event string, logout bool, data ...tse.Field) error {
	if !w.se.login {
		if err := w.system("authenticateUser", tse.Field{Tag: 1, Value: []byte(adminUser)}, tse.Field{Tag: 2, Value: tse.Enum(1)},
			tse.Field{Tag: 3, Value: tse.Bool(true)}); err != nil {
			return err
		}
	}
	if err := w.system(event, data...); err != nil {
		return err
	}
	w.se.login = false
	if logout {
		return w.system("logOut", tse.Field{Tag: 1, Value: []byte(adminUser)}, tse.Field{Tag: 2, Value: tse.Enum(0)})
	}
	return nil
}

// mutate runs fn as one request of TSS id's committer (committer.go):
// in turn with the TSS's other changes, on the TSS as the requests
// before left it, and stored durably in the commit of its group before
// mutate returns. fn reads through w.read and collects its writes in w;
// an error from fn drops them.
func (s *Service) mutate(ctx context.Context, c Caller, id string, fn func(w *write) error) (*TSS, counters, error) {
	return s.request(id, &request{ctx: ctx, c: c, fn: fn})
}

// mutateAlone is mutate for a change whose checks (w.checks) read keys
// that other TSS write: it is committed in a group of its own.
func (s *Service) mutateAlone(ctx context.Context, c Caller, id string, fn func(w *write) error) (*TSS, counters, error) {
	return s.request(id, &request{ctx: ctx, c: c, fn: fn, alone: true})
}

func (s *Service) request(id string, r *request) (*TSS, counters, error) {
	cm, err := s.committerOf(id)
	if err != nil {
		return nil, counters{}, err
	}
	cm.do(r)
	return r.t, r.ctr, r.err
}

// signedHere refuses changes to a TSS that reached this instance by sync:
// only the instance holding its key signs it, so its counters stay one
// sequence.
func signedHere(txn store.Tx, id string) error {
	if _, foreign, err := store.OwnerOf(txn, id); err != nil || foreign {
		return cmp.Or(err, ErrTSSForeign)
	}
	return nil
}

// privateKey unseals a TSS key once and keeps it in memory.
func (s *Service) privateKey(t *TSS) (*ecdsa.PrivateKey, error) {
	if k, ok := s.keys.Load(t.ID); ok {
		return k.(*ecdsa.PrivateKey), nil
	}
	der, err := s.sealer.Open(t.SealedKey, []byte(t.ID))
	if err != nil {
		return nil, fmt.Errorf("unseal key of TSS %s: %w (wrong data key?)", t.ID, err)
	}
	k, err := x509.ParseECPrivateKey(der)
	if err != nil {
		return nil, err
	}
	s.keys.Store(t.ID, k)
	return k, nil
}

// caRecord is the stored sandbox CA.
type caRecord struct {
	V         int    `json:"v"`
	Cert      []byte `json:"cert"`
	SealedKey []byte `json:"sealed_key"`
}

// ca returns the installation's sandbox CA, creating it on first use.
func (s *Service) ca(ctx context.Context) (*ecdsa.PrivateKey, []byte, error) {
	s.caMu.Lock()
	defer s.caMu.Unlock()
	if s.caKey != nil {
		return s.caKey, s.caDER, nil
	}
	var rec caRecord
	err := s.st.View(func(txn store.Tx) (err error) {
		rec, err = store.GetJSON[caRecord](txn, store.CAKey())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		key, der, err := tse.NewCA(s.now())
		if err != nil {
			return nil, nil, err
		}
		kd, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		rec = caRecord{V: 1, Cert: der, SealedKey: s.sealer.Seal(kd, []byte("ca"))}
		if err := s.st.Update(ctx, func(txn store.Tx) error { return store.PutJSON(txn, store.CAKey(), rec) }); err != nil {
			return nil, nil, err
		}
	} else if err != nil {
		return nil, nil, err
	}
	kd, err := s.sealer.Open(rec.SealedKey, []byte("ca"))
	if err != nil {
		return nil, nil, fmt.Errorf("unseal sandbox CA: %w (wrong data key?)", err)
	}
	key, err := x509.ParseECPrivateKey(kd)
	if err != nil {
		return nil, nil, err
	}
	s.caKey, s.caDER = key, rec.Cert
	return key, rec.Cert, nil
}

// CACertificate returns the DER certificate of the sandbox CA.
func (s *Service) CACertificate(ctx context.Context) ([]byte, error) {
	_, der, err := s.ca(ctx)
	return der, err
}

func mustHex(h string) []byte {
	b := make([]byte, len(h)/2)
	for i := range b {
		b[i] = unhex(h[2*i])<<4 | unhex(h[2*i+1])
	}
	return b
}

func unhex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// admins holds admin logins per TSS and token, in memory: a restart ends
// them, like the cloud's session scope (docs/sign-de.md).
type admins struct {
	mu sync.Mutex
	m  map[string]map[string]time.Time
}

func (a *admins) login(tss, token string, exp time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m[tss] == nil {
		a.m[tss] = map[string]time.Time{}
	}
	a.m[tss][token] = exp
}

func (a *admins) logout(tss, token string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.m[tss][token]
	delete(a.m[tss], token)
	return ok
}

func (a *admins) active(tss, token string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	exp, ok := a.m[tss][token]
	return ok && now.Before(exp)
}

// endAll ends every admin session of a TSS (PIN blocked or reset).
func (a *admins) endAll(tss string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.m, tss)
}

// OrgOf returns the organization that owns TSS id, "" when there is no
// such TSS. likely is the organization it probably belongs to (the
// caller's acting one): a key-only index lookup confirms it without
// reading the record, which keeps the signing path cheap. It checks
// nothing: the API's authorization step uses it to find the organization
// whose role counts for a TSS route.
func (s *Service) OrgOf(id, likely string) (string, error) {
	var o string
	err := s.st.View(func(txn store.Tx) error {
		if likely != "" {
			if ok, err := store.Exists(txn, store.OrgTSSKey(likely, id)); err != nil || ok {
				o = likely
				return err
			}
		}
		t, err := store.GetJSON[struct {
			OrgID string `json:"org"`
		}](txn, store.TSSKey(id))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		o = t.OrgID
		return err
	})
	return o, err
}

// ErrSealer is a data key that does not open what this store sealed.
var ErrSealer = errors.New("the data key does not open this store's sealed secrets")

// CheckSealer tells whether the store holds secrets this service sealed
// and, if so, whether the sealer opens them: the sandbox CA's key, made
// with the first TSS (TSS keys synced from other instances are sealed
// under theirs, so they are not a test of this one).
func (s *Service) CheckSealer() (sealed bool, err error) {
	var rec caRecord
	err = s.st.View(func(txn store.Tx) (err error) {
		rec, err = store.GetJSON[caRecord](txn, store.CAKey())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := s.sealer.Open(rec.SealedKey, []byte("ca")); err != nil {
		return true, ErrSealer
	}
	return true, nil
}
