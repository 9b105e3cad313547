package auth

import (
	"fmt"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// CheckStore verifies the indexes of API keys (fiskaldesk doctor): every
// key found by its key string and listed under its organization, which
// exists. It returns how many keys it looked at; each disagreement is
// passed to problem.
func CheckStore(tx store.Tx, problem func(string)) (int, error) {
	n := 0
	err := store.ScanJSON(tx, store.APIKeyPrefix(), func(r keyRecord) error {
		n++
		p := func(format string, a ...any) { problem(fmt.Sprintf("API key %s: ", r.ID) + fmt.Sprintf(format, a...)) }
		if id, err := tx.Get(store.APIKeyByKeyKey(r.Key)); err != nil || string(id) != r.ID {
			p("not found by its key string")
		}
		if ok, _ := store.Exists(tx, store.OrgAPIKeyKey(r.OrganizationID, r.ID)); !ok {
			p("missing from the keys of organization %s", r.OrganizationID)
		}
		if ok, _ := store.Exists(tx, store.OrgKey(r.OrganizationID)); !ok {
			p("its organization %s does not exist", r.OrganizationID)
		}
		return nil
	})
	return n, err
}
