package sync

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Remote is a workstation's central instance.
type Remote struct {
	URL string `json:"url"`
	// SealedCredential is the credential under the data key.
	SealedCredential []byte `json:"sealed_credential"`
	// CAPEM, when set, is the only CA trusted for the remote's TLS
	// certificate (a central with its own CA).
	CAPEM       string `json:"ca_pem,omitempty"`
	Central     string `json:"central_instance"`
	Workstation string `json:"workstation_id"`
	PairedAt    int64  `json:"paired_at"`
}

// State is what the status page shows of a workstation's sync.
type State struct {
	LastSyncAt   int64  `json:"last_sync_at,omitempty"`
	LastError    string `json:"last_error,omitempty"`
	LastErrorAt  int64  `json:"last_error_at,omitempty"`
	Pushed       uint64 `json:"pushed_entries"`
	Pulled       uint64 `json:"pulled_entries"`
	Conflicts    uint64 `json:"conflicts"`
	Failures     int    `json:"consecutive_failures"`
	NextAttempt  int64  `json:"next_attempt_at,omitempty"`
	SnapshotDone bool   `json:"snapshot_done"`
}

type workstationSide struct {
	mu      gosync.Mutex // one round at a time
	stateMu gosync.Mutex
	state   State
	loaded  bool
	retry   time.Duration // after a failed round: the pause before the next; 0 after a good one
	kick    chan struct{}
}

// Connect pairs this instance as a workstation of the central at rawURL
// with a credential the central issued, after checking both with the
// central. From then on every change is recorded for pushing.
func (s *Service) Connect(ctx context.Context, rawURL, credential, caPEM string) (*Remote, error) {
	u, err := checkRemoteURL(rawURL)
	if err != nil {
		return nil, err
	}
	credential = strings.TrimSpace(credential)
	if !strings.HasPrefix(credential, credPrefix) {
		return nil, ErrCredentialShape
	}
	if s.st.OutboxMode() == store.OutboxCentral {
		return nil, ErrIsCentral
	}
	r := &Remote{URL: u, CAPEM: caPEM, PairedAt: s.now().Unix()}
	hc, err := r.client()
	if err != nil {
		return nil, err
	}
	var hello helloBody
	if err := s.call(ctx, hc, r, credential, http.MethodGet, "/api/sync/v1/hello", nil, &hello, nil); err != nil {
		return nil, fmt.Errorf("checking the central instance: %w", err)
	}
	r.Central, r.Workstation = hello.Central, hello.Workstation.ID
	r.SealedCredential = s.sealer.Seal([]byte(credential), []byte("sync-credential"))
	if err := s.st.SetOutboxMode(ctx, store.OutboxWorkstation); err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(txn store.Tx) error { return store.PutJSON(txn, store.SyncRemoteKey(), r) })
	if err != nil {
		return nil, err
	}
	s.Kick()
	return r, nil
}

type helloBody struct {
	Central     string      `json:"central_instance"`
	Workstation Workstation `json:"workstation"`
}

// checkRemoteURL allows https, and http only to this machine: sync
// carries credentials and signed data.
func checkRemoteURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("remote: not an absolute http(s) URL: %q", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", ErrRemoteScheme
	}
	return u.String(), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (r *Remote) client() (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 60 * time.Second
	if r.CAPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(r.CAPEM)) {
			return nil, errors.New("ca: no PEM certificate found")
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 5 * time.Minute}, nil
}

