package tss

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
)

// TSS states.
const (
	StateCreated       = "CREATED"
	StateUninitialized = "UNINITIALIZED"
	StateInitialized   = "INITIALIZED"
	StateDisabled      = "DISABLED"
)

// Limits of the cloud (fiskaly-api §3.3, §6).
const (
	MaxClients            = 199
	MaxActiveTransactions = 2000
	// DefaultTestTSSLimit is the cloud's TEST limit of TSS that are not DISABLED.
	DefaultTestTSSLimit = 5
	// Version is the SIGN DE API version fiskaldesk follows (`_version`).
	Version = "2.2.2"
)

// TSS is the stored TSS record (without its counters).
type TSS struct {
	V           int    `json:"v"`
	ID          string `json:"id"`
	Env         string `json:"env"`
	OrgID       string `json:"org"`
	State       string `json:"state"`
	Description string `json:"description,omitempty"`
	Serial      string `json:"serial"`
	PublicKey   []byte `json:"public_key"`
	Certificate []byte `json:"certificate"`
	SealedKey   []byte `json:"sealed_key"`
	SealedPUK   []byte `json:"sealed_puk,omitempty"` // only while CREATED, to answer a repeated create
	PUKHash     string `json:"puk_hash"`
	PINHash     string `json:"pin_hash,omitempty"`
	PINFailures int    `json:"pin_failures"`
	// PUKFailures counts wrong PUKs since the last right one; from
	// MaxPUKFailures on, the PUK is blocked until PUKBlockedUntil (unix s).
	PUKFailures     int               `json:"puk_failures,omitempty"`
	PUKBlockedUntil int64             `json:"puk_blocked_until,omitempty"`
	Metadata        map[string]string `json:"metadata,omitempty"`
	TimeCreation    int64             `json:"time_creation"`
	TimeUninit      int64             `json:"time_uninit,omitempty"`
	TimeInit        int64             `json:"time_init,omitempty"`
	TimeDisable     int64             `json:"time_disable,omitempty"`
	// Indexed: every transaction that ended has its tx-end key and every
	// transaction its tx-client key, so lists filtered by state or client
	// need not read every transaction. TSS made before the indexes lack
	// it and take the reading path.
	Indexed bool `json:"indexed,omitempty"`
	// ClockSet is when the TSS clock was last set (updateTime); the cloud's
	// TSE sets it about daily. SEVersion is the fiskaldesk version that
	// signs for it; a change is recorded in audit logs.
	ClockSet  int64  `json:"clock_set,omitempty"`
	SEVersion string `json:"se_version,omitempty"`
	// IssuerCert is the CA certificate that issued Certificate: the
	// sandbox CA of the installation that created the TSS, which is not
	// the one of an instance the TSS is synced to. Exports carry it, so
	// the chain verifies wherever they are made.
	IssuerCert []byte `json:"issuer_cert,omitempty"`
}

// PINBlocked: no PIN set yet, or too many wrong tries.
func (t *TSS) PINBlocked() bool { return t.PINHash == "" || t.PINFailures >= MaxPINFailures }

// MaxPINFailures blocks the admin PIN until it is reset with the PUK.
const MaxPINFailures = 5

// The PUK is blocked like the PIN, but it has nothing above it to unblock
// it, so its block ends by itself (docs/sign-de.md › Admin PIN and PUK):
// after MaxPUKFailures wrong PUKs in a row for PUKBackoff, and every
// further wrong PUK doubles that, up to MaxPUKBackoff. While blocked an
// attempt is refused without being checked or logged.
const (
	MaxPUKFailures = 5
	PUKBackoff     = time.Minute
	MaxPUKBackoff  = 24 * time.Hour
)

// pukBackoff is how long the PUK stays blocked after its n-th wrong try.
func pukBackoff(n int) time.Duration {
	if n < MaxPUKFailures {
		return 0
	}
	d := PUKBackoff
	for i := MaxPUKFailures; i < n && d < MaxPUKBackoff; i++ {
		d *= 2
	}
	return min(d, MaxPUKBackoff)
}

// PUKBlockedError is a PUK tried while blocked; Wait is the rest of the block.
type PUKBlockedError struct {
	Failures int
	Wait     time.Duration
}

func (e *PUKBlockedError) Error() string {
	return fmt.Sprintf("The admin PUK is blocked after %d wrong tries; retry in %s", e.Failures, e.Wait.Round(time.Second))
}

