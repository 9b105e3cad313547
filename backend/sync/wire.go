// Package sync carries the outbox of a workstation to a central fiskaldesk
// instance and the central's organization data back (docs/sync.md).
//
// The store records what changed (store/outbox.go) and applies batches
// (store/apply.go); this package pairs instances, moves batches over HTTP
// and keeps the status the dashboard shows.
package sync

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// ContentType is the media type of a batch: frames of sequence (u64 BE),
// length (u32 BE) and an encoded outbox entry.
const ContentType = "application/vnd.fiskaldesk.sync-batch"

// MaxBatchBytes bounds one push body; the central refuses more.
const MaxBatchBytes = 8 << 20

// BatchBytes is what a push or pull batch holds at most (unless a single
// entry is larger). The receiver applies a batch in one transaction and a
// central also records it for the other workstations, which doubles it;
// with the smallest memtable a store accepts (16 MiB, transactions up to
// 2.4 MiB: store.Memory) that still fits.
const BatchBytes = 1 << 20

// WriteFrames writes frames in wire form.
func WriteFrames(w io.Writer, frames []store.Frame) error {
	bw := bufio.NewWriter(w)
	var hdr [12]byte
	for _, f := range frames {
		binary.BigEndian.PutUint64(hdr[:8], f.Seq)
		binary.BigEndian.PutUint32(hdr[8:], uint32(len(f.Payload)))
		if _, err := bw.Write(hdr[:]); err != nil {
			return err
		}
		if _, err := bw.Write(f.Payload); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ErrBadBatch is returned for a body that is not a well-formed batch.
var ErrBadBatch = errors.New("malformed sync batch")

// ReadEntries decodes a batch of at most max bytes into entries, in order;
// sequence numbers must increase.
func ReadEntries(r io.Reader, max int64) ([]store.Entry, error) {
	br := bufio.NewReader(io.LimitReader(r, max+1))
	var out []store.Entry
	var total int64
	var prev uint64
	var hdr [12]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%w: truncated frame header", ErrBadBatch)
		}
		seq, n := binary.BigEndian.Uint64(hdr[:8]), binary.BigEndian.Uint32(hdr[8:])
		total += 12 + int64(n)
		if total > max {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrBadBatch, max)
		}
		if seq <= prev {
			return nil, fmt.Errorf("%w: sequence %d after %d", ErrBadBatch, seq, prev)
		}
		prev = seq
		b := make([]byte, n)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("%w: truncated entry %d", ErrBadBatch, seq)
		}
		e, err := store.DecodeEntry(seq, b)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: %v", ErrBadBatch, seq, err)
		}
		out = append(out, e)
	}
}
