package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

const benchUsage = `fiskaldesk bench run [--url URL --api-key K --api-secret S] [--tss N] [--workers N]
                     [--duration 10s] [--workload receipts|start-update-finish|list] [--json]
    loads an instance (default: one it starts on a temporary data dir) over HTTP and reports
    signed operations/s, latency percentiles and the machine's raw ECDSA signing rate.
fiskaldesk bench seed --data DIR --transactions N
    creates (if needed) an organization with a TEST key, an INITIALIZED TSS with one client,
    and signs N complete receipts on it in batches, waits for the store's compactions to catch
    up; prints the TSS id and the key to export with.
fiskaldesk bench rollup --data DIR [--orgs 1000] [--transactions 10000000] [--days 30] [--requests 100] [--json]
    fills DIR (once; an interrupted fill resumes) with a reseller organization, --orgs managed
    organizations with an INITIALIZED TSS each and --transactions signed receipts spread over
    the last --days days, then times GET /api/dashboard/rollup (p50/p95/p99) beside the raw
    ECDSA P-256 rate and the serial fsync rate of the same run.
fiskaldesk bench machine [--dir DIR] [--duration 2s]
    raw P-256 signing and verification rates on all CPUs and the serial fsync rate of DIR:
    what bounds every benchmark on this machine right now.
fiskaldesk bench save --data DIR --tss ID --out FILE [--from-counter 1 --to-counter 1000000]
    builds a TAR export of a seeded TSS in this process and saves it the way the desktop app
    does (the handler's answer written straight into FILE); reports peak RSS during the save.`

func cmdBench(args []string) error {
	if len(args) > 0 && args[0] == "run" {
		return benchRun(args[1:])
	}
	if len(args) > 0 && args[0] == "rollup" {
		return benchRollup(args[1:])
	}
	if len(args) > 0 && args[0] == "machine" {
		return benchMachine(args[1:])
	}
	if len(args) > 0 && args[0] == "save" {
		return benchSave(args[1:])
	}
	if len(args) == 0 || args[0] != "seed" {
		return usageError{errors.New("bench: say run, seed, rollup, save or machine\n" + benchUsage)}
	}
	var cfg server.Config
	fs := flag.NewFlagSet("fiskaldesk bench seed", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	n := fs.Int("transactions", 100_000, "receipts to sign")
	if err := fs.Parse(args[1:]); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	const key, secret = "test_benchmarkseed", "bench-secret-0123456789"
	cfg.BootstrapKey, cfg.BootstrapSecret, cfg.BootstrapOrgName, cfg.Addr = key, secret, "Benchmark", "127.0.0.1:0"
	cfg.TestTSSLimit = 0
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
	tssID, clientID, err := c.initializedTSS()
	if err != nil {
		return err
	}
	p, err := s.Auth.Resolve(c.token)
	if err != nil {
		return err
	}
	caller := tss.Caller{Viewer: p.Viewer, Env: p.Viewer.Env, ActingOrg: p.Key.OrganizationID, TokenID: p.TokenID, TokenExp: p.TokenExp}
	begin := time.Now()
	last := begin
	err = s.TSS.Seed(context.Background(), caller, tssID, clientID, *n, func(done int) {
		if time.Since(last) > 5*time.Second || done == *n {
			last = time.Now()
			fmt.Fprintf(os.Stderr, "seeded %d/%d receipts (%.0f/s)\n", done, *n, float64(done)/time.Since(begin).Seconds())
		}
	})
	if err != nil {
		return err
	}
	el := time.Since(begin)
	// A bulk load writes faster than Badger compacts; the backlog is the
	// loader's, not the next process's (docs/BENCHMARKS.md).
	t0 := time.Now()
	if err := s.Store.Settle(context.Background()); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "compactions caught up in %s\n", time.Since(t0).Round(100*time.Millisecond))
	fmt.Printf("tss %s: %d receipts (%d signed logs) in %s (%.0f receipts/s)\nexport with: FISKALDESK_API_KEY=%s FISKALDESK_API_SECRET=%s fiskaldesk export tss --data %s --tss %s --out FILE\n",
		tssID, *n, 2**n, el.Round(time.Millisecond), float64(*n)/el.Seconds(), key, secret, cfg.DataDir, tssID)
	return nil
}
