//go:build !unix

package store

// PrivateFiles does nothing where there is no umask (Windows): the
// per-user data directory's ACL keeps the store private there.
func PrivateFiles() {}
