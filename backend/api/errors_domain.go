package api

import (
	"context"
	"errors"
	"math"
	"net/http"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/billing"
	"github.com/fiskaldesk/fiskaldesk/backend/dsfinvk"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/sync"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// domainErrors maps the domain packages' sentinel errors to fiskaly's
// status codes and E_ codes (docs/management-api.md › Errors). Message ""
// means the error's own text.
var domainErrors = []struct {
	err     error
	status  int
	code    string
	message string
}{
	// A request cancelled under us: the client left (nobody reads this) or
	// the shutdown grace ended.
	{context.Canceled, http.StatusServiceUnavailable, CodeUnavailable, "The request was cancelled: the client went away or the server is shutting down."},
	{store.ErrDiskFull, http.StatusInsufficientStorage, "E_DISK_FULL", "Not enough free disk space on the fiskaldesk machine to store this safely; nothing was written. Free disk space and retry."},
	{org.ErrNotFound, http.StatusNotFound, "E_ORGANIZATION_NOT_FOUND", "Organization not found."},
	// Observed in the cloud: an unknown managing org is a bare 404.
	{org.ErrParentNotFound, http.StatusNotFound, "", "Not Found"},
	{org.ErrNestedManaged, http.StatusBadRequest, "E_MANAGED_ORGANIZATION_NESTING", "A managed organization cannot manage other organizations: managed organizations are one level deep."},
	{org.ErrHasManaged, http.StatusBadRequest, "E_ORGANIZATION_HAS_MANAGED_ORGANIZATIONS", "The organization manages other organizations; it cannot become managed or be deleted while it does."},
	{org.ErrSelfManaged, http.StatusBadRequest, "E_ORGANIZATION_SELF_MANAGED", "An organization cannot manage itself."},
	{org.ErrForbidden, http.StatusForbidden, "E_ACCESS_DENIED", "Access denied."},
	{org.ErrParentChange, http.StatusForbidden, "E_ACCESS_DENIED", ""},
	{org.ErrMainOrgByUser, http.StatusForbidden, "E_ACCESS_DENIED", ""},
	{org.ErrLastInstallAdmin, http.StatusBadRequest, "E_LAST_INSTALLATION_ADMIN", "The installation needs at least one administrator."},
	{org.ErrEnvNotEnabled, http.StatusBadRequest, "E_ENV_NOT_ENABLED", "The environment is not enabled for this organization."},
	{org.ErrLivePrecondition, http.StatusBadRequest, "E_LIVE_REQUIREMENTS_NOT_MET", ""},
	{org.ErrInvalidCredentials, http.StatusUnauthorized, "", "Invalid credentials"},
	{org.ErrUserNotFound, http.StatusNotFound, "E_USER_NOT_FOUND", "User not found."},
	{org.ErrSetupDone, http.StatusConflict, "E_SETUP_DONE", "fiskaldesk is already set up; log in instead."},
	{org.ErrInvitationNotFound, http.StatusNotFound, "E_INVITATION_NOT_FOUND", "Invitation not found or expired."},
	{org.ErrLastOwner, http.StatusBadRequest, "E_LAST_OWNER", "An organization needs at least one owner."},
	{org.ErrAlreadyMember, http.StatusConflict, "E_USER_CONFLICT", "This user is already a member of the organization."},
	{org.ErrNoLogo, http.StatusNotFound, "E_LOGO_NOT_FOUND", "The organization has no logo."},
	{org.ErrLogoTooLarge, http.StatusRequestEntityTooLarge, "E_LOGO_TOO_LARGE", "The logo exceeds 512 KiB."},
	{org.ErrLogoType, http.StatusUnsupportedMediaType, "E_UNSUPPORTED_MEDIA_TYPE", "The logo must be a PNG, JPEG or WebP image; SVG is not accepted."},
	{tss.ErrTSSNotFound, http.StatusNotFound, "E_TSS_NOT_FOUND", "TSS not found"},
	{store.ErrNotOwner, http.StatusConflict, "E_TSS_SIGNED_ELSEWHERE", "The batch writes a TSS that is signed on another instance; a TSS is signed on one instance only."},
	{store.ErrKeyNotSynced, http.StatusBadRequest, "E_SYNC_BAD_BATCH", ""},
	{sync.ErrBadBatch, http.StatusBadRequest, "E_SYNC_BAD_BATCH", ""},
	{sync.ErrBadCredential, http.StatusUnauthorized, CodeUnauthorized, "Invalid or revoked sync credential."},
	{sync.ErrOtherInstance, http.StatusConflict, "E_SYNC_OTHER_INSTANCE", ""},
	{sync.ErrSelf, http.StatusConflict, "E_SYNC_SELF", ""},
	{sync.ErrNotFound, http.StatusNotFound, "E_WORKSTATION_NOT_FOUND", "Workstation not found."},
	{sync.ErrNameRequired, http.StatusBadRequest, CodeSchema, ""},
	{sync.ErrNotPaired, http.StatusConflict, "E_SYNC_NOT_PAIRED", ""},
	{sync.ErrRemoteScheme, http.StatusBadRequest, CodeSchema, ""},
	{sync.ErrCredentialShape, http.StatusBadRequest, CodeSchema, ""},
	{sync.ErrIsWorkstation, http.StatusConflict, "E_SYNC_ROLE", ""},
	{sync.ErrIsCentral, http.StatusConflict, "E_SYNC_ROLE", ""},
	{tss.ErrTSSForeign, http.StatusConflict, "E_TSS_SIGNED_ELSEWHERE", ""},
	{tss.ErrTSSConflict, http.StatusConflict, "E_TSS_CONFLICT", "TSS exists and is not in state CREATED."},
	{tss.ErrTSSLimit, http.StatusForbidden, "E_TSS_LIMIT_REACHED", ""},
	{tss.ErrIllegalStateChange, http.StatusBadRequest, "E_ILLEGAL_TSS_STATE_CHANGE", ""},
	{tss.ErrTSSNotInitialized, http.StatusBadRequest, "E_TSS_NOT_INITIALIZED", "TSS is not initialized."},
	{tss.ErrTSSDisabled, http.StatusBadRequest, "E_TSS_DISABLED", "TSS is disabled."},
	{tss.ErrAdminRequired, http.StatusUnauthorized, CodeUnauthorized, "Admin authentication required: POST /tss/{tss_id}/admin/auth first."},
	{tss.ErrPINBlocked, http.StatusLocked, "E_ADMIN_PIN_BLOCKED", "The admin PIN is blocked; set a new one with the PUK (PATCH /tss/{tss_id}/admin)."},
	{tss.ErrPINWrong, http.StatusUnauthorized, CodeUnauthorized, ""},
	{tss.ErrPUKWrong, http.StatusUnauthorized, "E_ADMIN_LOGIN_FAILED", ""},
	{tss.ErrChangePIN, http.StatusBadRequest, "E_CHANGE_ADMIN_PIN_FAILED", ""},
	{tss.ErrClientNotFound, http.StatusNotFound, "E_CLIENT_NOT_FOUND", "Client not found"},
	{tss.ErrClientConflict, http.StatusConflict, "E_CLIENT_CONFLICT", ""},
	{tss.ErrClientSerialTaken, http.StatusConflict, "E_CLIENT_CONFLICT", ""},
	{tss.ErrClientLimit, http.StatusForbidden, "E_CLIENT_LIMIT_REACHED", "The TSS has the maximum number of registered clients."},
	{tss.ErrClientDeregistered, http.StatusBadRequest, "E_CLIENT_DEREGISTERED", "The client is deregistered."},
	{tss.ErrIllegalClientSerial, http.StatusBadRequest, "E_ILLEGAL_CLIENT_SERIAL", "serial_number: 1 to 70 of A-Z a-z 0-9 space ' ( ) + , - . : = ?, no surrounding spaces, no '/' or '_'"},
	{tss.ErrTxNotFound, http.StatusNotFound, "E_TX_NOT_FOUND", "Transaction not found"},
	{tss.ErrTxRevisionNotFound, http.StatusBadRequest, "E_TX_REVISION_NOT_FOUND", ""},
	{tss.ErrTxLimit, http.StatusBadRequest, "E_TX_LIMIT_REACHED", "The TSS has 2000 active transactions; finish or cancel some."},
	{tss.ErrTxIllegalTypeChange, http.StatusConflict, "E_TX_ILLEGAL_TYPE_CHANGE", ""},
	{tss.ErrTxNoType, http.StatusConflict, "E_TX_NO_TYPE_DEFINED", ""},
	{tss.ErrTxConflict, http.StatusConflict, "E_PENDING_TX_CONFLICT", ""},
	{tss.ErrExportNotFound, http.StatusNotFound, "E_EXPORT_NOT_FOUND", "Export not found"},
	{tss.ErrExportExpired, http.StatusNotFound, "E_EXPORT_NOT_FOUND", "The export file has expired; trigger a new export"},
	{tss.ErrExportState, http.StatusConflict, "E_TSS_ILLEGAL_STATE_TO_PERFORM_EXPORT", ""},
	{tss.ErrTooManyExports, http.StatusConflict, "E_TOO_MANY_EXPORTS", "More than 10 exports of this TSS are PENDING or WORKING."},
	{tss.ErrExportRunning, http.StatusConflict, "E_EXPORT_DUPLICATE_RATE_LIMITED", ""},
	{tss.ErrDuplicateExport, http.StatusBadRequest, "E_DUPLICATE_EXPORT", ""},
	{tss.ErrCancelExport, http.StatusBadRequest, "E_CANCEL_EXPORT", ""},
	{tss.ErrLogNotFound, http.StatusNotFound, "E_LOG_NOT_FOUND", "Log not found"},
	{dsfinvk.ErrRegisterNotFound, http.StatusNotFound, "E_CASH_REGISTER_NOT_FOUND", ""},
	{dsfinvk.ErrRegisterConflict, http.StatusConflict, "E_CASH_REGISTER_CONFLICT", "Changing cash_register_type is not possible."},
	{dsfinvk.ErrVatNotFound, http.StatusNotFound, "E_VAT_DEFINITION_NOT_FOUND", "VAT definition not found."},
	{dsfinvk.ErrAgencyNotFound, http.StatusNotFound, "E_PURCHASER_AGENCY_NOT_FOUND", "Purchaser agency not found."},
	{dsfinvk.ErrClosingNotFound, http.StatusNotFound, "E_CASH_POINT_CLOSING_NOT_FOUND", "Cash point closing not found."},
	{dsfinvk.ErrClosingConflict, http.StatusConflict, "E_CASH_POINT_CLOSING_CONFLICT", "The closing id exists with another request."},
	{dsfinvk.ErrClosingState, http.StatusBadRequest, "E_INVALID_STATE_CHANGE", ""},
	{dsfinvk.ErrExportNotFound, http.StatusNotFound, "E_EXPORT_NOT_FOUND", "Export not found."},
	{dsfinvk.ErrExportConflict, http.StatusConflict, "E_EXPORT_CONFLICT", ""},
	{dsfinvk.ErrNothingToExport, http.StatusNotFound, "E_CASH_POINT_CLOSING_NOT_FOUND", "No COMPLETED cash point closing in the given period."},
	{dsfinvk.ErrExportNotReady, http.StatusNotFound, "E_DOWNLOAD_NOT_FOUND", "The export is not completed."},
	{billing.ErrHidden, http.StatusNotFound, "E_NOT_FOUND", "Not Found"},
	{billing.ErrAddressNotFound, http.StatusNotFound, "E_BILLING_ADDRESS_NOT_FOUND", "Billing address not found."},
	{billing.ErrInvoiceNotFound, http.StatusNotFound, "E_INVOICE_NOT_FOUND", "Invoice not found."},
	{billing.ErrInvoiceIssued, http.StatusConflict, "E_INVOICE_ISSUED", "The invoice is issued and cannot change."},
	{billing.ErrNotPriceOwner, http.StatusForbidden, "E_ACCESS_DENIED", "Only installation administrators manage the price list and invoices."},
	{auth.ErrKeyNotFound, http.StatusNotFound, "E_API_KEY_NOT_FOUND", "API key not found."},
	{auth.ErrTokenExpired, http.StatusUnauthorized, CodeUnauthorized, "Token expired"},
	{auth.ErrKeyRevoked, http.StatusUnauthorized, CodeUnauthorized, "The API key of this token is disabled or deleted"},
	{auth.ErrSessionEnded, http.StatusUnauthorized, CodeUnauthorized, "Session ended; log in again"},
}

// domainError returns the HTTP error for a known domain error, or nil.
func domainError(err error) *Error {
	var ve *org.ValidationError
	if errors.As(err, &ve) {
		return &Error{Status: http.StatusBadRequest, Code: CodeSchema, Message: ve.Error()}
	}
	var pe *auth.ParseError
	if errors.As(err, &pe) {
		return &Error{Status: http.StatusUnauthorized, Message: pe.Error()}
	}
	var ue *tss.UpsertError
	if errors.As(err, &ue) {
		return &Error{Status: http.StatusBadRequest, Code: "E_TX_UPSERT", Message: ue.Msg}
	}
	var pb *tss.PUKBlockedError
	if errors.As(err, &pb) {
		return &Error{Status: http.StatusLocked, Code: "E_ADMIN_PUK_BLOCKED", Message: pb.Error(), RetryAfter: max(1, int(math.Ceil(pb.Wait.Seconds())))}
	}
	var f *tss.Fault
	if errors.As(err, &f) {
		return &Error{Status: f.Status, Code: f.Code, Message: f.Message, RetryAfter: f.RetryAfter}
	}
	for _, d := range domainErrors {
		if errors.Is(err, d.err) {
			msg := d.message
			if msg == "" {
				msg = err.Error()
			}
			return &Error{Status: d.status, Code: d.code, Message: msg}
		}
	}
	return nil
}
