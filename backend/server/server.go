package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/net/netutil"

	"github.com/fiskaldesk/fiskaldesk/backend/api"
	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/billing"
	"github.com/fiskaldesk/fiskaldesk/backend/buildinfo"
	"github.com/fiskaldesk/fiskaldesk/backend/dsfinvk"
	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/sync"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// shutdownGrace is how long in-flight requests get to finish on shutdown.
const shutdownGrace = 10 * time.Second

// Server is an open store plus the handler that serves it. Build it with
// New, then either Start it (listen on Config.Addr) or hand Handler to the
// desktop window, or both.
type Server struct {
	Config  Config
	Log     zerolog.Logger
	Store   *store.Store
	Handler http.Handler
	// The services, for CLI commands that work in-process (bench seed).
	Auth *auth.Service
	TSS  *tss.Service
	Sync *sync.Service

	token       string
	setup       *api.SetupToken    // nil when the installation had an administrator at start
	stopWorkers context.CancelFunc // background jobs (exports, sync)
	workerCtx   context.Context
	syncDone    chan struct{}
	http        *http.Server
	cancelReqs  context.CancelFunc // ends requests still running after the shutdown grace
	url         string
	errc        chan error
}

// New opens the store in cfg.DataDir and builds the handler. spa is the
// built dashboard.
func New(cfg Config, log zerolog.Logger, spa fs.FS) (*Server, error) {
	ApplyMemoryLimit(cfg.MemoryLimitMB)
	warnMemory(cfg, log)
	if err := privateDataDir(cfg.DataDir, log); err != nil {
		return nil, err
	}
	st, err := openStore(cfg, log)
	if err != nil {
		return nil, err
	}
	s := &Server{Config: cfg, Log: log, Store: st, token: newToken()}
	orgs := org.NewService(st)
	bill := billing.NewService(st, orgs)
	// The data key first: a wrong or missing one refuses to start here,
	// naming the file, before anything is sealed or signed with it.
	sealer, err := openDataKey(cfg, st,
		func(p *secret.Sealer) (bool, error) { return tss.NewService(st, orgs, p).CheckSealer() },
		func(p *secret.Sealer) (bool, error) { return sync.NewService(st, p, log).CheckSealer() })
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	keys, err := auth.NewService(context.Background(), st, orgs, sealer)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	if err := bootstrap(cfg, log, keys); err != nil {
		_ = st.Close()
		return nil, err
	}
	signer := tss.NewService(st, orgs, sealer)
	signer.TestTSSLimit = cfg.TestTSSLimit
	ctx, cancel := context.WithCancel(context.Background())
	if needed, err := orgs.NeedsSetup(); err != nil {
		cancel()
		return nil, errors.Join(err, st.Close())
	} else if needed {
		s.setup = api.NewSetupToken()
	}
	syncSvc := sync.NewService(st, sealer, log.With().Str("component", "sync").Logger())
	dkSvc := dsfinvk.NewService(st, orgs, signer)
	runner, err := startJobs(ctx, cfg, log, st, signer, dkSvc)
	if err != nil {
		cancel()
		return nil, errors.Join(err, st.Close())
	}
	s.Handler = api.NewRouter(api.Deps{
		Store:      st,
		Log:        log.With().Str("component", "http").Logger(),
		Version:    buildinfo.Version,
		SPA:        spa,
		LocalToken: s.token,
		Orgs:       orgs,
		Auth:       keys,
		TSS:        signer,
		DSFinVK:    dkSvc,
		Billing:    bill,
		Sync:       syncSvc,
		StageRestore: func(r io.Reader) error {
			if cfg.Postgres() {
				return errPostgresRestore
			}
			_, err := StageRestore(cfg.DataDir, r)
			return err
		},

		NoRateLimits: cfg.NoRateLimits,
		AllowedHosts: cfg.Hosts(),
		Setup:        s.setup,
	})
	s.stopWorkers = func() {
		cancel()
		runner.Stop() // waits for running jobs to hand themselves back
	}
	s.Auth, s.TSS, s.Sync = keys, signer, syncSvc
	s.workerCtx = ctx
	return s, nil
}

