// Command fiskaldesk is a fiskaly-compatible fiscalisation workstation:
// a desktop window (Wails) or a headless server for the Management, SIGN DE
// and DSFinV-K APIs and the dashboard. See README.md.

// Real TSE certificates (D-Trust) carry negative serial numbers; verify
// must read them.
//
//go:debug x509negativeserial=1
package main

import (
	"embed"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

//go:embed all:frontend/dist
var dist embed.FS

// spaFS is the built dashboard at the root of the embedded tree.
func spaFS() fs.FS {
	sub, err := fs.Sub(dist, "frontend/dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}

// commands maps each subcommand to its runner; "" is the default (desktop).
var commands = map[string]func(args []string) error{
	"":        cmdDesktop,
	"serve":   cmdServe,
	"backup":  cmdBackup,
	"restore": cmdRestore,
	"verify":  cmdVerify,
	"export":  cmdExport,
	"bench":   cmdBench,
	"sync":    cmdSync,
	"doctor":  cmdDoctor,
	"version": cmdVersion,
}

const usage = `fiskaldesk — fiskaly-compatible fiscalisation workstation

Usage:
  fiskaldesk [flags]                      desktop window (headless when there is no display)
  fiskaldesk serve [flags]                headless: dashboard and APIs on --addr
  fiskaldesk backup --out FILE [--data DIR]
  fiskaldesk restore --in FILE --data DIR
  fiskaldesk verify [--json] [--partial] [--all] FILE.tar...
  fiskaldesk export tss|dsfinvk|report ... --out FILE
  fiskaldesk bench run|seed ...
  fiskaldesk sync [--connect URL --credential C] [--pair NAME]
  fiskaldesk doctor [--json] --data DIR   check a stopped data dir: files, checksums, data key, counters, indexes
  fiskaldesk version

Run "fiskaldesk COMMAND -h" for the flags of a command.
`

func main() {
	// Everything this process writes — store, logs, exports, keys — is
	// its user's alone (umask 077; docs/security.md).
	store.PrivateFiles()
	var cmd string
	args := os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" {
		fmt.Print(usage)
		return
	}
	run, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(os.Stderr, "fiskaldesk: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	// Every command runs under the soft memory limit; those with a store
	// set it again from their flags.
	server.ApplyMemoryLimit(server.MemoryLimitFromEnv())
	defer startHeapProfile()()
	if err := run(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		var qe quietError
		if errors.As(err, &qe) {
			os.Exit(1) // the command has said everything already
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "fiskaldesk: %v\n", err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "fiskaldesk: %v\n", err)
		alertError(err)
		os.Exit(1)
	}
}

// usageError marks a mistake in the command line (exit status 2).
type usageError struct{ error }

// quietError exits 1 without a further message.
type quietError struct{ error }
