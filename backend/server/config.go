package server

import (
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// Defaults, used when neither a flag nor an env variable says otherwise.
const (
	DefaultAddr     = "127.0.0.1:8280"
	DefaultLogLevel = "info"
	// DefaultMaxConns bounds open connections: beyond it new connections
	// wait in the kernel's accept queue instead of each costing a
	// goroutine and buffers. A POS fleet on one workstation is far below.
	DefaultMaxConns = 512
	// DefaultReadHeaderTimeout drops clients that open a connection and
	// send headers slower than this (slowloris).
	DefaultReadHeaderTimeout = 10 * time.Second
	envPrefix                = "FISKALDESK_"
)

// Config is everything a fiskaldesk process needs to start. No config
// file is needed: flags win over FISKALDESK_* variables, which win over
// the defaults.
type Config struct {
	DataDir string // --data, FISKALDESK_DATA
	// Store (--store, FISKALDESK_STORE) is a postgres:// URL: the store
	// lives in that PostgreSQL database instead of <data>/db, and several
	// serve processes may share it (a central's API nodes, docs/scale.md).
	// Empty: Badger in the data directory. The data directory still holds
	// the data key (or FISKALDESK_DATA_KEY), exports and logs.
	Store string
	// Node (--node, FISKALDESK_NODE) names this API node among the serve
	// processes sharing a PostgreSQL store: the job runner takes up the
	// jobs a former process of the same node left running at once, those
	// of other nodes only when their lease ran out (docs/jobs.md). Default
	// on PostgreSQL: host name and process id, unique but new at every
	// start (a restarted node's jobs then wait for their 30 s lease).
	Node     string
	Addr     string // --addr, FISKALDESK_ADDR
	LogLevel string // --log-level, FISKALDESK_LOG_LEVEL
	// TLSCert and TLSKey (--tls-cert, --tls-key) make serve answer HTTPS:
	// a central instance that workstations reach over the network.
	TLSCert, TLSKey string
	// AllowedHosts (--allowed-hosts, FISKALDESK_ALLOWED_HOSTS) is a comma
	// separated list of further host names the server answers to, besides
	// the loopback ones and its listen address (DNS rebinding defence,
	// docs/security.md); a central's DNS name goes here.
	AllowedHosts string

	// Bootstrap credentials (env only, never flags: flags show in ps).
	BootstrapKey     string // FISKALDESK_BOOTSTRAP_API_KEY
	BootstrapSecret  string // FISKALDESK_BOOTSTRAP_API_SECRET
	BootstrapOrgName string // FISKALDESK_BOOTSTRAP_ORG_NAME

	DataKey string // FISKALDESK_DATA_KEY: base64 key sealing TSS keys, instead of <data>/data.key
	// TestTSSLimit is FISKALDESK_TEST_TSS_LIMIT: TEST TSS not DISABLED per
	// org (default 5 as in the cloud; 0 lifts the limit, e.g. for benchmarks).
	TestTSSLimit int
	// NoRateLimits is FISKALDESK_RATE_LIMITS=off: no per-resource rate
	// limits (load benchmarks list far faster than 20 a minute).
	NoRateLimits bool
	// MaxConns is --max-conns, FISKALDESK_MAX_CONNS.
	MaxConns int
	// MinFreeMB is FISKALDESK_MIN_FREE_MB: free disk space below which
	// writes are refused with 507 (0 means store.DefaultMinFreeBytes).
	MinFreeMB int
	// Memory sizes the store's memtables, block cache, tables and
	// compactions (--memtable-mb, --memtables, --block-cache-mb,
	// --table-mb, --compactors and FISKALDESK_* of the same names).
	Memory store.Memory
	// MemoryLimitMB is --memory-limit-mb, FISKALDESK_MEMORY_LIMIT_MB: the Go
	// runtime's soft memory limit (ApplyMemoryLimit; 0 the default, -1 none).
	MemoryLimitMB int
	// ReadHeaderTimeout is not a flag; zero means DefaultReadHeaderTimeout
	// (tests shorten it).
	ReadHeaderTimeout time.Duration
}

// RegisterFlags binds the common flags on fs. A flag's default is the env
// value when set, which gives flag > env > default precedence and lets
// -h show the values in effect.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", env("DATA", DefaultDataDir()), "data directory (env FISKALDESK_DATA)")
	fs.StringVar(&c.Store, "store", env("STORE", ""), "postgres://… URL: keep the store in PostgreSQL (a central with several API nodes, docs/scale.md); default the Badger store in the data directory (env FISKALDESK_STORE; prefer the env or PGPASSWORD for a password, flags show in ps)")
	fs.StringVar(&c.Node, "node", env("NODE", ""), "name of this API node among those sharing a --store database, unique per node (env FISKALDESK_NODE)")
	fs.StringVar(&c.Addr, "addr", env("ADDR", DefaultAddr), "listen address of the API and dashboard (env FISKALDESK_ADDR)")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", DefaultLogLevel), "trace, debug, info, warn or error (env FISKALDESK_LOG_LEVEL)")
	fs.StringVar(&c.TLSCert, "tls-cert", env("TLS_CERT", ""), "PEM certificate: serve HTTPS (env FISKALDESK_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", env("TLS_KEY", ""), "PEM private key of --tls-cert (env FISKALDESK_TLS_KEY)")
	fs.StringVar(&c.AllowedHosts, "allowed-hosts", env("ALLOWED_HOSTS", ""), "comma-separated host names served besides loopback and the listen address, e.g. central.example.com (env FISKALDESK_ALLOWED_HOSTS)")
	fs.IntVar(&c.MaxConns, "max-conns", envInt("MAX_CONNS", DefaultMaxConns), "most open HTTP connections; more wait to be accepted (env FISKALDESK_MAX_CONNS)")
	d := store.DefaultMemory()
	fs.IntVar(&c.Memory.MemTableMB, "memtable-mb", envInt("MEMTABLE_MB", d.MemTableMB), "size of one store memtable in MiB; a transaction may use 15 % of it (env FISKALDESK_MEMTABLE_MB)")
	fs.IntVar(&c.Memory.MemTables, "memtables", envInt("MEMTABLES", d.MemTables), "full memtables that may wait for their flush (env FISKALDESK_MEMTABLES)")
	fs.IntVar(&c.Memory.BlockCacheMB, "block-cache-mb", envInt("BLOCK_CACHE_MB", d.BlockCacheMB), "store block cache in MiB (env FISKALDESK_BLOCK_CACHE_MB)")
	fs.IntVar(&c.Memory.TableMB, "table-mb", envInt("TABLE_MB", d.TableMB), "size of the store's table files in MiB; a compaction holds up to 13 × 2 × this (env FISKALDESK_TABLE_MB)")
	fs.IntVar(&c.Memory.Compactors, "compactors", envInt("COMPACTORS", d.Compactors), "concurrent store compactions, at least 2 (env FISKALDESK_COMPACTORS)")
	fs.IntVar(&c.MemoryLimitMB, "memory-limit-mb", envInt("MEMORY_LIMIT_MB", DefaultMemoryLimitMB()), "soft limit of the Go runtime's memory in MiB, -1 for none (env FISKALDESK_MEMORY_LIMIT_MB, else GOMEMLIMIT)")
	c.BootstrapKey = env("BOOTSTRAP_API_KEY", "")
	c.BootstrapSecret = env("BOOTSTRAP_API_SECRET", "")
	c.BootstrapOrgName = env("BOOTSTRAP_ORG_NAME", "")
	c.DataKey = env("DATA_KEY", "")
	c.NoRateLimits = env("RATE_LIMITS", "on") == "off"
	c.TestTSSLimit = tss.DefaultTestTSSLimit
	if n := envInt("MIN_FREE_MB", 0); n > 0 {
		c.MinFreeMB = n
	}
	if n, err := strconv.Atoi(env("TEST_TSS_LIMIT", "")); err == nil && n >= 0 {
		c.TestTSSLimit = n
	}
}