// errPostgresRestore: a PostgreSQL store is restored with the database's
// own tools (pg_restore), not from a fiskaldesk backup file.
var errPostgresRestore = errors.New("restore: this server keeps its store in PostgreSQL; restore the database with pg_restore (docs/scale.md)")

// openStore opens the store cfg names: the PostgreSQL database of
// --store, else the Badger store in the data directory (applying a
// staged restore first).
func openStore(cfg Config, log zerolog.Logger) (*store.Store, error) {
	if cfg.Postgres() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// The URL may carry a password: it is never logged.
		return store.OpenPostgres(ctx, cfg.Store, store.Options{Logger: log})
	}
	if err := applyPendingRestore(cfg.DataDir, cfg.Memory, log); err != nil {
		return nil, err
	}
	st, err := store.Open(store.DBDir(cfg.DataDir), store.Options{Logger: log, MinFreeBytes: int64(cfg.MinFreeMB) << 20, Memory: cfg.Memory})
	if errors.Is(err, store.ErrLocked) {
		return nil, lockedError(cfg.DataDir)
	}
	return st, err
}

// startJobs registers the background work with one job runner and starts
// it: TAR exports (two at a time), DSFinV-K validations and exports.
func startJobs(ctx context.Context, cfg Config, log zerolog.Logger, st *store.Store, signer *tss.Service, dk *dsfinvk.Service) (*jobs.Runner, error) {
	runner, err := jobs.New(st, jobs.Options{Log: log.With().Str("component", "jobs").Logger(), Node: cfg.JobNode()})
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.DataDir, "exports")
	if err := signer.StartExports(ctx, runner, dir, 2, log.With().Str("component", "export").Logger()); err != nil {
		return nil, err
	}
	if err := dk.Start(ctx, runner, dir, log.With().Str("component", "dsfinvk").Logger()); err != nil {
		return nil, err
	}
	return runner, runner.Start(ctx)
}

// bootstrap creates the key of FISKALDESK_BOOTSTRAP_API_KEY/_SECRET (and
// its organization) when both are set and the key does not exist yet.
func bootstrap(cfg Config, log zerolog.Logger, keys *auth.Service) error {
	if cfg.BootstrapKey == "" && cfg.BootstrapSecret == "" {
		return nil
	}
	if cfg.BootstrapKey == "" || cfg.BootstrapSecret == "" {
		return fmt.Errorf("bootstrap: set both FISKALDESK_BOOTSTRAP_API_KEY and FISKALDESK_BOOTSTRAP_API_SECRET")
	}
	created, err := keys.Bootstrap(context.Background(), cfg.BootstrapKey, cfg.BootstrapSecret, cfg.BootstrapOrgName)
	if err != nil {
		return err
	}
	if created {
		log.Info().Str("api_key", cfg.BootstrapKey).Msg("bootstrap: created organization and TEST key")
	}
	return nil
}

// lockedError names the process that holds the data dir when its run file
// tells.
func lockedError(dataDir string) error {
	msg := fmt.Sprintf("data directory %s is in use by another fiskaldesk process", dataDir)
	if rf, err := ReadRunFile(dataDir); err == nil {
		msg += fmt.Sprintf(" (pid %d, serving %s)", rf.PID, rf.URL)
	}
	return fmt.Errorf("%s: stop it or choose another --data: %w", msg, store.ErrLocked)
}