func (s *Service) remote() (*Remote, error) {
	var r Remote
	err := s.st.View(func(txn store.Tx) (err error) {
		r, err = store.GetJSON[Remote](txn, store.SyncRemoteKey())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotPaired
	}
	return &r, err
}

// RemoteError is an error answer of the central instance.
type RemoteError struct {
	Status  int
	Code    string
	Message string
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("central instance answered %d %s: %s", e.Status, e.Code, e.Message)
}

// call sends one request to the central and decodes a JSON answer into
// out, or hands the raw body to read.
func (s *Service) call(ctx context.Context, hc *http.Client, r *Remote, credential, method, path string, body []byte, out any, read func(*http.Response) error) error {
	req, err := http.NewRequestWithContext(ctx, method, r.URL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+credential)
	self := s.st.Self()
	req.Header.Set(InstanceHeader, hex.EncodeToString(self[:]))
	if body != nil {
		req.Header.Set("Content-Type", ContentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		_ = json.Unmarshal(b, &e)
		return &RemoteError{Status: resp.StatusCode, Code: e.Code, Message: e.Message}
	}
	if read != nil {
		return read(resp)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// InstanceHeader carries the workstation's store id on every sync request.
const InstanceHeader = "Fiskaldesk-Instance"

// PushAnswer is the central's answer to a batch.
type PushAnswer struct {
	Cursor    uint64 `json:"cursor"`
	Applied   int    `json:"applied"`
	Skipped   int    `json:"skipped"`
	Conflicts int    `json:"conflicts"`
}

// RoundResult is what one sync round moved.
type RoundResult struct {
	Pushed, Pulled, Conflicts int
	Backlog                   int
}

// Batch sizes of a round.
const (
	pushEntries = 2000
	pullEntries = 2000
)

// Round pushes the whole outbox, then pulls the central's changes, and
// returns when both are caught up. It runs one at a time.
func (s *Service) Round(ctx context.Context) (RoundResult, error) {
	s.ws.mu.Lock()
	defer s.ws.mu.Unlock()
	res, err := s.round(ctx)
	s.record(res, err)
	return res, err
}

func (s *Service) round(ctx context.Context) (RoundResult, error) {
	var res RoundResult
	r, err := s.remote()
	if err != nil {
		return res, err
	}
	credential, err := s.sealer.Open(r.SealedCredential, []byte("sync-credential"))
	if err != nil {
		return res, fmt.Errorf("sync credential: %w", err)
	}
	hc, err := r.client()
	if err != nil {
		return res, err
	}
	cred := string(credential)
	if _, err := s.st.ContinueSnapshot(ctx); err != nil {
		return res, fmt.Errorf("snapshot: %w", err)
	}
	for {
		frames, _, err := s.st.ReadOutbox(s.st.OutboxAcked(), pushEntries, BatchBytes, nil)
		if err != nil || len(frames) == 0 {
			if err == nil {
				break
			}
			return res, err
		}
		var body bytes.Buffer
		if err := WriteFrames(&body, frames); err != nil {
			return res, err
		}
		var ans PushAnswer
		if err := s.call(ctx, hc, r, cred, http.MethodPost, "/api/sync/v1/push", body.Bytes(), &ans, nil); err != nil {
			return res, fmt.Errorf("push: %w", err)
		}
		if last := frames[len(frames)-1].Seq; ans.Cursor < last {
			return res, fmt.Errorf("push: central acknowledged %d of a batch up to %d", ans.Cursor, last)
		}
		if err := s.st.PruneOutbox(ctx, ans.Cursor); err != nil {
			return res, err
		}
		res.Pushed += ans.Applied
		res.Conflicts += ans.Conflicts
	}
	central, err := parseInstance(r.Central)
	if err != nil {
		return res, fmt.Errorf("central instance id: %w", err)
	}
	for {
		after, err := s.st.Cursor(store.SyncPeerKey(r.Central))
		if err != nil {
			return res, err
		}
		var entries []store.Entry
		var last uint64
		var more bool
		path := "/api/sync/v1/pull?after=" + strconv.FormatUint(after, 10) + "&limit=" + strconv.Itoa(pullEntries)
		err = s.call(ctx, hc, r, cred, http.MethodGet, path, nil, nil, func(resp *http.Response) (err error) {
			if last, err = strconv.ParseUint(resp.Header.Get(LastHeader), 10, 64); err != nil {
				return fmt.Errorf("pull: no %s header", LastHeader)
			}
			more = resp.Header.Get(MoreHeader) == "true"
			entries, err = ReadEntries(resp.Body, MaxBatchBytes)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("pull: %w", err)
		}
		for _, e := range entries {
			if e.Seq <= after {
				return res, fmt.Errorf("pull: entry %d at or before the cursor %d", e.Seq, after)
			}
		}
		ar, err := s.st.Apply(ctx, store.ApplyOptions{Peer: central, Cursor: store.SyncPeerKey(r.Central), UpTo: last}, entries)
		if err != nil {
			return res, fmt.Errorf("pull: %w", err)
		}
		res.Pulled += ar.Applied
		res.Conflicts += ar.Conflicts
		if !more || last <= after {
			break
		}
	}
	res.Backlog, _, err = s.st.OutboxBacklog()
	return res, err
}

// Headers of a pull answer.
const (
	LastHeader = "Sync-Last"
	MoreHeader = "Sync-More"
)

func (s *Service) record(res RoundResult, err error) {
	s.ws.stateMu.Lock()
	defer s.ws.stateMu.Unlock()
	st := s.loadState()
	// An idle round (nothing moved, nothing failed before or now) only
	// moves LastSyncAt: kept in memory, so a quiet workstation does not
	// make a durable write every idleRound.
	persist := res.Pushed+res.Pulled+res.Conflicts > 0 || err != nil || st.Failures > 0 || !st.SnapshotDone
	now := s.now().Unix()
	st.Pushed += uint64(res.Pushed)
	st.Pulled += uint64(res.Pulled)
	st.Conflicts += uint64(res.Conflicts)
	if err != nil {
		st.LastError, st.LastErrorAt = err.Error(), now
		st.Failures++
		s.ws.retry = backoff(st.Failures)
		st.NextAttempt = s.now().Add(s.ws.retry).Unix()
	} else {
		st.LastSyncAt, st.LastError, st.Failures, st.NextAttempt = now, "", 0, 0
		st.SnapshotDone = true
		s.ws.retry = 0
	}
	s.ws.state = st
	if persist {
		// Status only: a lost write makes the page lag, nothing else.
		if err := s.st.Update(context.Background(), func(txn store.Tx) error { return store.PutJSON(txn, store.SyncStateKey(), st) }); err != nil {
			s.log.Warn().Err(err).Msg("sync status not saved")
		}
	}
}

func (s *Service) loadState() State {
	if !s.ws.loaded {
		err := s.st.View(func(txn store.Tx) (err error) {
			s.ws.state, err = store.GetJSON[State](txn, store.SyncStateKey())
			return err
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			// The page starts from zero totals; the next round rewrites them.
			s.log.Warn().Err(err).Msg("sync status not readable")
		}
		s.ws.loaded = true
	}
	return s.ws.state
}

// backoff is the pause after n consecutive failures: 1 s doubling to a
// minute, with jitter so that many workstations do not retry in step.
func backoff(n int) time.Duration {
	d := time.Second << min(n-1, 6)
	d = min(d, time.Minute)
	return d/2 + rand.N(d/2+1)
}

// Kick asks the loop for a round now.
func (s *Service) Kick() {
	select {
	case s.ws.kick <- struct{}{}:
	default:
	}
}

// idleRound is how often the loop syncs without local changes, to pull
// what changed centrally.
const idleRound = 5 * time.Second

// Run syncs until ctx ends: after local changes (a short pause gathers
// them into batches), every idleRound to pull, at once on Kick, and
// after a failure with backoff. It does nothing while not paired. It
// never holds a lock that signing needs; it only reads the outbox and
// writes its own keys.
func (s *Service) Run(ctx context.Context) {
	for {
		wait := idleRound
		failing := false
		if _, err := s.remote(); err == nil {
			_, err := s.Round(ctx)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				// The pause the round recorded, so the status page's
				// "next try" is when the loop really tries.
				s.ws.stateMu.Lock()
				wait, failing = s.ws.retry, true
				s.ws.stateMu.Unlock()
				s.log.Warn().Err(err).Dur("retry_in", wait).Msg("sync round failed")
			}
		}
		changed := s.st.Changed()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.ws.kick:
		case <-t.C:
		case <-changed:
			if !failing {
				// Gather what follows into the next batch.
				select {
				case <-time.After(200 * time.Millisecond):
				case <-ctx.Done():
				}
			} else {
				<-t.C
			}
		}
		t.Stop()
	}
}

// Status is the workstation side as the dashboard shows it.
type Status struct {
	Role      string  `json:"role" enum:"standalone,workstation,central"`
	Self      string  `json:"instance"`
	Remote    *Remote `json:"remote,omitempty"`
	State     *State  `json:"state,omitempty"`
	Backlog   int     `json:"backlog"`
	Last      uint64  `json:"last_sequence"`
	Conflicts int     `json:"conflicts"`
}

// Status reports role, remote, last round and backlog.
func (s *Service) Status() (*Status, error) {
	self := s.st.Self()
	st := &Status{Role: "standalone", Self: hex.EncodeToString(self[:])}
	switch s.st.OutboxMode() {
	case store.OutboxCentral:
		st.Role = "central"
	case store.OutboxWorkstation:
		st.Role = "workstation"
	}
	if r, err := s.remote(); err == nil {
		r.SealedCredential = nil
		st.Remote = r
		s.ws.stateMu.Lock()
		state := s.loadState()
		s.ws.stateMu.Unlock()
		st.State = &state
	} else if !errors.Is(err, ErrNotPaired) {
		return nil, err
	}
	var err error
	if st.Role == "workstation" {
		if st.Backlog, st.Last, err = s.st.OutboxBacklog(); err != nil {
			return nil, err
		}
	}
	_, st.Conflicts, err = s.st.Conflicts(0)
	return st, err
}

// CheckSealer tells whether this instance holds a sealed sync credential
// and, if so, whether the sealer opens it.
func (s *Service) CheckSealer() (sealed bool, err error) {
	r, err := s.remote()
	if errors.Is(err, ErrNotPaired) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := s.sealer.Open(r.SealedCredential, []byte("sync-credential")); err != nil {
		return true, errors.New("the data key does not open the sealed sync credential")
	}
	return true, nil
}
