package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Config validation and the env-only settings, listen hosts, the data
// dir's default and mode, the memory limit, and the run file.

func TestConfigValidateRefusals(t *testing.T) {
	ok := func() Config {
		return Config{DataDir: t.TempDir(), LogLevel: "info", MaxConns: 1, Memory: store.DefaultMemory()}
	}
	cases := []struct {
		name string
		edit func(*Config)
		want string // "" = valid
	}{
		{"valid", func(*Config) {}, ""},
		{"no data dir", func(c *Config) { c.DataDir = "" }, "no data directory"},
		{"empty log level", func(c *Config) { c.LogLevel = "" }, "invalid log level"},
		{"each log level", func(c *Config) { c.LogLevel = "trace" }, ""},
		{"a certificate without its key", func(c *Config) { c.TLSCert = "cert.pem" }, "both --tls-cert and --tls-key"},
		{"a key without its certificate", func(c *Config) { c.TLSKey = "key.pem" }, "both --tls-cert and --tls-key"},
		{"both TLS files", func(c *Config) { c.TLSCert, c.TLSKey = "cert.pem", "key.pem" }, ""},
		{"allowed hosts", func(c *Config) { c.AllowedHosts = " central.example.com , 10.0.0.5,, " }, ""},
		{"an allowed host with a scheme", func(c *Config) { c.AllowedHosts = "https://central.example.com" }, "without scheme or path"},
		{"an allowed host with a path", func(c *Config) { c.AllowedHosts = "central.example.com/api" }, "without scheme or path"},
		{"an allowed host with user info", func(c *Config) { c.AllowedHosts = "me@central.example.com" }, "without scheme or path"},
		{"two hosts without a comma", func(c *Config) { c.AllowedHosts = "a.example.com b.example.com" }, "without scheme or path"},
		{"negative max conns", func(c *Config) { c.MaxConns = -1 }, "max-conns"},
		{"no memory limit", func(c *Config) { c.MemoryLimitMB = -1 }, ""},
	}
	for _, c := range cases {
		cfg := ok()
		c.edit(&cfg)
		err := cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestConfigEnvOnlySettings(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want func(Config) bool
		desc string
	}{
		{map[string]string{"FISKALDESK_BOOTSTRAP_API_KEY": "test_ci", "FISKALDESK_BOOTSTRAP_API_SECRET": "s3cret", "FISKALDESK_BOOTSTRAP_ORG_NAME": "CI"},
			func(c Config) bool {
				return c.BootstrapKey == "test_ci" && c.BootstrapSecret == "s3cret" && c.BootstrapOrgName == "CI"
			}, "bootstrap credentials"},
		{map[string]string{"FISKALDESK_DATA_KEY": "a2V5"}, func(c Config) bool { return c.DataKey == "a2V5" }, "data key"},
		{map[string]string{"FISKALDESK_RATE_LIMITS": "off"}, func(c Config) bool { return c.NoRateLimits }, "rate limits off"},
		{map[string]string{"FISKALDESK_RATE_LIMITS": "OFF"}, func(c Config) bool { return !c.NoRateLimits }, "only the exact word turns them off"},
		{map[string]string{"FISKALDESK_TEST_TSS_LIMIT": "0"}, func(c Config) bool { return c.TestTSSLimit == 0 }, "TSS limit lifted"},
		{map[string]string{"FISKALDESK_TEST_TSS_LIMIT": "12"}, func(c Config) bool { return c.TestTSSLimit == 12 }, "TSS limit raised"},
		{map[string]string{"FISKALDESK_TEST_TSS_LIMIT": "-3"}, func(c Config) bool { return c.TestTSSLimit == 5 }, "a negative TSS limit keeps the default"},
		{map[string]string{"FISKALDESK_TEST_TSS_LIMIT": "many"}, func(c Config) bool { return c.TestTSSLimit == 5 }, "an unparsable TSS limit keeps the default"},
		{map[string]string{"FISKALDESK_MIN_FREE_MB": "100"}, func(c Config) bool { return c.MinFreeMB == 100 }, "free space reserve"},
		{map[string]string{"FISKALDESK_MIN_FREE_MB": "-5"}, func(c Config) bool { return c.MinFreeMB == 0 }, "a negative reserve is the default"},
		{map[string]string{"FISKALDESK_MAX_CONNS": "lots"}, func(c Config) bool { return c.MaxConns == DefaultMaxConns }, "an unparsable number keeps the default"},
		{map[string]string{"FISKALDESK_TLS_CERT": "/c.pem", "FISKALDESK_TLS_KEY": "/k.pem", "FISKALDESK_ALLOWED_HOSTS": "central.example.com"},
			func(c Config) bool {
				return c.TLSCert == "/c.pem" && c.TLSKey == "/k.pem" && c.AllowedHosts == "central.example.com"
			}, "TLS and hosts from env"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			clearEnv(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			cfg, err := parse(t)
			if err != nil || !c.want(cfg) {
				t.Fatalf("%+v %v", cfg, err)
			}
		})
	}
	// Credentials are never flags (flags show in ps).
	clearEnv(t)
	if _, err := parse(t, "--bootstrap-api-secret", "x"); err == nil {
		t.Fatal("a secret flag exists")
	}
}

func TestHosts(t *testing.T) {
	cases := []struct {
		addr, allowed string
		want          []string // nil: check contains 127.0.0.1 (every address of the machine)
	}{
		{"127.0.0.1:8280", "", []string{"127.0.0.1"}},
		{"localhost:8280", "central.example.com", []string{"central.example.com", "localhost"}},
		{"10.1.2.3:8280", " a.example.com ,b.example.com", []string{"a.example.com", "b.example.com", "10.1.2.3"}},
		{"not an address", "a.example.com", []string{"a.example.com"}},
		{"0.0.0.0:8280", "", nil},
		{":8280", "", nil},
		{"[::]:8280", "", nil},
	}
	for _, c := range cases {
		got := (&Config{Addr: c.addr, AllowedHosts: c.allowed}).Hosts()
		if c.want == nil {
			if !slices.Contains(got, "127.0.0.1") || slices.Contains(got, "0.0.0.0") || slices.Contains(got, "::") {
				t.Errorf("%q: %q, want every address of this machine", c.addr, got)
			}
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q %q: %q, want %q", c.addr, c.allowed, got, c.want)
		}
	}
}

func TestDefaultDataDirOnLinux(t *testing.T) {
	t.Setenv("HOME", "/home/kim")
	t.Setenv("XDG_DATA_HOME", "")
	if got := DefaultDataDir(); got != "/home/kim/.local/share/fiskaldesk" {
		t.Fatalf("without XDG_DATA_HOME: %q", got)
	}
	t.Setenv("XDG_DATA_HOME", "/data/xdg")
	if got := DefaultDataDir(); got != "/data/xdg/fiskaldesk" {
		t.Fatalf("with XDG_DATA_HOME: %q", got)
	}
}

func TestMemoryLimit(t *testing.T) {
	saved := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(saved) })
	t.Setenv("GOMEMLIMIT", "")
	ApplyMemoryLimit(0)
	if got := debug.SetMemoryLimit(-1); got != defaultMemoryLimitMB<<20 {
		t.Fatalf("default limit %d", got)
	}
	ApplyMemoryLimit(300)
	if got := debug.SetMemoryLimit(-1); got != 300<<20 {
		t.Fatalf("300 MiB: %d", got)
	}
	// With GOMEMLIMIT the runtime's own limit is the default.
	t.Setenv("GOMEMLIMIT", "300MiB")
	if got := DefaultMemoryLimitMB(); got != 300 {
		t.Fatalf("under GOMEMLIMIT: %d", got)
	}
	ApplyMemoryLimit(-1)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("no limit: %d", got)
	}
	if got := DefaultMemoryLimitMB(); got != -1 {
		t.Fatalf("GOMEMLIMIT=off reads as %d", got)
	}
	for v, want := range map[string]int{"512": 512, "": 0, "lots": 0, "-1": -1} {
		t.Setenv("FISKALDESK_MEMORY_LIMIT_MB", v)
		if got := MemoryLimitFromEnv(); got != want {
			t.Errorf("MemoryLimitFromEnv(%q) = %d", v, got)
		}
	}
}

