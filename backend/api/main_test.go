package api

import (
	"os"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
)

// TestMain makes new password, API-secret, PIN and PUK hashes cheap: these
// tests check who may do what, not argon2id's cost (backend/secret tests
// that and the production default), and under -race one hash at the
// production cost takes about a second — hundreds of them made this
// package's run take many minutes. Verify reads the parameters from each
// hash, so nothing else changes.
func TestMain(m *testing.M) {
	secret.Default = secret.Params{Memory: 64, Time: 1, Threads: 1}
	os.Exit(m.Run())
}
