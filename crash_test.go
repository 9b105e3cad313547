package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// call sends one JSON request and decodes the answer.
func call(client *http.Client, method, url, token string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var m map[string]any
	err = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, err
}

func mustCall(t *testing.T, method, url, token string, body any) map[string]any {
	t.Helper()
	code, m, err := call(http.DefaultClient, method, url, token, body)
	if err != nil || code != 200 {
		t.Fatalf("%s %s: %d %v %v", method, url, code, m, err)
	}
	return m
}

// setupTSS creates an INITIALIZED TSS with n clients over HTTP.
func setupTSS(t *testing.T, url, tok string, n int) (string, []string) {
	t.Helper()
	id := uuid.NewString()
	base := url + "/api/v2/tss/" + id
	puk := mustCall(t, "PUT", base, tok, map[string]any{})["admin_puk"].(string)
	mustCall(t, "PATCH", base, tok, map[string]string{"state": "UNINITIALIZED"})
	mustCall(t, "PATCH", base+"/admin", tok, map[string]string{"admin_puk": puk, "new_admin_pin": "123456"})
	mustCall(t, "POST", base+"/admin/auth", tok, map[string]string{"admin_pin": "123456"})
	mustCall(t, "PATCH", base, tok, map[string]string{"state": "INITIALIZED"})
	var clients []string
	for i := range n {
		cid := uuid.NewString()
		mustCall(t, "PUT", base+"/client/"+cid, tok, map[string]string{"serial_number": fmt.Sprint("Kasse ", i)})
		clients = append(clients, cid)
	}
	return id, clients
}

// crashKills sets how often the crash test kills the server: 6 in
// make test, more for the long run (go test -run Crash -crash-kills 50).
var crashKills = flag.Int("crash-kills", 6, "SIGKILLs in TestCrashDuringSigningLosesNothing")

// acked is an answer the server gave: it must survive any crash.
type acked struct {
	tss, tx   string
	rev       int
	counter   uint64
	signature string
}

