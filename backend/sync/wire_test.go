package sync

import (
	"bytes"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

func TestFramesRoundTripAndRefuseDisorder(t *testing.T) {
	payload := append(make([]byte, 16), 0, 5, 'o', 'r', 'g', '/', 'a', 1, 'x')
	var b bytes.Buffer
	if err := WriteFrames(&b, []store.Frame{{Seq: 3, Payload: payload}, {Seq: 9, Payload: payload}}); err != nil {
		t.Fatal(err)
	}
	es, err := ReadEntries(bytes.NewReader(b.Bytes()), MaxBatchBytes)
	if err != nil || len(es) != 2 || es[1].Seq != 9 || string(es[0].Ops[0].Key) != "org/a" {
		t.Fatalf("%+v %v", es, err)
	}
	if _, err := ReadEntries(bytes.NewReader(b.Bytes()), int64(b.Len()-1)); err == nil {
		t.Fatal("batch over the size limit accepted")
	}
	var rev bytes.Buffer
	_ = WriteFrames(&rev, []store.Frame{{Seq: 9, Payload: payload}, {Seq: 3, Payload: payload}})
	if _, err := ReadEntries(&rev, MaxBatchBytes); err == nil {
		t.Fatal("decreasing sequence accepted")
	}
	if _, err := ReadEntries(bytes.NewReader(b.Bytes()[:b.Len()-1]), MaxBatchBytes); err == nil {
		t.Fatal("truncated batch accepted")
	}
}

// FuzzSyncBatch feeds arbitrary push bodies to the decoder the central
// runs on every batch: it must fail cleanly, never panic or allocate
// without bound.
func FuzzSyncBatch(f *testing.F) {
	payload := append(make([]byte, 16), 2, 5, 'o', 'r', 'g', '/', 'a', 1, 'x')
	payload = append(payload, make([]byte, 48)...)
	var b bytes.Buffer
	_ = WriteFrames(&b, []store.Frame{{Seq: 1, Payload: payload}, {Seq: 2, Payload: payload[:16]}})
	f.Add(b.Bytes())
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, body []byte) {
		es, err := ReadEntries(bytes.NewReader(body), 1<<20)
		if err != nil {
			return
		}
		var prev uint64
		for _, e := range es {
			if e.Seq <= prev {
				t.Fatal("decoder let a decreasing sequence through")
			}
			prev = e.Seq
			for _, op := range e.Ops {
				if len(op.Key) == 0 {
					t.Fatal("empty key decoded")
				}
			}
		}
	})
}
