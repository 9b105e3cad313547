package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
)

// orgAndKey reads the organization and key ids of a key route.
func orgAndKey(r *http.Request) (string, string, error) {
	id, err := orgID(r)
	if err != nil {
		return "", "", err
	}
	kid, err := pathUUID(r, "key_id", chi.URLParam(r, "key_id"))
	return id, kid, err
}

func (a *handlers) listKeys(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var f auth.KeyFilter
	if f.Limit, f.Offset, err = page(q, 100, 100); err != nil {
		return err
	}
	if f.OrderBy, f.Desc, err = ordering(q, []string{"name", "kind", "status", "created_at"}); err != nil {
		return err
	}
	if f.Kind, err = oneOf(q, "kind", "test", "live"); err != nil {
		return err
	}
	// status may be repeated, comma-separated or written status[].
	for _, v := range append(q["status"], q["status[]"]...) {
		for _, s := range strings.Split(v, ",") {
			if s != auth.StatusEnabled && s != auth.StatusDisabled {
				return Errorf(http.StatusBadRequest, CodeSchema, "status: must be enabled or disabled")
			}
			f.Status = append(f.Status, s)
		}
	}
	keys, n, err := a.auth.ListKeys(principal(r).Viewer, id, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(keys, n, "API_KEY_LIST"))
	return nil
}

func (a *handlers) createKey(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	var in auth.KeyInput
	if err := decode(r, &in); err != nil {
		return err
	}
	k, err := a.auth.CreateKey(r.Context(), principal(r).Viewer, id, in)
	return reply(w, k, err)
}

func (a *handlers) getKey(w http.ResponseWriter, r *http.Request) error {
	id, kid, err := orgAndKey(r)
	if err != nil {
		return err
	}
	k, err := a.auth.GetKey(principal(r).Viewer, id, kid)
	return reply(w, k, err)
}

func (a *handlers) patchKey(w http.ResponseWriter, r *http.Request) error {
	id, kid, err := orgAndKey(r)
	if err != nil {
		return err
	}
	var in auth.KeyInput
	if err := decode(r, &in); err != nil {
		return err
	}
	k, err := a.auth.PatchKey(r.Context(), principal(r).Viewer, id, kid, in)
	return reply(w, k, err)
}

func (a *handlers) deleteKey(w http.ResponseWriter, r *http.Request) error {
	id, kid, err := orgAndKey(r)
	if err != nil {
		return err
	}
	if err := a.auth.DeleteKey(r.Context(), principal(r).Viewer, id, kid); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, success)
	return nil
}

func (a *handlers) listUsers(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	members, err := a.orgs.Members(principal(r).Viewer, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(members, len(members), "USER_LIST"))
	return nil
}

// invitation is the invite response: the accept link is returned once,
// since only its hash is stored.
type invitation struct {
	org.Invitation
	AcceptURL string `json:"accept_url"`
}

// inviteRequest is whom to invite, in which role.
type inviteRequest struct {
	Email     string   `json:"email"`
	FirstName string   `json:"first_name,omitempty"`
	LastName  string   `json:"last_name,omitempty"`
	Role      org.Role `json:"role"`
}

// roleRequest is a member's new role.
type roleRequest struct {
	Role org.Role `json:"role"`
}

func (a *handlers) inviteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	var body inviteRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	inv, token, err := a.orgs.Invite(r.Context(), principal(r).Viewer, id, body.Email, body.FirstName, body.LastName, body.Role)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, invitation{*inv, "/invite/" + token})
	return nil
}

func (a *handlers) patchUser(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	uid, err := pathUUID(r, "user_id", chi.URLParam(r, "user_id"))
	if err != nil {
		return err
	}
	var body roleRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	if err := a.orgs.SetRole(r.Context(), principal(r).Viewer, id, uid, body.Role); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, success)
	return nil
}

func (a *handlers) removeUser(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	uid, err := pathUUID(r, "user_id", chi.URLParam(r, "user_id"))
	if err != nil {
		return err
	}
	if err := a.orgs.RemoveMember(r.Context(), principal(r).Viewer, id, uid); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, success)
	return nil
}
