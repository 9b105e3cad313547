package main

import (
	"fmt"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"time"
)

// startCPUProfile writes a CPU profile to path until stop is called
// (serve --cpuprofile, bench run and bench rollup --cpuprofile); an empty
// path profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	// Once: the benchmarks stop it when the measured part ends and again,
	// deferred, on their early returns.
	return sync.OnceFunc(func() {
		pprof.StopCPUProfile()
		f.Close()
	}), nil
}

// startHeapProfile writes a heap profile to $FISKALDESK_HEAP_PROFILE each
// time the live Go heap (as the last collection found it) reaches a new
// peak by 8 MiB or more, so that the file left at the end shows what held
// the memory at the process's largest live heap, not at its exit: `go tool pprof -sample_index=inuse_space
// bin/fiskaldesk FILE`. It is a diagnostic for memory spikes such as a
// compaction's (docs/BENCHMARKS.md › Memory); unset, it costs nothing. The
// returned function stops it.
func startHeapProfile() func() {
	path := os.Getenv("FISKALDESK_HEAP_PROFILE")
	if path == "" {
		return func() {}
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var peak uint64
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			metrics.Read(sample)
			heap := sample[0].Value.Uint64()
			if heap < peak+8<<20 {
				continue
			}
			peak = heap // the profile too is of the last collection
			if err := writeHeapProfile(path); err != nil {
				fmt.Fprintf(os.Stderr, "fiskaldesk: heap profile: %v\n", err)
				return
			}
		}
	}()
	return func() { close(stop); <-done }
}

func writeHeapProfile(path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
