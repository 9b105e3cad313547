package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

func TestRecordAndListNewestFirst(t *testing.T) {
	st, err := store.OpenMemory(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	actor := Actor{Type: "api_key", ID: "k1", OrganizationID: "org-a"}
	for i := range 5 {
		if err := st.Update(ctx, func(tx store.Tx) error {
			return Record(tx, "org-a", actor, fmt.Sprintf("thing.%d", i), "thing", fmt.Sprint("t", i), "name", "status")
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Another org's log, and an entry whose transaction fails: neither shows.
	if err := st.Update(ctx, func(tx store.Tx) error { return Record(tx, "org-b", System, "other", "x", "y") }); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("change refused")
	if err := st.Update(ctx, func(tx store.Tx) error {
		if err := Record(tx, "org-a", actor, "never", "thing", "t9"); err != nil {
			return err
		}
		return failed
	}); !errors.Is(err, failed) {
		t.Fatal(err)
	}
	actions := func(limit, offset int) ([]string, int) {
		t.Helper()
		var out []Entry
		var n int
		if err := st.View(func(tx store.Tx) (err error) { out, n, err = List(tx, "org-a", limit, offset); return err }); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range out {
			names = append(names, e.Action)
		}
		return names, n
	}
	cases := []struct {
		limit, offset int
		want          []string
	}{
		{10, 0, []string{"thing.4", "thing.3", "thing.2", "thing.1", "thing.0"}},
		{2, 0, []string{"thing.4", "thing.3"}},
		{2, 3, []string{"thing.1", "thing.0"}},
		{2, 4, []string{"thing.0"}},
		{2, 5, nil},
		{0, 0, nil},
		// Out-of-range values are clamped, as paging.Page does, not a panic.
		{2, -1, []string{"thing.4", "thing.3"}},
		{-1, 0, nil},
	}
	for _, c := range cases {
		got, n := actions(c.limit, c.offset)
		if n != 5 || !slices.Equal(got, c.want) {
			t.Errorf("limit %d offset %d: %q of %d, want %q of 5", c.limit, c.offset, got, n, c.want)
		}
	}
	// An empty log is an empty list, not nil (JSON [] in the API).
	_ = st.View(func(tx store.Tx) error {
		list, n, err := List(tx, "org-none", 10, 0)
		if err != nil || list == nil || n != 0 {
			t.Errorf("empty log: %#v %d %v", list, n, err)
		}
		return nil
	})
	var e Entry
	_ = st.View(func(tx store.Tx) error {
		list, _, err := List(tx, "org-a", 1, 0)
		e = list[0]
		return err
	})
	if e.Type != "AUDIT_ENTRY" || e.Org != "org-a" || e.Actor != actor || e.TargetType != "thing" || e.TargetID != "t4" ||
		!slices.Equal(e.Fields, []string{"name", "status"}) || e.ID == "" || e.At == 0 || e.V != 1 {
		t.Fatalf("entry %+v", e)
	}
}
