package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
)

// parseConfig parses the common flags of a command plus any extra ones
// registered by extra.
func parseConfig(name string, args []string, extra func(fs *flag.FlagSet)) (server.Config, error) {
	var cfg server.Config
	fs := flag.NewFlagSet("fiskaldesk "+name, flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return cfg, err
		}
		return cfg, usageError{err}
	}
	if fs.NArg() > 0 {
		return cfg, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

// startLogging builds the root logger; the closer flushes the log file.
func startLogging(cfg server.Config) (zerolog.Logger, io.Closer, error) {
	log, closer, err := server.NewLogger(cfg, os.Stderr)
	if err != nil {
		return log, nil, fmt.Errorf("logging: %w", err)
	}
	return log, closer, nil
}

func cmdServe(args []string) error {
	var cpuProfile string
	cfg, err := parseConfig("serve", args, func(fs *flag.FlagSet) {
		fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to FILE (for benchmarks: docs/BENCHMARKS.md)")
	})
	if err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	return serve(cfg)
}

func serve(cfg server.Config) error {
	log, closer, err := startLogging(cfg)
	if err != nil {
		return err
	}
	defer closer.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return server.Serve(ctx, cfg, log, spaFS(), os.Stdout)
}
