package jobs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// childEnv makes the test binary the process that gets killed (see TestMain).
const childEnv = "FISKALDESK_JOBS_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		if err := child(dir); err != nil {
			fmt.Println("child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child opens the Badger store in dir, queues two jobs and works on the
// first one for ever, reporting progress. It prints "stored N" once the
// progress N is durable, and waits to be killed.
func child(dir string) error {
	st, err := store.Open(dir, store.Options{GCInterval: -1})
	if err != nil {
		return err
	}
	r, err := New(st, Options{Poll: 10 * time.Millisecond})
	if err != nil {
		return err
	}
	if err := r.Register(Kind{Name: "export", Run: func(ctx context.Context, run *Run) error {
		for i := int64(1); ; i++ {
			run.Progress(i, 1000)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(2 * time.Millisecond):
			}
		}
	}}); err != nil {
		return err
	}
	ctx := context.Background()
	for _, ref := range []string{"first", "second"} {
		if _, err := r.Enqueue(ctx, "export", ref, map[string]string{"ref": ref}); err != nil {
			return err
		}
	}
	if err := r.Start(ctx); err != nil {
		return err
	}
	for {
		j, err := r.Get("export", "first")
		if err != nil {
			return err
		}
		if j.State == Running && j.Progress >= 20 {
			fmt.Printf("stored %d\n", j.Progress)
			select {} // killed here, in the middle of the job
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A process killed with SIGKILL in the middle of a job, on the real
// Badger store: the next start of the same data dir resumes that job
// (second attempt, progress as last stored) and runs the one queued
// behind it.
func TestRestartInTheMiddleOfAJob(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "stored ") || strings.HasPrefix(sc.Text(), "child:") {
				line <- sc.Text()
				return
			}
		}
		line <- "child ended: " + fmt.Sprint(sc.Err())
	}()
	var stored int64
	select {
	case l := <-line:
		if _, err := fmt.Sscanf(l, "stored %d", &stored); err != nil {
			_ = cmd.Process.Kill()
			t.Fatalf("child said %q", l)
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("child never reported progress")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("child exited cleanly; it was to be killed")
	}

	st, err := store.Open(dir, store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var before Job
	if err := st.View(func(tx store.Tx) (err error) { before, err = Get(tx, "export", "first"); return err }); err != nil {
		t.Fatal(err)
	}
	if before.State != Running || before.Attempts != 1 || before.Progress < stored || before.Owner == "" {
		t.Fatalf("after the kill: %+v (stored %d)", before, stored)
	}
	resumed := make(chan Job, 2)
	r, err := New(st, Options{Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Register(Kind{Name: "export", Run: func(ctx context.Context, run *Run) error {
		resumed <- run.Job
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	for _, want := range []struct {
		ref      string
		attempts int
	}{{"first", 2}, {"second", 1}} {
		select {
		case j := <-resumed:
			if j.Ref != want.ref || j.Attempts != want.attempts || string(j.Payload) != `{"ref":"`+want.ref+`"}` {
				t.Fatalf("ran %s attempt %d payload %s; want %s attempt %d", j.Ref, j.Attempts, j.Payload, want.ref, want.attempts)
			}
			if j.Ref == "first" && j.Progress < stored {
				t.Fatalf("resumed at progress %d, %d was stored", j.Progress, stored)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("job %s not run after the restart", want.ref)
		}
	}
	for _, ref := range []string{"first", "second"} {
		waitState(t, r, "export", ref, Done)
	}
	if _, err := r.Get("export", "third"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
}
