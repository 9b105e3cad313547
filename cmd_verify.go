package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/fiskaldesk/fiskaldesk/backend/verify"
)

// errVerifyFailed makes the process exit 1 after the report is printed.
var errVerifyFailed = errors.New("verification failed")

func cmdVerify(args []string) error {
	fs := flag.NewFlagSet("fiskaldesk verify", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the reports as JSON")
	partial := fs.Bool("partial", false, "accept signature-counter gaps (a filtered export)")
	all := fs.Bool("all", false, "list every warning, not only the first of each kind")
	var trustFiles stringList
	fs.Var(&trustFiles, "trust", "trust anchors (PEM or DER certificates, e.g. the BSI/D-Trust roots you hold); every signer must chain to one (repeatable)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() == 0 {
		return usageError{errors.New("verify: give one or more TAR files")}
	}
	var trust [][]byte
	for _, name := range trustFiles {
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		certs, err := verify.ReadTrustFile(b)
		if err != nil {
			return fmt.Errorf("--trust %s: %w", name, err)
		}
		trust = append(trust, certs...)
	}
	var reports []*verify.Report
	failed := false
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		rep, err := verify.Verify(name, f, verify.Options{Partial: *partial, Trust: trust})
		f.Close()
		if err != nil {
			return err
		}
		failed = failed || !rep.OK
		reports = append(reports, rep)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return err
		}
	} else {
		for _, r := range reports {
			printReport(os.Stdout, r, *all)
		}
	}
	if failed {
		return quietError{errVerifyFailed}
	}
	return nil
}

// printReport writes a report for people: counts, per-TSS counters, every
// error, and warnings grouped by check.
func printReport(w io.Writer, r *verify.Report, all bool) {
	fmt.Fprintf(w, "%s\n", r.File)
	fmt.Fprintf(w, "  members       %d (info.csv %s)\n", r.Members, map[bool]string{true: "present", false: "MISSING"}[r.InfoCSV != ""])
	fmt.Fprintf(w, "  logs          %d (transaction %d, system %d, audit %d)\n", r.Logs, r.TransactionLogs, r.SystemLogs, r.AuditLogs)
	fmt.Fprintf(w, "  signatures    %d verified, %d failed, %d not checkable\n", r.SignaturesVerified, r.SignaturesFailed, r.NotCheckable)
	if r.VerifiedWithoutCertificate > 0 {
		fmt.Fprintf(w, "                %d of them against a key recovered from the signatures (no certificate in the archive)\n", r.VerifiedWithoutCertificate)
	}
	for _, c := range r.Certificates {
		state := "named by its key"
		switch {
		case !c.Parsed:
			state = "not parseable here"
		case !c.NameMatches:
			state = "NOT named by its key"
		}
		fmt.Fprintf(w, "  certificate   %s: %s\n", c.Member, state)
	}
	for _, c := range r.Chains {
		fmt.Fprintf(w, "  chain         %s…  %s: %s\n", c.Serial[:min(16, len(c.Serial))], strings.ToUpper(c.Status), c.Message)
		if c.Sandbox {
			fmt.Fprintf(w, "                This is a fiskaldesk Sandbox CA: the logs come from a software TSS, not a certified TSE.\n")
		}
	}
	for _, s := range r.Serials {
		fmt.Fprintf(w, "  TSS %s…  counters %d..%d, %d logs, %d gaps, %d duplicates\n", s.Serial[:16], s.FirstCounter, s.LastCounter, s.Logs, len(s.Gaps), len(s.Duplicates))
	}
	warnings := map[string][]verify.Finding{}
	for _, f := range r.Findings {
		if f.Severity == verify.SevError {
			fmt.Fprintf(w, "  ERROR   %-11s %s: %s\n", f.Check, f.Member, f.Message)
		} else {
			warnings[f.Check] = append(warnings[f.Check], f)
		}
	}
	checks := make([]string, 0, len(warnings))
	for c := range warnings {
		checks = append(checks, c)
	}
	sort.Strings(checks)
	for _, c := range checks {
		fs := warnings[c]
		show := fs
		if !all && len(show) > 3 {
			show = show[:3]
		}
		for _, f := range show {
			fmt.Fprintf(w, "  warning %-11s %s: %s\n", f.Check, f.Member, f.Message)
		}
		if len(show) < len(fs) {
			fmt.Fprintf(w, "  warning %-11s … and %d more (--all lists them)\n", c, len(fs)-len(show))
		}
	}
	if r.OK {
		fmt.Fprintf(w, "  RESULT        OK: everything checkable holds\n\n")
	} else {
		fmt.Fprintf(w, "  RESULT        FAILED: %d errors\n\n", r.Errors())
	}
}

// stringList collects a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
