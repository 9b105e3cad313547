package store

import (
	"testing"
)

// A format-1 store (made before the installation role) gets its setup
// user as installation administrator when opened: the earliest user
// created on this instance, never one that arrived by sync, even an
// earlier one. A store whose users all came by sync gets none.
func TestMigrationNamesTheSetupUserInstallationAdmin(t *testing.T) {
	for _, tc := range []struct {
		name  string
		users map[string]string // id → JSON
		// synced ids carry a version from another instance
		synced []string
		want   string // "" for none
	}{
		{"earliest local user", map[string]string{
			"u-late":  `{"_id":"u-late","created_at":300}`,
			"u-setup": `{"_id":"u-setup","created_at":100}`,
			"u-sync":  `{"_id":"u-sync","created_at":50}`,
		}, []string{"u-sync"}, "u-setup"},
		{"only synced users", map[string]string{"u-sync": `{"_id":"u-sync","created_at":50}`}, []string{"u-sync"}, ""},
		{"no users", nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openTest(t, dir)
			self, _ := s.InstanceID()
			_ = s.Close()
			kv := map[string][]byte{string(keyFormat): u32(1)}
			for id, js := range tc.users {
				kv[string(UserKey(id))] = []byte(js)
			}
			for _, id := range tc.synced {
				other := Version{UnixNanos: 1, Origin: Instance{9, 9, 9}}
				kv[string(SyncKVKey(UserKey(id)))] = other.encode()
			}
			// A local user may carry a version of this very instance (outbox on).
			if _, ok := tc.users["u-setup"]; ok {
				var own Instance
				copy(own[:], self)
				kv[string(SyncKVKey(UserKey("u-setup")))] = Version{UnixNanos: 2, Origin: own}.encode()
			}
			rawSet(t, dir, kv)

			s = openTest(t, dir)
			var admins []string
			_ = s.View(func(txn Tx) error {
				return ScanKeys(txn, InstallAdminPrefix(), func(k []byte) error { admins = append(admins, LastSegment(k)); return nil })
			})
			if tc.want == "" && len(admins) != 0 || tc.want != "" && (len(admins) != 1 || admins[0] != tc.want) {
				t.Fatalf("installation admins %v, want %q", admins, tc.want)
			}
			if ClassOf(InstallAdminKey("u")) != SyncLocal {
				t.Fatal("the installation role must never be synced")
			}
		})
	}
}
