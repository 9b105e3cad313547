//go:build linux

package store

import (
	"os"
	"syscall"
)

// changeTime is the inode change time of fi (ns), 0 where unknown.
func changeTime(fi os.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ctim.Nano()
	}
	return 0
}
