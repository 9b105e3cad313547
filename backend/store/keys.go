package store

import "encoding/binary"

// Key layout of the fiskaldesk store. This file is the single source of
// truth: every prefix used anywhere is declared here, with its full key
// shape and value type. Rules (see DESIGN.md › Store rules):
//
//   - a key starts with a short type prefix ending in '/', then the owning
//     organization or TSS id, then the record id;
//   - integers inside keys (counters, timestamps) are fixed-width big-endian
//     so that Badger's byte order is numeric order;
//   - a retired prefix is never reused: move it to the retired list below.
//
// Prefixes in use:
//
//	meta/format          → uint32 big-endian: store format version (FormatVersion).
//	                       Written once when a store is created, rewritten by migrations.
//	meta/instance        → 16 raw bytes: random id of this installation, created with
//	                       the store; identifies the instance for sync and backups.
//
// Retired prefixes: none yet.
var (
	keyFormat   = []byte("meta/format")
	keyInstance = []byte("meta/instance")
)

// u32 encodes v as 4 big-endian bytes, the fixed width used in keys and
// small counter values.
func u32(v uint32) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, v)
	return b
}
