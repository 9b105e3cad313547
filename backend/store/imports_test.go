package store

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// engineModules are the libraries the store's engines are built on.
var engineModules = []string{"github.com/dgraph-io/badger", "github.com/google/btree"}

// Only this package may import an engine: domain code that cannot name
// the engine's transaction cannot write past the outbox (Tx records every
// write), and a second engine needs no change outside the store. The same
// holds for `go list -deps -f '{{.ImportPath}}: {{.Imports}}' ./...`; this
// test reads the import lines of every Go file, tests included, so that
// it fails in `go test` and names the file.
func TestOnlyTheStoreImportsAnEngine(t *testing.T) {
	root := filepath.Join("..", "..")
	self := filepath.Join(root, "backend", "store")
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (p == self || d.Name() == "node_modules" || d.Name() == "frontend" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, m := range engineModules {
				if strings.HasPrefix(path, m) {
					t.Errorf("%s imports %s: only backend/store may use an engine; go through store.Tx", p, path)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d Go files found outside the store: wrong root?", checked)
	}
}
