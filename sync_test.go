package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/store/pgtest"
)

// centralStores are the stores a central of these tests runs on: Badger
// in its data dir, and PostgreSQL (a fresh schema of
// FISKALDESK_TEST_POSTGRES, docs/scale.md). The tests run once on each.
var centralStores = []struct {
	name string
	url  func(t *testing.T) string // "" for Badger
}{
	{"badger", func(*testing.T) string { return "" }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

// central is a test's central instance: its data dir and, on
// PostgreSQL, the database its store lives in.
type central struct {
	data, store string
}

// env is what every fiskaldesk process working on the central gets.
func (c central) env(extra ...string) []string {
	if c.store != "" {
		extra = append(extra, "FISKALDESK_STORE="+c.store)
	}
	return extra
}

// open opens the (stopped) central's store.
func (c central) open(t *testing.T) *store.Store {
	t.Helper()
	if c.store == "" {
		return openData(t, c.data)
	}
	st, err := store.OpenPostgres(context.Background(), c.store, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func openData(t *testing.T, data string) *store.Store {
	t.Helper()
	st, err := store.Open(store.DBDir(data), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Sync between two real instances (docs/sync.md): a central `serve` and a
// workstation `serve`, separate processes and data dirs, on loopback.

// syncTx is how many transactions the workstation signs in
// TestSyncTwoInstances: 3,000 in make test, 100,000 for the full run
// (go test -run SyncTwo -sync-tx 100000 -timeout 30m).
var syncTx = flag.Int("sync-tx", 3000, "transactions signed on the workstation in TestSyncTwoInstances")

const (
	wsKey    = "test_synckey1"
	wsSecret = "sync-secret-0123456789"
)

var wsEnv = []string{"FISKALDESK_BOOTSTRAP_API_KEY=" + wsKey, "FISKALDESK_BOOTSTRAP_API_SECRET=" + wsSecret,
	"FISKALDESK_TEST_TSS_LIMIT=0", "FISKALDESK_RATE_LIMITS=off",
	"FISKALDESK_API_KEY=" + wsKey, "FISKALDESK_API_SECRET=" + wsSecret}

var credLine = regexp.MustCompile(`fdsync_\S+`)

// pairCentral issues a workstation credential on a stopped central.
func pairCentral(t *testing.T, c central) string {
	t.Helper()
	out, stderr, code := run(t, c.env(), "sync", "--pair", "Kasse 1", "--data", c.data)
	cred := credLine.FindString(out)
	if code != 0 || cred == "" {
		t.Fatalf("sync --pair: %d %s %s", code, out, stderr)
	}
	return cred
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func token(t *testing.T, base string) string {
	t.Helper()
	return mustCall(t, "POST", base+"/api/v2/auth", "", map[string]string{"api_key": wsKey, "api_secret": wsSecret})["access_token"].(string)
}

// signLoad signs transactions (start + finish) on the lanes until n are
// done or ctx ends, against the URL base() returns at each call (a
// restarted workstation has a new one). Failed calls are retried with
// a new transaction: only acknowledged ones count.
func signLoad(ctx context.Context, base func() string, tok func() string, lanes [][2]string, n int) int64 {
	var done atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for _, l := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && (n == 0 || done.Load() < int64(n)) {
				u := base() + "/api/v2/tss/" + l[0] + "/tx/" + uuid.NewString()
				code, _, err := call(client, "PUT", u+"?tx_revision=1", tok(), map[string]any{"state": "ACTIVE", "client_id": l[1]})
				if err != nil || code != 200 {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				code, _, err = call(client, "PUT", u+"?tx_revision=2", tok(), map[string]any{"state": "FINISHED", "client_id": l[1],
					"schema": map[string]any{"standard_v1": map[string]any{"receipt": map[string]any{"receipt_type": "RECEIPT",
						"amounts_per_vat_rate": []map[string]string{{"vat_rate": "NORMAL", "amount": "12.34"}}}}}})
				if err == nil && code == 200 {
					done.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return done.Load()
}

// syncUntilIdle runs `fiskaldesk sync` against the running workstation
// until a round pushes nothing and nothing waits.
func syncUntilIdle(t *testing.T, wsData string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		out, stderr, code := run(t, nil, "sync", "--data", wsData)
		if code == 0 && strings.Contains(out, "pushed 0 entries") && strings.Contains(out, " 0 waiting") {
			return
		}
		if code != 0 {
			t.Logf("sync: %s", strings.TrimSpace(stderr))
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatal("workstation did not catch up within 3 minutes")
}

// digest summarises the signed data of a stopped instance: per key
// prefix the number of keys and a hash over keys and values, so that two
// instances compare equal only when they hold the same bytes.
func digest(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	defer st.Close()
	hashes := map[string]io.Writer{}
	counts := map[string]int{}
	sums := map[string]interface{ Sum([]byte) []byte }{}
	err := st.View(func(txn store.Tx) error {
		it := txn.Iterate(store.IterOptions{})
		defer it.Close()
		for ; it.Valid(); it.Next() {
			k := it.Key()
			if store.ClassOf(k) != store.SyncOwned {
				continue
			}
			p := string(k[:bytes.IndexByte(k, '/')])
			if hashes[p] == nil {
				h := sha256.New()
				hashes[p], sums[p] = h, h
			}
			counts[p]++
			hashes[p].Write(k)
			v, err := it.Value()
			if err != nil {
				return err
			}
			hashes[p].Write(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for p, n := range counts {
		out[p] = fmt.Sprintf("%d keys %x", n, sums[p].Sum(nil)[:8])
	}
	return out
}

// gapless checks that every TSS in a stopped instance has logs 1..N with
// N its signature counter.
func gapless(t *testing.T, st *store.Store) (tss int, logs uint64) {
	t.Helper()
	defer st.Close()
	err := st.View(func(txn store.Tx) error {
		return store.ScanKeys(txn, []byte("tss-ctr/"), func(k []byte) error {
			id := string(k[len("tss-ctr/"):])
			ctr, err := txn.Get(k)
			if err != nil {
				return err
			}
			want := binary.BigEndian.Uint64(ctr)
			var n uint64
			err = store.ScanKeys(txn, store.LogPrefix(id), func(k []byte) error {
				n++
				if c := binary.BigEndian.Uint64(k[len(k)-8:]); c != n {
					return fmt.Errorf("TSS %s: log %d where %d was due", id, c, n)
				}
				return nil
			})
			if err == nil && n != want {
				err = fmt.Errorf("TSS %s: %d logs, counter %d", id, n, want)
			}
			tss++
			logs += n
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return tss, logs
}

func stop(t *testing.T, p *proc) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.stderr)
	}
}

func lanesOf(t *testing.T, base, tok string, tss, clients int) ([][2]string, []string) {
	var lanes [][2]string
	var ids []string
	for range tss {
		id, cs := setupTSS(t, base, tok, clients)
		ids = append(ids, id)
		for _, c := range cs {
			lanes = append(lanes, [2]string{id, c})
		}
	}
	return lanes, ids
}

// The whole path: a workstation signs, syncs continuously, and the central
// ends up with the same bytes, exports TARs of the workstation's TSS that
// `fiskaldesk verify` accepts, and refuses to sign them itself.
func TestSyncTwoInstances(t *testing.T) {
	for _, cs := range centralStores {
		t.Run(cs.name, func(t *testing.T) { testSyncTwoInstances(t, central{t.TempDir(), cs.url(t)}) })
	}
}

func testSyncTwoInstances(t *testing.T, central central) {
	ws := t.TempDir()
	cred := pairCentral(t, central)
	c := start(t, central.env("FISKALDESK_RATE_LIMITS=off"), "serve", "--data", central.data, "--addr", "127.0.0.1:0")
	if out, stderr, code := run(t, wsEnv, "sync", "--data", ws, "--connect", c.url, "--credential", cred); code != 0 || !strings.Contains(out, "paired with") {
		t.Fatalf("connect: %d %s %s", code, out, stderr)
	}
	w := start(t, wsEnv, "serve", "--data", ws, "--addr", "127.0.0.1:0")
	wtok := token(t, w.url)
	lanes, ids := lanesOf(t, w.url, wtok, 4, 2)

	began := time.Now()
	n := signLoad(context.Background(), func() string { return w.url }, func() string { return wtok }, lanes, *syncTx)
	signed := time.Since(began)
	syncUntilIdle(t, ws)
	t.Logf("%d transactions signed in %s, in sync %s after the start", n, signed.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))

	// The workstation's API key works on the central (organization data
	// synced), which shows the same counters and refuses to sign.
	ctok := token(t, c.url)
	for _, id := range ids {
		a := mustCall(t, "GET", w.url+"/api/v2/tss/"+id, wtok, nil)
		b := mustCall(t, "GET", c.url+"/api/v2/tss/"+id, ctok, nil)
		if a["signature_counter"] != b["signature_counter"] || a["transaction_counter"] != b["transaction_counter"] || b["state"] != "INITIALIZED" {
			t.Fatalf("TSS %s: workstation %v/%v, central %v/%v", id, a["signature_counter"], a["transaction_counter"], b["signature_counter"], b["transaction_counter"])
		}
	}
	code, m, _ := call(http.DefaultClient, "PUT", c.url+"/api/v2/tss/"+ids[0]+"/tx/"+uuid.NewString()+"?tx_revision=1", ctok,
		map[string]any{"state": "ACTIVE", "client_id": lanes[0][1]})
	if code != 409 || m["code"] != "E_TSS_SIGNED_ELSEWHERE" {
		t.Fatalf("central signed a workstation's TSS: %d %v", code, m)
	}
	// A TAR export made by the central verifies.
	tarFile := filepath.Join(t.TempDir(), "central.tar")
	if out, stderr, code := run(t, central.env("FISKALDESK_API_KEY="+wsKey, "FISKALDESK_API_SECRET="+wsSecret),
		"export", "tss", "--data", central.data, "--tss", ids[0], "--out", tarFile); code != 0 {
		t.Fatalf("central export: %s %s", out, stderr)
	}
	if out, _, code := run(t, nil, "verify", tarFile); code != 0 || !strings.Contains(out, "RESULT        OK") {
		t.Fatalf("verify of the central's export: %d %s", code, out)
	}

	stop(t, w)
	stop(t, c)
	dw, dc := digest(t, openData(t, ws)), digest(t, central.open(t))
	if fmt.Sprint(dw) != fmt.Sprint(dc) {
		t.Fatalf("signed data differs:\nworkstation %v\ncentral     %v", dw, dc)
	}
	if _, logs := gapless(t, central.open(t)); logs < uint64(2*n) {
		t.Fatalf("central has %d logs for %d transactions", logs, n)
	}
	t.Logf("identical on both sides: %v", dc)
}

// faultProxy sits between workstation and central. While faulty it cuts
// push bodies halfway, drops answers after the central applied a batch
// (so the workstation sends it again) and delivers batches twice.
type faultProxy struct {
	target  string
	faulty  atomic.Bool
	down    atomic.Bool
	cuts    atomic.Int64
	lost    atomic.Int64
	doubles atomic.Int64
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.down.Load() {
		http.Error(w, "network down", http.StatusBadGateway)
		return
	}
	body, _ := io.ReadAll(r.Body)
	send := func(b io.Reader) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), b)
		req.Header = r.Header.Clone()
		req.ContentLength = int64(len(body))
		return http.DefaultTransport.RoundTrip(req)
	}
	fault := -1
	if p.faulty.Load() && r.URL.Path == "/api/sync/v1/push" {
		fault = rand.IntN(5)
	}
	switch fault {
	case 0: // the connection breaks mid-batch
		p.cuts.Add(1)
		_, _ = send(io.MultiReader(bytes.NewReader(body[:len(body)/2]), errReader{}))
		panic(http.ErrAbortHandler)
	case 1: // applied, but the answer never arrives
		if resp, err := send(bytes.NewReader(body)); err == nil {
			resp.Body.Close()
		}
		p.lost.Add(1)
		panic(http.ErrAbortHandler)
	case 2: // delivered twice
		if resp, err := send(bytes.NewReader(body)); err == nil {
			resp.Body.Close()
		}
		p.doubles.Add(1)
	}
	resp, err := send(bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("cable pulled") }

// Network cuts mid-batch, lost acknowledgements, batches delivered twice,
// and both sides killed with SIGKILL while syncing: afterwards the central
// holds exactly the workstation's signed data, counters gapless.
func TestSyncSurvivesFaults(t *testing.T) {
	for _, cs := range centralStores {
		t.Run(cs.name, func(t *testing.T) { testSyncSurvivesFaults(t, central{t.TempDir(), cs.url(t)}) })
	}
}

func testSyncSurvivesFaults(t *testing.T, central central) {
	ws := t.TempDir()
	cred := pairCentral(t, central)
	caddr := freeAddr(t)
	c := start(t, central.env("FISKALDESK_RATE_LIMITS=off"), "serve", "--data", central.data, "--addr", caddr)
	proxy := &faultProxy{target: c.url}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	purl := "http://" + ln.Addr().String()
	if out, stderr, code := run(t, wsEnv, "sync", "--data", ws, "--connect", purl, "--credential", cred); code != 0 {
		t.Fatalf("connect: %s %s", out, stderr)
	}
	var wurl, wtok atomic.Value
	w := start(t, wsEnv, "serve", "--data", ws, "--addr", "127.0.0.1:0")
	wurl.Store(w.url)
	wtok.Store(token(t, w.url))
	lanes, _ := lanesOf(t, w.url, wtok.Load().(string), 3, 2)

	proxy.faulty.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	loadDone := make(chan int64, 1)
	go func() {
		loadDone <- signLoad(ctx, func() string { return wurl.Load().(string) }, func() string { return wtok.Load().(string) }, lanes, 0)
	}()
	for round := range 4 {
		time.Sleep(time.Duration(700+rand.IntN(800)) * time.Millisecond)
		if round%2 == 0 {
			_ = w.cmd.Process.Signal(syscall.SIGKILL)
			w.wait(t)
			w = start(t, wsEnv, "serve", "--data", ws, "--addr", "127.0.0.1:0")
			wtok.Store(token(t, w.url))
			wurl.Store(w.url)
		} else {
			_ = c.cmd.Process.Signal(syscall.SIGKILL)
			c.wait(t)
			c = start(t, central.env("FISKALDESK_RATE_LIMITS=off"), "serve", "--data", central.data, "--addr", caddr)
		}
	}
	cancel()
	n := <-loadDone
	proxy.faulty.Store(false)
	syncUntilIdle(t, ws)
	t.Logf("%d transactions; %d batches cut, %d answers lost, %d delivered twice; 2 workstation and 2 central kills",
		n, proxy.cuts.Load(), proxy.lost.Load(), proxy.doubles.Load())
	if proxy.cuts.Load()+proxy.lost.Load()+proxy.doubles.Load() == 0 || n < 20 {
		t.Fatal("the faults or the load did not happen")
	}
	stop(t, w)
	stop(t, c)
	if dw, dc := digest(t, openData(t, ws)), digest(t, central.open(t)); fmt.Sprint(dw) != fmt.Sprint(dc) {
		t.Fatalf("signed data differs:\nworkstation %v\ncentral     %v", dw, dc)
	}
	tssN, logs := gapless(t, central.open(t))
	t.Logf("central: %d TSS, %d logs, gapless and equal to the workstation", tssN, logs)
}

// The same organization renamed on both sides while they cannot reach
// each other: after the next sync both show the newer name, and the
// older one is kept in the conflict list of the instance that found it.
func TestSyncConflictKeepsBothVersions(t *testing.T) {
	central, ws := central{data: t.TempDir()}, t.TempDir()
	cred := pairCentral(t, central)
	c := start(t, []string{"FISKALDESK_RATE_LIMITS=off"}, "serve", "--data", central.data, "--addr", "127.0.0.1:0")
	proxy := &faultProxy{target: c.url}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv := &http.Server{Handler: proxy}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	if out, stderr, code := run(t, wsEnv, "sync", "--data", ws, "--connect", "http://"+ln.Addr().String(), "--credential", cred); code != 0 {
		t.Fatalf("connect: %s %s", out, stderr)
	}
	w := start(t, wsEnv, "serve", "--data", ws, "--addr", "127.0.0.1:0")
	syncUntilIdle(t, ws)
	wtok, ctok := token(t, w.url), token(t, c.url)
	orgID := mustCall(t, "GET", w.url+"/api/v0/organizations", wtok, nil)["data"].([]any)[0].(map[string]any)["_id"].(string)

	proxy.down.Store(true)
	mustCall(t, "PATCH", c.url+"/api/v0/organizations/"+orgID, ctok, map[string]string{"name": "Renamed centrally"})
	time.Sleep(5 * time.Millisecond)
	mustCall(t, "PATCH", w.url+"/api/v0/organizations/"+orgID, wtok, map[string]string{"name": "Renamed on the workstation"})
	proxy.down.Store(false)
	syncUntilIdle(t, ws)

	for _, side := range []struct{ url, tok string }{{w.url, wtok}, {c.url, ctok}} {
		if got := mustCall(t, "GET", side.url+"/api/v0/organizations/"+orgID, side.tok, nil)["name"]; got != "Renamed on the workstation" {
			t.Fatalf("%s shows %q, want the newer name", side.url, got)
		}
	}
	stop(t, w)
	stop(t, c)
	var found []store.Conflict
	for _, d := range []string{central.data, ws} {
		st, err := store.Open(store.DBDir(d), store.Options{GCInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		cs, _, _ := st.Conflicts(10)
		found = append(found, cs...)
		_ = st.Close()
	}
	if len(found) == 0 {
		t.Fatal("no conflict recorded")
	}
	for _, cf := range found {
		if cf.Key != "org/"+orgID || !bytes.Contains(cf.Kept.Value, []byte("Renamed on the workstation")) || !bytes.Contains(cf.Lost.Value, []byte("Renamed centrally")) {
			t.Fatalf("conflict %s: kept %s, lost %s", cf.Key, cf.Kept.Value, cf.Lost.Value)
		}
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key, as an
// operator would for a central instance with its own CA.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "central.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600)
	return certFile, keyFile
}

// A central answering HTTPS with its own CA: a workstation pairs and
// syncs when given the CA, and refuses the certificate without it.
func TestSyncOverHTTPSWithOwnCA(t *testing.T) {
	central, ws, pki := central{data: t.TempDir()}, t.TempDir(), t.TempDir()
	cred := pairCentral(t, central)
	cert, key := selfSignedCert(t, pki)
	c := start(t, nil, "serve", "--data", central.data, "--addr", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key)
	if !strings.HasPrefix(c.url, "https://") {
		t.Fatalf("central URL %s", c.url)
	}
	if out, stderr, code := run(t, wsEnv, "sync", "--data", ws, "--connect", c.url, "--credential", cred); code == 0 || !strings.Contains(stderr, "certificate") {
		t.Fatalf("paired without trusting the certificate: %d %s %s", code, out, stderr)
	}
	if out, stderr, code := run(t, wsEnv, "sync", "--data", ws, "--connect", c.url, "--credential", cred, "--ca", cert); code != 0 || !strings.Contains(out, " 0 waiting") {
		t.Fatalf("pair over HTTPS: %d %s %s", code, out, stderr)
	}
	// The workstation's key reached the central over TLS.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: certPool(t, cert)}}}
	code, m, err := call(client, "POST", c.url+"/api/v2/auth", "", map[string]string{"api_key": wsKey, "api_secret": wsSecret})
	if err != nil || code != 200 || m["access_token"] == nil {
		t.Fatalf("auth at the central with the workstation's key: %d %v %v", code, m, err)
	}
}

func certPool(t *testing.T, file string) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(b)
	return p
}
