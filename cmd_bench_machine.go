package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/verify"
)

// benchMachine prints what bounds the benchmarks on this machine at this
// moment: raw P-256 signing and verification rates on all CPUs and the
// serial fsync rate of a directory. docs/BENCHMARKS.md states them next to
// every published number, since a shared machine's rates change by the
// minute.
func benchMachine(args []string) error {
	fs := flag.NewFlagSet("fiskaldesk bench machine", flag.ContinueOnError)
	dir := fs.String("dir", os.TempDir(), "directory whose disk the fsync rate is measured on (the data dir's)")
	d := fs.Duration("duration", 2*time.Second, "how long each rate is measured")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	fsyncs, err := serialFsyncRate(*dir, *d)
	if err != nil {
		return fmt.Errorf("fsync rate: %w", err)
	}
	fmt.Printf("raw P-256 signatures/s (all CPUs):                 %.0f\n", rawSignRate(*d))
	fmt.Printf("raw P-256 verifications/s (crypto/ecdsa, all CPUs): %.0f\n", verify.P256VerifyRate(*d, false))
	fmt.Printf("P-256 verifications/s (verify's key table, all CPUs): %.0f\n", verify.P256VerifyRate(*d, true))
	fmt.Printf("serial fsyncs/s (4 KiB write + fsync) in %s:      %.0f\n", *dir, fsyncs)
	return nil
}

// serialFsyncRate is how many 4 KiB write+fsync rounds one writer gets
// per second in dir: the disk's part of every durable commit.
func serialFsyncRate(dir string, d time.Duration) (rate float64, err error) {
	f, err := os.CreateTemp(dir, ".fsync-*")
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, f.Close(), os.Remove(f.Name())) }()
	buf := make([]byte, 4096)
	n, begin := 0, time.Now()
	for time.Since(begin) < d {
		if _, err := f.WriteAt(buf, int64(n%256)*4096); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(begin).Seconds(), nil
}
