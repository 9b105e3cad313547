package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/rollup"
)

// rollupHandler is GET /api/dashboard/rollup (docs/dashboard.md › The
// reseller's overview): the figures of every organization the caller sees,
// or of organization_id and the ones it administers, in one env — totals,
// transactions per day, and one sorted, searched page of per-organization
// rows. Read-only; it reads counters, never transactions.
//
// Query: organization_id (with administered=false: that organization
// alone), env (TEST|LIVE; an API token's own env, which is also the
// default; for a dashboard session TEST by default), days (1–92, default
// 14), search, sort (name, tss, clients, transactions, today,
// last_activity), order (asc|desc), limit (1–100, default 25), offset.
//
// Its row in the route table is signedIn/noOrg: the rows are the
// organizations the principal sees, and organization_id is checked
// against them here (404 when invisible), the way the organization list
// works.
func (a *handlers) rollupHandler(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := rollup.Params{Env: strings.ToUpper(q.Get("env")), Days: 14, Now: time.Now().UTC(), Search: q.Get("search")}
	switch p.Env {
	case "", org.EnvTest, org.EnvLive:
	default:
		return Errorf(http.StatusBadRequest, CodeSchema, "env: must be TEST or LIVE")
	}
	// A token acts in one env only (the authorization step put it into the
	// grant), for figures as for everything else.
	if env := grantOf(r).env; env != "" {
		if p.Env != "" && p.Env != env {
			return Errorf(http.StatusBadRequest, CodeSchema, "env: this token acts in %s only", env)
		}
		p.Env = env
	}
	if p.Env == "" {
		p.Env = org.EnvTest
	}
	var err error
	if id := q.Get("organization_id"); id != "" {
		if p.Root, err = pathUUID(r, "organization_id", id); err != nil {
			return err
		}
	}
	switch q.Get("administered") {
	case "", "true":
	case "false":
		p.OnlyRoot = true
	default:
		return Errorf(http.StatusBadRequest, CodeSchema, "administered: must be true or false")
	}
	if s := q.Get("days"); s != "" {
		if p.Days, err = strconv.Atoi(s); err != nil || p.Days < 1 || p.Days > 92 {
			return Errorf(http.StatusBadRequest, CodeSchema, "days: must be an integer from 1 to 92")
		}
	}
	if p.Limit, p.Offset, err = page(q, 25, 100); err != nil {
		return err
	}
	if p.Sort, err = oneOf(q, "sort", rollup.SortFields...); err != nil {
		return err
	}
	switch strings.ToLower(q.Get("order")) {
	case "", "asc":
	case "desc":
		p.Desc = true
	default:
		return Errorf(http.StatusBadRequest, CodeSchema, "order: must be asc or desc")
	}
	res, err := rollup.Services{Orgs: a.orgs, TSS: a.tss, Billing: a.bill}.Build(principal(r).Viewer, p)
	return reply(w, res, err)
}
