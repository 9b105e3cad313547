package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/sync"
)

// SyncOptions is what `fiskaldesk sync` was asked to do besides one round.
type SyncOptions struct {
	Connect    string // remote URL: pair this instance as a workstation first
	Credential string
	CAFile     string
	Pair       string // workstation name: issue a credential (central)
}

// SyncOnce runs `fiskaldesk sync`: with the store free it opens it,
// applies opt and runs one round; while a server holds it, the round runs
// in that server (pairing is then done in its dashboard).
func SyncOnce(ctx context.Context, cfg Config, log zerolog.Logger, opt SyncOptions, out io.Writer) error {
	s, err := New(cfg, log, nil)
	if errors.Is(err, store.ErrLocked) {
		if opt.Connect != "" || opt.Pair != "" {
			return fmt.Errorf("%w; pair in the dashboard of the running instance (Settings › This workstation › Sync), or stop it first", err)
		}
		return onlineSync(cfg, out)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	if opt.Pair != "" {
		w, cred, err := s.Sync.Pair(ctx, opt.Pair, "cli")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "workstation %q (%s) paired; its credential, shown only now:\n\n  %s\n\n", w.Name, w.ID, cred)
		return nil
	}
	if opt.Connect != "" {
		var ca []byte
		if opt.CAFile != "" {
			if ca, err = os.ReadFile(opt.CAFile); err != nil {
				return err
			}
		}
		r, err := s.Sync.Connect(ctx, opt.Connect, opt.Credential, string(ca))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "paired with %s (central instance %s) as workstation %s\n", r.URL, r.Central, r.Workstation)
	}
	res, err := s.Sync.Round(ctx)
	if err != nil {
		return err
	}
	return printRound(out, res)
}

func printRound(out io.Writer, res sync.RoundResult) error {
	_, err := fmt.Fprintf(out, "sync: pushed %d entries, pulled %d, %d conflicts, %d waiting\n", res.Pushed, res.Pulled, res.Conflicts, res.Backlog)
	return err
}

func onlineSync(cfg Config, out io.Writer) error {
	rf, err := ReadRunFile(cfg.DataDir)
	if err != nil {
		return fmt.Errorf("the store is held by another process that left no run file (%v)", err)
	}
	resp, err := localPost(rf, "/api/local/sync")
	if err != nil {
		return fmt.Errorf("sync in the running instance %s: %w", rf.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		_ = json.Unmarshal(body, &e)
		return fmt.Errorf("sync in the running instance %s: %s: %s", rf.URL, resp.Status, e.Message)
	}
	var res sync.RoundResult
	if err := json.Unmarshal(body, &res); err != nil {
		return err
	}
	return printRound(out, res)
}
