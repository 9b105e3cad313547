package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The access matrix (docs/security.md): every route of the OpenAPI
// document, as every kind of principal, against organizations of two
// unrelated tenants. The expected answers come from the hand-written role
// table and policies below, not from the server's route table; a route of
// the document without a probe fails the test.
//
// Tenant A: V is the setup organization of the installation administrator
// (live); M is managed by V; P is a main organization created with V's key
// (a white-label partner, administered by V, live, with a customer of its
// own). Tenant B: U, a main organization the installation administrator
// provisioned and then left, with a managed organization.
//
// Probes are chosen so that an allowed principal gets an answer the
// handler gives after authorization (200, or a validation error for a
// deliberately bad body, or the handler's own not-found code for an
// object that does not exist) and nothing changes: denied principals get
// 401, 403 or 404 with the codes of the authorization step.

// Organizations of the matrix, in the order of the role table's columns.
var matrixOrgs = []string{"V", "M", "P", "U"}

type mrole string

const (
	none   mrole = ""
	member mrole = "member"
	admin_ mrole = "admin"
	owner  mrole = "owner"
)

// matrixPrincipal is one kind of caller with its role on V, M, P and U.
type matrixPrincipal struct {
	name    string
	roles   [4]mrole
	key     bool // an API key (else a dashboard user, unless unauth)
	live    bool // the key acts in LIVE
	install bool // holds the installation role
	unauth  bool // no valid credentials: 401 everywhere but public routes
}

// The role table: what the administration model (docs/management-api.md ›
// Who administers what) gives each principal on each organization.
var matrixPrincipals = []matrixPrincipal{
	{name: "installation admin", roles: [4]mrole{owner, owner, owner, none}, install: true},
	{name: "V owner", roles: [4]mrole{owner, owner, owner, none}},
	{name: "V admin", roles: [4]mrole{admin_, admin_, admin_, none}},
	{name: "V member", roles: [4]mrole{member, member, member, none}},
	{name: "P owner", roles: [4]mrole{none, none, owner, none}},
	{name: "P admin", roles: [4]mrole{none, none, admin_, none}},
	{name: "P member", roles: [4]mrole{none, none, member, none}},
	{name: "M owner", roles: [4]mrole{none, owner, none, none}},
	{name: "M admin", roles: [4]mrole{none, admin_, none, none}},
	{name: "M member", roles: [4]mrole{none, member, none, none}},
	{name: "V key", roles: [4]mrole{admin_, admin_, admin_, none}, key: true},
	{name: "V LIVE key", roles: [4]mrole{admin_, admin_, admin_, none}, key: true, live: true},
	{name: "P key", roles: [4]mrole{none, none, admin_, none}, key: true},
	{name: "P LIVE key", roles: [4]mrole{none, none, admin_, none}, key: true, live: true},
	{name: "M key (managed)", roles: [4]mrole{none, admin_, none, none}, key: true},
	{name: "M LIVE key (managed)", roles: [4]mrole{none, admin_, none, none}, key: true, live: true},
	{name: "U owner", roles: [4]mrole{none, none, none, owner}},
	{name: "U key", roles: [4]mrole{none, none, none, admin_}, key: true},
	{name: "disabled key", unauth: true, key: true},
	{name: "no auth", unauth: true},
}

func (p matrixPrincipal) role(org string) mrole { return p.roles[slices.Index(matrixOrgs, org)] }

// memberOnly: member everywhere it is anything (writes nowhere).
func (p matrixPrincipal) memberOnly() bool {
	for _, r := range p.roles {
		if r == owner || r == admin_ {
			return false
		}
	}
	return !p.key
}

type outcome struct {
	status int
	code   string
}

var (
	o401        = outcome{401, "E_UNAUTHORIZED"}
	o403        = outcome{403, "E_ACCESS_DENIED"}
	o404org     = outcome{404, "E_ORGANIZATION_NOT_FOUND"}
	o200        = outcome{200, ""}
	o400        = outcome{400, CodeSchema}
	o400parser  = outcome{400, CodeParser}
	o404tss     = outcome{404, "E_TSS_NOT_FOUND"}
	o404reg     = outcome{404, "E_CASH_REGISTER_NOT_FOUND"}
	notFound    = func(code string) outcome { return outcome{404, code} }
	defaultTgts = []string{"M", "P", "U"}
)

