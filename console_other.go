//go:build !(desktop && windows)

package main

// alertError is a no-op where the message on stderr reaches the user:
// every build except the Windows desktop app (console_windows.go).
func alertError(error) {}
