package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
)

// benchResult is what `bench run` reports (and prints with --json).
type benchResult struct {
	Workload      string  `json:"workload"`
	Orgs          int     `json:"orgs"`
	TSS           int     `json:"tss"`
	Clients       int     `json:"clients_per_tss"`
	Workers       int     `json:"workers"`
	HTTPClient    string  `json:"http_client"`
	RateCap       float64 `json:"rate_cap_per_s,omitempty"`
	DurationS     float64 `json:"duration_s"`
	Requests      int64   `json:"requests"`
	Errors        int64   `json:"errors"`
	SignedOps     int64   `json:"signed_ops"`
	SignedOpsPerS float64 `json:"signed_ops_per_s"`
	P50ms         float64 `json:"p50_ms"`
	P95ms         float64 `json:"p95_ms"`
	P99ms         float64 `json:"p99_ms"`
	MaxMs         float64 `json:"max_ms"`
	// CPU time per signed operation (per request for list and export)
	// over the load phase: of this process (load generator, plus the
	// server when bench run started it) and of the server named by
	// --server-pid.
	ProcessCPUus   float64 `json:"process_cpu_us_per_op"`
	ServerCPUus    float64 `json:"server_cpu_us_per_op,omitempty"`
	RawSignPerS    float64 `json:"raw_ecdsa_p256_signs_per_s"`
	RatioToSigning float64 `json:"ratio_to_signing_limit"`
	CPUs           int     `json:"cpus"`
}

var receiptSchema = map[string]any{"standard_v1": map[string]any{"receipt": map[string]any{"receipt_type": "RECEIPT",
	"amounts_per_vat_rate":     []map[string]string{{"vat_rate": "NORMAL", "amount": "11.90"}},
	"amounts_per_payment_type": []map[string]string{{"payment_type": "CASH", "amount": "11.90"}}}}}