// View is the TSS resource of the API (fiskaly-api §3.3).
type View struct {
	ID                     string            `json:"_id"`
	Type                   string            `json:"_type"`
	Env                    string            `json:"_env"`
	Version                string            `json:"_version"`
	State                  string            `json:"state" enum:"CREATED,UNINITIALIZED,INITIALIZED,DISABLED"`
	Description            string            `json:"description,omitempty"`
	Certificate            string            `json:"certificate"`
	SerialNumber           string            `json:"serial_number"`
	PublicKey              string            `json:"public_key"`
	SignatureCounter       string            `json:"signature_counter,omitempty"`
	SignatureAlgorithm     string            `json:"signature_algorithm"`
	SignatureTimestampFmt  string            `json:"signature_timestamp_format"`
	TransactionCounter     string            `json:"transaction_counter,omitempty"`
	TransactionDataEnc     string            `json:"transaction_data_encoding"`
	NumberRegisteredClnts  *uint32           `json:"number_registered_clients,omitempty"`
	MaxRegisteredClients   int               `json:"max_number_registered_clients"`
	NumberActiveTx         *uint32           `json:"number_active_transactions,omitempty"`
	MaxActiveTx            int               `json:"max_number_active_transactions"`
	SupportedUpdateVariant string            `json:"supported_update_variants"`
	Metadata               map[string]string `json:"metadata"`
	TimeCreation           int64             `json:"time_creation"`
	TimeUninit             int64             `json:"time_uninit,omitempty"`
	TimeInit               int64             `json:"time_init,omitempty"`
	TimeDisable            int64             `json:"time_disable,omitempty"`
	AdminPUK               string            `json:"admin_puk,omitempty"`
	OrganizationID         string            `json:"organization_id"` // extension
}

func (t *TSS) view(c counters) *View {
	v := &View{ID: t.ID, Type: "TSS", Env: t.Env, Version: Version, State: t.State, Description: t.Description,
		Certificate: base64.StdEncoding.EncodeToString(t.Certificate), SerialNumber: t.Serial,
		PublicKey: base64.StdEncoding.EncodeToString(t.PublicKey), SignatureAlgorithm: "ecdsa-plain-SHA256",
		SignatureTimestampFmt: "unixTime", TransactionDataEnc: "UTF-8", MaxRegisteredClients: MaxClients,
		MaxActiveTx: MaxActiveTransactions, SupportedUpdateVariant: "SIGNED", Metadata: t.Metadata,
		TimeCreation: t.TimeCreation, TimeUninit: t.TimeUninit, TimeInit: t.TimeInit, TimeDisable: t.TimeDisable,
		OrganizationID: t.OrgID}
	if v.Metadata == nil {
		v.Metadata = map[string]string{}
	}
	// Counters appear once the TSS is deployed, as in the cloud.
	if t.State != StateCreated {
		v.SignatureCounter = strconv.FormatUint(c.Sig, 10)
		v.TransactionCounter = strconv.FormatUint(c.Tx, 10)
		v.NumberRegisteredClnts, v.NumberActiveTx = &c.Client, &c.Active
	}
	return v
}

// Caller is who acts in SIGN DE: the token's viewer and env, the org it
// acts for (its own, or a managed org it names) and its token id (admin
// sessions are per token and TSS).
type Caller struct {
	Viewer    org.Viewer
	Env       string
	ActingOrg string
	TokenID   string
	TokenExp  time.Time
}

// Errors. The api package maps each to fiskaly's status and code.
var (
	ErrTSSNotFound         = errors.New("TSS not found")
	ErrTSSForeign          = errors.New("the TSS is signed on another fiskaldesk instance and synced here; change it there")
	ErrTSSConflict         = errors.New("TSS exists and is not in state CREATED")
	ErrTSSLimit            = errors.New("TSS limit reached")
	ErrIllegalStateChange  = errors.New("illegal TSS state change")
	ErrTSSNotInitialized   = errors.New("TSS is not initialized")
	ErrTSSDisabled         = errors.New("TSS is disabled")
	ErrAdminRequired       = errors.New("admin authentication required")
	ErrPINBlocked          = errors.New("admin PIN blocked")
	ErrPINWrong            = errors.New("wrong admin PIN")
	ErrPUKWrong            = errors.New("ERROR_AUTHENTICATION_FAILED (UNBLOCK_RESULT_FAILED)")
	ErrChangePIN           = errors.New("the admin PIN can be set only while the TSS is UNINITIALIZED or INITIALIZED")
	ErrClientNotFound      = errors.New("client not found")
	ErrClientConflict      = errors.New("Client or pending request for this client_id already exists in the system (client_id must be unique system-wide)")
	ErrClientSerialTaken   = errors.New("a client with this serial number exists in this TSS")
	ErrClientLimit         = errors.New("client limit reached")
	ErrClientDeregistered  = errors.New("client is deregistered")
	ErrIllegalClientSerial = errors.New("illegal client serial number")
	ErrTxNotFound          = errors.New("transaction not found")
	ErrTxRevisionNotFound  = errors.New("transaction revision not found; check latest_revision")
	ErrTxLimit             = errors.New("limit of active transactions reached")
	ErrTxIllegalTypeChange = errors.New("the process type of a transaction cannot change")
	ErrTxNoType            = errors.New("no process type defined for this transaction")
	ErrLogNotFound         = errors.New("log not found")
	// ErrTxConflict: a revision repeated with another request.
	ErrTxConflict = errors.New("conflicting request for an existing revision")
)

// UpsertError is fiskaly's E_TX_UPSERT with a reason.
type UpsertError struct{ Msg string }

func (e *UpsertError) Error() string { return e.Msg }

// ValidationError names a wrong field (E_FAILED_SCHEMA_VALIDATION).
type ValidationError = org.ValidationError
