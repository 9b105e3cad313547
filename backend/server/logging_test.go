package server

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

type syncBuf struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuf) String() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String(), s.writes
}

// Info lines wait for the batch, a warning takes everything out at once,
// and Close writes what is left: no line lost, in order.
func TestBatchWriter(t *testing.T) {
	out := &syncBuf{}
	bw := newBatchWriter(out, time.Hour) // no timer flush during the test
	log := zerolog.New(bw)
	for i := range 100 {
		log.Info().Int("i", i).Msg("request")
	}
	if s, n := out.String(); s != "" || n != 0 {
		t.Fatalf("info lines written before the batch was due: %d writes", n)
	}
	log.Warn().Msg("disk almost full")
	s, n := out.String()
	if n != 1 || strings.Count(s, "\n") != 101 || !strings.HasSuffix(s, `"message":"disk almost full"}`+"\n") {
		t.Fatalf("after a warning: %d writes, %q…", n, s[:min(len(s), 80)])
	}
	log.Info().Msg("last")
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	if s, _ := out.String(); !strings.HasSuffix(s, `"message":"last"}`+"\n") {
		t.Fatal("Close did not write the last line")
	}

	// The timer writes waiting lines by itself.
	out2 := &syncBuf{}
	bw2 := newBatchWriter(out2, 10*time.Millisecond)
	defer bw2.Close()
	l2 := zerolog.New(bw2)
	l2.Info().Msg("soon")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if s, _ := out2.String(); s != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the timer never wrote the line")
		}
	}
}