// benchRun drives signed transactions over HTTP against an instance and
// measures throughput and latency.
func benchRun(args []string) error {
	fs := flag.NewFlagSet("fiskaldesk bench run", flag.ContinueOnError)
	base := fs.String("url", "", "instance to load (default: start one on a temporary data dir)")
	key := fs.String("api-key", os.Getenv("FISKALDESK_API_KEY"), "API key of the instance (with --url)")
	sec := fs.String("api-secret", os.Getenv("FISKALDESK_API_SECRET"), "API secret (with --url)")
	nTSS := fs.Int("tss", 8, "TSS to set up and load")
	nOrgs := fs.Int("orgs", 1, "organizations to spread the TSS over: the key's own and managed ones created through the Management API")
	nClients := fs.Int("clients", 1, "clients registered per TSS; workers take turns over all of them")
	count := fs.Int64("count", 0, "stop after this many operations (signed operations, or requests for list and export) instead of --duration")
	workers := fs.Int("workers", 0, "concurrent clients (default: 4 per TSS)")
	dur := fs.Duration("duration", 10*time.Second, "how long to load")
	workload := fs.String("workload", "receipts", "receipts (start+finish), start-update-finish, list, or export (trigger, wait, download: one operation; use 1 worker per TSS)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	rps := fs.Float64("rate", 0, "cap on requests per second across all workers (0: as fast as possible); to measure latency at a given load")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the load phase to FILE (covers the server too when bench run starts it)")
	httpClient := fs.String("http-client", "raw", "the load generator's HTTP client for signing workloads: raw (lean HTTP/1.1, one keep-alive connection per worker) or go (net/http)")
	serverPID := fs.Int("server-pid", 0, "with --url: process id of the server, to report its CPU time per operation (Linux, from /proc)")
	existing := fs.String("list-tss", "", "with --workload list: comma-separated IDs of existing TSS to list (e.g. one from bench seed) instead of new ones")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	var existingIDs []string
	if *existing != "" {
		if *workload != "list" {
			return usageError{fmt.Errorf("--list-tss needs --workload list")}
		}
		for _, id := range strings.Split(*existing, ",") {
			existingIDs = append(existingIDs, strings.TrimSpace(id))
		}
		*nTSS = len(existingIDs)
	}
	if *workers == 0 {
		*workers = 4 * *nTSS
	}
	if *httpClient != "raw" && *httpClient != "go" {
		return usageError{fmt.Errorf("--http-client must be raw or go")}
	}
	if *nOrgs < 1 || *nClients < 1 || *count < 0 {
		return usageError{fmt.Errorf("--orgs and --clients must be at least 1, --count not negative")}
	}
	if *base == "" {
		dir, err := os.MkdirTemp("", "fiskaldesk-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*key, *sec = "test_benchmarkrun", "bench-secret-0123456789"
		cfg := server.Config{DataDir: dir, Addr: "127.0.0.1:0", LogLevel: "error", BootstrapKey: *key, BootstrapSecret: *sec, NoRateLimits: true}
		s, err := server.New(cfg, zerolog.Nop(), spaFS())
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.Start(); err != nil {
			return err
		}
		*base = s.URL()
	}
	tr := &http.Transport{MaxIdleConns: *workers * 2, MaxIdleConnsPerHost: *workers * 2}
	c := &exportClient{base: *base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	var auth struct {
		AccessToken string            `json:"access_token"`
		Claims      map[string]string `json:"access_token_claims"`
	}
	if _, err := c.do("POST", "/api/v2/auth", map[string]string{"api_key": *key, "api_secret": *sec}, &auth); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	c.token = auth.AccessToken
	orgClients, err := benchOrgs(c, auth.Claims["organization_id"], *nOrgs)
	if err != nil {
		return fmt.Errorf("bench set-up: %w", err)
	}
	type lane struct {
		tss, client string
		c           *exportClient
	}
	var lanes []lane
	for _, id := range existingIDs {
		lanes = append(lanes, lane{tss: id, c: c})
	}
	for i := range *nTSS - len(lanes) {
		oc := orgClients[i%len(orgClients)]
		id, cls, err := oc.initializedTSSWith(*nClients)
		if err != nil {
			return fmt.Errorf("bench set-up: %w", err)
		}
		for _, cl := range cls {
			lanes = append(lanes, lane{id, cl, oc})
		}
	}
	if (*workload == "list" || *workload == "export") && *existing == "" {
		// Lists and exports need content: 200 receipts per TSS first.
		filled := map[string]bool{}
		for _, l := range lanes {
			if filled[l.tss] {
				continue
			}
			filled[l.tss] = true
			for range 200 {
				tx := "/api/v2/tss/" + l.tss + "/tx/" + uuid.NewString()
				if _, err := l.c.do("PUT", tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": l.client}, nil); err != nil {
					return err
				}
				if _, err := l.c.do("PUT", tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": l.client, "schema": receiptSchema}, nil); err != nil {
					return err
				}
			}
		}
	}
	var limiter *rate.Limiter
	if *rps > 0 {
		limiter = rate.NewLimiter(rate.Limit(*rps), 1)
	}
	var requests, errs, signed atomic.Int64
	lat := make([][]time.Duration, *workers)
	runFor := *dur
	if *count > 0 {
		runFor = 24 * time.Hour // --count ends the run
	}
	ctx, cancel := context.WithTimeout(context.Background(), runFor)
	defer cancel()
	var ops atomic.Int64
	// counted ends the run once --count operations are done.
	counted := func(n int64) {
		if *count > 0 && ops.Add(n) >= *count {
			cancel()
		}
	}
	var wg sync.WaitGroup
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	cpu0, err := processCPU(0)
	if err != nil {
		return err
	}
	var srv0 time.Duration
	if *serverPID != 0 {
		if srv0, err = processCPU(*serverPID); err != nil {
			return fmt.Errorf("bench: --server-pid: %w", err)
		}
	}
	start := time.Now()
	for w := range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := lanes[w%len(lanes)]
			c := l.c
			// Bodies encoded once: the load generator shares the machine
			// with the server and should spend its CPU on HTTP only.
			startBody, _ := json.Marshal(map[string]any{"state": "ACTIVE", "client_id": l.client})
			updateBody, _ := json.Marshal(map[string]any{"state": "ACTIVE", "client_id": l.client, "schema": receiptSchema})
			finishBody, _ := json.Marshal(map[string]any{"state": "FINISHED", "client_id": l.client, "schema": receiptSchema})
			var rc *rawConn
			if *httpClient == "raw" && (*workload == "receipts" || *workload == "start-update-finish") {
				var err error
				if rc, err = newRawConn(c.base, c.token, c.org, 30*time.Second); err != nil {
					fmt.Fprintln(os.Stderr, "bench:", err)
					errs.Add(1)
					return
				}
				defer rc.close()
			}
			call := func(method, path string, body any, signs bool) bool {
				if limiter != nil && limiter.Wait(ctx) != nil {
					return false
				}
				t0 := time.Now()
				var err error
				if rc != nil {
					var status int
					status, err = rc.do(method, path, body.([]byte))
					if err == nil && status != http.StatusOK {
						err = fmt.Errorf("%s %s: status %d", method, path, status)
					}
				} else {
					var resp *http.Response
					resp, err = c.do(method, path, body, nil)
					if err == nil {
						// Read to the end, or the connection is not reused.
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
				if err != nil && errs.Load() == 0 {
					fmt.Fprintln(os.Stderr, "bench: first error:", err)
				}
				lat[w] = append(lat[w], time.Since(t0))
				requests.Add(1)
				if err != nil {
					errs.Add(1)
					return false
				}
				if signs {
					signed.Add(1)
				}
				if signs || *workload == "list" {
					counted(1)
				}
				return true
			}
			for ctx.Err() == nil {
				switch *workload {
				case "export":
					t0 := time.Now()
					err := c.exportOnce(ctx, "/api/v2/tss/"+l.tss+"/export/"+uuid.NewString())
					if ctx.Err() != nil {
						return // cut off by the end of the run: not a result
					}
					lat[w] = append(lat[w], time.Since(t0))
					requests.Add(1)
					counted(1)
					if err != nil {
						errs.Add(1)
						if errs.Load() == 1 {
							fmt.Fprintln(os.Stderr, "bench: export:", err)
						}
					}
				case "list":
					call("GET", "/api/v2/tss/"+l.tss+"/tx?limit=100&order=desc", nil, false)
				default:
					tx := "/api/v2/tss/" + l.tss + "/tx/" + uuid.NewString()
					if !call("PUT", tx+"?tx_revision=1", startBody, true) {
						continue
					}
					rev := 2
					if *workload == "start-update-finish" {
						call("PUT", tx+"?tx_revision=2", updateBody, true)
						rev = 3
					}
					call("PUT", fmt.Sprintf("%s?tx_revision=%d", tx, rev), finishBody, true)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	stopProfile()
	cpu1, err := processCPU(0)
	if err != nil {
		return err
	}
	var srv1 time.Duration
	if *serverPID != 0 {
		if srv1, err = processCPU(*serverPID); err != nil {
			return fmt.Errorf("bench: --server-pid: %w", err)
		}
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	res := benchResult{Workload: *workload, Orgs: len(orgClients), TSS: *nTSS, Clients: *nClients, Workers: *workers, HTTPClient: *httpClient, RateCap: *rps, DurationS: el.Seconds(), Requests: requests.Load(), Errors: errs.Load(),
		SignedOps: signed.Load(), SignedOpsPerS: float64(signed.Load()) / el.Seconds(), P50ms: pct(0.50), P95ms: pct(0.95), P99ms: pct(0.99), MaxMs: pct(1),
		RawSignPerS: rawSignRate(2 * time.Second), CPUs: runtime.NumCPU()}
	if n := float64(res.SignedOps); n > 0 || res.Requests > 0 {
		if n == 0 {
			n = float64(res.Requests)
		}
		res.ProcessCPUus = float64((cpu1 - cpu0).Microseconds()) / n
		if *serverPID != 0 {
			res.ServerCPUus = float64((srv1 - srv0).Microseconds()) / n
		}
	}
	if res.RawSignPerS > 0 {
		res.RatioToSigning = res.SignedOpsPerS / res.RawSignPerS
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Printf("workload %s: %d orgs, %d TSS × %d clients, %d workers (%s HTTP client), %.1f s, %d requests, %d errors\n", res.Workload, res.Orgs, res.TSS, res.Clients, res.Workers, res.HTTPClient, res.DurationS, res.Requests, res.Errors)
	if res.RateCap > 0 {
		fmt.Printf("rate cap           %.0f requests/s\n", res.RateCap)
	}
	if res.SignedOps > 0 {
		fmt.Printf("signed operations  %.0f/s (%d)\n", res.SignedOpsPerS, res.SignedOps)
	} else {
		fmt.Printf("requests           %.0f/s\n", float64(res.Requests)/res.DurationS)
	}
	fmt.Printf("latency            p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms\n", res.P50ms, res.P95ms, res.P99ms, res.MaxMs)
	fmt.Printf("CPU per operation  %.0f µs this process", res.ProcessCPUus)
	if res.ServerCPUus > 0 {
		fmt.Printf(", %.0f µs server (pid %d)", res.ServerCPUus, *serverPID)
	}
	fmt.Println()
	fmt.Printf("raw ECDSA P-256    %.0f signatures/s on %d CPUs; achieved/limit %.2f\n", res.RawSignPerS, res.CPUs, res.RatioToSigning)
	if res.Errors > 0 {
		return quietError{errors.New("bench: requests failed")}
	}
	return nil
}

// rawSignRate measures ECDSA P-256 signatures of a SHA-256 per second on
// all CPUs: the ceiling no signing service on this machine can pass.
func rawSignRate(d time.Duration) float64 {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sum := sha256.Sum256([]byte("fiskaldesk"))
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				_, _, _ = ecdsa.Sign(rand.Reader, k, sum[:])
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}

// exportOnce triggers a TSS export at path, polls it every 20 ms (bench
// runs without rate limits) and downloads the file.
func (c *exportClient) exportOnce(ctx context.Context, path string) error {
	if _, err := c.do("PUT", path, nil, nil); err != nil {
		return err
	}
	for ctx.Err() == nil {
		state, err := c.exportState(path)
		if err != nil {
			return err
		}
		if state == "COMPLETED" {
			resp, err := c.do("GET", path+"/file", nil, nil)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, err = io.Copy(io.Discard, resp.Body)
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return ctx.Err()
}

// benchOrgs returns a client per organization to load: the key's own
// (parent) and n-1 managed organizations it creates through the
// Management API and then administers with the same token, as a
// reseller's key does.
func benchOrgs(c *exportClient, parent string, n int) ([]*exportClient, error) {
	out := []*exportClient{c}
	for i := 1; i < n; i++ {
		var o struct {
			ID string `json:"_id"`
		}
		body := map[string]any{"name": fmt.Sprintf("Bench Kunde %d", i), "address_line1": "Benchstraße 1", "zip": "10115", "town": "Berlin",
			"country_code": "DEU", "managed_by_organization_id": parent}
		if _, err := c.do("POST", "/api/v0/organizations", body, &o); err != nil {
			return nil, err
		}
		mc := *c
		mc.org = o.ID
		out = append(out, &mc)
	}
	return out, nil
}