// Validate checks the values that cannot be checked by the flag package.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return fmt.Errorf("no data directory: set --data or FISKALDESK_DATA")
	}
	if _, err := zerolog.ParseLevel(c.LogLevel); err != nil || c.LogLevel == "" {
		return fmt.Errorf("invalid log level %q: use trace, debug, info, warn or error", c.LogLevel)
	}
	if c.Store != "" && !c.Postgres() {
		return fmt.Errorf("invalid --store: give a postgres:// (or postgresql://) URL, or leave it empty for the store in the data directory")
	}
	if strings.Contains(c.Node, "/") {
		return fmt.Errorf("invalid --node %q: no '/'", c.Node)
	}
	if c.MaxConns < 1 {
		return fmt.Errorf("invalid --max-conns %d: must be at least 1", c.MaxConns)
	}
	if err := c.Memory.Validate(); err != nil {
		return err
	}
	if c.MemoryLimitMB < -1 {
		return fmt.Errorf("invalid --memory-limit-mb %d: MiB, or -1 for none", c.MemoryLimitMB)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("set both --tls-cert and --tls-key, or neither")
	}
	for _, h := range c.hostList() {
		if strings.ContainsAny(h, "/ @") {
			return fmt.Errorf("invalid --allowed-hosts entry %q: give a host name or address, without scheme or path", h)
		}
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	c.DataDir = abs
	return nil
}

// JobNode is the job runner's node name (Node): "" on Badger, whose
// runner names itself after the store (one process per data dir).
func (c *Config) JobNode() string {
	if c.Node != "" || !c.Postgres() {
		return c.Node
	}
	host, _ := os.Hostname()
	return strings.ReplaceAll(host, "/", "_") + "-" + strconv.Itoa(os.Getpid())
}

// Postgres reports whether the store lives in PostgreSQL (--store).
func (c *Config) Postgres() bool {
	return strings.HasPrefix(c.Store, "postgres://") || strings.HasPrefix(c.Store, "postgresql://")
}

// env returns FISKALDESK_<name>, or def when it is unset or empty: an
// exported-but-empty variable in a service file should not erase a default.
func env(name, def string) string {
	if v := os.Getenv(envPrefix + name); v != "" {
		return v
	}
	return def
}

// envInt is env for integers; an unparsable value falls back to def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(env(name, "")); err == nil {
		return n
	}
	return def
}

// DefaultDataDir is the OS user data directory: $XDG_DATA_HOME/fiskaldesk
// or ~/.local/share/fiskaldesk on Linux, ~/Library/Application
// Support/fiskaldesk on macOS, %LocalAppData%\fiskaldesk on Windows.
func DefaultDataDir() string {
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "fiskaldesk")
		}
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "fiskaldesk")
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "fiskaldesk")
		}
	}
	return filepath.Join(home, ".local", "share", "fiskaldesk")
}

func (c *Config) hostList() []string {
	var out []string
	for _, h := range strings.Split(c.AllowedHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// Hosts are the names and addresses the server answers to besides the
// loopback ones: its listen address — every address of this machine when
// it listens on all of them — and --allowed-hosts.
func (c *Config) Hosts() []string {
	out := c.hostList()
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return out
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return append(out, host)
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			out = append(out, n.IP.String())
		}
	}
	return out
}