// Start listens on Config.Addr and serves in the background. It writes
// the run file once the listener is up.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another with --addr or FISKALDESK_ADDR)", s.Config.Addr, err)
	}
	scheme := "http"
	if s.Config.TLSCert != "" {
		scheme = "https"
	}
	s.url = scheme + "://" + ln.Addr().String()
	maxConns, headerTimeout := s.Config.MaxConns, s.Config.ReadHeaderTimeout
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	if headerTimeout <= 0 {
		headerTimeout = DefaultReadHeaderTimeout
	}
	ln = netutil.LimitListener(ln, maxConns)
	// No WriteTimeout: downloading a year's TAR export can take longer than
	// any fixed bound. A client that stops reading keeps its connection
	// (one of maxConns) until it goes away; dead peers are found by TCP
	// keepalive.
	reqCtx, cancelReqs := context.WithCancel(context.Background())
	s.cancelReqs = cancelReqs
	s.http = &http.Server{
		Handler:           s.Handler,
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	s.errc = make(chan error, 1)
	go func() {
		if s.Config.TLSCert != "" {
			s.errc <- s.http.ServeTLS(ln, s.Config.TLSCert, s.Config.TLSKey)
			return
		}
		s.errc <- s.http.Serve(ln)
	}()
	s.StartSync()
	rf := RunFile{PID: os.Getpid(), URL: s.url, Token: s.token, Version: buildinfo.Version}
	if err := rf.write(s.Config.DataDir); err != nil {
		s.Log.Warn().Err(err).Msg("cannot write run file; online backup will not find this server")
	}
	s.Log.Info().Str("url", s.url).Str("data", s.Config.DataDir).Msg("listening")
	return nil
}

// StartSync runs the sync loop in the background until Close (the desktop
// window, which does not call Start, calls it itself). It idles while the
// instance is not a paired workstation.
func (s *Server) StartSync() {
	if s.syncDone != nil {
		return
	}
	s.syncDone = make(chan struct{})
	go func() {
		defer close(s.syncDone)
		s.Sync.Run(s.workerCtx)
	}()
}

// URL is the base URL Start listens on, empty before Start.
func (s *Server) URL() string { return s.url }

// SetupToken is the first-start setup token, "" when the installation has
// an administrator (or setup has just been done).
func (s *Server) SetupToken() string { return s.setup.Value() }

// SetupNotice is the line that tells how to do the first start, "" when
// there is none to do. The token is printed, never logged: the log file
// stays free of secrets (secrets_test.go).
func (s *Server) SetupNotice() string {
	tok := s.SetupToken()
	if tok == "" {
		return ""
	}
	return fmt.Sprintf("First start: open %s/setup?token=%s to create the first user (the installation's administrator); the link works once.", s.url, tok)
}

// Close stops the listener, letting requests finish for a grace period,
// then closes the store. Safe to call when Start was never called.
func (s *Server) Close() error {
	var errs []error
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		// Requests still running after the grace (a filtered list of a
		// huge TSS) hold the store open; cancelled, they return and the
		// store can close.
		s.cancelReqs()
		removeRunFile(s.Config.DataDir)
	}
	s.stopWorkers()
	if s.syncDone != nil {
		<-s.syncDone
	}
	if err := s.Store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	return errors.Join(errs...)
}

// Serve runs headless until ctx is done, printing the URL to out.
func Serve(ctx context.Context, cfg Config, log zerolog.Logger, spa fs.FS, out io.Writer) error {
	s, err := New(cfg, log, spa)
	if err != nil {
		return err
	}
	if err := s.Start(); err != nil {
		_ = s.Close()
		return err
	}
	if n := s.SetupNotice(); n != "" {
		fmt.Fprintln(out, n)
	}
	fmt.Fprintf(out, "fiskaldesk %s is running at %s (data: %s); stop with Ctrl+C\n", buildinfo.Version, s.URL(), cfg.DataDir)
	select {
	case <-ctx.Done():
		log.Info().Msg("shutting down")
	case err = <-s.errc:
		log.Error().Err(err).Msg("http server stopped")
	}
	if cerr := s.Close(); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}

// privateDataDir makes the data directory its owner's alone (0700): it
// holds the store, the data key, logs and exports. A directory others may
// read is tightened, and said so.
func privateDataDir(dir string, log zerolog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		log.Warn().Str("data", dir).Str("mode", fi.Mode().Perm().String()).Msg("the data directory was readable by others; made it 0700")
		return os.Chmod(dir, 0o700)
	}
	return nil
}
