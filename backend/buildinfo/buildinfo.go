// Package buildinfo holds the version and commit stamped into the binary
// by the Makefile (-ldflags -X), with the Go toolchain's VCS stamp as a
// fallback for plain `go build`.
package buildinfo

import "runtime/debug"

// Version and Commit are set with -ldflags "-X …buildinfo.Version=…".
var (
	Version = "dev"
	Commit  = ""
)

// CommitOrVCS returns Commit, or the revision the Go toolchain recorded,
// or "unknown".
func CommitOrVCS() string {
	if Commit != "" {
		return Commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}
