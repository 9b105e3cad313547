package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
)

// cmdDoctor checks a stopped data directory and says what it found: exit
// 0 when nothing is wrong, 1 when something is (or the directory cannot
// be checked), 2 for a usage error.
func cmdDoctor(args []string) error {
	var asJSON bool
	cfg, err := parseConfig("doctor", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the findings as JSON")
	})
	if err != nil {
		return err
	}
	// Badger's own messages would interleave with the report.
	rep, err := server.Doctor(cfg, zerolog.Nop())
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			*server.DoctorReport
			Problems int `json:"problems"`
		}{rep, rep.Problems()})
	} else {
		printDoctor(os.Stdout, rep)
	}
	if rep.Problems() > 0 {
		return quietError{fmt.Errorf("%d problems", rep.Problems())}
	}
	return nil
}

func printDoctor(w io.Writer, rep *server.DoctorReport) {
	fmt.Fprintf(w, "fiskaldesk doctor: %s\n", rep.DataDir)
	for _, f := range rep.Findings {
		state := "ok     "
		if len(f.Problems) > 0 {
			state = "PROBLEM"
		}
		fmt.Fprintf(w, "  %s  %-13s %s\n", state, f.Check, f.Summary)
		for _, p := range f.Problems {
			fmt.Fprintf(w, "             - %s\n", p)
		}
	}
	if n := rep.Problems(); n > 0 {
		fmt.Fprintf(w, "%d problem(s) found.\n", n)
	} else {
		fmt.Fprintln(w, "No problems found.")
	}
}
