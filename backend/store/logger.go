package store

import (
	"fmt"
	"strings"

	"github.com/rs/zerolog"
)

// badgerLogger adapts zerolog to badger.Logger. Badger is chatty at Info
// (every compaction, every table), so its Info and Debug go one level lower.
type badgerLogger struct{ log zerolog.Logger }

func (l badgerLogger) Errorf(f string, a ...any) { l.log.Error().Msgf(trim(f), a...) }
func (l badgerLogger) Warningf(f string, a ...any) {
	msg := trim(fmt.Sprintf(f, a...))
	if cacheReport(msg) {
		l.log.Debug().Msg(msg)
		return
	}
	l.log.Warn().Msg(msg)
}
func (l badgerLogger) Infof(f string, a ...any)  { l.log.Debug().Msgf(trim(f), a...) }
func (l badgerLogger) Debugf(f string, a ...any) { l.log.Trace().Msgf(trim(f), a...) }

// trim drops the trailing newline Badger puts on most messages.
func trim(f string) string { return strings.TrimRight(f, "\n") }

// cacheReport tells Badger's minute-by-minute block cache report ("Block
// cache might be too small", then the life expectancy histogram) from
// real warnings. With uncompressed tables Badger costs a cached block by
// its slice's capacity into the mapped table, not by the block's size
// (dgraph-io/badger#2021), so the cache holds a few dozen blocks whatever
// its size and the report fired every minute of a 30-minute soak: noise
// a user cannot act on (docs/BENCHMARKS.md › Memory). It stays at debug.
func cacheReport(msg string) bool {
	return strings.HasPrefix(msg, "Block cache might be too small") || strings.HasPrefix(msg, "Index cache might be too small") ||
		strings.HasPrefix(msg, "Cache life expectancy")
}
