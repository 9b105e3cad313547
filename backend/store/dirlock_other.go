//go:build !unix && !windows

package store

// heldByOther cannot tell on this system; Badger's own lock still refuses
// a second process.
func heldByOther(string) bool { return false }
