package api

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/dsfinvk"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/sync"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// The named answer types that replaced ad-hoc maps and anonymous structs
// (so that their schemas are generated) write the same bytes the maps
// did: encoding/json sorts a map's keys, so each struct lists its fields
// in that order, and an embedded value writes what the embedded pointer
// did. Each case is the old expression beside the new one.
func TestNamedAnswersWriteWhatTheMapsWrote(t *testing.T) {
	o := &org.Organization{ID: "o", Type: org.TypeOrganization, Envs: []string{"TEST"}, Name: "Olga GmbH", CreatedAt: 1, UpdatedAt: 2}
	inv := &org.Invitation{V: 1, ID: "i", OrgID: "o", Email: "e@example.com", Role: org.RoleAdmin, InvitedBy: "u", CreatedAt: 1, ExpiresAt: 2}
	ws := &sync.Workstation{ID: "w", Name: "Kasse 1", CreatedAt: 1, Cursor: 7}
	st := &sync.Status{Role: "central", Self: "abc", Backlog: 1, Last: 2}
	closing := json.RawMessage(`{"head":{"export_creation_date":1}, "x": [1, 2]}`)
	for name, c := range map[string]struct{ old, now any }{
		"success":        {map[string]bool{"_success": true}, success},
		"empty":          {map[string]any{}, emptyBody{}},
		"logo":           {map[string]any{"_success": true, "content_type": "image/png", "size": 42}, logoStored{Success: true, ContentType: "image/png", Size: 42}},
		"invoices":       {map[string]any{"_success": true, "drafts": 3, "month": "2026-11"}, generatedInvoices{Success: true, Drafts: 3, Month: "2026-11"}},
		"setup":          {map[string]bool{"required": true, "token_valid": false}, setupStatus{Required: true}},
		"install users":  {map[string]any{"data": []org.InstallUser{{InstallationAdmin: true}}, "count": 1}, installUserList{Count: 1, Data: []org.InstallUser{{InstallationAdmin: true}}}},
		"failures":       {map[string]any{"data": []tss.Rule{{ID: "r", Kind: "error"}}, "count": 1, "_type": "FAILURE_RULE_LIST"}, failureList{Type: "FAILURE_RULE_LIST", Count: 1, Data: []tss.Rule{{ID: "r", Kind: "error"}}}},
		"href":           {map[string]string{"href": "/api/v1/exports/x/download", "_env": "TEST", "_version": dsfinvk.Version}, exportHref{Env: "TEST", Version: dsfinvk.Version, Href: "/api/v1/exports/x/download"}},
		"hello":          {map[string]any{"central_instance": "abc", "workstation": ws}, syncHelloBody{CentralInstance: "abc", Workstation: ws}},
		"restore":        {map[string]bool{"staged": true}, restoreStaged{Staged: true}},
		"sync round":     {map[string]int{"pushed": 1, "pulled": 2, "conflicts": 3, "backlog": 4}, syncRound{Backlog: 4, Conflicts: 3, Pulled: 2, Pushed: 1}},
		"conflicts":      {map[string]any{"data": []store.Conflict{}, "count": 0}, conflictList{Count: 0, Data: []store.Conflict{}}},
		"workstations":   {map[string]any{"data": []sync.Workstation{*ws}, "count": 1}, workstationList{Count: 1, Data: []sync.Workstation{*ws}}},
		"paired":         {map[string]any{"workstation": ws, "credential": "fdsync_w_s"}, pairedWorkstation{Credential: "fdsync_w_s", Workstation: ws}},
		"synced tss":     {map[string]any{"data": []tss.SyncedTSS{{ID: "t"}}, "count": 1}, syncedTSSList{Count: 1, Data: []tss.SyncedTSS{{ID: "t"}}}},
		"closing detail": {map[string]any{"cash_point_closing": closing, "closing_id": "c", "state": "COMPLETED", "_type": "CASH_POINT_CLOSING_DETAILS", "_env": "TEST", "_version": dsfinvk.Version}, dsfinvk.ClosingDetails{Env: "TEST", Type: "CASH_POINT_CLOSING_DETAILS", Version: dsfinvk.Version, CashPointClosing: closing, ClosingID: "c", State: "COMPLETED"}},
		"created org": {struct {
			*org.Organization
			APIKey any `json:"api_key,omitempty"`
		}{o, nil}, createdOrganization{Organization: *o}},
		"invitation": {struct {
			*org.Invitation
			AcceptURL string `json:"accept_url"`
		}{inv, "/invite/t"}, invitation{*inv, "/invite/t"}},
		"me org": {struct {
			*org.Organization
			Role   org.Role `json:"role"`
			Member bool     `json:"member"`
		}{o, org.RoleOwner, true}, meOrg{*o, org.RoleOwner, true}},
		"sync status": {struct {
			*sync.Status
			CanManage bool `json:"can_manage"`
		}{st, true}, syncStatusBody{*st, true}},
	} {
		was, is := httptest.NewRecorder(), httptest.NewRecorder()
		writeJSON(was, 200, c.old)
		writeJSON(is, 200, c.now)
		if was.Body.String() != is.Body.String() {
			t.Errorf("%s:\n was %s\n now %s", name, was.Body, is.Body)
		}
	}
}
