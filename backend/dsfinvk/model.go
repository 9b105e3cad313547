package dsfinvk

import (
	"encoding/json"
	"errors"
)

// Version is the DSFinV-K API version fiskaldesk follows (`_version`).
const Version = "1.27.4"

// TaxonomyVersion is the DFKA taxonomy written into cashpointclosing.csv.
const TaxonomyVersion = "2.3"

// VatDefinition is a VAT key (UST_SCHLUESSEL). Ids 1–7 are predefined.
type VatDefinition struct {
	ExportID     uint32            `json:"vat_definition_export_id"`
	Percentage   float64           `json:"percentage"`
	Description  string            `json:"description,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	Revision     int               `json:"revision"`
	TimeCreation int64             `json:"time_creation,omitempty"`
	TimeUpdate   int64             `json:"time_update,omitempty"`
	Type         string            `json:"_type"`
	Env          string            `json:"_env"`
	Version      string            `json:"_version"`
}

// predefinedVAT are the DSFinV-K keys 1–7 (fiskaly-api §8.3).
var predefinedVAT = []VatDefinition{
	{ExportID: 1, Percentage: 19, Description: "Regelsteuersatz"},
	{ExportID: 2, Percentage: 7, Description: "Ermäßigter Steuersatz"},
	{ExportID: 3, Percentage: 10.7, Description: "Durchschnittsatz (§ 24 Abs. 1 Nr. 3 UStG)"},
	{ExportID: 4, Percentage: 5.5, Description: "Durchschnittsatz (§ 24 Abs. 1 Nr. 1 UStG)"},
	{ExportID: 5, Percentage: 0, Description: "Nicht Steuerbar"},
	{ExportID: 6, Percentage: 0, Description: "Umsatzsteuerfrei"},
	{ExportID: 7, Percentage: 0, Description: "UmsatzsteuerNichtErmittelbar"},
}

// RegisterType is the cash_register_type object of an upsert.
type RegisterType struct {
	Type                     string `json:"type"`
	TSSID                    string `json:"tss_id,omitempty"`
	MasterClientID           string `json:"master_client_id,omitempty"`
	SerialNumber             string `json:"serial_number,omitempty"`
	SignatureAlgorithm       string `json:"signature_algorithm,omitempty"`
	SignatureTimestampFormat string `json:"signature_timestamp_format,omitempty"`
	TransactionDataEncoding  string `json:"transaction_data_encoding,omitempty"`
	PublicKey                string `json:"public_key,omitempty"`
	Certificate              string `json:"certificate,omitempty"`
}

// RegisterInput is the body of PUT /cash_registers/{client_id}.
type RegisterInput struct {
	CashRegisterType RegisterType      `json:"cash_register_type"`
	Brand            string            `json:"brand"`
	Model            string            `json:"model"`
	Software         Software          `json:"software"`
	BaseCurrencyCode string            `json:"base_currency_code"`
	ProcessingFlags  ProcessingFlags   `json:"processing_flags"`
	Metadata         map[string]string `json:"metadata"`
}

type Software struct {
	Brand   string `json:"brand,omitempty"`
	Version string `json:"version,omitempty"`
}

type ProcessingFlags struct {
	UmsatzsteuerNichtErmittelbar bool `json:"UmsatzsteuerNichtErmittelbar"`
}

// CashRegister is the flattened cash register resource (§8.2).
type CashRegister struct {
	CashRegisterType string            `json:"cash_register_type"`
	ClientID         string            `json:"client_id"`
	Revision         uint32            `json:"revision"`
	TSSID            string            `json:"tss_id,omitempty"`
	MasterClientID   string            `json:"master_client_id,omitempty"`
	Brand            string            `json:"brand"`
	Model            string            `json:"model"`
	Software         Software          `json:"software"`
	BaseCurrencyCode string            `json:"base_currency_code"`
	ProcessingFlags  ProcessingFlags   `json:"processing_flags"`
	Metadata         map[string]string `json:"metadata,omitempty"`
	TimeCreation     int64             `json:"time_creation"`
	TimeUpdate       int64             `json:"time_update"`
	Type             string            `json:"_type"`
	Env              string            `json:"_env"`
	Version          string            `json:"_version"`
	SignAPIVersion   int               `json:"sign_api_version"`
	// The TSE of the register (tse.csv): from its SIGN DE TSS, or given
	// for an external TSS.
	SerialNumber             string `json:"serial_number,omitempty"`
	SignatureAlgorithm       string `json:"signature_algorithm,omitempty"`
	SignatureTimestampFormat string `json:"signature_timestamp_format,omitempty"`
	TransactionDataEncoding  string `json:"transaction_data_encoding,omitempty"`
	PublicKey                string `json:"public_key,omitempty"`
	Certificate              string `json:"certificate,omitempty"`
	// ClientSerial is the register's serial (KASSE_SERIENNR, Z_KASSE_ID).
	ClientSerial string `json:"client_serial_number,omitempty"`
}

// Address of a purchaser agency.
type Address struct {
	Street      string `json:"street"`
	PostalCode  string `json:"postal_code"`
	City        string `json:"city"`
	CountryCode string `json:"country_code"`
}

// PurchaserAgency is an agency (Stamm_Agenturen).
type PurchaserAgency struct {
	ID                      string            `json:"purchaser_agency_id"`
	PurchaserAgencyExportID int               `json:"purchaser_agency_export_id"`
	ClientID                string            `json:"client_id"`
	Name                    string            `json:"name"`
	Address                 Address           `json:"address"`
	TaxNumber               string            `json:"tax_number,omitempty"`
	VatIDNumber             string            `json:"vat_id_number,omitempty"`
	Metadata                map[string]string `json:"metadata,omitempty"`
	TimeCreation            int64             `json:"time_creation"`
	Type                    string            `json:"_type"`
	Env                     string            `json:"_env"`
	Version                 string            `json:"_version"`
}

// Closing is the cash point closing body (§8.3), the parts fiskaldesk
// uses; everything else is kept verbatim in Raw and returned by /details.
type Closing struct {
	ClientID      string            `json:"client_id"`
	ExportID      *int64            `json:"cash_point_closing_export_id"`
	Head          *ClosingHead      `json:"head"`
	CashStatement *CashStatement    `json:"cash_statement"`
	Transactions  []Transaction     `json:"transactions"`
	Metadata      map[string]string `json:"metadata"`
}

type ClosingHead struct {
	ExportCreationDate       int64  `json:"export_creation_date"`
	FirstTransactionExportID string `json:"first_transaction_export_id"`
	LastTransactionExportID  string `json:"last_transaction_export_id"`
	BusinessDate             string `json:"business_date,omitempty"`
}

type CashStatement struct {
	BusinessCases []BusinessCase `json:"business_cases"`
	Payment       Payment        `json:"payment"`
}

type BusinessCase struct {
	Type              string      `json:"type"`
	Name              string      `json:"name,omitempty"`
	PurchaserAgencyID string      `json:"purchaser_agency_id,omitempty"`
	AmountsPerVatID   []VatAmount `json:"amounts_per_vat_id"`
}

type VatAmount struct {
	VatDefinitionExportID uint32  `json:"vat_definition_export_id"`
	InclVat               float64 `json:"incl_vat"`
	ExclVat               float64 `json:"excl_vat"`
	Vat                   float64 `json:"vat"`
}

type Payment struct {
	FullAmount            float64          `json:"full_amount"`
	CashAmount            float64          `json:"cash_amount"`
	CashAmountsByCurrency []CurrencyAmount `json:"cash_amounts_by_currency"`
	PaymentTypes          []PaymentType    `json:"payment_types"`
}

type CurrencyAmount struct {
	CurrencyCode string  `json:"currency_code"`
	Amount       float64 `json:"amount"`
}

type PaymentType struct {
	Type          string   `json:"type"`
	Name          string   `json:"name,omitempty"`
	CurrencyCode  string   `json:"currency_code"`
	Amount        float64  `json:"amount"`
	ForeignAmount *float64 `json:"foreign_amount,omitempty"`
}

type Transaction struct {
	Head     TxHead     `json:"head"`
	Data     TxData     `json:"data"`
	Security TxSecurity `json:"security"`
}

type TxHead struct {
	TxID                string      `json:"tx_id,omitempty"`
	TransactionExportID string      `json:"transaction_export_id"`
	ClosingClientID     string      `json:"closing_client_id"`
	Type                string      `json:"type"`
	Name                string      `json:"name,omitempty"`
	Storno              bool        `json:"storno"`
	Number              int64       `json:"number"`
	TimestampStart      int64       `json:"timestamp_start"`
	TimestampEnd        int64       `json:"timestamp_end"`
	User                *Party      `json:"user,omitempty"`
	Buyer               *Buyer      `json:"buyer,omitempty"`
	References          []Reference `json:"references,omitempty"`
}

type Party struct {
	UserExportID string `json:"user_export_id"`
	Name         string `json:"name,omitempty"`
}

type Buyer struct {
	Name          string `json:"name"`
	BuyerExportID string `json:"buyer_export_id"`
	Type          string `json:"type"`
}

type Reference struct {
	Type                     string `json:"type"`
	Name                     string `json:"name,omitempty"`
	Date                     int64  `json:"date,omitempty"`
	CashPointClosingExportID int64  `json:"cash_point_closing_export_id,omitempty"`
	CashRegisterExportID     string `json:"cash_register_export_id,omitempty"`
	TransactionExportID      string `json:"transaction_export_id,omitempty"`
	ExternalExportID         string `json:"external_export_id,omitempty"`
}

type TxData struct {
	FullAmountInclVat float64       `json:"full_amount_incl_vat"`
	PaymentTypes      []PaymentType `json:"payment_types"`
	AmountsPerVatID   []VatAmount   `json:"amounts_per_vat_id"`
	Lines             []Line        `json:"lines"`
}

type Line struct {
	BusinessCase     BusinessCase `json:"business_case"`
	LineitemExportID string       `json:"lineitem_export_id"`
	Storno           bool         `json:"storno"`
	Text             string       `json:"text"`
	Item             Item         `json:"item"`
}

type Item struct {
	Number       string  `json:"number,omitempty"`
	Quantity     float64 `json:"quantity"`
	PricePerUnit float64 `json:"price_per_unit"`
}

type TxSecurity struct {
	TSSTxID      string `json:"tss_tx_id,omitempty"`
	ErrorMessage string `json:"error_message,omitempty"`
}

// Closing states.
const (
	StatePending   = "PENDING"
	StateWorking   = "WORKING"
	StateCompleted = "COMPLETED"
	StateError     = "ERROR"
	StateDeleted   = "DELETED"
	StateCancelled = "CANCELLED"
)

// ClosingView is the cash point closing resource (GET/list).
type ClosingView struct {
	ClosingID                string            `json:"closing_id"`
	CashPointClosingExportID int64             `json:"cash_point_closing_export_id"`
	State                    string            `json:"state"`
	Error                    *ErrorInfo        `json:"error,omitempty"`
	ClientID                 string            `json:"client_id"`
	BusinessDate             string            `json:"business_date,omitempty"`
	FirstTransactionExportID string            `json:"first_transaction_export_id"`
	LastTransactionExportID  string            `json:"last_transaction_export_id"`
	ExportCreationDate       int64             `json:"export_creation_date"`
	FullAmount               float64           `json:"full_amount"`
	CashAmount               float64           `json:"cash_amount"`
	Metadata                 map[string]string `json:"metadata,omitempty"`
	TimeCreation             int64             `json:"time_creation"`
	TimeUpdate               int64             `json:"time_update"`
	TimeDeleted              int64             `json:"time_deleted,omitempty"`
	Type                     string            `json:"_type"`
	Env                      string            `json:"_env"`
	Version                  string            `json:"_version"`
	SignAPIVersion           int               `json:"sign_api_version"`
	TaxonomyVersion          string            `json:"taxonomy_version"`
}

type ErrorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Report is one finding of a closing's validation.
type Report struct {
	ClosingID    string `json:"cash_point_closing_id"`
	ReportID     string `json:"report_id"`
	Code         string `json:"code"`
	Severity     string `json:"severity"` // INFO, WARNING
	Message      string `json:"message"`
	TimeCreation int64  `json:"time_creation"`
}

// ClosingDetails is a closing as its client inserted it, with its state
// (GET …/cash_point_closings/{id}/details).
type ClosingDetails struct {
	Env     string `json:"_env"`
	Type    string `json:"_type"`
	Version string `json:"_version"`
	// CashPointClosing is the body of the insert, as sent.
	CashPointClosing json.RawMessage `json:"cash_point_closing"`
	ClosingID        string          `json:"closing_id"`
	State            string          `json:"state"`
}

type closingRecord struct {
	V           int             `json:"v"`
	View        ClosingView     `json:"view"`
	Body        json.RawMessage `json:"body"`
	RequestHash string          `json:"request_hash"`
	Reports     []Report        `json:"reports,omitempty"`
}

// Export is a DSFinV-K export (§8.3 Export resource).
type Export struct {
	ID                string            `json:"_id"`
	Type              string            `json:"_type"`
	Env               string            `json:"_env"`
	Version           string            `json:"_version"`
	State             string            `json:"state"`
	Error             *ErrorInfo        `json:"error,omitempty"`
	Format            string            `json:"format"`
	TimeRequest       int64             `json:"time_request"`
	TimeStart         int64             `json:"time_start,omitempty"`
	TimeCompleted     int64             `json:"time_completed,omitempty"`
	TimeExpiration    int64             `json:"time_expiration,omitempty"`
	TimeError         int64             `json:"time_error,omitempty"`
	CashPointClosings []string          `json:"cash_point_closings"`
	Metadata          map[string]string `json:"metadata,omitempty"`
	SignAPIVersion    int               `json:"sign_api_version"`
	// Extension: the parameters it was triggered with.
	Parameters ExportParams `json:"parameters"`
	Size       int64        `json:"size,omitempty"`
	// Extension: master data the files will carry although it is a
	// placeholder or missing (org.MasterDataGaps), said before the export
	// is relied on.
	Warnings []Warning `json:"warnings,omitempty"`
}

// Warning is a finding about an export's data that does not stop it.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WarnPlaceholderMasterData: the organization's master data holds placeholders.
const WarnPlaceholderMasterData = "W_PLACEHOLDER_MASTER_DATA"

// ExportParams are the body of PUT /exports/{id}.
type ExportParams struct {
	Format            string `json:"format"`
	ClientID          string `json:"client_id,omitempty"`
	StartDate         int64  `json:"start_date,omitempty"`
	EndDate           int64  `json:"end_date,omitempty"`
	BusinessDateStart string `json:"business_date_start,omitempty"`
	BusinessDateEnd   string `json:"business_date_end,omitempty"`
}

// Errors mapped by the api package.
var (
	ErrRegisterNotFound = errors.New("Cash Register does not exist! Check for a matching sign_api_version.")
	ErrRegisterConflict = errors.New("the cash register type cannot change")
	ErrVatNotFound      = errors.New("VAT definition not found")
	ErrAgencyNotFound   = errors.New("purchaser agency not found")
	ErrClosingNotFound  = errors.New("cash point closing not found")
	ErrClosingConflict  = errors.New("the closing id exists with another request")
	ErrClosingState     = errors.New("the cash point closing cannot be deleted in its state")
	ErrExportNotFound   = errors.New("export not found")
	ErrExportConflict   = errors.New("Export ID has already been used.")
	ErrNothingToExport  = errors.New("no completed cash point closing matches the export")
	ErrExportNotReady   = errors.New("export not completed")
)