// groupStats reads how the server running on data grouped its commits so
// far (GET /api/local/stats with the run file's token).
func groupStats(t *testing.T, data string) (groups, requests uint64) {
	t.Helper()
	rf, err := server.ReadRunFile(data)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", rf.URL+"/api/local/stats", nil)
	req.Header.Set("Authorization", "Bearer "+rf.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Groups   uint64 `json:"groups"`
		Requests uint64 `json:"grouped_requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 {
		t.Fatalf("local stats: %d %v", resp.StatusCode, err)
	}
	return st.Groups, st.Requests
}

// The store holds every acknowledged transaction after kill -9 at random
// moments (with groups of several requests in flight in every TSS), and per TSS the signed logs are numbered 1..N without gap or
// duplicate, every one verifying with the TSS key.
func TestCrashDuringSigningLosesNothing(t *testing.T) {
	data := t.TempDir()
	env := []string{"FISKALDESK_BOOTSTRAP_API_KEY=test_crashkey", "FISKALDESK_BOOTSTRAP_API_SECRET=crash-secret-0123456789", "FISKALDESK_TEST_TSS_LIMIT=0"}
	p := start(t, env, "serve", "--data", data, "--addr", "127.0.0.1:0")
	tok := mustCall(t, "POST", p.url+"/api/v2/auth", "", map[string]string{"api_key": "test_crashkey", "api_secret": "crash-secret-0123456789"})["access_token"].(string)

	type lane struct{ tss, client string }
	var lanes []lane
	var tssIDs []string
	for range 3 {
		id, clients := setupTSS(t, p.url, tok, 2)
		for _, cid := range clients {
			lanes = append(lanes, lane{id, cid})
		}
		tssIDs = append(tssIDs, id)
	}

	var mu sync.Mutex
	var acks []acked
	kills := *crashKills
	// Several POS workers per client, so each TSS's committer has groups
	// of several requests in flight when the kill lands (group commit,
	// docs/BENCHMARKS.md): inFlight counts requests sent and not yet
	// answered, read at each kill.
	const workersPerLane = 4
	var inFlight atomic.Int64
	var inFlightAtKills int64
	var groups, grouped uint64
	for round := range kills {
		ctx, stop := context.WithCancel(context.Background())
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		var wg sync.WaitGroup
		for _, l := range lanes {
			for range workersPerLane {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						tx := uuid.NewString()
						url := p.url + "/api/v2/tss/" + l.tss + "/tx/" + tx
						for rev, state := range []string{"ACTIVE", "FINISHED"} {
							body := map[string]any{"state": state, "client_id": l.client}
							if state == "FINISHED" {
								body["schema"] = map[string]any{"standard_v1": map[string]any{"receipt": map[string]any{"receipt_type": "RECEIPT",
									"amounts_per_vat_rate": []map[string]string{{"vat_rate": "NORMAL", "amount": "9.99"}}}}}
							}
							inFlight.Add(1)
							code, m, err := call(client, "PUT", fmt.Sprintf("%s?tx_revision=%d", url, rev+1), tok, body)
							inFlight.Add(-1)
							if err != nil || code != 200 {
								break // the server died under us: nothing acknowledged
							}
							sig := m["signature"].(map[string]any)
							mu.Lock()
							acks = append(acks, acked{l.tss, tx, rev + 1, uint64(sig["counter"].(float64)), sig["value"].(string)})
							mu.Unlock()
						}
					}
				}()
			}
		}
		time.Sleep(time.Duration(150+rand.IntN(600)) * time.Millisecond)
		g, r := groupStats(t, data)
		groups, grouped = groups+g, grouped+r
		n := inFlight.Load()
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		inFlightAtKills += n
		p.wait(t)
		stop()
		wg.Wait()
		t.Logf("round %d: killed with %d requests in flight; %d answers acknowledged so far", round, n, len(acks))
		p = start(t, env, "serve", "--data", data, "--addr", "127.0.0.1:0")
	}
	// Groups of several requests were committed, and at the kills many
	// more requests were in flight than there are TSS: the kills landed
	// in the middle of groups.
	if groups == 0 || float64(grouped)/float64(groups) < 1.5 {
		t.Fatalf("%d requests in %d groups: the load did not form groups", grouped, groups)
	}
	if min := int64(kills * len(tssIDs) * 2); inFlightAtKills < min {
		t.Fatalf("%d requests in flight over %d kills: want at least %d", inFlightAtKills, kills, min)
	}
	t.Logf("%.1f requests per group commit; %.1f requests in flight per kill", float64(grouped)/float64(groups), float64(inFlightAtKills)/float64(kills))
	if len(acks) < 50 {
		t.Fatalf("only %d acknowledged answers; the load did not run", len(acks))
	}
	// Every acknowledged answer is there, unchanged.
	seen := map[string]bool{}
	for _, a := range acks {
		k := fmt.Sprint(a.tss, a.counter)
		if seen[k] {
			t.Fatalf("counter %d of TSS %s acknowledged twice", a.counter, a.tss)
		}
		seen[k] = true
		m := mustCall(t, "GET", fmt.Sprintf("%s/api/v2/tss/%s/tx/%s?tx_revision=%d", p.url, a.tss, a.tx, a.rev), tok, nil)
		sig := m["signature"].(map[string]any)
		if sig["value"] != a.signature || uint64(sig["counter"].(float64)) != a.counter {
			t.Fatalf("acknowledged revision %s/%d changed after crashes", a.tx, a.rev)
		}
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)

	// In the store: logs 1..N per TSS, N = the stored counter, all verifying.
	st, err := store.Open(store.DBDir(data), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range tssIDs {
		var rec struct {
			PublicKey []byte `json:"public_key"`
		}
		var ctr []byte
		var logs [][]byte
		var counters []uint64
		_ = st.View(func(txn store.Tx) error {
			rec, _ = store.GetJSON[struct {
				PublicKey []byte `json:"public_key"`
			}](txn, store.TSSKey(id))
			ctr, _ = txn.Get(store.TSSCounterKey(id))
			return store.ScanKeys(txn, store.LogPrefix(id), func(k []byte) error {
				counters = append(counters, binary.BigEndian.Uint64(k[len(k)-8:]))
				v, err := txn.Get(k)
				logs = append(logs, v)
				return err
			})
		})
		pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(rec.PublicKey[1:33]), Y: new(big.Int).SetBytes(rec.PublicKey[33:])}
		if uint64(len(counters)) != binary.BigEndian.Uint64(ctr) {
			t.Fatalf("TSS %s: %d logs, counter says %d", id, len(counters), binary.BigEndian.Uint64(ctr))
		}
		for i, c := range counters {
			if c != uint64(i+1) {
				t.Fatalf("TSS %s: log %d has counter %d: gap or duplicate", id, i+1, c)
			}
			l, err := tse.Parse(logs[i])
			if err != nil || l.Counter.Uint64() != c {
				t.Fatalf("TSS %s log %d: %v", id, c, err)
			}
			sum := sha256.Sum256(l.DTBS)
			if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(l.Signature[:32]), new(big.Int).SetBytes(l.Signature[32:])) {
				t.Fatalf("TSS %s log %d does not verify", id, c)
			}
		}
		checkTxIndexes(t, st, id, binary.BigEndian.Uint64(ctr[8:16]))
		t.Logf("TSS %s: %d logs, gapless, all verify; indexes agree with the transactions", id, len(counters))
	}
}

// checkTxIndexes checks after the crashes that the list indexes of a TSS
// say what its transactions say: every transaction under its state and
// client, the counts equal to what is there.
func checkTxIndexes(t *testing.T, st *store.Store, id string, txCount uint64) {
	t.Helper()
	type head struct {
		ID     string `json:"id"`
		Number uint64 `json:"number"`
		State  string `json:"state"`
		Client string `json:"client_id"`
	}
	count := map[string]uint64{} // "<client>/<state>"
	err := st.View(func(txn store.Tx) error {
		var n uint64
		err := store.ScanJSON(txn, []byte("tx/"+id+"/"), func(h head) error {
			n++
			count[h.Client+"/"+h.State]++
			if h.State != "ACTIVE" {
				if v, err := txn.Get(store.TxEndKey(id, h.State, h.Number)); err != nil || string(v) != h.ID {
					return fmt.Errorf("transaction %d (%s) missing from the %s index", h.Number, h.ID, h.State)
				}
			}
			if v, err := txn.Get(store.TxClientKey(id, h.Client, h.Number)); err != nil || string(v) != h.ID {
				return fmt.Errorf("transaction %d missing from its client's index", h.Number)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n != txCount {
			return fmt.Errorf("%d transactions, counter %d", n, txCount)
		}
		for k, want := range count {
			client, state, _ := strings.Cut(k, "/")
			b, err := txn.Get(store.TxCountKey(id, client, state))
			if err != nil || binary.BigEndian.Uint64(b) != want {
				return fmt.Errorf("count of %s: %x, want %d", k, b, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("TSS %s: %v", id, err)
	}
}