func TestWarnMemoryWhenTheStoreCanTakeTheLimit(t *testing.T) {
	budget := int(store.DefaultMemory().Budget() >> 20)
	for limit, warns := range map[int]bool{budget + 32 - 1: true, budget + 32: false, -1: false, 4096: false} {
		var buf bytes.Buffer
		warnMemory(Config{Memory: store.DefaultMemory(), MemoryLimitMB: limit}, zerolog.New(&buf))
		if got := strings.Contains(buf.String(), `"level":"warn"`); got != warns {
			t.Errorf("limit %d MiB with a budget of %d: warned %v (%s)", limit, budget, got, buf.String())
		}
	}
}

func TestRunFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadRunFile(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("no run file: %v", err)
	}
	if err := lockedError(dir); !errors.Is(err, store.ErrLocked) || strings.Contains(err.Error(), "pid") {
		t.Fatalf("without a run file: %v", err)
	}
	rf := RunFile{PID: 4242, URL: "http://127.0.0.1:8280", Token: newToken(), Version: "1.2.3"}
	if len(rf.Token) != 64 || rf.Token == newToken() {
		t.Fatalf("token %q", rf.Token)
	}
	if err := rf.write(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(runFilePath(dir))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("run file mode %v %v", fi, err)
	}
	if _, err := os.Stat(runFilePath(dir) + ".tmp"); !os.IsNotExist(err) {
		t.Fatal("temporary run file left")
	}
	got, err := ReadRunFile(dir)
	if err != nil || got != rf {
		t.Fatalf("%+v %v", got, err)
	}
	err = lockedError(dir)
	if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), "pid 4242, serving http://127.0.0.1:8280") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("locked message: %v", err)
	}
	// The file's fields are what other commands read.
	var raw map[string]any
	b, _ := os.ReadFile(runFilePath(dir))
	if err := json.Unmarshal(b, &raw); err != nil || raw["pid"] != float64(4242) || raw["url"] == nil || raw["token"] == nil || raw["version"] != "1.2.3" {
		t.Fatalf("run file %s %v", b, err)
	}
	removeRunFile(dir)
	if _, err := ReadRunFile(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("after remove: %v", err)
	}
	if err := os.WriteFile(runFilePath(dir), []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRunFile(dir); err == nil {
		t.Fatal("a broken run file read")
	}
}

