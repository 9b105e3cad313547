//go:build !desktop

package main

import (
	"errors"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
)

// desktopBuild is false in binaries built without the Wails desktop tags
// (plain `go build`, `go test`); they always run headless.
const desktopBuild = false

func runDesktop(server.Config, zerolog.Logger) error {
	return errors.New("desktop support not compiled in")
}