// Policies: what a route asks of its caller, written out.
const (
	pPublic    = "public"     // anyone: the handler decides
	pSync      = "sync"       // a sync credential; no token or session is one
	pSignedIn  = "signed in"  // any valid token or session
	pUser      = "user"       // a dashboard session
	pInstall   = "install"    // the installation role
	pRead      = "read"       // member or better on the target (404 when it is invisible)
	pWrite     = "write"      // admin or better on the target; members 403
	pWriteAny  = "write any"  // admin or better somewhere; members 403
	pReadObj   = "read obj"   // signed in; the object is 404 (hidden code) when its org is invisible
	pWriteObj  = "write obj"  // write any; the object is 404 (hidden code) when its org is invisible
	pOrgHeader = "org header" // X-Organization-ID is validated (404), no role needed
)

type probe struct {
	policy string
	ok     outcome
	// path overrides the document's path (params filled the same way);
	// params give fixed values ("new": a UUID nobody uses).
	params map[string]string
	body   any
	ctype  string // Content-Type of a raw body
	// targets: which organizations to probe on (default M, P, U).
	targets []string
	// liveTSS is what a LIVE key gets on an allowed target: the TSS, client
	// or register of the matrix are TEST objects ("" = ok).
	live outcome
	// hidden is the object's not-found answer (pReadObj, pWriteObj).
	hidden outcome
	// query is appended to the path, its {params} filled like the path's:
	// routes that take their organization from the query.
	query string
}

var bad = json.RawMessage(`{"x":`)

