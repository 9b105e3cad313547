// Package secrettest is for the tests of packages that make password,
// API-secret, PIN and PUK hashes.
package secrettest

import (
	"os"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
)

// Main runs a package's tests with cheap argon2id hashes; call it from
// TestMain. Those tests check who may do what and the rules around PINs
// and PUKs, not argon2id's cost (backend/secret tests that and the
// production default), and under -race one hash at the production cost
// takes about a second: the access matrix alone makes hundreds. Verify
// reads the parameters from each hash, so nothing else changes.
func Main(m *testing.M) {
	secret.Default = secret.Params{Memory: 64, Time: 1, Threads: 1}
	os.Exit(m.Run())
}
