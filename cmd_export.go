package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"github.com/schollz/progressbar/v3"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
)

const exportUsage = `fiskaldesk export tss     --tss ID [filters] --out FILE.tar
fiskaldesk export dsfinvk --from DATE --to DATE [--client ID] [--format tar|zip] --out FILE
fiskaldesk export report  [--from DATE --to DATE] [--org ID] [--include-managed] --format csv|xlsx|pdf --out FILE

Authenticates with --api-key/--api-secret (env FISKALDESK_API_KEY, FISKALDESK_API_SECRET)
against --url; without --url it uses the instance running on --data, or starts one
on a loopback port for the duration of the export.`

// exportClient talks to an instance over its public API.
type exportClient struct {
	base  string
	token string
	org   string
	http  *http.Client
}

func (c *exportClient) do(method, path string, body any, out any) (*http.Response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte: // already encoded (the load generator encodes its bodies once)
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.org != "" {
		req.Header.Set("X-Organization-ID", c.org)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer drainClose(resp.Body)
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return nil, fmt.Errorf("%s %s: %d %s %s", method, path, resp.StatusCode, e.Code, e.Message)
	}
	if out != nil {
		defer drainClose(resp.Body)
		return resp, json.NewDecoder(resp.Body).Decode(out)
	}
	return resp, nil
}

// drainClose reads what the decoder left (the encoder's newline) so the
// keep-alive connection is reused instead of closed.
func drainClose(b io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(b, 64<<10))
	_ = b.Close()
}

