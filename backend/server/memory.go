package server

import (
	"math"
	"os"
	"runtime/debug"
	"strconv"

	"github.com/rs/zerolog"
)

// defaultMemoryLimitMB is the Go runtime's soft memory limit when neither
// a flag nor FISKALDESK_MEMORY_LIMIT_MB nor GOMEMLIMIT sets one: with the
// workstation's store sizes (store.DefaultMemory, at most ~180 MiB of
// Badger memory at its worst) a process stays under 256 MiB of anonymous
// memory, the goal for a shop PC (docs/BENCHMARKS.md › Memory).
const defaultMemoryLimitMB = 224

// DefaultMemoryLimitMB is the soft limit in effect without flag or
// FISKALDESK_MEMORY_LIMIT_MB: GOMEMLIMIT when set (the Go runtime reads it
// itself; "off" is -1), else 224 MiB.
func DefaultMemoryLimitMB() int {
	if os.Getenv("GOMEMLIMIT") != "" {
		if l := debug.SetMemoryLimit(-1); l < math.MaxInt64 {
			return int(l >> 20)
		}
		return -1
	}
	return defaultMemoryLimitMB
}

// ApplyMemoryLimit sets the Go runtime's soft memory limit to mb MiB
// (0: the default, negative: none). Why a limit at all: the garbage collector lets the heap grow to
// twice what is live before it collects (GOGC=100), and reading a store
// (exports, compactions) makes garbage fast, so a process with 120 MiB
// live would sit near 250 MiB. Near the limit the collector runs earlier
// instead and returns freed pages to the system; the limit is soft, so a
// process that really needs more (bigger caches) gets it, at the cost of
// more collections — raise the limit with the caches.
func ApplyMemoryLimit(mb int) {
	if mb == 0 {
		mb = DefaultMemoryLimitMB()
	}
	if mb <= 0 {
		debug.SetMemoryLimit(math.MaxInt64)
		return
	}
	debug.SetMemoryLimit(int64(mb) << 20)
}

// warnMemory says when the configured store sizes can take more than the
// soft limit, where the collector would work hard to little avail.
func warnMemory(cfg Config, log zerolog.Logger) {
	budget, limit := cfg.Memory.Budget()>>20, cfg.MemoryLimitMB
	if limit == 0 {
		limit = DefaultMemoryLimitMB()
	}
	if limit > 0 && budget+32 > int64(limit) {
		log.Warn().Int64("store_budget_mb", budget).Int("memory_limit_mb", limit).
			Msg("the store's memory sizes can take nearly all of --memory-limit-mb at their worst; raise the limit with the caches")
	}
}

// MemoryLimitFromEnv is the limit a command without a store applies
// (verify): FISKALDESK_MEMORY_LIMIT_MB, else the default.
func MemoryLimitFromEnv() int {
	n, _ := strconv.Atoi(os.Getenv(envPrefix + "MEMORY_LIMIT_MB"))
	return n
}