func TestPrivateDataDir(t *testing.T) {
	base := t.TempDir()
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	nested := filepath.Join(base, "a", "b")
	if err := privateDataDir(nested, log); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(nested); fi.Mode().Perm() != 0o700 || buf.Len() != 0 {
		t.Fatalf("new dir %v, log %q", fi.Mode(), buf.String())
	}
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := privateDataDir(open, log); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(open); fi.Mode().Perm() != 0o700 || !strings.Contains(buf.String(), "made it 0700") || !strings.Contains(buf.String(), "-rwxr-xr-x") {
		t.Fatalf("tightened dir %v, log %q", fi.Mode(), buf.String())
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := privateDataDir(filepath.Join(file, "sub"), log); err == nil {
		t.Fatal("a data dir below a file accepted")
	}
}

func TestReadDataKeyShapes(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, dataKeyFile)
	cases := []struct {
		name string
		env  string
		file []byte // nil: no file
		want string // "" = accepted
	}{
		{"no file, no env: none yet", "", nil, ""},
		{"a 32-byte file", "", bytes.Repeat([]byte{1}, 32), ""},
		{"a 31-byte file", "", bytes.Repeat([]byte{1}, 31), "has 31 bytes, want 32"},
		{"an empty file", "", []byte{}, "has 0 bytes"},
		{"env of 32 bytes wins over the file", b64(bytes.Repeat([]byte{2}, 32)), bytes.Repeat([]byte{1}, 31), ""},
		{"env of 16 bytes", b64(bytes.Repeat([]byte{2}, 16)), nil, "FISKALDESK_DATA_KEY must be 32 bytes"},
		{"env not base64", "not base64!", nil, "FISKALDESK_DATA_KEY must be 32 bytes"},
	}
	for _, c := range cases {
		_ = os.Remove(keyFile)
		if c.file != nil {
			if err := os.WriteFile(keyFile, c.file, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		k, err := readDataKey(Config{DataDir: dir, DataKey: c.env})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (!errors.Is(err, ErrDataKey) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		case c.want == "" && c.file == nil && c.env == "" && k != nil:
			t.Errorf("%s: a key from nowhere", c.name)
		case c.env != "" && c.want == "" && !bytes.Equal(k, bytes.Repeat([]byte{2}, 32)):
			t.Errorf("%s: key %x", c.name, k)
		}
	}
	if got := dataKeySource(Config{DataDir: dir}); got != keyFile {
		t.Fatalf("source %q", got)
	}
	if got := dataKeySource(Config{DataDir: dir, DataKey: "x"}); got != "FISKALDESK_DATA_KEY" {
		t.Fatalf("source %q", got)
	}
}
