package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Every route fiskaldesk serves, with what it asks of its caller, in one
// table (docs/security.md › Roles). The authorization step (guard, in
// access.go) reads a route's access and scope and runs before any handler
// logic: it resolves the principal, validates X-Organization-ID and X-Env
// against what the principal may act for, checks the route's requirement
// and hands the handler the result (grantOf). Handlers never read those
// headers themselves; domain services still check the objects they load
// (a TSS of another tenant is 404 there too).
//
// A route without a row is not served, and the access test
// (access_matrix_test.go) fails for a served route it has no row for.

// api is the family a route belongs to; each family is mounted under its
// base paths in NewRouter.
type api uint8

const (
	mgmt      api = iota // Management API v0: /api/v0, /management/api/v0, /sign-de/api/v0
	signDE               // SIGN DE API v2: /api/v2 and aliases
	dsfinvkV1            // DSFinV-K API v1: /api/v1 and aliases, /dsfinvk/api/v0
	dash                 // the dashboard's own routes: /api/dashboard
	syncAPI              // the sync protocol a central answers: /api/sync/v1
	local                // CLI calls on this machine: /api/local
)

// access is what a route requires of its caller.
type access uint8

const (
	// public: no credentials; the handler checks what it needs itself
	// (api_key/secret, a password, an invitation token).
	public access = iota
	// setupToken: the one-time token fiskaldesk prints with its URL at a
	// first start (X-Setup-Token), while the installation has no
	// administrator.
	setupToken
	// signedIn: any valid API token or dashboard session. Lists filter by
	// what the principal sees; objects outside it are 404.
	signedIn
	// userOnly: a dashboard session, not an API token.
	userOnly
	// read: member, admin or owner of the route's organization, or an API
	// key that administers it.
	read
	// write: admin or owner of the route's organization, or an API key
	// that administers it. Without a route organization (scope noOrg):
	// admin or owner somewhere, or an API key; the service checks the
	// object's organization.
	write
	// installAdmin: a dashboard user holding the installation role. No
	// organization role and no API key grants it.
	installAdmin
	// syncCredential: a workstation's sync credential, checked by the
	// handler (a token or session is 401).
	syncCredential
	// localToken: the run file's token of this data dir, checked by the
	// handler.
	localToken
)

// scope says which organization a route acts on, and so which role counts.
type scope uint8

const (
	// noOrg: no single organization. X-Organization-ID, when sent, is still
	// validated and becomes the default organization of the handler.
	noOrg scope = iota
	// pathOrg: {organization_id} of the path.
	pathOrg
	// actingEnv: X-Organization-ID, else the API key's organization, else
	// the user's only organization; in the env of the token (API keys) or
	// X-Env (sessions, default TEST). LIVE needs a live organization or a
	// live managing organization, for sessions as for keys.
	actingEnv
	// tssOrg: actingEnv, and the role counts on the organization that owns
	// {tss_id} when that TSS exists (the acting one when it is created).
	tssOrg
)

// route is one row of the table.
type route struct {
	api    api
	method string
	path   string
	access access
	scope  scope
	handle HandlerFunc
	// raw: the body is not JSON (an image, a backup file); cookie
	// requests to these routes are still protected by the CSRF header.
	raw bool
	// billing: the route is 404 for a principal who sees no billing
	// (withheld billing), before its own requirement is checked.
	billing bool
	// with wraps handle after the authorization step (rate limits).
	with []func(http.Handler) http.Handler
}

func rt(a api, method, path string, acc access, sc scope, h HandlerFunc) route {
	return route{api: a, method: method, path: path, access: acc, scope: sc, handle: h}
}

// rawBody marks a route whose body is not JSON.
func (r route) rawBody() route { r.raw = true; return r }

// hidesBilling marks a billing route (route.billing).
func (r route) hidesBilling() route { r.billing = true; return r }

// limited applies a per-resource rate limit after authorization.
func (r route) limited(mw func(http.Handler) http.Handler) route {
	r.with = append(r.with, mw)
	return r
}

