package org

import (
	"bytes"
	"encoding/json"
)

// Field is an optional JSON field of a PATCH (or create) body that tells
// absent ({}), null ({"x":null}) and a value apart, as merge semantics need.
type Field[T any] struct {
	Set  bool // the key was present
	Null bool // its value was null
	V    T
}

// UnmarshalJSON is only called when the key is present.
func (f *Field[T]) UnmarshalJSON(b []byte) error {
	f.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		f.Null = true
		return nil
	}
	return json.Unmarshal(b, &f.V)
}

// Value returns the value, or the zero value when absent or null.
func (f Field[T]) Value() T { return f.V }
