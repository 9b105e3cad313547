package store

import "errors"

var (
	// ErrNotFound is returned when a key does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists is returned by inserts whose key is already present.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrLocked is returned by Open when another process holds the data directory.
	ErrLocked = errors.New("store: data directory is in use by another process")
	// ErrNewerFormat is returned by Open when the data was written by a newer fiskaldesk.
	ErrNewerFormat = errors.New("store: data was written by a newer fiskaldesk")
	// ErrUnknownData is returned by Open for a non-empty database without a format key.
	ErrUnknownData = errors.New("store: directory holds a database that fiskaldesk did not create")
	// ErrDiskFull is returned by Update when too little disk space is left
	// to write safely; nothing was written.
	ErrDiskFull = errors.New("store: not enough free disk space")
	// ErrClosed is returned by operations on a closed store.
	ErrClosed = errors.New("store: closed")
)
