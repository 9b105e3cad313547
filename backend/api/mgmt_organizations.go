package api

import (
	"io"
	"net/http"
	"strings"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
)

func (a *handlers) listOrganizations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := org.ListFilter{}
	var err error
	if f.Limit, f.Offset, err = page(q, 1000, 5000); err != nil {
		return err
	}
	if f.OrderBy, f.Desc, err = ordering(q, org.OrderFields); err != nil {
		return err
	}
	if f.Type, err = oneOf(q, "type", org.TypeOrganization, org.TypeManaged); err != nil {
		return err
	}
	if f.Env, err = oneOf(q, "env", org.EnvTest, org.EnvLive); err != nil {
		return err
	}
	if m := q.Get("managed_by_organization_id"); m != "" {
		if f.ManagedBy, err = pathUUID(r, "managed_by_organization_id", m); err != nil {
			return err
		}
	}
	p := principal(r)
	orgs, n, err := a.orgs.List(p.Viewer, f)
	if err != nil {
		return err
	}
	l := newList(orgs, n, "ORGANIZATION_LIST")
	if p.Viewer.Env != "" {
		l.Envs = []string{p.Viewer.Env}
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

// createdOrganization is the create response: the organization, plus its
// first API key (with secret) when generate_api_key asked for one.
type createdOrganization struct {
	org.Organization
	APIKey *auth.APIKey `json:"api_key,omitempty"`
}

func (a *handlers) createOrganization(w http.ResponseWriter, r *http.Request) error {
	var in org.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	o, key, err := a.auth.CreateOrganization(r.Context(), principal(r).Viewer, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, createdOrganization{*o, key})
	return nil
}

func (a *handlers) getOrganization(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	o, _, err := a.orgs.Get(principal(r).Viewer, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (a *handlers) patchOrganization(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	var in org.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	o, err := a.orgs.Patch(r.Context(), principal(r).Viewer, id, in)
	return reply(w, o, err)
}

func (a *handlers) deleteOrganization(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	if err := a.orgs.Delete(r.Context(), principal(r).Viewer, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, success)
	return nil
}

// enableEnvRequest names the env to enable (LIVE; any case).
type enableEnvRequest struct {
	Env string `json:"env"`
}

func (a *handlers) enableEnv(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	var body enableEnvRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	if err := a.orgs.EnableEnv(r.Context(), principal(r).Viewer, id, strings.ToUpper(body.Env)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, success)
	return nil
}

func (a *handlers) handOver(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	if err := a.orgs.HandOver(r.Context(), principal(r).Viewer, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, success)
	return nil
}

func (a *handlers) auditLog(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	limit, offset, err := page(r.URL.Query(), 100, 1000)
	if err != nil {
		return err
	}
	entries, n, err := a.orgs.Audit(principal(r).Viewer, id, limit, offset)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(entries, n, "AUDIT_LOG"))
	return nil
}

func (a *handlers) getLogo(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	b, ct, err := a.orgs.Logo(principal(r).Viewer, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
	return nil
}

// logoStored is the answer to a logo upload.
type logoStored struct {
	Success     bool   `json:"_success"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// putLogo takes the image as the raw request body; its type is sniffed
// from the bytes, whatever Content-Type says.
func (a *handlers) putLogo(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, org.MaxLogoBytes+1))
	if err != nil {
		return err
	}
	ct, err := a.orgs.SetLogo(r.Context(), principal(r).Viewer, id, b)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, logoStored{Success: true, ContentType: ct, Size: len(b)})
	return nil
}

func (a *handlers) deleteLogo(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	if err := a.orgs.DeleteLogo(r.Context(), principal(r).Viewer, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, success)
	return nil
}
