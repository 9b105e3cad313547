package store

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Code outside this package must write through Set and Delete: a direct txn.Set would
// change data that sync never sees, and the instances would drift apart
// without an error anywhere.
func TestDomainWritesGoThroughTheOutbox(t *testing.T) {
	direct := regexp.MustCompile(`\btxn\.(Set|Delete|SetEntry)\(`)
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "frontend" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || filepath.Dir(p) == filepath.Join(root, "backend", "store") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if direct.MatchString(line) {
				t.Errorf("%s:%d writes past the outbox: use store.Set / store.Delete", p, i+1)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
