package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// rollupQuery is one request the rollup benchmark times.
type rollupQuery struct {
	Name  string  `json:"name"`
	Path  string  `json:"path"`
	P50ms float64 `json:"p50_ms"`
	P95ms float64 `json:"p95_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
	// before runs, untimed, ahead of each request.
	before func(i int) error
}

// rollupResult is what `bench rollup` reports (and prints with --json).
type rollupResult struct {
	Orgs          int           `json:"organizations"`
	TSS           int           `json:"tss"`
	Transactions  uint64        `json:"transactions"`
	Days          int           `json:"days"`
	Requests      int           `json:"requests_per_query"`
	Queries       []rollupQuery `json:"queries"`
	RawSignPerS   float64       `json:"raw_ecdsa_p256_signs_per_s"`
	FsyncPerS     float64       `json:"serial_fsyncs_per_s"`
	CPUs          int           `json:"cpus"`
	StoreBytes    int64         `json:"store_bytes"`
	SeededSeconds float64       `json:"seeded_seconds,omitempty"`
	// FirstMs is the first rollup of the process: nothing cached yet.
	FirstMs float64 `json:"first_request_ms"`
}

// benchRollup fills a data dir with a reseller's customers and their
// receipts and times the dashboard's rollup over them (issue 18: p95 <
// 100 ms with 1,000 organizations and 10,000,000 transactions).
func benchRollup(args []string) error {
	var cfg server.Config
	fs := flag.NewFlagSet("fiskaldesk bench rollup", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	orgs := fs.Int("orgs", 1000, "managed organizations, each with one TSS")
	total := fs.Int("transactions", 10_000_000, "receipts over all TSS")
	days := fs.Int("days", 30, "the receipts are spread over the last days")
	requests := fs.Int("requests", 100, "timed requests per query")
	workers := fs.Int("workers", runtime.NumCPU(), "TSS seeded at a time")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	fill := fs.Bool("fill", true, "sign the receipts still missing before timing; false times what the data dir holds")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed requests to FILE")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	if *orgs < 1 || *total < 0 || *days < 1 || *days > 92 || *requests < 1 || *workers < 1 {
		return usageError{errors.New("bench rollup: --orgs, --days (1–92), --requests and --workers must be positive")}
	}
	const key, secret = "test_benchmarkseed", "bench-secret-0123456789"
	cfg.BootstrapKey, cfg.BootstrapSecret, cfg.BootstrapOrgName, cfg.Addr = key, secret, "Benchmark Reseller", "127.0.0.1:0"
	cfg.TestTSSLimit, cfg.NoRateLimits = 0, true
	s, err := server.New(cfg, zerolog.Nop(), spaFS())
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Start(); err != nil {
		return err
	}
	c := &exportClient{base: s.URL(), http: http.DefaultClient}
	var auth struct {
		AccessToken string `json:"access_token"`
	}
	if _, err := c.do("POST", "/api/v2/auth", map[string]string{"api_key": key, "api_secret": secret}, &auth); err != nil {
		return err
	}
	c.token = auth.AccessToken
	p, err := s.Auth.Resolve(c.token)
	if err != nil {
		return err
	}
	root := p.Key.OrganizationID

	begin := time.Now()
	targets, err := rollupFixture(c, root, *orgs, *total)
	if err != nil {
		return err
	}
	// Receipts are spread evenly over the last days, by transaction number,
	// so a resumed fill goes on where it stopped.
	now := time.Now().Unix()
	from := now - int64(*days)*86400 + 1
	var done atomic.Int64
	var want int64
	for i, t := range targets {
		if !*fill {
			// Time what is there: each TSS as far as it got.
			targets[i].want, targets[i].missing = t.want-t.missing, 0
			continue
		}
		want += int64(t.missing)
	}
	jobs := make(chan rollupTarget)
	errs := make(chan error, *workers)
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				caller := tss.Caller{Viewer: p.Viewer, Env: p.Viewer.Env, ActingOrg: t.org, TokenID: p.TokenID, TokenExp: p.TokenExp}
				per := uint64(t.want)
				at := func(n uint64) int64 { return from + int64((n-1)*uint64(now-from)/max(per, 1)) }
				last := 0
				err := s.TSS.SeedTimed(context.Background(), caller, t.tss, t.client, t.missing, at, func(n int) {
					done.Add(int64(n - last))
					last = n
				})
				if err != nil {
					errs <- fmt.Errorf("seed %s: %w", t.tss, err)
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				d := done.Load()
				fmt.Fprintf(os.Stderr, "seeded %d/%d receipts (%.0f/s)\n", d, want, float64(d)/time.Since(begin).Seconds())
			}
		}
	}()
	var seedErr error
feed:
	for _, t := range targets {
		if t.missing == 0 {
			continue
		}
		select {
		case jobs <- t:
		case seedErr = <-errs:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	close(stop)
	if seedErr == nil && len(errs) > 0 {
		seedErr = <-errs
	}
	if seedErr != nil {
		return seedErr
	}
	res := rollupResult{Orgs: len(targets), TSS: len(targets), Days: *days, Requests: *requests, CPUs: runtime.NumCPU()}
	if want > 0 {
		res.SeededSeconds = time.Since(begin).Seconds()
	}
	// Timed on a store whose compactions have caught up with the fill.
	if err := s.Store.Settle(context.Background()); err != nil {
		return err
	}

	// The figures must add up to what was signed before anything is timed.
	var check struct {
		Totals struct {
			Organizations int    `json:"organizations"`
			TSS           int    `json:"tss"`
			Transactions  uint64 `json:"transactions"`
		} `json:"totals"`
	}
	t0 := time.Now()
	if _, err := c.do("GET", "/api/dashboard/rollup?limit=1", nil, &check); err != nil {
		return err
	}
	res.FirstMs = float64(time.Since(t0).Microseconds()) / 1000
	var signed uint64
	for _, t := range targets {
		signed += uint64(t.want)
	}
	if check.Totals.Organizations != len(targets)+1 || check.Totals.Transactions != signed {
		return fmt.Errorf("bench rollup: the rollup counts %d organizations and %d transactions, the fill made %d and %d",
			check.Totals.Organizations, check.Totals.Transactions, len(targets)+1, signed)
	}
	res.Transactions = check.Totals.Transactions

	one := targets[len(targets)/2].org
	queries := []rollupQuery{
		{Name: "overview, first page by name", Path: "/api/dashboard/rollup?limit=25"},
		{Name: "by transactions, descending", Path: "/api/dashboard/rollup?sort=transactions&order=desc&limit=25"},
		{Name: "search", Path: "/api/dashboard/rollup?search=" + url.QueryEscape("Kunde 05") + "&limit=25"},
		{Name: "92 days, last page", Path: fmt.Sprintf("/api/dashboard/rollup?days=92&limit=25&offset=%d", max(0, len(targets)-24))},
		{Name: "one customer's page", Path: "/api/dashboard/rollup?administered=false&organization_id=" + one},
		// The rollup keeps what only a management change alters (which TSS
		// an organization has, closed days) while the store's generation
		// holds: this one pays for reading it all again, every time.
		{Name: "overview after a change", Path: "/api/dashboard/rollup?limit=25", before: func(i int) error {
			var changed json.RawMessage
			_, err := c.do("PATCH", "/api/v0/organizations/"+one, map[string]string{"display_name": fmt.Sprintf("Kunde, Änderung %d", i)}, &changed)
			return err
		}},
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	for i := range queries {
		q := &queries[i]
		lat := make([]time.Duration, 0, *requests)
		for r := range *requests {
			if q.before != nil {
				if err := q.before(r); err != nil {
					return err
				}
			}
			t0 := time.Now()
			resp, err := c.do("GET", q.Path, nil, nil)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
		q.P50ms, q.P95ms, q.P99ms, q.MaxMs = pct(0.50), pct(0.95), pct(0.99), float64(lat[len(lat)-1].Microseconds())/1000
	}
	stopProfile()
	res.Queries = queries
	res.RawSignPerS = rawSignRate(2 * time.Second)
	if res.FsyncPerS, err = serialFsyncRate(cfg.DataDir, 2*time.Second); err != nil {
		return err
	}
	res.StoreBytes = dirSize(filepath.Join(cfg.DataDir, "db"))

	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	fmt.Printf("rollup over %d organizations (%d TSS, %d transactions over %d days), %d requests each, one at a time:\n",
		res.Orgs+1, res.TSS, res.Transactions, res.Days, res.Requests)
	fmt.Printf("  %-32s %7.2f ms (the check of the totals, before the timed requests)\n", "first request of the process", res.FirstMs)
	for _, q := range res.Queries {
		fmt.Printf("  %-32s p50 %7.2f ms  p95 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n", q.Name, q.P50ms, q.P95ms, q.P99ms, q.MaxMs)
	}
	fmt.Printf("raw ECDSA P-256    %.0f signatures/s on %d CPUs\n", res.RawSignPerS, res.CPUs)
	fmt.Printf("serial fsync       %.0f/s (4 KiB write + fsync, one at a time, in the data dir)\n", res.FsyncPerS)
	fmt.Printf("store              %.1f GiB (apparent size of the files in db/)\n", float64(res.StoreBytes)/(1<<30))
	return nil
}

// rollupTarget is one customer's TSS and how many receipts it needs.
type rollupTarget struct {
	org, tss, client string
	want, missing    int
}

// rollupFixture makes (or finds) n managed organizations of root named
// "Bench Kunde NNNN", each with one INITIALIZED TSS and client, and says
// how many receipts each still needs to reach total over all of them.
func rollupFixture(c *exportClient, root string, n, total int) ([]rollupTarget, error) {
	var list struct {
		Data []struct {
			ID   string `json:"_id"`
			Name string `json:"name"`
		} `json:"data"`
	}
	if _, err := c.do("GET", "/api/v0/organizations?limit=5000&managed_by_organization_id="+root, nil, &list); err != nil {
		return nil, err
	}
	byName := map[string]string{}
	for _, o := range list.Data {
		byName[o.Name] = o.ID
	}
	out := make([]rollupTarget, 0, n)
	for i := range n {
		name := fmt.Sprintf("Bench Kunde %04d", i+1)
		id, ok := byName[name]
		if !ok {
			var o struct {
				ID string `json:"_id"`
			}
			body := map[string]any{"name": name, "address_line1": "Benchstraße 1", "zip": "10115", "town": "Berlin",
				"country_code": "DEU", "managed_by_organization_id": root}
			if _, err := c.do("POST", "/api/v0/organizations", body, &o); err != nil {
				return nil, err
			}
			id = o.ID
		}
		oc := *c
		oc.org = id
		var tl struct {
			Data []struct {
				ID      string `json:"_id"`
				Counter string `json:"transaction_counter"`
			} `json:"data"`
		}
		if _, err := oc.do("GET", "/api/v2/tss?limit=1", nil, &tl); err != nil {
			return nil, err
		}
		t := rollupTarget{org: id, want: total / n}
		if i < total%n {
			t.want++
		}
		have := 0
		if len(tl.Data) == 0 {
			tssID, client, err := oc.initializedTSS()
			if err != nil {
				return nil, err
			}
			t.tss, t.client = tssID, client
		} else {
			t.tss = tl.Data[0].ID
			fmt.Sscan(tl.Data[0].Counter, &have)
			var cl struct {
				Data []struct {
					ID string `json:"_id"`
				} `json:"data"`
			}
			if _, err := oc.do("GET", "/api/v2/tss/"+t.tss+"/client?limit=1", nil, &cl); err != nil || len(cl.Data) == 0 {
				return nil, fmt.Errorf("client of TSS %s: %v", t.tss, err)
			}
			t.client = cl.Data[0].ID
		}
		t.missing = max(0, t.want-have)
		out = append(out, t)
		if (i+1)%100 == 0 {
			fmt.Fprintf(os.Stderr, "organizations ready: %d/%d\n", i+1, n)
		}
	}
	return out, nil
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if info, err := e.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
