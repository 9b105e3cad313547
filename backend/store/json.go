package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// GetJSON decodes the value under key into a new T; ErrNotFound if absent.
func GetJSON[T any](tx Tx, key []byte) (T, error) {
	var v T
	b, err := tx.Get(key)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("decode %s: %w", key, err)
	}
	return v, nil
}

// PutJSON encodes v and stores it under key, replacing any value.
func PutJSON(tx Tx, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return tx.Set(key, b)
}

// Exists reports whether key is present.
func Exists(tx Tx, key []byte) (bool, error) {
	_, err := tx.Get(key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ScanKeys calls fn with every key under prefix, in key order, without
// reading values. fn must not keep the slice.
func ScanKeys(tx Tx, prefix []byte, fn func(key []byte) error) error {
	it := tx.Iterate(IterOptions{Prefix: prefix, KeysOnly: true})
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if err := fn(it.Key()); err != nil {
			return err
		}
	}
	return nil
}

// ScanJSON decodes every value under prefix into T and calls fn, in key order.
func ScanJSON[T any](tx Tx, prefix []byte, fn func(v T) error) error {
	it := tx.Iterate(IterOptions{Prefix: prefix})
	defer it.Close()
	for ; it.Valid(); it.Next() {
		b, err := it.Value()
		if err != nil {
			return err
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("decode %s: %w", it.Key(), err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// DeletePrefix deletes every key under prefix inside tx.
func DeletePrefix(tx Tx, prefix []byte) error {
	var keys [][]byte
	if err := ScanKeys(tx, prefix, func(k []byte) error {
		keys = append(keys, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// IDs returns the last segment of every key under prefix: the record ids
// of an index such as org-child/<parent>/.
func IDs(tx Tx, prefix []byte) ([]string, error) {
	var ids []string
	err := ScanKeys(tx, prefix, func(k []byte) error {
		ids = append(ids, LastSegment(k))
		return nil
	})
	return ids, err
}

// PutOrgTSS indexes TSS tss under org with the env and state of its
// record; written in every transaction that writes the record.
func PutOrgTSS(tx Tx, org, tss, env, state string) error {
	return tx.Set(OrgTSSKey(org, tss), []byte(env+" "+state))
}

// EachOrgTSS calls fn with each TSS of org and the env and state its
// index holds; both are empty for an index written before store format 4
// (or by a peer of that age): the TSS record has them.
func EachOrgTSS(tx Tx, org string, fn func(id, env, state string) error) error {
	it := tx.Iterate(IterOptions{Prefix: OrgTSSPrefix(org)})
	defer it.Close()
	for ; it.Valid(); it.Next() {
		v, err := it.Value()
		if err != nil {
			return err
		}
		env, state := decodeOrgTSS(v)
		if err := fn(LastSegment(it.Key()), env, state); err != nil {
			return err
		}
	}
	return nil
}

// GetOrgTSS reads the index entry of TSS tss under org (EachOrgTSS);
// ErrNotFound when there is none.
func GetOrgTSS(tx Tx, org, tss string) (env, state string, err error) {
	v, err := tx.Get(OrgTSSKey(org, tss))
	if err != nil {
		return "", "", err
	}
	env, state = decodeOrgTSS(v)
	return env, state, nil
}

// decodeOrgTSS parses what PutOrgTSS wrote: "<env> <state>", or nothing.
func decodeOrgTSS(v []byte) (env, state string) {
	env, state, _ = strings.Cut(string(v), " ")
	return env, state
}
