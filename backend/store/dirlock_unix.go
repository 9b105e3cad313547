//go:build unix

package store

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// heldByOther tells whether a Badger process holds dir: Badger takes an
// exclusive flock on the directory itself for as long as it is open. The
// probe takes and drops the same lock; a process opening dir right after
// it is still refused by Badger's own lock.
func heldByOther(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return errors.Is(err, unix.EWOULDBLOCK)
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}
