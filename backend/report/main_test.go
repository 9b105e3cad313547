package report

import (
	"os"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
)

// TestMain makes new PIN and PUK hashes cheap: the unit tests check the
// rules around them, not argon2id's cost (backend/secret tests that), and
// under -race every PIN check at the production cost takes about a second.
// Verify reads the parameters from each hash, so nothing else changes.
func TestMain(m *testing.M) {
	secret.Default = secret.Params{Memory: 64, Time: 1, Threads: 1}
	os.Exit(m.Run())
}
