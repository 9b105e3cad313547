package store

import (
	"strings"

	"github.com/rs/zerolog"
)

// badgerLogger adapts zerolog to badger.Logger. Badger is chatty at Info
// (every compaction, every table), so its Info and Debug go one level lower.
type badgerLogger struct{ log zerolog.Logger }

func (l badgerLogger) Errorf(f string, a ...any)   { l.log.Error().Msgf(trim(f), a...) }
func (l badgerLogger) Warningf(f string, a ...any) { l.log.Warn().Msgf(trim(f), a...) }
func (l badgerLogger) Infof(f string, a ...any)    { l.log.Debug().Msgf(trim(f), a...) }
func (l badgerLogger) Debugf(f string, a ...any)   { l.log.Trace().Msgf(trim(f), a...) }

// trim drops the trailing newline Badger puts on most messages.
func trim(f string) string { return strings.TrimRight(f, "\n") }
