package api

import (
	"github.com/fiskaldesk/fiskaldesk/backend/rollup"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/billing"
	"github.com/fiskaldesk/fiskaldesk/backend/dsfinvk"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/sync"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// Every route fiskaldesk serves, with what it asks of its caller and what
// it takes and answers, in one table (docs/security.md › Roles;
// docs/development.md › Adding a route). The authorization step (guard, in
// access.go) reads a route's access and scope and runs before any handler
// logic: it resolves the principal, validates X-Organization-ID and X-Env
// against what the principal may act for, checks the route's requirement
// and hands the handler the result (grantOf). Handlers never read those
// headers themselves; domain services still check the objects they load
// (a TSS of another tenant is 404 there too).
//
// A route without a row is not served, and the access test
// (access_matrix_test.go) fails for a served route it has no row for. The
// OpenAPI document is built from the rows (openapi.go); the frontend's
// types are generated from it.

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
	site                 // the origin's own routes, full paths: /healthz, /api/openapi.json
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

	// The route's contract, from which the OpenAPI document is generated
	// (openapi.go, contract.go); TestEveryRouteDeclaresItsAnswer fails for
	// a row that says nothing about its answer.
	//
	// in and out are values of the Go types the handler decodes the JSON
	// body into and encodes its 200 answer from; inTypes and outTypes are
	// the media types of a body or answer that is a file instead (raw
	// bodies; TARs, PDFs, images). untypedReason says why a route has no
	// answer type: only for an answer that is not ours to describe.
	in, out           any
	inTypes, outTypes []string
	untypedReason     string
	// summary is the operation's one line in the document.
	summary string
}

func rt(a api, method, path string, acc access, sc scope, h HandlerFunc) route {
	return route{api: a, method: method, path: path, access: acc, scope: sc, handle: h}
}

// rawBody marks a route whose body is not JSON but a file of one of
// mediaTypes.
func (r route) rawBody(mediaTypes ...string) route {
	r.raw, r.inTypes = true, mediaTypes
	return r
}

// hidesBilling marks a billing route (route.billing).
func (r route) hidesBilling() route { r.billing = true; return r }

// limited applies a per-resource rate limit after authorization.
func (r route) limited(mw func(http.Handler) http.Handler) route {
	r.with = append(r.with, mw)
	return r
}

// takes declares the Go type of the JSON request body (a zero value).
func (r route) takes(v any) route { r.in = v; return r }

// answers declares the Go type of the JSON 200 answer (a zero value).
func (r route) answers(v any) route { r.out = v; return r }

// answersFile declares a file answer of one of mediaTypes (such routes
// may also answer 206 to a Range request).
func (r route) answersFile(mediaTypes ...string) route { r.outTypes = mediaTypes; return r }

// untyped says why the route declares no answer type.
func (r route) untyped(reason string) route { r.untypedReason = reason; return r }

// about is the route's summary in the OpenAPI document.
func (r route) about(summary string) route { r.summary = summary; return r }

// docBase is where the OpenAPI document lists a family's routes; the host
// aliases (/management, /sign-de, /dsfinvk) repeat them and are not listed.
func (f api) docBase() string {
	switch f {
	case mgmt:
		return "/api/v0"
	case signDE:
		return "/api/v2"
	case dsfinvkV1:
		return "/api/v1"
	case dash:
		return "/api/dashboard"
	case syncAPI:
		return "/api/sync/v1"
	case local:
		return "/api/local"
	}
	return "" // site: full paths
}

// Media types of file answers and raw bodies.
const (
	mediaTar  = "application/x-tar"
	mediaZip  = "application/zip"
	mediaPDF  = "application/pdf"
	mediaCSV  = "text/csv"
	mediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mediaBin  = "application/octet-stream"
)