func cmdExport(args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError{errors.New("export: say what to export\n" + exportUsage)}
	}
	kind, args := args[0], args[1:]
	var cfg server.Config
	fs := flag.NewFlagSet("fiskaldesk export "+kind, flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	out := fs.String("out", "", "file to write (required)")
	base := fs.String("url", "", "base URL of a fiskaldesk instance (default: the one on --data)")
	key := fs.String("api-key", os.Getenv("FISKALDESK_API_KEY"), "API key (env FISKALDESK_API_KEY)")
	sec := fs.String("api-secret", os.Getenv("FISKALDESK_API_SECRET"), "API secret (env FISKALDESK_API_SECRET)")
	orgID := fs.String("org", "", "organization to act for (a managed organization of the key's)")
	tssID := fs.String("tss", "", "tss: the TSS")
	client := fs.String("client", "", "tss, dsfinvk: only this client / cash register")
	txNum := fs.String("tx", "", "tss: one transaction number")
	fromCtr := fs.String("from-counter", "", "tss: first signature counter")
	toCtr := fs.String("to-counter", "", "tss: last signature counter")
	from := fs.String("from", "", "dsfinvk, report: first business day YYYY-MM-DD")
	to := fs.String("to", "", "dsfinvk, report: last business day YYYY-MM-DD")
	format := fs.String("format", "", "dsfinvk: tar or zip; report: csv, xlsx or pdf")
	managed := fs.Bool("include-managed", false, "report: include the organization's managed organizations")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	if *out == "" {
		return usageError{errors.New("export: --out FILE is required")}
	}
	if *key == "" || *sec == "" {
		return usageError{errors.New("export: give --api-key and --api-secret (or FISKALDESK_API_KEY/FISKALDESK_API_SECRET)")}
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	c := &exportClient{base: strings.TrimSuffix(*base, "/"), org: *orgID, http: &http.Client{Timeout: 10 * time.Minute}}
	if c.base == "" {
		stop, url, err := instance(cfg)
		if err != nil {
			return err
		}
		defer stop()
		c.base = url
	}
	var auth struct {
		AccessToken string `json:"access_token"`
	}
	if _, err := c.do("POST", "/api/v2/auth", map[string]string{"api_key": *key, "api_secret": *sec}, &auth); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	c.token = auth.AccessToken
	var path string
	switch kind {
	case "tss":
		if *tssID == "" {
			return usageError{errors.New("export tss: --tss ID is required")}
		}
		q := url.Values{}
		for k, v := range map[string]string{"client_id": *client, "transaction_number": *txNum, "start_signature_counter": *fromCtr, "end_signature_counter": *toCtr} {
			if v != "" {
				q.Set(k, v)
			}
		}
		exp := "/api/v2/tss/" + *tssID + "/export/" + uuid.NewString()
		if _, err := c.do("PUT", exp+"?"+q.Encode(), nil, nil); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := c.wait(exp); err != nil {
			return err
		}
		path = exp + "/file"
	case "dsfinvk":
		if *from == "" || *to == "" {
			return usageError{errors.New("export dsfinvk: --from and --to are required")}
		}
		exp := "/api/v1/exports/" + uuid.NewString()
		body := map[string]string{"business_date_start": *from, "business_date_end": *to, "format": *format, "client_id": *client}
		if _, err := c.do("PUT", exp, body, nil); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := c.wait(exp); err != nil {
			return err
		}
		path = exp + "/download"
	case "report":
		q := url.Values{"format": {*format}}
		for k, v := range map[string]string{"from": *from, "to": *to, "organization_id": *orgID} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if *managed {
			q.Set("include_managed", "true")
		}
		path = "/api/dashboard/reports/transactions?" + q.Encode()
	default:
		return usageError{fmt.Errorf("export: unknown kind %q\n%s", kind, exportUsage)}
	}
	n, err := c.download(path, *out)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Printf("%s export written to %s (%d bytes)\n", kind, *out, n)
	return nil
}

// instance returns the URL of the instance holding the data dir, or
// starts one on a loopback port until stop is called.
func instance(cfg server.Config) (func(), string, error) {
	if rf, err := server.ReadRunFile(cfg.DataDir); err == nil {
		if resp, err := http.Get(rf.URL + "/healthz"); err == nil {
			resp.Body.Close()
			return func() {}, rf.URL, nil
		}
	}
	cfg.Addr = "127.0.0.1:0"
	s, err := server.New(cfg, zerolog.Nop(), spaFS())
	if err != nil {
		return nil, "", err
	}
	if err := s.Start(); err != nil {
		_ = s.Close()
		return nil, "", err
	}
	return func() { _ = s.Close() }, s.URL(), nil
}

// wait polls an export until it completes, with a spinner on a terminal.
func (c *exportClient) wait(path string) error {
	bar := progressbar.NewOptions(-1, progressbar.OptionSetDescription("export"), progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetVisibility(isatty.IsTerminal(os.Stderr.Fd())), progressbar.OptionSpinnerType(14))
	defer bar.Finish()
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	// Poll quickly at first, then every 5 s: the cloud (and fiskaldesk)
	// allow 12 reads a minute per export.
	pause := 200 * time.Millisecond
	for ctx.Err() == nil {
		state, err := c.exportState(path)
		if err != nil {
			if state != "" { // the export ended without a file
				return err
			}
			if strings.Contains(err.Error(), ": 429 ") {
				time.Sleep(5 * time.Second)
				continue
			}
			return fmt.Errorf("export: %w", err)
		}
		bar.Describe("export " + strings.ToLower(state))
		if state == "COMPLETED" {
			return nil
		}
		_ = bar.Add(1)
		time.Sleep(pause)
		pause = min(2*pause, 5*time.Second)
	}
	return errors.New("export: gave up after an hour")
}

// exportState reads the state of the export at path (SIGN DE or DSFinV-K);
// an export that ended in ERROR or CANCELLED is an error naming why.
func (c *exportClient) exportState(path string) (string, error) {
	var e struct {
		State     string `json:"state"`
		Exception string `json:"exception"`
		Error     *struct {
			Code, Message string
		} `json:"error"`
	}
	if _, err := c.do("GET", path, nil, &e); err != nil {
		return "", err
	}
	if e.State == "ERROR" || e.State == "CANCELLED" {
		reason := e.Exception
		if e.Error != nil {
			reason = e.Error.Code + " " + e.Error.Message
		}
		return e.State, fmt.Errorf("export ended %s %s", e.State, reason)
	}
	return e.State, nil
}

// download writes the body of path to out, with a byte progress bar.
func (c *exportClient) download(path, out string) (int64, error) {
	resp, err := c.do("GET", path, nil, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	tmp := out + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	bar := progressbar.NewOptions64(resp.ContentLength, progressbar.OptionSetDescription("download"), progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionShowBytes(true), progressbar.OptionSetVisibility(isatty.IsTerminal(os.Stderr.Fd())))
	n, err := io.Copy(io.MultiWriter(f, bar), resp.Body)
	_ = bar.Finish()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return 0, err
	}
	return n, os.Rename(tmp, out)
}

// initializedTSS creates a TSS, takes it through the admin sequence and
// registers one client; it returns their ids.
func (c *exportClient) initializedTSS() (string, string, error) {
	id, clients, err := c.initializedTSSWith(1)
	if err != nil {
		return "", "", err
	}
	return id, clients[0], nil
}

// initializedTSSWith is initializedTSS with n clients.
func (c *exportClient) initializedTSSWith(n int) (string, []string, error) {
	id, cid := uuid.NewString(), uuid.NewString()
	base := "/api/v2/tss/" + id
	var created struct {
		PUK string `json:"admin_puk"`
	}
	steps := []struct {
		method, path string
		body         any
		out          any
	}{
		{"PUT", base, map[string]any{}, &created},
		{"PATCH", base, map[string]string{"state": "UNINITIALIZED"}, nil},
		{"PATCH", base + "/admin", nil, nil}, // body filled below, once the PUK is known
		{"POST", base + "/admin/auth", map[string]string{"admin_pin": "123456"}, nil},
		{"PATCH", base, map[string]string{"state": "INITIALIZED"}, nil},
		{"PUT", base + "/client/" + cid, map[string]string{"serial_number": "Bench 1"}, nil},
	}
	for i, st := range steps {
		if i == 2 {
			st.body = map[string]string{"admin_puk": created.PUK, "new_admin_pin": "123456"}
		}
		if _, err := c.do(st.method, st.path, st.body, st.out); err != nil {
			return "", nil, err
		}
	}
	clients := []string{cid}
	for i := 2; i <= n; i++ {
		more := uuid.NewString()
		if _, err := c.do("PUT", base+"/client/"+more, map[string]string{"serial_number": fmt.Sprint("Bench ", i)}, nil); err != nil {
			return "", nil, err
		}
		clients = append(clients, more)
	}
	return id, clients, nil
}