// probes, keyed by "METHOD /path" of the OpenAPI document.
var probes = map[string]probe{
	"GET /api/openapi.json": {policy: pPublic, ok: o200},
	"GET /healthz":          {policy: pPublic, ok: o200},
	// Management API v0.
	"POST /api/v0/auth":                                                {policy: pPublic, ok: o400parser, body: bad},
	"GET /api/v0/organizations":                                        {policy: pSignedIn, ok: o200},
	"POST /api/v0/organizations":                                       {policy: pWriteAny, ok: o400, body: map[string]any{"name": 5}},
	"GET /api/v0/organizations/{organization_id}":                      {policy: pRead, ok: o200},
	"PATCH /api/v0/organizations/{organization_id}":                    {policy: pWrite, ok: o400, body: map[string]any{"name": 5}},
	"DELETE /api/v0/organizations/{organization_id}":                   {policy: pWrite, ok: outcome{400, "E_ORGANIZATION_HAS_MANAGED_ORGANIZATIONS"}, targets: []string{"V", "P", "U"}},
	"POST /api/v0/organizations/{organization_id}/enable-env":          {policy: pWrite, ok: o400, body: map[string]string{"env": "MOON"}},
	"POST /api/v0/organizations/{organization_id}/hand-over":           {policy: pWrite, ok: o400, targets: []string{"V", "M", "U"}},
	"GET /api/v0/organizations/{organization_id}/audit-log":            {policy: pRead, ok: o200},
	"GET /api/v0/organizations/{organization_id}/logo":                 {policy: pRead, ok: notFound("E_LOGO_NOT_FOUND")},
	"PUT /api/v0/organizations/{organization_id}/logo":                 {policy: pWrite, ok: outcome{415, "E_UNSUPPORTED_MEDIA_TYPE"}, body: []byte("not an image"), ctype: "image/png"},
	"DELETE /api/v0/organizations/{organization_id}/logo":              {policy: pWrite, ok: notFound("E_LOGO_NOT_FOUND")},
	"GET /api/v0/organizations/{organization_id}/api-keys":             {policy: pRead, ok: o200},
	"POST /api/v0/organizations/{organization_id}/api-keys":            {policy: pWrite, ok: o400, body: map[string]any{"name": 5}},
	"GET /api/v0/organizations/{organization_id}/api-keys/{key_id}":    {policy: pRead, ok: o200},
	"PATCH /api/v0/organizations/{organization_id}/api-keys/{key_id}":  {policy: pWrite, ok: o400, body: map[string]any{"name": 5}},
	"DELETE /api/v0/organizations/{organization_id}/api-keys/{key_id}": {policy: pWrite, ok: notFound("E_API_KEY_NOT_FOUND"), params: map[string]string{"key_id": "new"}},
	"GET /api/v0/organizations/{organization_id}/users":                {policy: pRead, ok: o200},
	"POST /api/v0/organizations/{organization_id}/users":               {policy: pWrite, ok: o400, body: map[string]any{"email": 5}},
	"PATCH /api/v0/organizations/{organization_id}/users/{user_id}":    {policy: pWrite, ok: o400, body: map[string]any{"role": "king"}},
	"DELETE /api/v0/organizations/{organization_id}/users/{user_id}":   {policy: pWrite, ok: notFound("E_USER_NOT_FOUND"), params: map[string]string{"user_id": "new"}},
	"GET /api/v0/organizations/{organization_id}/usage":                {policy: pRead, ok: o200},
	"GET /api/v0/billing-addresses":                                    {policy: pSignedIn, ok: o200},
	"POST /api/v0/billing-addresses":                                   {policy: pWriteAny, ok: o400, body: map[string]any{"company_name": 5}},
	"GET /api/v0/billing-addresses/{address_id}":                       {policy: pReadObj, ok: o200, hidden: notFound("E_BILLING_ADDRESS_NOT_FOUND")},
	"PATCH /api/v0/billing-addresses/{address_id}":                     {policy: pWriteObj, ok: o200, hidden: notFound("E_BILLING_ADDRESS_NOT_FOUND")}, // body: the address as it is
	"DELETE /api/v0/billing-addresses/{address_id}":                    {policy: pWriteAny, ok: notFound("E_BILLING_ADDRESS_NOT_FOUND"), params: map[string]string{"address_id": "new"}},
	"GET /api/v0/billing/price-list":                                   {policy: pSignedIn, ok: o200},
	"PUT /api/v0/billing/price-list":                                   {policy: pInstall, ok: o400, body: map[string]any{"tss_per_month": "free"}},
	"GET /api/v0/invoices":                                             {policy: pSignedIn, ok: o200},
	"POST /api/v0/invoices/generate":                                   {policy: pInstall, ok: o400, body: map[string]any{"month": "soon"}},
	"GET /api/v0/invoices/{invoice_id}":                                {policy: pReadObj, ok: o200, hidden: notFound("E_INVOICE_NOT_FOUND"), targets: []string{"V", "P", "U"}},
	"POST /api/v0/invoices/{invoice_id}/issue":                         {policy: pInstall, ok: notFound("E_INVOICE_NOT_FOUND"), params: map[string]string{"invoice_id": "new"}},
	"GET /api/v0/invoices/{invoice_id}/pdf":                            {policy: pReadObj, ok: o200, hidden: notFound("E_INVOICE_NOT_FOUND"), targets: []string{"V", "P", "U"}},
	"POST /api/v1/auth":                                                {policy: pPublic, ok: o400parser, body: bad},
	"POST /api/v2/auth":                                                {policy: pPublic, ok: o400parser, body: bad},
	"GET /api/v2/tss":                                                  {policy: pRead, ok: o200},
	"GET /api/v2/client":                                               {policy: pRead, ok: o200},
	"GET /api/v2/tx":                                                   {policy: pRead, ok: o200},
	"GET /api/v2/export":                                               {policy: pRead, ok: o200},
	"PUT /api/v2/tss/{tss_id}":                                         {policy: pWrite, ok: outcome{409, "E_TSS_CONFLICT"}, body: map[string]any{}},
	"GET /api/v2/tss/{tss_id}":                                         {policy: pRead, ok: o200, live: o404tss},
	"PATCH /api/v2/tss/{tss_id}":                                       {policy: pWrite, ok: o400, body: map[string]any{"state": "BROKEN"}},
	"GET /api/v2/tss/{tss_id}/metadata":                                {policy: pRead, ok: o200, live: o404tss},
	"PATCH /api/v2/tss/{tss_id}/metadata":                              {policy: pWrite, ok: o400, body: map[string]any{"metadata": 5}},
	"PATCH /api/v2/tss/{tss_id}/admin":                                 {policy: pWrite, ok: o400, body: map[string]any{"admin_puk": "1", "new_admin_pin": "12345\x00"}},
	"POST /api/v2/tss/{tss_id}/admin/auth":                             {policy: pWrite, ok: o400, body: map[string]any{"admin_pin": ""}},
	"POST /api/v2/tss/{tss_id}/admin/logout":                           {policy: pWrite, ok: o200, body: map[string]any{}, live: o404tss},
	"GET /api/v2/tss/{tss_id}/client":                                  {policy: pRead, ok: o200, live: o404tss},
	"PUT /api/v2/tss/{tss_id}/client/{client_id}":                      {policy: pWrite, ok: o400, body: map[string]any{"serial_number": ""}},
	"GET /api/v2/tss/{tss_id}/client/{client_id}":                      {policy: pRead, ok: o200, live: o404tss},
	"PATCH /api/v2/tss/{tss_id}/client/{client_id}":                    {policy: pWrite, ok: o400, body: map[string]any{"state": ""}},
	"GET /api/v2/tss/{tss_id}/client/{client_id}/metadata":             {policy: pRead, ok: o200, live: o404tss},
	"PATCH /api/v2/tss/{tss_id}/client/{client_id}/metadata":           {policy: pWrite, ok: o400, body: 5},
	"GET /api/v2/tss/{tss_id}/client/{client_id}/tx":                   {policy: pRead, ok: o200, live: o404tss},
	"GET /api/v2/tss/{tss_id}/tx":                                      {policy: pRead, ok: o200, live: o404tss},
	"PUT /api/v2/tss/{tss_id}/tx/{tx_id}":                              {policy: pWrite, ok: o400parser, body: bad},
	"GET /api/v2/tss/{tss_id}/tx/{tx_id}":                              {policy: pRead, ok: o200, live: o404tss},
	"GET /api/v2/tss/{tss_id}/tx/{tx_id}/log":                          {policy: pRead, ok: o200, live: o404tss},
	"GET /api/v2/tss/{tss_id}/tx/{tx_id}/metadata":                     {policy: pRead, ok: o200, live: o404tss},
	"PATCH /api/v2/tss/{tss_id}/tx/{tx_id}/metadata":                   {policy: pWrite, ok: o400, body: 5},
	"GET /api/v2/tss/{tss_id}/export":                                  {policy: pRead, ok: o200, live: o404tss},
	"PUT /api/v2/tss/{tss_id}/export/{export_id}":                      {policy: pWrite, ok: o400, body: 5},
	"GET /api/v2/tss/{tss_id}/export/{export_id}":                      {policy: pRead, ok: o200, live: o404tss},
	"DELETE /api/v2/tss/{tss_id}/export/{export_id}":                   {policy: pWrite, ok: outcome{400, "E_CANCEL_EXPORT"}, live: o404tss},
	"GET /api/v2/tss/{tss_id}/export/{export_id}/file":                 {policy: pRead, ok: o200, live: o404tss},
	"GET /api/v2/tss/{tss_id}/export/{export_id}/metadata":             {policy: pRead, ok: o200, live: o404tss},
	"PATCH /api/v2/tss/{tss_id}/export/{export_id}/metadata":           {policy: pWrite, ok: o400, body: 5},
	"GET /api/v2/sandbox/failures":                                     {policy: pOrgHeader, ok: o200},
	"POST /api/v2/sandbox/failures":                                    {policy: pWrite, ok: o400, body: map[string]any{"kind": "meteor"}},
	"DELETE /api/v2/sandbox/failures/{rule_id}":                        {policy: pWrite, ok: notFound("E_FAILURE_RULE_NOT_FOUND"), params: map[string]string{"rule_id": "new"}},
	"GET /api/v1/vat_definitions":                                      {policy: pRead, ok: o200},
	"GET /api/v1/vat_definitions/{id}":                                 {policy: pRead, ok: o200, params: map[string]string{"id": "1"}},
	"PUT /api/v1/vat_definitions/{id}":                                 {policy: pWrite, ok: o400, body: 5, params: map[string]string{"id": "1000"}},
	"GET /api/v1/cash_registers":                                       {policy: pRead, ok: o200},
	"GET /api/v1/cash_registers/{client_id}":                           {policy: pRead, ok: o200, live: o404reg},
	"PUT /api/v1/cash_registers/{client_id}":                           {policy: pWrite, ok: o400, body: 5},
	"GET /api/v1/purchaser_agencies":                                   {policy: pRead, ok: o200},
	"GET /api/v1/purchaser_agencies/{id}":                              {policy: pRead, ok: notFound("E_PURCHASER_AGENCY_NOT_FOUND"), params: map[string]string{"id": "new"}},
	"PUT /api/v1/purchaser_agencies/{id}":                              {policy: pWrite, ok: o400, body: 5, params: map[string]string{"id": "new"}},
	"GET /api/v1/cash_point_closings":                                  {policy: pRead, ok: o200},
	"PUT /api/v1/cash_point_closings/{id}":                             {policy: pWrite, ok: o400, body: 5, params: map[string]string{"id": "new"}},
	"GET /api/v1/cash_point_closings/{id}":                             {policy: pRead, ok: notFound("E_CASH_POINT_CLOSING_NOT_FOUND"), params: map[string]string{"id": "new"}},
	"DELETE /api/v1/cash_point_closings/{id}":                          {policy: pWrite, ok: notFound("E_CASH_POINT_CLOSING_NOT_FOUND"), params: map[string]string{"id": "new"}},
	"GET /api/v1/cash_point_closings/{id}/details":                     {policy: pRead, ok: notFound("E_CASH_POINT_CLOSING_NOT_FOUND"), params: map[string]string{"id": "new"}},
	"GET /api/v1/cash_point_closings/{id}/reports":                     {policy: pRead, ok: notFound("E_CASH_POINT_CLOSING_NOT_FOUND"), params: map[string]string{"id": "new"}},
	"GET /api/v1/exports":                                              {policy: pRead, ok: o200},
	"PUT /api/v1/exports/{id}":                                         {policy: pWrite, ok: o400, body: 5, params: map[string]string{"id": "new"}},
	"GET /api/v1/exports/{id}":                                         {policy: pRead, ok: notFound("E_EXPORT_NOT_FOUND"), params: map[string]string{"id": "new"}},
	"DELETE /api/v1/exports/{id}":                                      {policy: pWrite, ok: notFound("E_EXPORT_NOT_FOUND"), params: map[string]string{"id": "new"}},
	"GET /api/v1/exports/{id}/href":                                    {policy: pRead, ok: notFound("E_EXPORT_NOT_FOUND"), params: map[string]string{"id": "new"}},
	"GET /api/v1/exports/{id}/download":                                {policy: pRead, ok: notFound("E_EXPORT_NOT_FOUND"), params: map[string]string{"id": "new"}},
	"GET /api/dashboard/setup":                                         {policy: pPublic, ok: o200},
	"POST /api/dashboard/setup":                                        {policy: pPublic, ok: outcome{409, "E_SETUP_DONE"}, body: map[string]any{}},
	"POST /api/dashboard/login":                                        {policy: pPublic, ok: o400parser, body: bad},
	"POST /api/dashboard/logout":                                       {policy: pPublic, ok: o200, body: map[string]any{}},
	"GET /api/dashboard/invitations/{token}":                           {policy: pPublic, ok: notFound("E_INVITATION_NOT_FOUND"), params: map[string]string{"token": "new"}},
	"POST /api/dashboard/invitations/{token}/accept":                   {policy: pPublic, ok: o400parser, body: bad, params: map[string]string{"token": "new"}},
	"GET /api/dashboard/me":                                            {policy: pSignedIn, ok: o200},
	"POST /api/dashboard/password":                                     {policy: pUser, ok: o400parser, body: bad},
	"GET /api/dashboard/reports/transactions":                          {policy: pRead, ok: o200},
	"GET /api/dashboard/overview":                                      {policy: pRead, ok: o200},
	"GET /api/dashboard/rollup":                                        {policy: pRead, ok: o200, query: "organization_id={organization_id}"},
	"GET /api/dashboard/installation/users":                            {policy: pInstall, ok: o200},
	"PUT /api/dashboard/installation/admins/{user_id}":                 {policy: pInstall, ok: notFound("E_USER_NOT_FOUND"), params: map[string]string{"user_id": "new"}},
	"DELETE /api/dashboard/installation/admins/{user_id}":              {policy: pInstall, ok: outcome{400, "E_LAST_INSTALLATION_ADMIN"}, params: map[string]string{"user_id": "root"}},
	"POST /api/dashboard/restore":                                      {policy: pInstall, ok: outcome{400, "E_NOT_A_BACKUP"}, body: []byte("not a backup"), ctype: "application/octet-stream"},
	"GET /api/dashboard/sync":                                          {policy: pInstall, ok: o200},
	"POST /api/dashboard/sync/connect":                                 {policy: pInstall, ok: o400, body: map[string]any{"url": 5}},
	"POST /api/dashboard/sync/run":                                     {policy: pInstall, ok: outcome{409, "E_SYNC_NOT_PAIRED"}, body: map[string]any{}},
	"GET /api/dashboard/sync/conflicts":                                {policy: pInstall, ok: o200},
	"GET /api/dashboard/sync/workstations":                             {policy: pInstall, ok: o200},
	"POST /api/dashboard/sync/workstations":                            {policy: pInstall, ok: o400, body: map[string]any{"name": " "}},
	"DELETE /api/dashboard/sync/workstations/{id}":                     {policy: pInstall, ok: notFound("E_WORKSTATION_NOT_FOUND"), params: map[string]string{"id": "new"}},
	"GET /api/dashboard/sync/workstations/{id}/tss":                    {policy: pInstall, ok: notFound("E_WORKSTATION_NOT_FOUND"), params: map[string]string{"id": "new"}},
	"GET /api/sync/v1/hello":                                           {policy: pSync},
	"POST /api/sync/v1/push":                                           {policy: pSync, body: []byte("x"), ctype: "application/x-fiskaldesk-sync"},
	"GET /api/sync/v1/pull":                                            {policy: pSync},
}

