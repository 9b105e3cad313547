// Package pgtest gives tests a fresh PostgreSQL schema of their own in the
// database named by FISKALDESK_TEST_POSTGRES (scripts/pg-test-cluster.sh
// starts a throwaway cluster and sets it; `make test` runs the Go tests
// under it).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the database tests use.
const Env = "FISKALDESK_TEST_POSTGRES"

// Require, when set (the Makefile sets it), makes a missing database a
// test failure instead of a skip: `make test` never skips these tests.
const Require = "FISKALDESK_REQUIRE_POSTGRES"

// URL returns a postgres:// URL whose search_path is a new, empty schema
// dropped when the test ends. Without FISKALDESK_TEST_POSTGRES the test is
// skipped with a message — or fails, under FISKALDESK_REQUIRE_POSTGRES.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		msg := Env + " is not set: run under scripts/pg-test-cluster.sh (make test does) for the PostgreSQL tests"
		if os.Getenv(Require) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	defer c.Close(ctx)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
