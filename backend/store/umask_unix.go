//go:build unix

package store

import (
	"sync"
	"syscall"
)

var umaskOnce sync.Once

// PrivateFiles makes every file this process creates from now on its
// owner's alone (umask 077). Badger creates its tables and logs with mode
// 0666 minus the umask and has no option for the mode; a store holds
// every tenant's data and sealed secrets, so the process that opens one
// creates nothing group- or world-readable (exports and logs included).
func PrivateFiles() { umaskOnce.Do(func() { syscall.Umask(0o077) }) }