// expect is the policy of pr applied to principal p on target t.
func (pr probe) expect(p matrixPrincipal, t string) outcome {
	switch pr.policy {
	case pPublic:
		return pr.ok
	case pSync:
		return o401
	}
	if p.unauth {
		return o401
	}
	role := p.role(t)
	switch pr.policy {
	case pSignedIn:
	case pUser:
		if p.key {
			return o403
		}
	case pInstall:
		if !p.install {
			return o403
		}
	case pRead, pOrgHeader:
		if role == none {
			return o404org
		}
	case pWrite:
		if role == none {
			return o404org
		}
		if role == member || p.memberOnly() {
			return o403
		}
	case pWriteAny:
		if p.memberOnly() {
			return o403
		}
	case pReadObj:
		if role == none {
			return pr.hidden
		}
	case pWriteObj:
		if p.memberOnly() {
			return o403
		}
		if role == none {
			return pr.hidden
		}
	default:
		panic("unknown policy " + pr.policy)
	}
	if p.live && pr.live.status != 0 {
		return pr.live
	}
	return pr.ok
}

// matrixWorld holds the two tenants.
type matrixWorld struct {
	a     *testApp
	creds map[string]cred
	org   map[string]string            // V, M, P, U → id
	name  map[string]string            // … → name
	obj   map[string]map[string]string // target → param → id
	addr  map[string]map[string]any    // target → its billing address, as stored
	root  string                       // the installation admin's user id
}

