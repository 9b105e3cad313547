package store

import (
	"encoding/json"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// GetJSON decodes the value under key into a new T; ErrNotFound if absent.
func GetJSON[T any](txn *badger.Txn, key []byte) (T, error) {
	var v T
	b, err := Get(txn, key)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("decode %s: %w", key, err)
	}
	return v, nil
}

// PutJSON encodes v and stores it under key, replacing any value.
func PutJSON(txn *badger.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return Set(txn, key, b)
}

// Exists reports whether key is present.
func Exists(txn *badger.Txn, key []byte) (bool, error) {
	_, err := txn.Get(key)
	if err == badger.ErrKeyNotFound {
		return false, nil
	}
	return err == nil, err
}

// PrefixIterator opens an iterator over the keys under prefix, newest
// (highest) first when reverse, positioned at the first of them. The
// caller closes it.
func PrefixIterator(txn *badger.Txn, prefix []byte, reverse, prefetch bool) *badger.Iterator {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: reverse, PrefetchValues: prefetch})
	if reverse {
		// Past every key under prefix: what follows a prefix is text (ids,
		// states) or a big-endian counter, and counters stay below 2^56.
		it.Seek(append(append([]byte(nil), prefix...), 0xff))
	} else {
		it.Seek(prefix)
	}
	return it
}

// ScanKeys calls fn with every key under prefix, in key order, without
// reading values. fn must not keep the slice.
func ScanKeys(txn *badger.Txn, prefix []byte, fn func(key []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		if err := fn(it.Item().Key()); err != nil {
			return err
		}
	}
	return nil
}

// ScanJSON decodes every value under prefix into T and calls fn, in key order.
func ScanJSON[T any](txn *badger.Txn, prefix []byte, fn func(v T) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 64})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		var v T
		err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &v) })
		if err != nil {
			return fmt.Errorf("decode %s: %w", it.Item().Key(), err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// DeletePrefix deletes every key under prefix inside txn.
func DeletePrefix(txn *badger.Txn, prefix []byte) error {
	var keys [][]byte
	if err := ScanKeys(txn, prefix, func(k []byte) error {
		keys = append(keys, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := Delete(txn, k); err != nil {
			return err
		}
	}
	return nil
}

// IDs returns the last segment of every key under prefix: the record ids
// of an index such as org-child/<parent>/.
func IDs(txn *badger.Txn, prefix []byte) ([]string, error) {
	var ids []string
	err := ScanKeys(txn, prefix, func(k []byte) error {
		ids = append(ids, LastSegment(k))
		return nil
	})
	return ids, err
}
