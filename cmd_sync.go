package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
)

// cmdSync is `fiskaldesk sync`: one round of push and pull now, after
// optionally pairing (docs/sync.md).
func cmdSync(args []string) error {
	var opt server.SyncOptions
	cfg, err := parseConfig("sync", args, func(fs *flag.FlagSet) {
		fs.StringVar(&opt.Connect, "connect", "", "pair as a workstation of the central instance at this URL first")
		fs.StringVar(&opt.Credential, "credential", os.Getenv("FISKALDESK_SYNC_CREDENTIAL"), "sync credential from the central instance (env FISKALDESK_SYNC_CREDENTIAL)")
		fs.StringVar(&opt.CAFile, "ca", "", "PEM CA certificate to trust for the central's HTTPS certificate")
		fs.StringVar(&opt.Pair, "pair", "", "on a central instance: issue a credential for a workstation with this name")
	})
	if err != nil {
		return err
	}
	log, closer, err := startLogging(cfg)
	if err != nil {
		return err
	}
	defer closer.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return server.SyncOnce(ctx, cfg, log, opt, os.Stdout)
}