func newMatrixWorld(t *testing.T) *matrixWorld {
	a := newTestApp(t)
	w := &matrixWorld{a: a, creds: map[string]cred{}, org: map[string]string{}, obj: map[string]map[string]string{}, addr: map[string]map[string]any{},
		name: map[string]string{"V": "Tenant-A Vendor GmbH", "M": "Tenant-A Cafe", "P": "Tenant-A Partner AG", "U": "Tenant-B Unrelated GmbH"}}
	root, v := a.setup("root@a.example", pw, w.name["V"])
	w.org["V"] = v
	w.root = userID(a, root)
	bearer := func(key, secret, _ string) cred { return cred{bearer: a.token(key, secret)} }
	vk := bearer(a.newKey(root, v, nil))
	w.org["M"] = a.must(a.do(vk, "POST", "/api/v0/organizations", orgBody(w.name["M"], v)), 200).str("_id")
	w.org["P"] = a.must(a.do(vk, "POST", "/api/v0/organizations", orgBody(w.name["P"], "")), 200).str("_id")
	pk := bearer(a.newKey(vk, w.org["P"], nil))
	a.must(a.do(pk, "POST", "/api/v0/organizations", orgBody("Tenant-A Partner Customer", w.org["P"])), 200)
	for _, o := range []string{"V", "P"} { // both go live
		a.must(a.do(vk, "PATCH", "/api/v0/organizations/"+w.org[o], map[string]any{"vat_id": "DE123456789", "billing_address_id": billingAddress(t, a, vk, w.org[o])}), 200)
		a.must(a.do(vk, "POST", "/api/v0/organizations/"+w.org[o]+"/enable-env", map[string]string{"env": "LIVE"}), 200)
	}
	mk := bearer(a.newKey(vk, w.org["M"], nil))
	live := map[string]any{"name": "live-key", "env": "LIVE"}
	w.creds["installation admin"] = root
	w.creds["V key"] = vk
	w.creds["V LIVE key"] = bearer(a.newKey(root, v, live))
	w.creds["P key"] = pk
	w.creds["P LIVE key"] = bearer(a.newKey(root, w.org["P"], live))
	w.creds["M key (managed)"] = mk
	w.creds["M LIVE key (managed)"] = bearer(a.newKey(root, w.org["M"], live))
	dk, ds, did := a.newKey(vk, v, map[string]any{"name": "soon-off"})
	w.creds["disabled key"] = cred{bearer: a.token(dk, ds)}
	a.must(a.do(vk, "PATCH", "/api/v0/organizations/"+v+"/api-keys/"+did, map[string]string{"status": "disabled"}), 200)
	w.creds["no auth"] = cred{}
	invite := func(o, who string, role mrole) {
		link := a.must(a.do(root, "POST", "/api/v0/organizations/"+w.org[o]+"/users", map[string]any{"email": strings.ReplaceAll(who, " ", ".") + "@a.example", "role": role}), 200).str("accept_url")
		w.creds[who] = sessionFrom(t, a.must(a.do(cred{}, "POST", "/api/dashboard/invitations/"+strings.TrimPrefix(link, "/invite/")+"/accept", map[string]string{"password": "matrix password 1"}), 200))
	}
	for _, o := range []string{"V", "P", "M"} {
		for _, r := range []mrole{owner, admin_, member} {
			invite(o, o+" "+string(r), r)
		}
	}
	// Tenant B.
	var uo cred
	w.org["U"], uo = a.tenant(root, w.name["U"], "owner@b.example")
	a.must(a.do(uo, "POST", "/api/v0/organizations", orgBody("Tenant-B Branch", w.org["U"])), 200)
	uk, us, _ := a.newKey(uo, w.org["U"], nil)
	w.creds["U owner"], w.creds["U key"] = uo, cred{bearer: a.token(uk, us)}

	// The objects of each target, made by its own key.
	owners := map[string]cred{"V": root, "M": w.creds["M owner"], "P": w.creds["P owner"], "U": uo}
	keys := map[string]cred{"V": vk, "M": mk, "P": pk, "U": w.creds["U key"]}
	for _, o := range matrixOrgs {
		k := keys[o]
		tssID, clients := posSetup(t, a, k, 1)
		tx := uuid.NewString()
		a.must(a.do(k, "PUT", "/api/v2/tss/"+tssID+"/tx/"+tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 200)
		a.must(a.do(k, "PUT", "/api/v2/tss/"+tssID+"/tx/"+tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[0], "schema": receipt("2.00")}), 200)
		exp := uuid.NewString()
		a.must(a.do(k, "PUT", "/api/v2/tss/"+tssID+"/export/"+exp, nil), 200)
		a.must(a.do(k, "PUT", "/api/v1/cash_registers/"+clients[0], map[string]any{
			"cash_register_type": map[string]string{"type": "MASTER", "tss_id": tssID},
			"brand":              "fiskaldesk", "model": "Kasse", "software": map[string]string{"brand": "POS", "version": "1.0"}, "base_currency_code": "EUR"}), 200)
		addr := billingAddress(t, a, k, w.org[o])
		var stored map[string]any
		_ = json.Unmarshal(a.must(a.do(k, "GET", "/api/v0/billing-addresses/"+addr, nil), 200).body, &stored)
		w.addr[o] = stored
		_, _, keyID := a.newKey(k, w.org[o], map[string]any{"name": "object-key"})
		w.obj[o] = map[string]string{"organization_id": w.org[o], "tss_id": tssID, "client_id": clients[0], "tx_id": tx, "export_id": exp,
			"key_id": keyID, "user_id": userID(a, owners[o]), "address_id": addr}
		if e := waitExport(t, a, k, "/api/v2/tss/"+tssID+"/export/"+exp); e["state"] != "COMPLETED" {
			t.Fatalf("export %v", e)
		}
	}
	// Invoices of this month: the installation administrator computes them
	// for every paying organization (V pays for M; P and U for themselves).
	a.must(a.do(root, "POST", "/api/v0/invoices/generate", map[string]string{"month": time.Now().UTC().Format("2006-01")}), 200)
	for o, c := range map[string]cred{"V": vk, "P": pk, "U": w.creds["U key"]} {
		var l struct {
			Data []struct {
				ID  string `json:"_id"`
				Org string `json:"organization_id"`
			} `json:"data"`
		}
		_ = json.Unmarshal(a.must(a.do(c, "GET", "/api/v0/invoices", nil), 200).body, &l)
		for _, inv := range l.Data {
			if inv.Org == w.org[o] {
				w.obj[o]["invoice_id"] = inv.ID
			}
		}
		if w.obj[o]["invoice_id"] == "" {
			t.Fatalf("no invoice for %s: %+v", o, l)
		}
	}
	for _, p := range matrixPrincipals {
		if _, ok := w.creds[p.name]; !ok {
			t.Fatalf("principal %q not built", p.name)
		}
	}
	return w
}