// routes is the table. Paths are relative to the family's base path.
func (a *handlers) routes() []route {
	return []route{
		// Management API v0.
		rt(mgmt, "POST", "/auth", public, noOrg, a.postAuth("Invalid credentials")),
		rt(mgmt, "GET", "/organizations", signedIn, noOrg, a.listOrganizations),
		rt(mgmt, "POST", "/organizations", write, noOrg, a.createOrganization),
		rt(mgmt, "GET", "/organizations/{organization_id}", read, pathOrg, a.getOrganization),
		rt(mgmt, "PATCH", "/organizations/{organization_id}", write, pathOrg, a.patchOrganization),
		rt(mgmt, "DELETE", "/organizations/{organization_id}", write, pathOrg, a.deleteOrganization),
		rt(mgmt, "POST", "/organizations/{organization_id}/enable-env", write, pathOrg, a.enableEnv),
		rt(mgmt, "POST", "/organizations/{organization_id}/hand-over", write, pathOrg, a.handOver),
		rt(mgmt, "GET", "/organizations/{organization_id}/audit-log", read, pathOrg, a.auditLog),
		rt(mgmt, "GET", "/organizations/{organization_id}/logo", read, pathOrg, a.getLogo),
		rt(mgmt, "PUT", "/organizations/{organization_id}/logo", write, pathOrg, a.putLogo).rawBody(),
		rt(mgmt, "DELETE", "/organizations/{organization_id}/logo", write, pathOrg, a.deleteLogo),
		rt(mgmt, "GET", "/organizations/{organization_id}/api-keys", read, pathOrg, a.listKeys),
		rt(mgmt, "POST", "/organizations/{organization_id}/api-keys", write, pathOrg, a.createKey),
		rt(mgmt, "GET", "/organizations/{organization_id}/api-keys/{key_id}", read, pathOrg, a.getKey),
		rt(mgmt, "PATCH", "/organizations/{organization_id}/api-keys/{key_id}", write, pathOrg, a.patchKey),
		rt(mgmt, "DELETE", "/organizations/{organization_id}/api-keys/{key_id}", write, pathOrg, a.deleteKey),
		rt(mgmt, "GET", "/organizations/{organization_id}/users", read, pathOrg, a.listUsers),
		rt(mgmt, "POST", "/organizations/{organization_id}/users", write, pathOrg, a.inviteUser),
		rt(mgmt, "PATCH", "/organizations/{organization_id}/users/{user_id}", write, pathOrg, a.patchUser),
		rt(mgmt, "DELETE", "/organizations/{organization_id}/users/{user_id}", write, pathOrg, a.removeUser),
		rt(mgmt, "GET", "/organizations/{organization_id}/usage", read, pathOrg, a.usage).hidesBilling(),
		rt(mgmt, "GET", "/billing-addresses", signedIn, noOrg, a.listAddresses).hidesBilling(),
		rt(mgmt, "POST", "/billing-addresses", write, noOrg, a.createAddress).hidesBilling(),
		rt(mgmt, "GET", "/billing-addresses/{address_id}", signedIn, noOrg, a.address).hidesBilling(),
		rt(mgmt, "PATCH", "/billing-addresses/{address_id}", write, noOrg, a.address).hidesBilling(),
		rt(mgmt, "DELETE", "/billing-addresses/{address_id}", write, noOrg, a.address).hidesBilling(),
		rt(mgmt, "GET", "/billing/price-list", signedIn, noOrg, a.priceList).hidesBilling(),
		rt(mgmt, "PUT", "/billing/price-list", installAdmin, noOrg, a.priceList).hidesBilling(),
		rt(mgmt, "GET", "/invoices", signedIn, noOrg, a.listInvoices).hidesBilling(),
		rt(mgmt, "POST", "/invoices/generate", installAdmin, noOrg, a.generateInvoices).hidesBilling(),
		rt(mgmt, "GET", "/invoices/{invoice_id}", signedIn, noOrg, a.getInvoice).hidesBilling(),
		rt(mgmt, "POST", "/invoices/{invoice_id}/issue", installAdmin, noOrg, a.issueInvoice).hidesBilling(),
		rt(mgmt, "GET", "/invoices/{invoice_id}/pdf", signedIn, noOrg, a.invoicePDF).hidesBilling(),

		// SIGN DE API v2.
		rt(signDE, "POST", "/auth", public, noOrg, a.postAuth("Unauthorized")),
		rt(signDE, "GET", "/tss", read, actingEnv, a.listTSS),
		rt(signDE, "GET", "/client", read, actingEnv, a.listAllClients),
		rt(signDE, "GET", "/tx", read, actingEnv, a.listAllTx),
		rt(signDE, "PUT", "/tss/{tss_id}", write, tssOrg, a.createTSS),
		rt(signDE, "GET", "/tss/{tss_id}", read, tssOrg, a.getTSS),
		rt(signDE, "PATCH", "/tss/{tss_id}", write, tssOrg, a.patchTSS),
		rt(signDE, "GET", "/tss/{tss_id}/metadata", read, tssOrg, a.tssMetadata),
		rt(signDE, "PATCH", "/tss/{tss_id}/metadata", write, tssOrg, a.tssMetadata),
		rt(signDE, "PATCH", "/tss/{tss_id}/admin", write, tssOrg, a.changePIN),
		rt(signDE, "POST", "/tss/{tss_id}/admin/auth", write, tssOrg, a.adminAuth),
		rt(signDE, "POST", "/tss/{tss_id}/admin/logout", write, tssOrg, a.adminLogout),
		rt(signDE, "GET", "/tss/{tss_id}/client", read, tssOrg, a.listClients),
		rt(signDE, "PUT", "/tss/{tss_id}/client/{client_id}", write, tssOrg, a.createClient),
		rt(signDE, "GET", "/tss/{tss_id}/client/{client_id}", read, tssOrg, a.getClient),
		rt(signDE, "PATCH", "/tss/{tss_id}/client/{client_id}", write, tssOrg, a.updateClient),
		rt(signDE, "GET", "/tss/{tss_id}/client/{client_id}/metadata", read, tssOrg, a.clientMetadata),
		rt(signDE, "PATCH", "/tss/{tss_id}/client/{client_id}/metadata", write, tssOrg, a.clientMetadata),
		rt(signDE, "GET", "/tss/{tss_id}/client/{client_id}/tx", read, tssOrg, a.listClientTx),
		rt(signDE, "GET", "/tss/{tss_id}/tx", read, tssOrg, a.listTx).limited(a.rateLimit("tx-list", "tss_id", txListLimit)),
		rt(signDE, "PUT", "/tss/{tss_id}/tx/{tx_id}", write, tssOrg, a.upsertTx),
		rt(signDE, "GET", "/tss/{tss_id}/tx/{tx_id}", read, tssOrg, a.getTx),
		rt(signDE, "GET", "/tss/{tss_id}/tx/{tx_id}/log", read, tssOrg, a.getTxLog),
		rt(signDE, "GET", "/tss/{tss_id}/tx/{tx_id}/metadata", read, tssOrg, a.txMetadata),
		rt(signDE, "PATCH", "/tss/{tss_id}/tx/{tx_id}/metadata", write, tssOrg, a.txMetadata),
		rt(signDE, "GET", "/export", read, actingEnv, a.listAllExports),
		rt(signDE, "GET", "/tss/{tss_id}/export", read, tssOrg, a.listExports),
		rt(signDE, "PUT", "/tss/{tss_id}/export/{export_id}", write, tssOrg, a.triggerExport),
		rt(signDE, "GET", "/tss/{tss_id}/export/{export_id}", read, tssOrg, a.getExport).limited(a.rateLimit("export", "export_id", exportLimit)),
		rt(signDE, "DELETE", "/tss/{tss_id}/export/{export_id}", write, tssOrg, a.cancelExport),
		rt(signDE, "GET", "/tss/{tss_id}/export/{export_id}/file", read, tssOrg, a.exportFile).limited(a.rateLimit("export-file", "export_id", exportLimit)),
		rt(signDE, "GET", "/tss/{tss_id}/export/{export_id}/metadata", read, tssOrg, a.exportMetadata),
		rt(signDE, "PATCH", "/tss/{tss_id}/export/{export_id}/metadata", write, tssOrg, a.exportMetadata),
		rt(signDE, "GET", "/sandbox/failures", read, noOrg, a.listFailures),
		rt(signDE, "POST", "/sandbox/failures", write, actingEnv, a.addFailure),
		rt(signDE, "DELETE", "/sandbox/failures/{rule_id}", write, noOrg, a.deleteFailure),

		// DSFinV-K API v1.
		rt(dsfinvkV1, "POST", "/auth", public, noOrg, a.postAuth("Invalid credentials")),
		rt(dsfinvkV1, "GET", "/vat_definitions", read, actingEnv, a.dkVatList),
		rt(dsfinvkV1, "GET", "/vat_definitions/{id}", read, actingEnv, a.dkVat),
		rt(dsfinvkV1, "PUT", "/vat_definitions/{id}", write, actingEnv, a.dkVat),
		rt(dsfinvkV1, "GET", "/cash_registers", read, actingEnv, a.dkRegisters),
		rt(dsfinvkV1, "GET", "/cash_registers/{client_id}", read, actingEnv, a.dkRegister),
		rt(dsfinvkV1, "PUT", "/cash_registers/{client_id}", write, actingEnv, a.dkRegister),
		rt(dsfinvkV1, "GET", "/purchaser_agencies", read, actingEnv, a.dkAgencies),
		rt(dsfinvkV1, "GET", "/purchaser_agencies/{id}", read, actingEnv, a.dkAgency),
		rt(dsfinvkV1, "PUT", "/purchaser_agencies/{id}", write, actingEnv, a.dkAgency),
		rt(dsfinvkV1, "GET", "/cash_point_closings", read, actingEnv, a.dkClosings),
		rt(dsfinvkV1, "PUT", "/cash_point_closings/{id}", write, actingEnv, a.dkInsertClosing),
		rt(dsfinvkV1, "GET", "/cash_point_closings/{id}", read, actingEnv, a.dkClosing),
		rt(dsfinvkV1, "DELETE", "/cash_point_closings/{id}", write, actingEnv, a.dkClosing),
		rt(dsfinvkV1, "GET", "/cash_point_closings/{id}/details", read, actingEnv, a.dkClosingDetails),
		rt(dsfinvkV1, "GET", "/cash_point_closings/{id}/reports", read, actingEnv, a.dkClosingReports),
		rt(dsfinvkV1, "GET", "/exports", read, actingEnv, a.dkExports),
		rt(dsfinvkV1, "PUT", "/exports/{id}", write, actingEnv, a.dkTriggerExport),
		rt(dsfinvkV1, "GET", "/exports/{id}", read, actingEnv, a.dkExport),
		rt(dsfinvkV1, "DELETE", "/exports/{id}", write, actingEnv, a.dkExport),
		rt(dsfinvkV1, "GET", "/exports/{id}/href", read, actingEnv, a.dkExportHref),
		rt(dsfinvkV1, "GET", "/exports/{id}/download", read, actingEnv, a.dkDownload),

		// Dashboard routes under /api/dashboard.
		rt(dash, "GET", "/setup", public, noOrg, a.getSetup),
		rt(dash, "POST", "/setup", setupToken, noOrg, a.postSetup),
		rt(dash, "POST", "/login", public, noOrg, a.login),
		rt(dash, "POST", "/logout", public, noOrg, a.logout),
		rt(dash, "GET", "/invitations/{token}", public, noOrg, a.getInvitation),
		rt(dash, "POST", "/invitations/{token}/accept", public, noOrg, a.acceptInvitation),
		rt(dash, "GET", "/me", signedIn, noOrg, a.me),
		rt(dash, "POST", "/password", userOnly, noOrg, a.changePassword),
		rt(dash, "GET", "/reports/transactions", read, actingEnv, a.transactionReport),
		rt(dash, "GET", "/overview", read, actingEnv, a.overview),
		// The rollup is a list over what the principal sees, like the
		// organization list: organization_id in its query narrows it, and an
		// organization the principal cannot see is 404 there.
		rt(dash, "GET", "/rollup", signedIn, noOrg, a.rollupHandler),
		rt(dash, "GET", "/installation/users", installAdmin, noOrg, a.installUsers),
		rt(dash, "PUT", "/installation/admins/{user_id}", installAdmin, noOrg, a.setInstallAdmin),
		rt(dash, "DELETE", "/installation/admins/{user_id}", installAdmin, noOrg, a.setInstallAdmin),
		rt(dash, "POST", "/restore", installAdmin, noOrg, a.restoreUpload).rawBody(),
		rt(dash, "GET", "/sync", installAdmin, noOrg, a.syncStatus),
		rt(dash, "POST", "/sync/connect", installAdmin, noOrg, a.syncConnect),
		rt(dash, "POST", "/sync/run", installAdmin, noOrg, a.syncRun),
		rt(dash, "GET", "/sync/conflicts", installAdmin, noOrg, a.syncConflicts),
		rt(dash, "GET", "/sync/workstations", installAdmin, noOrg, a.syncWorkstations),
		rt(dash, "POST", "/sync/workstations", installAdmin, noOrg, a.syncPair),
		rt(dash, "DELETE", "/sync/workstations/{id}", installAdmin, noOrg, a.syncRevoke),
		rt(dash, "GET", "/sync/workstations/{id}/tss", installAdmin, noOrg, a.syncWorkstationTSS),

		// The sync protocol a central instance answers (docs/sync.md).
		rt(syncAPI, "GET", "/hello", syncCredential, noOrg, a.syncAuth(a.syncHello)),
		rt(syncAPI, "POST", "/push", syncCredential, noOrg, a.syncAuth(a.syncPush)).rawBody(),
		rt(syncAPI, "GET", "/pull", syncCredential, noOrg, a.syncAuth(a.syncPull)),

		// CLI commands on this machine (the run file's token; not in the
		// OpenAPI document).
		rt(local, "POST", "/backup", localToken, noOrg, a.localBackup).rawBody(),
		rt(local, "POST", "/sync", localToken, noOrg, a.localSync).rawBody(),
		rt(local, "GET", "/stats", localToken, noOrg, a.localStats),
	}
}

// bind registers the table's routes of family f on r.
func (a *handlers) bind(f api) func(chi.Router) {
	return func(r chi.Router) {
		for _, rt := range a.table {
			if rt.api == f {
				r.Method(rt.method, rt.path, a.guard(rt))
			}
		}
	}
}
