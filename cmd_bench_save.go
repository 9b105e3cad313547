package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
)

// benchSave measures what the desktop app's download costs: it opens the
// data dir in this process (as the window does), builds a TAR export
// through the API and saves it with saveDownload — the function behind
// the window's SaveDownload binding, the save dialog's answer being --out
// — reporting the process's peak memory during the save alone.
func benchSave(args []string) (err error) {
	var cfg server.Config
	fs := flag.NewFlagSet("fiskaldesk bench save", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	tssID := fs.String("tss", "", "TSS to export (from bench seed)")
	fromCtr := fs.Uint64("from-counter", 1, "first signature counter")
	toCtr := fs.Uint64("to-counter", 1_000_000, "last signature counter")
	out := fs.String("out", "", "file to save (what the save dialog would answer)")
	old := fs.Bool("base64", false, "save the way the desktop app did before SaveDownload, for comparison: the whole file\n"+
		"read into memory and base64-encoded (the page's part), decoded again and written (the Go binding's part)")
	key := fs.String("api-key", "test_benchmarkseed", "API key (bench seed's by default)")
	sec := fs.String("api-secret", "bench-secret-0123456789", "API secret")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	if *tssID == "" || *out == "" {
		return usageError{errors.New("bench save: --tss and --out are required")}
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	cfg.Addr, cfg.NoRateLimits = "127.0.0.1:0", true
	s, err := server.New(cfg, zerolog.Nop(), spaFS())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	if err := s.Start(); err != nil {
		return err
	}
	c := &exportClient{base: s.URL(), http: &http.Client{Timeout: 10 * time.Minute}}
	var auth struct {
		AccessToken string `json:"access_token"`
	}
	if _, err := c.do("POST", "/api/v2/auth", map[string]string{"api_key": *key, "api_secret": *sec}, &auth); err != nil {
		return err
	}
	c.token = auth.AccessToken
	q := url.Values{"start_signature_counter": {fmt.Sprint(*fromCtr)}, "end_signature_counter": {fmt.Sprint(*toCtr)}}
	exp := "/api/v2/tss/" + *tssID + "/export/" + uuid.NewString()
	begin := time.Now()
	if _, err := c.do("PUT", exp+"?"+q.Encode(), nil, nil); err != nil {
		return err
	}
	if err := c.wait(exp); err != nil {
		return err
	}
	built := time.Since(begin)
	before, err := memStatus()
	if err != nil {
		return err
	}
	if err := resetPeakRSS(); err != nil {
		return err
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var peakAnon, peakFile int64
	wg.Add(1)
	go func() { // VmHWM counts file-backed pages too; sample the parts
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := memStatus(); err == nil {
				peakAnon, peakFile = max(peakAnon, m["RssAnon"]), max(peakFile, m["RssFile"])
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	begin = time.Now()
	hdr := map[string]string{"Authorization": "Bearer " + c.token}
	save := saveDownload
	if *old {
		save = saveThroughBase64
	}
	n, err := save(context.Background(), s.Handler, exp+"/file", hdr, *out)
	took := time.Since(begin)
	close(stop)
	wg.Wait()
	if err != nil {
		return err
	}
	after, err := memStatus()
	if err != nil {
		return err
	}
	mib := func(kb int64) float64 { return float64(kb) / 1024 }
	fmt.Printf("export built in %s; saved %d bytes to %s in %s (%.0f MB/s)\n", built.Round(time.Millisecond), n, *out, took.Round(time.Millisecond), float64(n)/took.Seconds()/1e6)
	fmt.Printf("RSS before the save: %.0f MiB (anonymous %.0f, file-backed %.0f)\n", mib(before["VmRSS"]), mib(before["RssAnon"]), mib(before["RssFile"]))
	fmt.Printf("peak during the save: VmHWM %.0f MiB, anonymous %.0f MiB (+%.0f MiB), file-backed %.0f MiB (sampled every 50 ms)\n",
		mib(after["VmHWM"]), mib(peakAnon), mib(peakAnon-before["RssAnon"]), mib(peakFile))
	fsyncs, err := serialFsyncRate(filepath.Dir(*out), time.Second)
	if err != nil {
		return err
	}
	fmt.Printf("machine now: %.0f raw P-256 signatures/s, %.0f serial fsyncs/s in %s\n", rawSignRate(time.Second), fsyncs, filepath.Dir(*out))
	return nil
}

// saveThroughBase64 is the old desktop download, for comparison only: the
// page fetched the file into a Blob and sent it base64-encoded through
// the webview; the binding received the string, decoded it into a []byte
// and wrote that. The webview's own copies are not in this process and
// not counted.
func saveThroughBase64(_ context.Context, h http.Handler, path string, header map[string]string, dest string) (int64, error) {
	r, err := http.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := &memAnswer{header: http.Header{}}
	h.ServeHTTP(w, r)
	if w.status != 0 && w.status != http.StatusOK {
		return 0, fmt.Errorf("HTTP %d", w.status)
	}
	msg := base64.StdEncoding.EncodeToString(w.body.Bytes())
	w.body = bytes.Buffer{}
	data, err := base64.StdEncoding.DecodeString(msg)
	if err != nil {
		return 0, err
	}
	return int64(len(data)), os.WriteFile(dest, data, 0o644)
}

type memAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *memAnswer) Header() http.Header         { return w.header }
func (w *memAnswer) WriteHeader(code int)        { w.status = code }
func (w *memAnswer) Write(p []byte) (int, error) { return w.body.Write(p) }

// memStatus reads the kB figures of /proc/self/status.
func memStatus() (map[string]int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil, fmt.Errorf("bench save needs Linux' /proc: %w", err)
	}
	m := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if f := strings.Fields(v); ok && len(f) == 2 && f[1] == "kB" {
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return nil, err
			}
			m[k] = n
		}
	}
	return m, sc.Err()
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux ≥ 4.0).
func resetPeakRSS() error {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
