package server

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

func parse(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	var c Config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func clearEnv(t *testing.T) {
	for _, k := range []string{"FISKALDESK_DATA", "FISKALDESK_ADDR", "FISKALDESK_LOG_LEVEL", "FISKALDESK_MAX_CONNS", "GOMEMLIMIT"} {
		t.Setenv(k, "")
	}
	t.Setenv("XDG_DATA_HOME", "/xdg")
}

func TestConfigDefaults(t *testing.T) {
	clearEnv(t)
	c, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{DataDir: filepath.Join("/xdg", "fiskaldesk"), Addr: "127.0.0.1:8280", LogLevel: "info", TestTSSLimit: 5, MaxConns: 512, Memory: store.DefaultMemory(), MemoryLimitMB: defaultMemoryLimitMB}
	if c != want {
		t.Fatalf("defaults = %+v, want %+v", c, want)
	}
}

func TestConfigPrecedenceFlagOverEnvOverDefault(t *testing.T) {
	clearEnv(t)
	t.Setenv("FISKALDESK_ADDR", "127.0.0.1:9999")
	t.Setenv("FISKALDESK_DATA", "/env/data")
	t.Setenv("FISKALDESK_LOG_LEVEL", "debug")
	t.Setenv("FISKALDESK_MAX_CONNS", "64")
	c, err := parse(t)
	if want := (Config{DataDir: "/env/data", Addr: "127.0.0.1:9999", LogLevel: "debug", TestTSSLimit: 5, MaxConns: 64, Memory: store.DefaultMemory(), MemoryLimitMB: defaultMemoryLimitMB}); err != nil || c != want {
		t.Fatalf("env: %+v %v, want %+v", c, err, want)
	}
	c, err = parse(t, "--addr", "127.0.0.1:1", "--data", "/flag/data", "--log-level", "warn", "--max-conns", "8")
	if want := (Config{DataDir: "/flag/data", Addr: "127.0.0.1:1", LogLevel: "warn", TestTSSLimit: 5, MaxConns: 8, Memory: store.DefaultMemory(), MemoryLimitMB: defaultMemoryLimitMB}); err != nil || c != want {
		t.Fatalf("flags: %+v %v, want %+v", c, err, want)
	}
}

func TestConfigMakesDataDirAbsolute(t *testing.T) {
	clearEnv(t)
	c, err := parse(t, "--data", "rel/dir")
	if err != nil || !filepath.IsAbs(c.DataDir) || !strings.HasSuffix(c.DataDir, "rel/dir") {
		t.Fatalf("%q %v", c.DataDir, err)
	}
}

func TestConfigRejectsBadLogLevel(t *testing.T) {
	clearEnv(t)
	if _, err := parse(t, "--log-level", "loud"); err == nil || !strings.Contains(err.Error(), `invalid log level "loud"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigRejectsZeroMaxConns(t *testing.T) {
	clearEnv(t)
	if _, err := parse(t, "--max-conns", "0"); err == nil || !strings.Contains(err.Error(), "max-conns") {
		t.Fatalf("err = %v", err)
	}
}

// The store's memory sizes come from flags over env over the workstation
// defaults, and sizes the store cannot run with are refused at start.
func TestConfigMemorySizes(t *testing.T) {
	clearEnv(t)
	t.Setenv("FISKALDESK_MEMTABLE_MB", "64")
	t.Setenv("FISKALDESK_BLOCK_CACHE_MB", "128")
	c, err := parse(t, "--compactors", "4", "--memory-limit-mb", "-1")
	want := store.Memory{MemTableMB: 64, MemTables: store.DefaultMemory().MemTables, BlockCacheMB: 128, TableMB: store.DefaultMemory().TableMB, Compactors: 4}
	if err != nil || c.Memory != want || c.MemoryLimitMB != -1 {
		t.Fatalf("%+v %d %v, want %+v", c.Memory, c.MemoryLimitMB, err, want)
	}
	for _, bad := range [][]string{{"--memtable-mb", "8"}, {"--compactors", "1"}, {"--table-mb", "300"}, {"--memory-limit-mb", "-2"}} {
		if _, err := parse(t, bad...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// With the store in PostgreSQL, the Badger tools refuse instead of
// opening (and so creating) an empty Badger store in the data dir.
func TestBadgerToolsRefuseAPostgresStore(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Store: "postgres://nobody@127.0.0.1:1/none"}
	if _, err := Backup(cfg, zerolog.Nop(), filepath.Join(t.TempDir(), "b")); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup: %v", err)
	}
	if _, err := Restore(cfg, zerolog.Nop(), "x"); err == nil || !strings.Contains(err.Error(), "pg_restore") {
		t.Fatalf("restore: %v", err)
	}
	if _, err := Doctor(cfg, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("doctor: %v", err)
	}
	if entries, _ := os.ReadDir(cfg.DataDir); len(entries) > 0 {
		t.Fatalf("the data dir got %d entries", len(entries))
	}
	bad := Config{DataDir: t.TempDir(), Store: "mysql://x", LogLevel: "info", MaxConns: 1, Memory: store.DefaultMemory()}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "--store") {
		t.Fatalf("a --store that is no postgres URL: %v", err)
	}
}
