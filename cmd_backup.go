package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
)

func cmdBackup(args []string) error {
	var out string
	cfg, err := parseConfig("backup", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "backup file to write (required)")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return usageError{fmt.Errorf("backup: --out FILE is required")}
	}
	log, closer, err := startLogging(cfg)
	if err != nil {
		return err
	}
	defer closer.Close()
	how, err := server.Backup(cfg, log, out)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Printf("backup of %s written to %s (%s)\n", cfg.DataDir, out, how)
	return nil
}

func cmdRestore(args []string) error {
	var in string
	cfg, err := parseConfig("restore", args, func(fs *flag.FlagSet) {
		fs.StringVar(&in, "in", "", "backup file to restore (required)")
	})
	if err != nil {
		return err
	}
	if in == "" {
		return usageError{fmt.Errorf("restore: --in FILE is required")}
	}
	// The logger writes into <data>/logs, which would make the target
	// non-empty; restore logs to the terminal only.
	h, err := server.Restore(cfg, zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr}).Level(zerolog.WarnLevel), in)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Printf("restored %s into %s (store format %d)\n", in, cfg.DataDir, h.Format)
	fmt.Printf("the backup holds its secrets sealed: put the data.key of the data directory it came from into %s (or set FISKALDESK_DATA_KEY) before starting\n", cfg.DataDir)
	return nil
}