func userID(a *testApp, c cred) string {
	return a.must(a.do(c, "GET", "/api/dashboard/me", nil), 200).obj()["user"].(map[string]any)["_id"].(string)
}

// documentRoutes reads the OpenAPI document the server publishes.
func documentRoutes(t *testing.T, a *testApp) []string {
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(a.must(a.do(cred{}, "GET", "/api/openapi.json", nil), 200).body, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, ops := range doc.Paths {
		for m := range ops {
			out = append(out, strings.ToUpper(m)+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

func TestAccessMatrixEveryRouteEveryPrincipal(t *testing.T) {
	w := newMatrixWorld(t)
	a := w.a
	routes := documentRoutes(t, a)
	if len(routes) < 100 {
		t.Fatalf("the document lists only %d routes", len(routes))
	}
	var missing []string
	for _, r := range routes {
		if _, ok := probes[r]; !ok {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("routes without a row in the access matrix (add a probe with the route's policy):\n  %s", strings.Join(missing, "\n  "))
	}
	for r := range probes {
		if !slices.Contains(routes, r) {
			t.Errorf("probe for %s, which the document does not list", r)
		}
	}
	checked := 0
	for _, route := range routes {
		pr := probes[route]
		method, tmpl, _ := strings.Cut(route, " ")
		targets := pr.targets
		if targets == nil {
			targets = defaultTgts
		}
		for _, tgt := range targets {
			path := w.fill(tmpl, pr, tgt)
			if pr.query != "" {
				path += "?" + w.fill(pr.query, pr, tgt)
			}
			for _, p := range matrixPrincipals {
				want := pr.expect(p, tgt)
				got := w.call(method, path, pr, p, tgt)
				if got.status != want.status || (want.code != "" && got.str("code") != want.code) {
					t.Errorf("%s as %s on %s: %d %s, want %d %s", route, p.name, tgt, got.status, strings.TrimSpace(string(got.body)), want.status, want.code)
				}
				// Nothing of an organization the principal cannot see is in
				// any answer: neither its name nor (across tenants) its id.
				for _, o := range matrixOrgs {
					if p.unauth || p.role(o) != none {
						continue
					}
					if strings.Contains(string(got.body), w.name[o]) || ((o == "U") != (p.role("U") != none) && strings.Contains(string(got.body), w.org[o])) {
						t.Errorf("%s as %s on %s: the answer shows %s: %.300s", route, p.name, tgt, o, got.body)
					}
				}
				checked++
			}
		}
	}
	t.Logf("%d routes, %d principals, %d requests checked", len(routes), len(matrixPrincipals), checked)
}

// fill puts the target's objects into the path's parameters.
func (w *matrixWorld) fill(tmpl string, pr probe, tgt string) string {
	return paramRe.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := strings.Trim(m, "{}")
		if v, ok := pr.params[name]; ok {
			switch v {
			case "new":
				return uuid.NewString()
			case "root":
				return w.root
			}
			return url.PathEscape(v)
		}
		if name == "id" || name == "token" {
			return uuid.NewString()
		}
		v := w.obj[tgt][name]
		if v == "" {
			panic(fmt.Sprintf("no %s for target %s", name, tgt))
		}
		return v
	})
}

// call sends one probe as p: the dashboard's and POS's headers, the
// target named in X-Organization-ID on the APIs that act for one.
func (w *matrixWorld) call(method, path string, pr probe, p matrixPrincipal, tgt string) resp {
	hdr := map[string]string{}
	if (strings.HasPrefix(path, "/api/v1/") || strings.HasPrefix(path, "/api/v2/")) && !strings.HasSuffix(path, "v1/auth") && !strings.HasSuffix(path, "v2/auth") ||
		strings.HasPrefix(path, "/api/dashboard/overview") || strings.HasPrefix(path, "/api/dashboard/reports") {
		hdr[orgHeader] = w.org[tgt]
	}
	var body any = pr.body
	if pr.ctype != "" {
		hdr["Content-Type"] = pr.ctype
	}
	if method == "PATCH" && strings.HasPrefix(path, "/api/v0/billing-addresses/") {
		body = w.addr[tgt]
	}
	if raw, ok := body.(json.RawMessage); ok {
		body = []byte(raw)
	}
	return w.a.doH(w.creds[p.name], method, path, body, hdr)
}
