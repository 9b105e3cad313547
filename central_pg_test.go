package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/store/pgtest"
)

const (
	centralKey    = "test_centralkey1"
	centralSecret = "central-secret-0123456789"
)

// A central with two API nodes — two serve processes sharing one
// PostgreSQL database and one data directory (data key, exports;
// docs/scale.md) — and two workstations on Badger, one paired through
// node 0, the other through a balancer that sends each of its requests
// to either node. POS clients sign on the workstations and on a TSS owned by
// the central through both nodes at once, with tokens of one node used on
// the other. Afterwards: every TSS gapless on the central, each
// workstation's owned data byte-identical on the central, and a TAR
// export of the central's TSS that `fiskaldesk verify` accepts, and the
// organization data identical on all three instances. A key disabled on
// one node is refused by the other at once; a dashboard session made on
// one node works on the other.
func TestCentralTwoNodesOnPostgres(t *testing.T) {
	c := central{data: t.TempDir(), store: pgtest.URL(t)}
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 7)
	}
	env := c.env("FISKALDESK_RATE_LIMITS=off", "FISKALDESK_TEST_TSS_LIMIT=0",
		"FISKALDESK_DATA_KEY="+base64.StdEncoding.EncodeToString(key),
		"FISKALDESK_BOOTSTRAP_API_KEY="+centralKey, "FISKALDESK_BOOTSTRAP_API_SECRET="+centralSecret)

	var creds []string
	for i := range 2 {
		out, stderr, code := run(t, env, "sync", "--pair", fmt.Sprint("Kasse ", i+1), "--data", c.data)
		cred := credLine.FindString(out)
		if code != 0 || cred == "" {
			t.Fatalf("sync --pair: %d %s %s", code, out, stderr)
		}
		creds = append(creds, cred)
	}
	nodes := []*proc{
		start(t, env, "serve", "--data", c.data, "--addr", "127.0.0.1:0"),
		start(t, env, "serve", "--data", c.data, "--addr", "127.0.0.1:0"),
	}
	// Workstation 1 reaches the central through node 0; workstation 2
	// through a balancer that sends each request to either node.
	lb := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		u, _ := url.Parse(nodes[rand.IntN(2)].url)
		r.SetURL(u)
		r.Out.Host = r.In.Host
	}})
	defer lb.Close()
	via := []string{nodes[0].url, lb.URL}
	ws := []string{t.TempDir(), t.TempDir()}
	// Each workstation has an organization and key of its own.
	wsKeys := [][2]string{{wsKey, wsSecret}, {"test_synckey2", "sync-secret-2-0123456789"}}
	wsEnvs := [][]string{wsEnv, {"FISKALDESK_BOOTSTRAP_API_KEY=" + wsKeys[1][0], "FISKALDESK_BOOTSTRAP_API_SECRET=" + wsKeys[1][1],
		"FISKALDESK_BOOTSTRAP_ORG_NAME=Zweite Kasse", "FISKALDESK_TEST_TSS_LIMIT=0", "FISKALDESK_RATE_LIMITS=off"}}
	tokenOf := func(base string, i int) string {
		return mustCall(t, "POST", base+"/api/v2/auth", "", map[string]string{"api_key": wsKeys[i][0], "api_secret": wsKeys[i][1]})["access_token"].(string)
	}
	var wsProcs []*proc
	var wsLanes [][][2]string
	for i, d := range ws {
		if out, stderr, code := run(t, wsEnvs[i], "sync", "--data", d, "--connect", via[i], "--credential", creds[i]); code != 0 {
			t.Fatalf("connect through node %d: %s %s", i, out, stderr)
		}
		w := start(t, wsEnvs[i], "serve", "--data", d, "--addr", "127.0.0.1:0")
		wsProcs = append(wsProcs, w)
		lanes, _ := lanesOf(t, w.url, tokenOf(w.url, i), 2, 2)
		wsLanes = append(wsLanes, lanes)
	}

	// The central's own TSS, set up through node 0, signed through both.
	auth := func(base string) string {
		return mustCall(t, "POST", base+"/api/v2/auth", "", map[string]string{"api_key": centralKey, "api_secret": centralSecret})["access_token"].(string)
	}
	ctok := auth(nodes[0].url)
	ctss, cclients := setupTSS(t, nodes[0].url, ctok, 4)
	var clanes [][2]string
	for _, cl := range cclients {
		clanes = append(clanes, [2]string{ctss, cl})
	}

	const perWS, atCentral = 400, 800
	began := time.Now()
	var wg sync.WaitGroup
	counts := make([]int64, 3)
	for i, w := range wsProcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wtok := tokenOf(w.url, i)
			counts[i] = signLoad(context.Background(), func() string { return w.url }, func() string { return wtok }, wsLanes[i], perWS)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Each call goes to either node; the token is node 0's.
		counts[2] = signLoad(context.Background(), func() string { return nodes[rand.IntN(2)].url }, func() string { return ctok }, clanes, atCentral)
	}()
	wg.Wait()
	for _, d := range ws {
		syncUntilIdle(t, d)
	}
	t.Logf("signed %v (workstation 1, workstation 2, central TSS through both nodes) and in sync after %s",
		counts, time.Since(began).Round(time.Millisecond))

	// Both nodes answer the same counters for every TSS, the
	// workstations' with their synced keys.
	for i, id := range []string{wsLanes[0][0][0], wsLanes[1][0][0], ctss} {
		tok := func(base string) string { return auth(base) }
		if i < 2 {
			tok = func(base string) string { return tokenOf(base, i) }
		}
		a := mustCall(t, "GET", nodes[0].url+"/api/v2/tss/"+id, tok(nodes[0].url), nil)
		b := mustCall(t, "GET", nodes[1].url+"/api/v2/tss/"+id, tok(nodes[1].url), nil)
		if a["signature_counter"] != b["signature_counter"] {
			t.Fatalf("TSS %s: node 0 says %v, node 1 %v", id, a["signature_counter"], b["signature_counter"])
		}
	}
	m := mustCall(t, "GET", nodes[1].url+"/api/v2/tss/"+ctss, ctok, nil)
	var n int64
	if _, err := fmt.Sscan(fmt.Sprint(m["transaction_counter"]), &n); err != nil || n < counts[2] {
		t.Fatalf("central TSS: %d transactions acknowledged, counter %d", counts[2], n)
	}

	// A key made and disabled through node 0: its token, issued by node 1
	// and used there a moment before, is refused by node 1 at once.
	mtok := mustCall(t, "POST", nodes[0].url+"/api/v0/auth", "", map[string]string{"api_key": centralKey, "api_secret": centralSecret})["access_token"].(string)
	orgs := mustCall(t, "GET", nodes[0].url+"/api/v0/organizations", mtok, nil)["data"].([]any)
	orgID := orgs[0].(map[string]any)["_id"].(string)
	k := mustCall(t, "POST", nodes[0].url+"/api/v0/organizations/"+orgID+"/api-keys", mtok, map[string]any{"name": "pos", "status": "enabled"})
	ktok := mustCall(t, "POST", nodes[1].url+"/api/v0/auth", "", map[string]string{"api_key": k["key"].(string), "api_secret": k["secret"].(string)})["access_token"].(string)
	mustCall(t, "GET", nodes[1].url+"/api/v0/organizations/"+orgID, ktok, nil)
	mustCall(t, "PATCH", nodes[0].url+"/api/v0/organizations/"+orgID+"/api-keys/"+k["_id"].(string), mtok, map[string]string{"status": "disabled"})
	if code, body, _ := call(http.DefaultClient, "GET", nodes[1].url+"/api/v0/organizations/"+orgID, ktok, nil); code != 401 {
		t.Fatalf("node 1 accepted the token of a key disabled on node 0: %d %v", code, body)
	}

	// The dashboard's first start through node 0: its session cookie and
	// CSRF token work on node 1, and node 1's own setup link is spent.
	setupBody := `{"email":"owner@central.example","password":"owner password 1","organization":{"name":"Zentrale GmbH","address_line1":"Weg 1","zip":"12345","town":"Ort","country_code":"DEU"}}`
	jsonWith := func(extra map[string]string) map[string]string {
		m := map[string]string{"Content-Type": "application/json"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	if nodes[0].setupToken == "" || nodes[1].setupToken == "" {
		t.Fatal("the nodes printed no setup link")
	}
	ok := send(t, "POST", nodes[0].url+"/api/dashboard/setup", jsonWith(map[string]string{"X-Setup-Token": nodes[0].setupToken}), setupBody)
	if ok.status != 200 {
		t.Fatalf("setup through node 0: %d %s", ok.status, ok.body)
	}
	var sess struct {
		CSRF string `json:"csrf_token"`
		Org  struct {
			ID string `json:"_id"`
		} `json:"organization"`
	}
	_ = json.Unmarshal(ok.body, &sess)
	cookie := strings.Split(ok.hdr.Get("Set-Cookie"), ";")[0]
	keys := nodes[1].url + "/api/v0/organizations/" + sess.Org.ID + "/api-keys"
	if a := send(t, "POST", keys, jsonWith(map[string]string{"Cookie": cookie}), `{"name":"pos-key"}`); a.status != 403 || a.code != "E_CSRF" {
		t.Fatalf("node 1 without the CSRF token: %d %s", a.status, a.body)
	}
	if a := send(t, "POST", keys, jsonWith(map[string]string{"Cookie": cookie, "X-CSRF-Token": sess.CSRF}), `{"name":"pos-key"}`); a.status != 200 {
		t.Fatalf("node 0's session on node 1: %d %s", a.status, a.body)
	}
	if a := send(t, "POST", nodes[1].url+"/api/dashboard/setup", jsonWith(map[string]string{"X-Setup-Token": nodes[1].setupToken}), setupBody); a.status != 409 || a.code != "E_SETUP_DONE" {
		t.Fatalf("setup through node 1 after node 0's: %d %s", a.status, a.body)
	}

	// A TAR export of the central's TSS verifies.
	tarFile := filepath.Join(t.TempDir(), "central.tar")
	if out, stderr, code := run(t, append(env, "FISKALDESK_API_KEY="+centralKey, "FISKALDESK_API_SECRET="+centralSecret),
		"export", "tss", "--data", c.data, "--tss", ctss, "--out", tarFile); code != 0 {
		t.Fatalf("export: %s %s", out, stderr)
	}
	if out, _, code := run(t, nil, "verify", tarFile); code != 0 || !strings.Contains(out, "RESULT        OK") {
		t.Fatalf("verify of the central TSS's export: %d %s", code, out)
	}

	// Organization data (the new key included) reaches every instance.
	syncUntilIdle(t, ws[0])
	syncUntilIdle(t, ws[1])
	syncUntilIdle(t, ws[0])
	for _, p := range append(wsProcs, nodes...) {
		stop(t, p)
	}
	central := classData(t, c.open(t), store.SyncOwned)
	for i, d := range ws {
		mine := classData(t, openData(t, d), store.SyncOwned)
		for k, v := range mine {
			if central[k] != v {
				t.Fatalf("workstation %d: key %q differs on the central", i+1, k)
			}
		}
		t.Logf("workstation %d: %d owned keys, byte-identical on the central", i+1, len(mine))
	}
	shared := classData(t, c.open(t), store.SyncShared)
	for i, d := range ws {
		mine := classData(t, openData(t, d), store.SyncShared)
		if fmt.Sprint(mine) != fmt.Sprint(shared) {
			t.Fatalf("workstation %d: %d shared keys, the central %d, or they differ", i+1, len(mine), len(shared))
		}
	}
	t.Logf("organization data: %d shared keys, identical on the central and both workstations", len(shared))
	tssN, logs := gapless(t, c.open(t))
	t.Logf("central: %d TSS, %d logs, gapless", tssN, logs)
	if tssN != 5 {
		t.Fatalf("central holds %d TSS, want 5", tssN)
	}
}

// classData is every key of a sync class in st, with a hash of its
// value; st is closed after.
func classData(t *testing.T, st *store.Store, class store.SyncClass) map[string][32]byte {
	t.Helper()
	defer st.Close()
	out := map[string][32]byte{}
	err := st.View(func(txn store.Tx) error {
		it := txn.Iterate(store.IterOptions{})
		defer it.Close()
		for ; it.Valid(); it.Next() {
			if store.ClassOf(it.Key()) != class {
				continue
			}
			v, err := it.Value()
			if err != nil {
				return err
			}
			out[string(it.Key())] = sha256.Sum256(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