// routes is the table. Paths are relative to the family's base path. A
// row declares the Go types of its JSON body and answer (takes, answers)
// or the media types of its files (rawBody, answersFile); docs/development.md
// › Adding a route.
func (a *handlers) routes() []route {
	return []route{
		// The origin itself: health and this document.
		rt(site, "GET", "/healthz", public, noOrg, a.health).answers(healthBody{}).about("Health: 200 while the store can be read, 503 while shutting down"),
		rt(site, "HEAD", "/healthz", public, noOrg, a.health).answers(healthBody{}),
		rt(site, "GET", "/api/openapi.json", public, noOrg, a.openapi).
			untyped("the OpenAPI document itself: its schema is the OpenAPI 3.0 specification's, not a Go type of ours").
			about("This OpenAPI document"),

		// Management API v0.
		rt(mgmt, "POST", "/auth", public, noOrg, a.postAuth("Invalid credentials")).takes(authRequest{}).answers(auth.AuthResponse{}).
			about("Authenticate with api_key/api_secret or refresh_token"),
		rt(mgmt, "GET", "/organizations", signedIn, noOrg, a.listOrganizations).answers(list[*org.Organization]{}).about("List organizations"),
		rt(mgmt, "POST", "/organizations", write, noOrg, a.createOrganization).takes(org.Input{}).answers(createdOrganization{}).
			about("Create an organization or managed organization"),
		rt(mgmt, "GET", "/organizations/{organization_id}", read, pathOrg, a.getOrganization).answers(org.Organization{}).about("Retrieve an organization"),
		rt(mgmt, "PATCH", "/organizations/{organization_id}", write, pathOrg, a.patchOrganization).takes(org.Input{}).answers(org.Organization{}).
			about("Update an organization"),
		rt(mgmt, "DELETE", "/organizations/{organization_id}", write, pathOrg, a.deleteOrganization).answers(successBody{}).about("Delete an organization"),
		rt(mgmt, "POST", "/organizations/{organization_id}/enable-env", write, pathOrg, a.enableEnv).takes(enableEnvRequest{}).answers(successBody{}).
			about("Enable an environment (go live)"),
		rt(mgmt, "POST", "/organizations/{organization_id}/hand-over", write, pathOrg, a.handOver).answers(successBody{}).
			about("End administration by the creating organization (extension)"),
		rt(mgmt, "GET", "/organizations/{organization_id}/audit-log", read, pathOrg, a.auditLog).answers(list[audit.Entry]{}).about("Audit trail (extension)"),
		rt(mgmt, "GET", "/organizations/{organization_id}/logo", read, pathOrg, a.getLogo).answersFile(org.LogoTypes...).about("The organization's logo (extension)"),
		rt(mgmt, "PUT", "/organizations/{organization_id}/logo", write, pathOrg, a.putLogo).rawBody(org.LogoTypes...).answers(logoStored{}).
			about("Upload a logo: PNG, JPEG or WebP, the type sniffed from the bytes (extension)"),
		rt(mgmt, "DELETE", "/organizations/{organization_id}/logo", write, pathOrg, a.deleteLogo).answers(successBody{}).about("Delete the logo (extension)"),
		rt(mgmt, "GET", "/organizations/{organization_id}/api-keys", read, pathOrg, a.listKeys).answers(list[auth.APIKey]{}).about("List API keys"),
		rt(mgmt, "POST", "/organizations/{organization_id}/api-keys", write, pathOrg, a.createKey).takes(auth.KeyInput{}).answers(auth.APIKey{}).
			about("Create an API key (the secret is in this answer only)"),
		rt(mgmt, "GET", "/organizations/{organization_id}/api-keys/{key_id}", read, pathOrg, a.getKey).answers(auth.APIKey{}).about("Retrieve an API key"),
		rt(mgmt, "PATCH", "/organizations/{organization_id}/api-keys/{key_id}", write, pathOrg, a.patchKey).takes(auth.KeyInput{}).answers(auth.APIKey{}).
			about("Update an API key (name, status, metadata)"),
		rt(mgmt, "DELETE", "/organizations/{organization_id}/api-keys/{key_id}", write, pathOrg, a.deleteKey).answers(successBody{}).about("Delete an API key"),
		rt(mgmt, "GET", "/organizations/{organization_id}/users", read, pathOrg, a.listUsers).answers(list[org.Member]{}).
			about("Members and open invitations (extension)"),
		rt(mgmt, "POST", "/organizations/{organization_id}/users", write, pathOrg, a.inviteUser).takes(inviteRequest{}).answers(invitation{}).
			about("Invite a user (the accept link is in this answer only; extension)"),
		rt(mgmt, "PATCH", "/organizations/{organization_id}/users/{user_id}", write, pathOrg, a.patchUser).takes(roleRequest{}).answers(successBody{}).
			about("Change a member's role (extension)"),
		rt(mgmt, "DELETE", "/organizations/{organization_id}/users/{user_id}", write, pathOrg, a.removeUser).answers(successBody{}).
			about("Remove a member or invitation (extension)"),
		rt(mgmt, "GET", "/organizations/{organization_id}/usage", read, pathOrg, a.usage).hidesBilling().answers(billing.OrgUsage{}).
			about("Usage of a month (extension)"),
		rt(mgmt, "GET", "/billing-addresses", signedIn, noOrg, a.listAddresses).hidesBilling().answers(list[billing.Address]{}).
			about("List billing addresses (extension)"),
		rt(mgmt, "POST", "/billing-addresses", write, noOrg, a.createAddress).hidesBilling().takes(billing.Address{}).answers(billing.Address{}).
			about("Create a billing address (extension)"),
		rt(mgmt, "GET", "/billing-addresses/{address_id}", signedIn, noOrg, a.address).hidesBilling().answers(billing.Address{}).
			about("Retrieve a billing address (extension)"),
		rt(mgmt, "PATCH", "/billing-addresses/{address_id}", write, noOrg, a.address).hidesBilling().takes(billing.Address{}).answers(billing.Address{}).
			about("Update a billing address (extension)"),
		rt(mgmt, "DELETE", "/billing-addresses/{address_id}", write, noOrg, a.address).hidesBilling().answers(successBody{}).
			about("Delete a billing address (extension)"),
		rt(mgmt, "GET", "/billing/price-list", signedIn, noOrg, a.priceList).hidesBilling().answers(billing.PriceList{}).about("The price list (extension)"),
		rt(mgmt, "PUT", "/billing/price-list", installAdmin, noOrg, a.priceList).hidesBilling().takes(billing.PriceList{}).answers(billing.PriceList{}).
			about("Set the price list (extension)"),
		rt(mgmt, "GET", "/invoices", signedIn, noOrg, a.listInvoices).hidesBilling().answers(list[billing.Invoice]{}).about("List invoices (extension)"),
		rt(mgmt, "POST", "/invoices/generate", installAdmin, noOrg, a.generateInvoices).hidesBilling().takes(generateRequest{}).answers(generatedInvoices{}).
			about("Draft the invoices of a month (extension)"),
		rt(mgmt, "GET", "/invoices/{invoice_id}", signedIn, noOrg, a.getInvoice).hidesBilling().answers(billing.Invoice{}).about("Retrieve an invoice (extension)"),
		rt(mgmt, "POST", "/invoices/{invoice_id}/issue", installAdmin, noOrg, a.issueInvoice).hidesBilling().answers(billing.Invoice{}).
			about("Issue a draft invoice: it gets its number (extension)"),
		rt(mgmt, "GET", "/invoices/{invoice_id}/pdf", signedIn, noOrg, a.invoicePDF).hidesBilling().answersFile(mediaPDF).about("An invoice as PDF (extension)"),

		// SIGN DE API v2.
		rt(signDE, "POST", "/auth", public, noOrg, a.postAuth("Unauthorized")).takes(authRequest{}).answers(auth.AuthResponse{}).about("Authenticate (SIGN DE)"),
		rt(signDE, "GET", "/tss", read, actingEnv, a.listTSS).answers(signList[*tss.View]{}).about("List TSS"),
		rt(signDE, "GET", "/client", read, actingEnv, a.listAllClients).answers(signList[*tss.Client]{}).about("List all clients"),
		rt(signDE, "GET", "/tx", read, actingEnv, a.listAllTx).answers(signList[*tss.TxView]{}).about("List all transactions"),
		rt(signDE, "PUT", "/tss/{tss_id}", write, tssOrg, a.createTSS).takes(metadataRequest{}).answers(tss.View{}).about("Create a TSS"),
		rt(signDE, "GET", "/tss/{tss_id}", read, tssOrg, a.getTSS).answers(tss.View{}).about("Retrieve a TSS"),
		rt(signDE, "PATCH", "/tss/{tss_id}", write, tssOrg, a.patchTSS).takes(patchTSSRequest{}).answers(tss.View{}).about("Change a TSS's state"),
		rt(signDE, "GET", "/tss/{tss_id}/metadata", read, tssOrg, a.tssMetadata).answers(map[string]string{}).about("A TSS's metadata"),
		rt(signDE, "PATCH", "/tss/{tss_id}/metadata", write, tssOrg, a.tssMetadata).takes(metadataRequest{}).answers(map[string]string{}).
			about("Merge into a TSS's metadata"),
		rt(signDE, "PATCH", "/tss/{tss_id}/admin", write, tssOrg, a.changePIN).takes(changePINRequest{}).answers(emptyBody{}).
			about("Change or unblock the admin PIN with the PUK"),
		rt(signDE, "POST", "/tss/{tss_id}/admin/auth", write, tssOrg, a.adminAuth).takes(adminAuthRequest{}).answers(emptyBody{}).about("Authenticate as admin"),
		rt(signDE, "POST", "/tss/{tss_id}/admin/logout", write, tssOrg, a.adminLogout).answers(emptyBody{}).about("Log out the admin"),
		rt(signDE, "GET", "/tss/{tss_id}/client", read, tssOrg, a.listClients).answers(signList[*tss.Client]{}).about("List a TSS's clients"),
		rt(signDE, "PUT", "/tss/{tss_id}/client/{client_id}", write, tssOrg, a.createClient).takes(createClientRequest{}).answers(tss.Client{}).
			about("Register a client"),
		rt(signDE, "GET", "/tss/{tss_id}/client/{client_id}", read, tssOrg, a.getClient).answers(tss.Client{}).about("Retrieve a client"),
		rt(signDE, "PATCH", "/tss/{tss_id}/client/{client_id}", write, tssOrg, a.updateClient).takes(updateClientRequest{}).answers(tss.Client{}).
			about("Register or deregister a client"),
		rt(signDE, "GET", "/tss/{tss_id}/client/{client_id}/metadata", read, tssOrg, a.clientMetadata).answers(map[string]string{}).about("A client's metadata"),
		rt(signDE, "PATCH", "/tss/{tss_id}/client/{client_id}/metadata", write, tssOrg, a.clientMetadata).takes(metadataRequest{}).answers(map[string]string{}).
			about("Merge into a client's metadata"),
		rt(signDE, "GET", "/tss/{tss_id}/client/{client_id}/tx", read, tssOrg, a.listClientTx).answers(signList[*tss.TxView]{}).
			about("List a client's transactions"),
		rt(signDE, "GET", "/tss/{tss_id}/tx", read, tssOrg, a.listTx).limited(a.rateLimit("tx-list", "tss_id", txListLimit)).
			answers(signList[*tss.TxView]{}).about("List a TSS's transactions"),
		rt(signDE, "PUT", "/tss/{tss_id}/tx/{tx_id}", write, tssOrg, a.upsertTx).takes(tss.TxRequest{}).answers(tss.TxView{}).
			about("Start, update, finish or cancel a transaction"),
		rt(signDE, "GET", "/tss/{tss_id}/tx/{tx_id}", read, tssOrg, a.getTx).answers(tss.TxView{}).
			about("Retrieve a transaction (by id or number, optionally a revision)"),
		rt(signDE, "GET", "/tss/{tss_id}/tx/{tx_id}/log", read, tssOrg, a.getTxLog).answersFile(mediaBin).about("Signed log of a revision (deprecated)"),
		rt(signDE, "GET", "/tss/{tss_id}/tx/{tx_id}/metadata", read, tssOrg, a.txMetadata).answers(map[string]string{}).about("A transaction's metadata"),
		rt(signDE, "PATCH", "/tss/{tss_id}/tx/{tx_id}/metadata", write, tssOrg, a.txMetadata).takes(metadataRequest{}).answers(map[string]string{}).
			about("Merge into a transaction's metadata"),
		rt(signDE, "GET", "/export", read, actingEnv, a.listAllExports).answers(signList[*tss.Export]{}).about("List all exports"),
		rt(signDE, "GET", "/tss/{tss_id}/export", read, tssOrg, a.listExports).answers(signList[*tss.Export]{}).about("List a TSS's exports"),
		rt(signDE, "PUT", "/tss/{tss_id}/export/{export_id}", write, tssOrg, a.triggerExport).takes(tss.ExportParams{}).answers(tss.Export{}).
			about("Start a TAR export (filters in the query or the body)"),
		rt(signDE, "GET", "/tss/{tss_id}/export/{export_id}", read, tssOrg, a.getExport).limited(a.rateLimit("export", "export_id", exportLimit)).
			answers(tss.Export{}).about("Retrieve an export"),
		rt(signDE, "DELETE", "/tss/{tss_id}/export/{export_id}", write, tssOrg, a.cancelExport).answers(tss.Export{}).about("Cancel an export"),
		rt(signDE, "GET", "/tss/{tss_id}/export/{export_id}/file", read, tssOrg, a.exportFile).limited(a.rateLimit("export-file", "export_id", exportLimit)).
			answersFile(mediaTar).about("An export's TAR file"),
		rt(signDE, "GET", "/tss/{tss_id}/export/{export_id}/metadata", read, tssOrg, a.exportMetadata).answers(map[string]string{}).about("An export's metadata"),
		rt(signDE, "PATCH", "/tss/{tss_id}/export/{export_id}/metadata", write, tssOrg, a.exportMetadata).takes(metadataRequest{}).answers(map[string]string{}).
			about("Merge into an export's metadata"),
		rt(signDE, "GET", "/sandbox/failures", read, noOrg, a.listFailures).answers(failureList{}).about("List failure rules (extension)"),
		rt(signDE, "POST", "/sandbox/failures", write, actingEnv, a.addFailure).takes(failureBody{}).answers(tss.Rule{}).about("Add a failure rule (extension)"),
		rt(signDE, "DELETE", "/sandbox/failures/{rule_id}", write, noOrg, a.deleteFailure).answers(successBody{}).about("Delete a failure rule (extension)"),

		// DSFinV-K API v1.
		rt(dsfinvkV1, "POST", "/auth", public, noOrg, a.postAuth("Invalid credentials")).takes(authRequest{}).answers(auth.AuthResponse{}).
			about("Authenticate (DSFinV-K)"),
		rt(dsfinvkV1, "GET", "/vat_definitions", read, actingEnv, a.dkVatList).answers(dkList[dsfinvk.VatDefinition]{}).about("List VAT definitions"),
		rt(dsfinvkV1, "GET", "/vat_definitions/{id}", read, actingEnv, a.dkVat).answers(dsfinvk.VatDefinition{}).about("Retrieve a VAT definition"),
		rt(dsfinvkV1, "PUT", "/vat_definitions/{id}", write, actingEnv, a.dkVat).takes(dsfinvk.VatDefinition{}).answers(dsfinvk.VatDefinition{}).
			about("Create or update a VAT definition"),
		rt(dsfinvkV1, "GET", "/cash_registers", read, actingEnv, a.dkRegisters).answers(dkList[dsfinvk.CashRegister]{}).about("List cash registers"),
		rt(dsfinvkV1, "GET", "/cash_registers/{client_id}", read, actingEnv, a.dkRegister).answers(dsfinvk.CashRegister{}).
			about("Retrieve a cash register (optionally a revision)"),
		rt(dsfinvkV1, "PUT", "/cash_registers/{client_id}", write, actingEnv, a.dkRegister).takes(dsfinvk.RegisterInput{}).answers(dsfinvk.CashRegister{}).
			about("Create or update a cash register"),
		rt(dsfinvkV1, "GET", "/purchaser_agencies", read, actingEnv, a.dkAgencies).answers(dkList[dsfinvk.PurchaserAgency]{}).about("List purchaser agencies"),
		rt(dsfinvkV1, "GET", "/purchaser_agencies/{id}", read, actingEnv, a.dkAgency).answers(dsfinvk.PurchaserAgency{}).about("Retrieve a purchaser agency"),
		rt(dsfinvkV1, "PUT", "/purchaser_agencies/{id}", write, actingEnv, a.dkAgency).takes(dsfinvk.PurchaserAgency{}).answers(dsfinvk.PurchaserAgency{}).
			about("Create or update a purchaser agency"),
		rt(dsfinvkV1, "GET", "/cash_point_closings", read, actingEnv, a.dkClosings).answers(dkList[dsfinvk.ClosingView]{}).about("List cash point closings"),
		rt(dsfinvkV1, "PUT", "/cash_point_closings/{id}", write, actingEnv, a.dkInsertClosing).takes(dsfinvk.Closing{}).answers(dsfinvk.ClosingView{}).
			about("Insert a cash point closing"),
		rt(dsfinvkV1, "GET", "/cash_point_closings/{id}", read, actingEnv, a.dkClosing).answers(dsfinvk.ClosingView{}).about("Retrieve a cash point closing"),
		rt(dsfinvkV1, "DELETE", "/cash_point_closings/{id}", write, actingEnv, a.dkClosing).answers(dsfinvk.ClosingView{}).about("Delete a cash point closing"),
		rt(dsfinvkV1, "GET", "/cash_point_closings/{id}/details", read, actingEnv, a.dkClosingDetails).answers(dsfinvk.ClosingDetails{}).
			about("A cash point closing as inserted"),
		rt(dsfinvkV1, "GET", "/cash_point_closings/{id}/reports", read, actingEnv, a.dkClosingReports).answers(dkList[dsfinvk.Report]{}).
			about("Validation reports of a cash point closing"),
		rt(dsfinvkV1, "GET", "/exports", read, actingEnv, a.dkExports).answers(dkList[dsfinvk.Export]{}).about("List DSFinV-K exports"),
		rt(dsfinvkV1, "PUT", "/exports/{id}", write, actingEnv, a.dkTriggerExport).takes(dsfinvk.ExportParams{}).answers(dsfinvk.Export{}).
			about("Start a DSFinV-K export"),
		rt(dsfinvkV1, "GET", "/exports/{id}", read, actingEnv, a.dkExport).answers(dsfinvk.Export{}).about("Retrieve a DSFinV-K export"),
		rt(dsfinvkV1, "DELETE", "/exports/{id}", write, actingEnv, a.dkExport).answers(dsfinvk.Export{}).about("Cancel a DSFinV-K export"),
		rt(dsfinvkV1, "GET", "/exports/{id}/href", read, actingEnv, a.dkExportHref).answers(exportHref{}).about("Where a completed export is downloaded"),
		rt(dsfinvkV1, "GET", "/exports/{id}/download", read, actingEnv, a.dkDownload).answersFile(mediaTar, mediaZip).about("A DSFinV-K export's archive"),

		// Dashboard routes under /api/dashboard.
		rt(dash, "GET", "/setup", public, noOrg, a.getSetup).answers(setupStatus{}).about("Whether first-start setup is open"),
		rt(dash, "POST", "/setup", setupToken, noOrg, a.postSetup).takes(setupRequest{}).answers(sessionBody{}).
			about("First start: the first user (the installation's administrator) and organization"),
		rt(dash, "POST", "/login", public, noOrg, a.login).takes(loginRequest{}).answers(sessionBody{}).about("Log in: a session cookie and its CSRF token"),
		rt(dash, "POST", "/logout", public, noOrg, a.logout).answers(successBody{}).about("Log out"),
		rt(dash, "GET", "/invitations/{token}", public, noOrg, a.getInvitation).answers(org.InvitationInfo{}).about("An invitation, by its token"),
		rt(dash, "POST", "/invitations/{token}/accept", public, noOrg, a.acceptInvitation).takes(org.NewUser{}).answers(sessionBody{}).
			about("Accept an invitation: a session"),
		rt(dash, "GET", "/me", signedIn, noOrg, a.me).answers(meBody{}).about("Who is signed in and every organization they see, with their role"),
		rt(dash, "POST", "/password", userOnly, noOrg, a.changePassword).takes(passwordRequest{}).answers(sessionBody{}).
			about("Change the password: other sessions end, this one continues"),
		rt(dash, "GET", "/reports/transactions", read, actingEnv, a.transactionReport).answersFile(mediaCSV, mediaXLSX, mediaPDF).
			about("Transaction report as CSV, XLSX or PDF"),
		rt(dash, "GET", "/overview", read, actingEnv, a.overview).answers(tss.Overview{}).about("Counts of the acting organization and env"),
		// The rollup is a list over what the principal sees, like the
		// organization list: organization_id in its query narrows it, and an
		// organization the principal cannot see is 404 there.
		rt(dash, "GET", "/rollup", signedIn, noOrg, a.rollupHandler).answers(rollup.Rollup{}).
			about("Figures of every organization the principal sees: totals, per day, per organization"),
		rt(dash, "GET", "/installation/users", installAdmin, noOrg, a.installUsers).answers(installUserList{}).
			about("Every user of the installation with the installation role"),
		rt(dash, "PUT", "/installation/admins/{user_id}", installAdmin, noOrg, a.setInstallAdmin).answers(successBody{}).
			about("Grant the installation role"),
		rt(dash, "DELETE", "/installation/admins/{user_id}", installAdmin, noOrg, a.setInstallAdmin).answers(successBody{}).
			about("Revoke the installation role"),
		rt(dash, "POST", "/restore", installAdmin, noOrg, a.restoreUpload).rawBody(mediaBin).answers(restoreStaged{}).
			about("Stage a backup to restore at the next start"),
		rt(dash, "GET", "/sync", installAdmin, noOrg, a.syncStatus).answers(syncStatusBody{}).about("Sync role and status of this instance"),
		rt(dash, "POST", "/sync/connect", installAdmin, noOrg, a.syncConnect).takes(syncConnectRequest{}).answers(sync.Remote{}).
			about("Pair this instance as a workstation"),
		rt(dash, "POST", "/sync/run", installAdmin, noOrg, a.syncRun).answers(syncRound{}).about("Run a sync round now"),
		rt(dash, "GET", "/sync/conflicts", installAdmin, noOrg, a.syncConflicts).answers(conflictList{}).about("Conflicts found by sync"),
		rt(dash, "GET", "/sync/workstations", installAdmin, noOrg, a.syncWorkstations).answers(workstationList{}).about("Paired workstations (central)"),
		rt(dash, "POST", "/sync/workstations", installAdmin, noOrg, a.syncPair).takes(pairRequest{}).answers(pairedWorkstation{}).
			about("Issue a workstation credential (central)"),
		rt(dash, "DELETE", "/sync/workstations/{id}", installAdmin, noOrg, a.syncRevoke).answers(emptyBody{}).about("Revoke a workstation credential"),
		rt(dash, "GET", "/sync/workstations/{id}/tss", installAdmin, noOrg, a.syncWorkstationTSS).answers(syncedTSSList{}).
			about("Every TSS a workstation signs (central view)"),

		// The sync protocol a central instance answers (docs/sync.md).
		rt(syncAPI, "GET", "/hello", syncCredential, noOrg, a.syncAuth(a.syncHello)).answers(syncHelloBody{}).
			about("Check a sync credential; names the central instance (sync, docs/sync.md)"),
		rt(syncAPI, "POST", "/push", syncCredential, noOrg, a.syncAuth(a.syncPush)).rawBody(sync.ContentType).answers(sync.PushAnswer{}).
			about("Apply a batch of a workstation's outbox entries (sync)"),
		rt(syncAPI, "GET", "/pull", syncCredential, noOrg, a.syncAuth(a.syncPull)).answersFile(sync.ContentType).
			about("The central's organization changes after a sequence (sync)"),

		// CLI commands on this machine (the run file's token; not in the
		// OpenAPI document).
		rt(local, "POST", "/backup", localToken, noOrg, a.localBackup).rawBody().answersFile(mediaBin),
		rt(local, "POST", "/sync", localToken, noOrg, a.localSync).rawBody().answers(sync.RoundResult{}),
		rt(local, "GET", "/stats", localToken, noOrg, a.localStats).answers(LocalStats{}),
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
