// Package store owns fiskaldesk's embedded Badger database: opening it with
// the options the design requires (SyncWrites, a zerolog logger), the
// store-format version and its migrations, transaction helpers, the
// value-log GC loop, and backup/restore. Every key layout lives in keys.go.
package store
