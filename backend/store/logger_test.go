package store

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// Badger's cache report goes to debug; its other warnings stay warnings.
func TestBadgerLoggerKeepsTheCacheReportOutOfWarnings(t *testing.T) {
	var buf bytes.Buffer
	l := badgerLogger{zerolog.New(&buf).Level(zerolog.InfoLevel)}
	l.Warningf("%s might be too small. Metrics: %s\n", "Block cache", "hit: 1 miss: 9")
	l.Warningf("Cache life expectancy (in seconds): %+v\n", "histogram")
	if buf.Len() != 0 {
		t.Fatalf("the cache report was logged at warn: %s", buf.String())
	}
	l.Warningf("Truncate Needed. File %s size: %d Endoffset: %d\n", "000001.vlog", 10, 5)
	if !strings.Contains(buf.String(), `"level":"warn"`) || !strings.Contains(buf.String(), "Truncate Needed") {
		t.Fatalf("a real warning was lost: %q", buf.String())
	}
}
