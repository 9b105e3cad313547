package api

import (
	"errors"
	"net/http"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
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
	{org.ErrNotFound, http.StatusNotFound, "E_ORGANIZATION_NOT_FOUND", "Organization not found."},
	// Observed in the cloud: an unknown managing org is a bare 404.
	{org.ErrParentNotFound, http.StatusNotFound, "", "Not Found"},
	{org.ErrNestedManaged, http.StatusBadRequest, "E_MANAGED_ORGANIZATION_NESTING", "A managed organization cannot manage other organizations: managed organizations are one level deep."},
	{org.ErrHasManaged, http.StatusBadRequest, "E_ORGANIZATION_HAS_MANAGED_ORGANIZATIONS", "The organization manages other organizations; it cannot become managed or be deleted while it does."},
	{org.ErrSelfManaged, http.StatusBadRequest, "E_ORGANIZATION_SELF_MANAGED", "An organization cannot manage itself."},
	{org.ErrForbidden, http.StatusForbidden, "E_ACCESS_DENIED", "Access denied."},
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
	{auth.ErrKeyNotFound, http.StatusNotFound, "E_API_KEY_NOT_FOUND", "API key not found."},
	{auth.ErrTokenExpired, http.StatusUnauthorized, CodeUnauthorized, "Token expired"},
	{auth.ErrKeyRevoked, http.StatusUnauthorized, CodeUnauthorized, "The API key of this token is disabled or deleted"},
	{auth.ErrSessionEnded, http.StatusUnauthorized, CodeUnauthorized, "Session ended; log in again"},
}

// domainError returns the HTTP error for a known domain error, or nil.
func domainError(err error) *Error {
	var ve *org.ValidationError
	if errors.As(err, &ve) {
		return &Error{http.StatusBadRequest, CodeSchema, ve.Error()}
	}
	var pe *auth.ParseError
	if errors.As(err, &pe) {
		return &Error{http.StatusUnauthorized, "", pe.Error()}
	}
	for _, d := range domainErrors {
		if errors.Is(err, d.err) {
			msg := d.message
			if msg == "" {
				msg = err.Error()
			}
			return &Error{d.status, d.code, msg}
		}
	}
	return nil
}
