//go:build windows

package store

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// heldByOther tells whether a Badger process holds dir: on Windows Badger
// holds the file LOCK open without sharing (and it is deleted when the
// handle closes), so opening it fails with a sharing violation while the
// store is open.
func heldByOther(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "LOCK"))
	if err != nil {
		return errors.Is(err, windows.ERROR_SHARING_VIOLATION)
	}
	f.Close()
	return false
}
