package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// migrateInstallAdmin (format 1 → 2) gives the installation role to the
// user who did the first-start setup of a store made before the role
// existed. Such stores did not record who that was; setup runs only while
// no user exists and every later user is invited, so the setup user is the
// earliest user created on this instance. Users that arrived by sync (their
// record's version names another instance) never qualify: syncing must not
// grant the role. A store without such a user (a central that never ran
// setup) gets no administrator; its setup stays open, behind the setup
// token.
func migrateInstallAdmin(txn Tx) error {
	self, err := txn.Get(keyInstance)
	if err != nil {
		return fmt.Errorf("instance id: %w", err)
	}
	type user struct {
		ID        string `json:"_id"`
		CreatedAt int64  `json:"created_at"`
	}
	var first *user
	err = ScanJSON(txn, UserPrefix(), func(u user) error {
		if v, err := txn.Get(SyncKVKey(UserKey(u.ID))); err == nil {
			if ver := decodeVersion(v); !ver.IsZero() && !bytes.Equal(ver.Origin[:], self) {
				return nil // arrived by sync
			}
		}
		if first == nil || u.CreatedAt < first.CreatedAt || (u.CreatedAt == first.CreatedAt && u.ID < first.ID) {
			first = &u
		}
		return nil
	})
	if err != nil || first == nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"v": 1, "granted_by": "migration", "granted_at": time.Now().Unix()})
	return txn.Set(InstallAdminKey(first.ID), b)
}
