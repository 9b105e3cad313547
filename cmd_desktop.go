package main

import (
	"fmt"
	"os"
	"runtime"
)

// cmdDesktop opens the desktop window, or runs headless when this binary
// cannot open one, saying why in one line.
func cmdDesktop(args []string) error {
	cfg, err := parseConfig("", args, nil)
	if err != nil {
		return err
	}
	if why := desktopUnavailable(); why != "" {
		fmt.Fprintf(os.Stderr, "fiskaldesk: %s; running headless as `fiskaldesk serve`\n", why)
		return serve(cfg)
	}
	log, closer, err := startLogging(cfg)
	if err != nil {
		return err
	}
	defer closer.Close()
	return runDesktop(cfg, log)
}

// desktopUnavailable tells why no window can be opened, or "".
func desktopUnavailable() string {
	if !desktopBuild {
		return "this binary was built without desktop support (build with `make build`)"
	}
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return "no display found (DISPLAY and WAYLAND_DISPLAY are unset)"
	}
	return ""
}
