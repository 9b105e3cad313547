package dsfinvk

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/paging"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// Service runs the DSFinV-K API.
type Service struct {
	st   *store.Store
	orgs *org.Service
	tss  *tss.Service
	now  func() time.Time
	dir  string
	log  zerolog.Logger
	jobs *jobs.Runner // nil until Start
}

// NewService returns the DSFinV-K service.
func NewService(st *store.Store, orgs *org.Service, signer *tss.Service) *Service {
	return &Service{st: st, orgs: orgs, tss: signer, now: time.Now}
}

// ExportLifetime is how long a DSFinV-K export file stays (≈ the cloud's 28 days).
const ExportLifetime = 28 * 24 * time.Hour

// Job kinds of the DSFinV-K API; a job's ref is "<org>/<env>/<id>".
const (
	ClosingJob = "dsfinvk-closing"
	ExportJob  = "dsfinvk-export"
)

// Start registers the background work with the job runner — closing
// validation, serial across runners because the Z_NR check relies on
// insertion order, and export building, files going into dir — and
// turns the queue entries a store from before the runner left into jobs.
// Start the runner afterwards.
func (s *Service) Start(ctx context.Context, r *jobs.Runner, dir string, log zerolog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	s.dir, s.log, s.jobs = dir, log, r
	run := func(work func(ctx context.Context, run *jobs.Run, o, env, id string) error) jobs.Handler {
		return func(ctx context.Context, run *jobs.Run) error {
			parts := strings.SplitN(run.Job.Ref, "/", 3)
			if len(parts) != 3 {
				return fmt.Errorf("dsfinvk job ref %q", run.Job.Ref)
			}
			return work(ctx, run, parts[0], parts[1], parts[2])
		}
	}
	if err := r.Register(jobs.Kind{Name: ClosingJob, Workers: 1, Serial: true, Run: run(s.validate)}); err != nil {
		return err
	}
	if err := r.Register(jobs.Kind{Name: ExportJob, Workers: 1, Run: run(s.buildExport)}); err != nil {
		return err
	}
	return s.st.Update(ctx, func(txn store.Tx) error {
		var old [][]byte
		for _, kind := range []string{"closing", "export"} {
			if err := store.ScanKeys(txn, store.DKQueuePrefix(kind), func(k []byte) error {
				old = append(old, bytes.Clone(k))
				return nil
			}); err != nil {
				return err
			}
		}
		for _, k := range old {
			kind, id, ok := store.ParseDKQueueKey(k)
			if !ok {
				return fmt.Errorf("dsfinvk queue key %q", k)
			}
			scope, err := txn.Get(k)
			if err != nil {
				return err
			}
			job := map[string]string{"closing": ClosingJob, "export": ExportJob}[kind]
			if job == "" {
				return fmt.Errorf("dsfinvk queue key %q: unknown kind", k)
			}
			if _, err := jobs.Enqueue(txn, job, string(scope)+"/"+id, nil); err != nil {
				return err
			}
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

func jobRef(o, env, id string) string { return o + "/" + env + "/" + id }

// notify starts queued or cancelled jobs at once.
func (s *Service) notify() {
	if s.jobs != nil {
		s.jobs.Notify()
	}
}

// scope checks that c may act for its org and returns org and env.
func (s *Service) scope(c tss.Caller) (string, string, error) {
	if _, _, err := s.orgs.Get(c.Viewer, c.ActingOrg); err != nil {
		return "", "", err
	}
	return c.ActingOrg, c.Env, nil
}

// systemCaller acts for an org in background jobs.
func systemCaller(orgID, env string) tss.Caller {
	return tss.Caller{Viewer: org.Viewer{Roots: map[string]org.Role{orgID: org.RoleAdmin}, Actor: audit.System}, Env: env, ActingOrg: orgID}
}

// ---- VAT definitions ----

// VatDefinitions lists the predefined keys and the org's custom ones.
func (s *Service) VatDefinitions(c tss.Caller) ([]VatDefinition, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(predefinedVAT)
	for i := range out {
		out[i].Type, out[i].Env, out[i].Version = "VAT_DEFINITION", env, Version
	}
	err = s.st.View(func(txn store.Tx) error {
		return store.ScanJSON(txn, store.DKVatPrefix(o, env), func(v VatDefinition) error {
			out = append(out, v)
			return nil
		})
	})
	return out, err
}

// VatDefinition returns one key.
func (s *Service) VatDefinition(c tss.Caller, id uint32) (*VatDefinition, error) {
	all, err := s.VatDefinitions(c)
	if err != nil {
		return nil, err
	}
	for _, v := range all {
		if v.ExportID == id {
			return &v, nil
		}
	}
	return nil, ErrVatNotFound
}

// PutVatDefinition creates or updates a custom key (ids ≥ 1000).
func (s *Service) PutVatDefinition(ctx context.Context, c tss.Caller, id uint32, in VatDefinition) (*VatDefinition, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	if id < 1000 {
		return nil, &org.ValidationError{Field: "vat_definition_export_id", Msg: "custom VAT definitions need an id of 1000 or more"}
	}
	if in.Percentage < 0 || in.Percentage > 100 {
		return nil, &org.ValidationError{Field: "percentage", Msg: "must be 0 to 100"}
	}
	var out VatDefinition
	err = s.st.Update(ctx, func(txn store.Tx) error {
		old, err := store.GetJSON[VatDefinition](txn, store.DKVatKey(o, env, id))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := s.now().Unix()
		out = VatDefinition{ExportID: id, Percentage: in.Percentage, Description: in.Description, Metadata: in.Metadata,
			TimeCreation: now, TimeUpdate: now, Type: "VAT_DEFINITION", Env: env, Version: Version}
		if err == nil {
			out.TimeCreation, out.Revision = old.TimeCreation, old.Revision+1
		}
		return store.PutJSON(txn, store.DKVatKey(o, env, id), out)
	})
	return &out, err
}

// ---- cash registers ----

var currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)

// PutRegister creates a new revision of the cash register client_id.
func (s *Service) PutRegister(ctx context.Context, c tss.Caller, clientID string, in RegisterInput) (*CashRegister, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	rt := in.CashRegisterType
	switch {
	case rt.Type != "MASTER" && rt.Type != "SLAVE_WITH_TSS" && rt.Type != "SLAVE_WITHOUT_TSS":
		return nil, &org.ValidationError{Field: "cash_register_type.type", Msg: "must be MASTER, SLAVE_WITH_TSS or SLAVE_WITHOUT_TSS"}
	case in.Brand == "" || utf8.RuneCountInString(in.Brand) > 50:
		return nil, &org.ValidationError{Field: "brand", Msg: "is required (1 to 50 characters)"}
	case in.Model == "" || utf8.RuneCountInString(in.Model) > 50:
		return nil, &org.ValidationError{Field: "model", Msg: "is required (1 to 50 characters)"}
	case in.Software.Brand == "" && in.Software.Version == "":
		return nil, &org.ValidationError{Field: "software", Msg: "needs brand or version"}
	case !currencyRe.MatchString(in.BaseCurrencyCode):
		return nil, &org.ValidationError{Field: "base_currency_code", Msg: "must be an ISO 4217 code such as EUR"}
	case rt.Type != "SLAVE_WITHOUT_TSS" && rt.TSSID == "" && rt.SerialNumber == "":
		return nil, &org.ValidationError{Field: "cash_register_type.tss_id", Msg: "a register with TSS needs tss_id, or the fields of an external TSS"}
	case rt.Type != "MASTER" && rt.MasterClientID == "":
		return nil, &org.ValidationError{Field: "cash_register_type.master_client_id", Msg: "is required for SLAVE registers"}
	}
	now := s.now().Unix()
	reg := CashRegister{CashRegisterType: rt.Type, ClientID: clientID, TSSID: rt.TSSID, MasterClientID: rt.MasterClientID,
		Brand: in.Brand, Model: in.Model, Software: in.Software, BaseCurrencyCode: in.BaseCurrencyCode, ProcessingFlags: in.ProcessingFlags,
		Metadata: in.Metadata, TimeCreation: now, TimeUpdate: now, Type: "CASH_REGISTER", Env: env, Version: Version, SignAPIVersion: 2,
		SerialNumber: rt.SerialNumber, SignatureAlgorithm: rt.SignatureAlgorithm, SignatureTimestampFormat: rt.SignatureTimestampFormat,
		TransactionDataEncoding: rt.TransactionDataEncoding, PublicKey: rt.PublicKey, Certificate: rt.Certificate, ClientSerial: rt.SerialNumber}
	if rt.TSSID != "" {
		// A SIGN DE TSS: the client must be registered there; its TSE data fills tse.csv.
		cl, err := s.tss.GetClient(c, rt.TSSID, clientID)
		if err != nil {
			return nil, err
		}
		t, err := s.tss.Get(c, rt.TSSID)
		if err != nil {
			return nil, err
		}
		reg.ClientSerial, reg.SerialNumber, reg.PublicKey, reg.Certificate = cl.SerialNumber, t.SerialNumber, t.PublicKey, t.Certificate
		reg.SignatureAlgorithm, reg.SignatureTimestampFormat, reg.TransactionDataEncoding = t.SignatureAlgorithm, t.SignatureTimestampFmt, t.TransactionDataEnc
	}
	if reg.ClientSerial == "" {
		reg.ClientSerial = clientID
	}
	err = s.st.Update(ctx, func(txn store.Tx) error {
		old, err := store.GetJSON[CashRegister](txn, store.DKRegisterKey(o, env, clientID))
		if err == nil {
			if old.CashRegisterType != reg.CashRegisterType {
				return ErrRegisterConflict
			}
			reg.TimeCreation, reg.Revision = old.TimeCreation, old.Revision+1
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := store.PutJSON(txn, store.DKRegisterKey(o, env, clientID), reg); err != nil {
			return err
		}
		return store.PutJSON(txn, store.DKRegisterRevKey(o, env, clientID, reg.Revision), reg)
	})
	return &reg, err
}

// Register returns a cash register, or one of its revisions (rev ≥ 0).
func (s *Service) Register(c tss.Caller, clientID string, rev int) (*CashRegister, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	return s.register(o, env, clientID, rev)
}

func (s *Service) register(o, env, clientID string, rev int) (*CashRegister, error) {
	k := store.DKRegisterKey(o, env, clientID)
	if rev >= 0 {
		k = store.DKRegisterRevKey(o, env, clientID, uint32(rev))
	}
	var r CashRegister
	err := s.st.View(func(txn store.Tx) (err error) {
		r, err = store.GetJSON[CashRegister](txn, k)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrRegisterNotFound
	}
	return &r, err
}

// Registers lists the cash registers of c's org.
func (s *Service) Registers(c tss.Caller, limit, offset int) ([]CashRegister, int, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, 0, err
	}
	var out []CashRegister
	err = s.st.View(func(txn store.Tx) error {
		return store.ScanJSON(txn, store.DKRegisterPrefix(o, env), func(r CashRegister) error {
			out = append(out, r)
			return nil
		})
	})
	return paging.Page(out, limit, offset), len(out), err
}

// ---- purchaser agencies ----

// agencyVatIDRe is the cloud's pattern for an agency's vat_id_number.
var agencyVatIDRe = regexp.MustCompile(`^[A-Z]{2}.{1,13}$`)

// PutAgency creates or replaces a purchaser agency. The limits are the
// cloud's and pa.csv's (name 60, street 60, postal code 10, city 62, tax
// number 20 characters).
func (s *Service) PutAgency(ctx context.Context, c tss.Caller, id string, in PurchaserAgency) (*PurchaserAgency, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	switch {
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 60:
		return nil, &org.ValidationError{Field: "name", Msg: "is required (1 to 60 characters)"}
	case in.ClientID == "":
		return nil, &org.ValidationError{Field: "client_id", Msg: "is required"}
	case !org.ValidCountry(in.Address.CountryCode):
		return nil, &org.ValidationError{Field: "address.country_code", Msg: "must be ISO 3166-1 alpha-3"}
	case (in.TaxNumber == "") == (in.VatIDNumber == ""):
		return nil, &org.ValidationError{Field: "tax_number", Msg: "give tax_number or vat_id_number, not both"}
	case in.PurchaserAgencyExportID < 0:
		return nil, &org.ValidationError{Field: "purchaser_agency_export_id", Msg: "must not be negative"}
	case utf8.RuneCountInString(in.Address.Street) > 60:
		return nil, &org.ValidationError{Field: "address.street", Msg: "must have at most 60 characters"}
	case utf8.RuneCountInString(in.Address.PostalCode) > 10:
		return nil, &org.ValidationError{Field: "address.postal_code", Msg: "must have at most 10 characters"}
	case utf8.RuneCountInString(in.Address.City) > 62:
		return nil, &org.ValidationError{Field: "address.city", Msg: "must have at most 62 characters"}
	case utf8.RuneCountInString(in.TaxNumber) > 20:
		return nil, &org.ValidationError{Field: "tax_number", Msg: "must have at most 20 characters"}
	case in.VatIDNumber != "" && !agencyVatIDRe.MatchString(in.VatIDNumber):
		return nil, &org.ValidationError{Field: "vat_id_number", Msg: "must be a VAT id such as DE123456789"}
	}
	in.ID, in.Type, in.Env, in.Version, in.TimeCreation = id, "PURCHASER_AGENCY", env, Version, s.now().Unix()
	return &in, s.st.Update(ctx, func(txn store.Tx) error { return store.PutJSON(txn, store.DKAgencyKey(o, env, id), in) })
}

// Agency returns a purchaser agency.
func (s *Service) Agency(c tss.Caller, id string) (*PurchaserAgency, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	var a PurchaserAgency
	err = s.st.View(func(txn store.Tx) (err error) {
		a, err = store.GetJSON[PurchaserAgency](txn, store.DKAgencyKey(o, env, id))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrAgencyNotFound
	}
	return &a, err
}

// Agencies lists the purchaser agencies.
func (s *Service) Agencies(c tss.Caller, limit, offset int) ([]PurchaserAgency, int, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, 0, err
	}
	var out []PurchaserAgency
	err = s.st.View(func(txn store.Tx) error {
		return store.ScanJSON(txn, store.DKAgencyPrefix(o, env), func(a PurchaserAgency) error {
			out = append(out, a)
			return nil
		})
	})
	return paging.Page(out, limit, offset), len(out), err
}

// ---- cash point closings ----

// InsertClosing stores a closing as PENDING and queues its validation.
// The same id with the same body returns the existing closing.
func (s *Service) InsertClosing(ctx context.Context, c tss.Caller, id string, body []byte) (*ClosingView, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	body = lenientClosing(body)
	var cl Closing
	if err := json.Unmarshal(body, &cl); err != nil {
		return nil, &org.ValidationError{Field: "body", Msg: err.Error()}
	}
	switch {
	case cl.ClientID == "":
		return nil, &org.ValidationError{Field: "client_id", Msg: "is required"}
	case cl.ExportID == nil || *cl.ExportID < 0 || *cl.ExportID > math.MaxInt32:
		return nil, &org.ValidationError{Field: "cash_point_closing_export_id", Msg: "is required (0 to 2147483647)"}
	case cl.Head == nil:
		return nil, &org.ValidationError{Field: "head", Msg: "is required"}
	case cl.CashStatement == nil:
		return nil, &org.ValidationError{Field: "cash_statement", Msg: "is required"}
	case cl.Transactions == nil:
		return nil, &org.ValidationError{Field: "transactions", Msg: "is required"}
	}
	if err := org.ValidateMetadata("metadata", cl.Metadata); err != nil {
		return nil, err
	}
	reg, err := s.register(o, env, cl.ClientID, -1)
	if err != nil {
		return nil, err
	}
	if reg.CashRegisterType != "MASTER" {
		return nil, &org.ValidationError{Field: "client_id", Msg: "cash point closings are inserted for MASTER registers only"}
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	var view ClosingView
	created := false
	err = s.st.Update(ctx, func(txn store.Tx) error {
		created = false
		old, err := store.GetJSON[closingRecord](txn, store.DKClosingKey(o, env, id))
		if err == nil {
			if old.RequestHash != hash {
				return ErrClosingConflict
			}
			view = old.View
			return nil
		}
		now := s.now().Unix()
		view = ClosingView{ClosingID: id, CashPointClosingExportID: *cl.ExportID, State: StatePending, ClientID: cl.ClientID,
			BusinessDate: cl.Head.BusinessDate, FirstTransactionExportID: cl.Head.FirstTransactionExportID, LastTransactionExportID: cl.Head.LastTransactionExportID,
			ExportCreationDate: cl.Head.ExportCreationDate, FullAmount: cl.CashStatement.Payment.FullAmount, CashAmount: cl.CashStatement.Payment.CashAmount,
			Metadata: cl.Metadata, TimeCreation: now, TimeUpdate: now, Type: "CASH_POINT_CLOSING", Env: env, Version: Version, SignAPIVersion: 2, TaxonomyVersion: TaxonomyVersion}
		if err := store.PutJSON(txn, store.DKClosingKey(o, env, id), closingRecord{V: 1, View: view, Body: body, RequestHash: hash}); err != nil {
			return err
		}
		created, err = jobs.Enqueue(txn, ClosingJob, jobRef(o, env, id), nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	if created {
		s.notify()
	}
	return &view, nil
}

// The MaxLength of index.xml for the keys the export writes from a
// closing: a longer value is cut (cell), which can make two keys equal.
const (
	maxBonID   = 40 // BON_ID
	maxKasseID = 50 // Z_KASSE_ID
)

func near(a, b float64) bool { return math.Abs(a-b) < 0.005 }

// validate checks a closing against its register, the closing numbers and
// the signed transactions, and stores COMPLETED with reports, or ERROR.
func (s *Service) validate(ctx context.Context, _ *jobs.Run, o, env, id string) error {
	var rec closingRecord
	if err := s.st.View(func(txn store.Tx) (err error) {
		rec, err = store.GetJSON[closingRecord](txn, store.DKClosingKey(o, env, id))
		return err
	}); err != nil {
		return err
	}
	if rec.View.State != StatePending && rec.View.State != StateWorking {
		return nil // deleted meanwhile
	}
	var cl Closing
	if err := json.Unmarshal(rec.Body, &cl); err != nil {
		return fmt.Errorf("stored closing %s: %w", id, err)
	}
	now := s.now().Unix()
	var reports []Report
	warn := func(code, format string, a ...any) {
		reports = append(reports, Report{ClosingID: id, ReportID: uuid.NewString(), Code: code, Severity: "WARNING", Message: fmt.Sprintf(format, a...), TimeCreation: now})
	}
	var fail *ErrorInfo
	reg, err := s.register(o, env, cl.ClientID, -1)
	if err != nil {
		fail = &ErrorInfo{"E_CLIENT_NOT_FOUND", "Client or Cash Register does not exist."}
	}
	p := cl.CashStatement.Payment
	var sumTypes, sumCash, sumTx float64
	for _, pt := range p.PaymentTypes {
		sumTypes += pt.Amount
		if pt.Type == "Bar" {
			sumCash += pt.Amount
		}
	}
	if len(p.PaymentTypes) == 0 {
		warn("W_MISSING_FIELD", "cash_statement.payment.payment_types is empty; at least one payment type is expected")
	} else if !near(sumTypes, p.FullAmount) {
		warn("W_INCONSISTENT_AMOUNT", "cash_statement.payment.full_amount %.2f differs from the sum of payment_types %.2f", p.FullAmount, sumTypes)
	}
	if !near(sumCash, p.CashAmount) {
		warn("W_INCONSISTENT_AMOUNT", "cash_statement.payment.cash_amount %.2f differs from the sum of Bar payment types %.2f", p.CashAmount, sumCash)
	}
	if reg != nil {
		if n := utf8.RuneCountInString(reg.ClientSerial); n > maxKasseID {
			warn("W_FIELD_TOO_LONG", "the register's serial %q (Z_KASSE_ID) has %d characters; index.xml allows %d, so exports cut it", reg.ClientSerial, n, maxKasseID)
		}
	}
	if cl.Head.BusinessDate == "" {
		warn("W_MISSING_FIELD", "head.business_date is missing; Z_BUCHUNGSTAG stays empty")
	}
	ids := map[string]bool{}
	for i, tx := range cl.Transactions {
		ids[tx.Head.TransactionExportID] = true
		if movesMoney(tx.Head.Type) {
			sumTx += tx.Data.FullAmountInclVat
		}
		if tx.Head.TransactionExportID == "" {
			warn("W_MISSING_FIELD", "transactions[%d].head.transaction_export_id (BON_ID) is missing", i)
		} else if n := utf8.RuneCountInString(tx.Head.TransactionExportID); n > maxBonID {
			warn("W_FIELD_TOO_LONG", "transactions[%d].head.transaction_export_id (BON_ID) has %d characters; index.xml allows %d, so exports cut it and references may no longer be unique", i, n, maxBonID)
		}
		if tx.Head.User == nil {
			warn("W_MISSING_FIELD", "transactions[%d].head.user is missing (BEDIENER_ID)", i)
		}
		if reg != nil && reg.TSSID != "" && tx.Security.TSSTxID != "" {
			v, err := s.tss.GetTx(systemCaller(o, env), reg.TSSID, tx.Security.TSSTxID, 0)
			if err != nil || v.State != tss.TxFinished {
				warn("W_TSS_TX_NOT_FOUND", "transactions[%d] (BON_ID %s): tss_tx_id %s is not a FINISHED transaction of TSS %s", i, tx.Head.TransactionExportID, tx.Security.TSSTxID, reg.TSSID)
			}
		}
		if tx.Security.TSSTxID == "" && tx.Security.ErrorMessage == "" {
			warn("W_MISSING_FIELD", "transactions[%d] (BON_ID %s) has neither security.tss_tx_id nor security.error_message", i, tx.Head.TransactionExportID)
		}
	}
	// Every VAT key used must be defined: vat.csv would otherwise carry
	// the key with rate 0,00 and no description.
	defs, err := s.VatDefinitions(systemCaller(o, env))
	if err != nil {
		return err
	}
	known, unknown := map[uint32]bool{}, map[uint32]bool{}
	for _, v := range defs {
		known[v.ExportID] = true
	}
	checkVAT := func(as []VatAmount) {
		for _, a := range as {
			if !known[a.VatDefinitionExportID] && !unknown[a.VatDefinitionExportID] {
				unknown[a.VatDefinitionExportID] = true
				warn("W_UNKNOWN_VAT_DEFINITION", "vat_definition_export_id %d is not defined (GET /vat_definitions); vat.csv carries it without rate and description", a.VatDefinitionExportID)
			}
		}
	}
	for _, bc := range cl.CashStatement.BusinessCases {
		checkVAT(bc.AmountsPerVatID)
	}
	for _, tx := range cl.Transactions {
		checkVAT(tx.Data.AmountsPerVatID)
		for _, l := range tx.Data.Lines {
			checkVAT(l.BusinessCase.AmountsPerVatID)
		}
	}
	if len(cl.Transactions) > 0 && !near(sumTx, p.FullAmount) {
		warn("W_INCONSISTENT_AMOUNT", "the transactions add up to %.2f, cash_statement.payment.full_amount is %.2f", sumTx, p.FullAmount)
	}
	for _, f := range []string{cl.Head.FirstTransactionExportID, cl.Head.LastTransactionExportID} {
		if f != "" && len(cl.Transactions) > 0 && !ids[f] {
			warn("W_INCONSISTENT_REFERENCE", "head names transaction %s, which is not among the closing's transactions", f)
		}
	}
	return s.st.Update(ctx, func(txn store.Tx) error {
		cur, err := store.GetJSON[closingRecord](txn, store.DKClosingKey(o, env, id))
		if err != nil {
			return err
		}
		if cur.View.State != StatePending && cur.View.State != StateWorking {
			return nil // deleted while being validated: DELETED stays
		}
		if fail == nil {
			// Z_NR must rise per register: the largest completed one so far.
			var last int64 = -1
			if err := store.ScanKeys(txn, store.DKZNrPrefix(o, env, cl.ClientID), func(k []byte) error {
				_, _, _, znr, ok := store.ParseDKZNrKey(k)
				if !ok {
					return fmt.Errorf("Z_NR key %q", k)
				}
				last = int64(znr)
				return nil
			}); err != nil {
				return err
			}
			if *cl.ExportID <= last {
				fail = &ErrorInfo{"E_CASH_POINT_CLOSING_EXPORT_ID", fmt.Sprintf("cash_point_closing_export_id %d must be greater than the last one of this register (%d)", *cl.ExportID, last)}
			}
		}
		rec.View.TimeUpdate = now
		if fail != nil {
			rec.View.State, rec.View.Error = StateError, fail
		} else {
			rec.View.State = StateCompleted
			if err := txn.Set(store.DKZNrKey(o, env, cl.ClientID, uint32(*cl.ExportID)), []byte(id)); err != nil {
				return err
			}
		}
		rec.Reports = reports
		return store.PutJSON(txn, store.DKClosingKey(o, env, id), rec)
	})
}

func (s *Service) closing(c tss.Caller, id string) (*closingRecord, string, string, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, "", "", err
	}
	var rec closingRecord
	err = s.st.View(func(txn store.Tx) (err error) {
		rec, err = store.GetJSON[closingRecord](txn, store.DKClosingKey(o, env, id))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, o, env, ErrClosingNotFound
	}
	return &rec, o, env, err
}

// GetClosing returns the closing summary.
func (s *Service) GetClosing(c tss.Caller, id string) (*ClosingView, error) {
	rec, _, _, err := s.closing(c, id)
	if err != nil {
		return nil, err
	}
	return &rec.View, nil
}

// ClosingDetails returns the stored closing with its summary.
func (s *Service) ClosingDetails(c tss.Caller, id string) (*ClosingDetails, error) {
	rec, _, _, err := s.closing(c, id)
	if err != nil {
		return nil, err
	}
	return &ClosingDetails{Env: rec.View.Env, Type: "CASH_POINT_CLOSING_DETAILS", Version: Version, CashPointClosing: rec.Body, ClosingID: id, State: rec.View.State}, nil
}

// ClosingReports returns the validation reports of a closing.
func (s *Service) ClosingReports(c tss.Caller, id string) ([]Report, error) {
	rec, _, _, err := s.closing(c, id)
	if err != nil {
		return nil, err
	}
	return rec.Reports, nil
}

// DeleteClosing marks a closing DELETED (and stops its validation).
func (s *Service) DeleteClosing(ctx context.Context, c tss.Caller, id string) (*ClosingView, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	var rec closingRecord
	err = s.st.Update(ctx, func(txn store.Tx) (err error) {
		rec, err = store.GetJSON[closingRecord](txn, store.DKClosingKey(o, env, id))
		if errors.Is(err, store.ErrNotFound) {
			return ErrClosingNotFound
		}
		if err != nil {
			return err
		}
		if rec.View.State != StatePending && rec.View.State != StateWorking && rec.View.State != StateCompleted {
			return ErrClosingState
		}
		var cl Closing
		if err := json.Unmarshal(rec.Body, &cl); err != nil {
			return fmt.Errorf("stored closing %s: %w", id, err)
		}
		rec.View.State, rec.View.TimeDeleted = StateDeleted, s.now().Unix()
		if cl.ExportID != nil {
			if err := txn.Delete(store.DKZNrKey(o, env, cl.ClientID, uint32(*cl.ExportID))); err != nil {
				return err
			}
		}
		if err := jobs.Cancel(txn, ClosingJob, jobRef(o, env, id)); err != nil {
			return err
		}
		return store.PutJSON(txn, store.DKClosingKey(o, env, id), rec)
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return &rec.View, nil
}

// ClosingFilter are the query parameters of the closing list.
type ClosingFilter struct {
	ClientID                           string
	States                             []string
	StartDate, EndDate                 int64
	BusinessDateStart, BusinessDateEnd string
	OrderBy                            string
	Desc                               bool
	Limit, Offset                      int
}

// Closings lists closings.
func (s *Service) Closings(c tss.Caller, f ClosingFilter) ([]ClosingView, int, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, 0, err
	}
	out, err := s.closings(o, env, f)
	if err != nil {
		return nil, 0, err
	}
	return paging.Page(out, f.Limit, f.Offset), len(out), nil
}

func (s *Service) closings(o, env string, f ClosingFilter) ([]ClosingView, error) {
	var out []ClosingView
	err := s.st.View(func(txn store.Tx) error {
		return store.ScanJSON(txn, store.DKClosingPrefix(o, env), func(r closingRecord) error {
			v := r.View
			if (f.ClientID == "" || v.ClientID == f.ClientID) && (len(f.States) == 0 || slices.Contains(f.States, v.State)) &&
				(f.StartDate == 0 || v.TimeCreation >= f.StartDate) && (f.EndDate == 0 || v.TimeCreation <= f.EndDate) &&
				(f.BusinessDateStart == "" || v.BusinessDate >= f.BusinessDateStart) && (f.BusinessDateEnd == "" || (v.BusinessDate != "" && v.BusinessDate <= f.BusinessDateEnd)) {
				out = append(out, v)
			}
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b ClosingView) int {
		r := cmp.Compare(a.TimeCreation, b.TimeCreation)
		switch f.OrderBy {
		case "state":
			r = cmp.Compare(a.State, b.State)
		case "business_date":
			r = cmp.Compare(a.BusinessDate, b.BusinessDate)
		}
		r = cmp.Or(r, cmp.Compare(a.ClientID, b.ClientID), cmp.Compare(a.CashPointClosingExportID, b.CashPointClosingExportID))
		if f.Desc {
			return -r
		}
		return r
	})
	return out, err
}

// ---- exports ----

// TriggerExport selects the COMPLETED closings of the period and queues
// the export. Reusing an id is E_EXPORT_CONFLICT.
func (s *Service) TriggerExport(ctx context.Context, c tss.Caller, id string, p ExportParams) (*Export, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	p.Format = cmp.Or(p.Format, "tar")
	if p.Format != "tar" && p.Format != "zip" {
		return nil, &org.ValidationError{Field: "format", Msg: "must be tar or zip"}
	}
	byDate := p.StartDate != 0 || p.EndDate != 0
	byBusiness := p.BusinessDateStart != "" || p.BusinessDateEnd != ""
	if byDate == byBusiness {
		return nil, &org.ValidationError{Field: "start_date", Msg: "give start_date/end_date or business_date_start/business_date_end"}
	}
	closings, err := s.closings(o, env, ClosingFilter{ClientID: p.ClientID, States: []string{StateCompleted}, StartDate: p.StartDate, EndDate: p.EndDate,
		BusinessDateStart: p.BusinessDateStart, BusinessDateEnd: p.BusinessDateEnd})
	if err != nil {
		return nil, err
	}
	if len(closings) == 0 {
		return nil, ErrNothingToExport
	}
	e := Export{ID: id, Type: "EXPORT", Env: env, Version: Version, State: StatePending, Format: p.Format, TimeRequest: s.now().Unix(),
		SignAPIVersion: 2, Parameters: p}
	if owner, _, err := s.orgs.Get(systemCaller(o, env).Viewer, o); err == nil {
		for _, g := range owner.MasterDataGaps() {
			e.Warnings = append(e.Warnings, Warning{WarnPlaceholderMasterData,
				"organization master data: " + g + "; cashpointclosing.csv and location.csv carry it as it is (set it with PATCH /api/v0/organizations/" + o + ")"})
		}
	}
	e.TimeExpiration = e.TimeRequest + int64(ExportLifetime/time.Second)
	for _, cv := range closings {
		e.CashPointClosings = append(e.CashPointClosings, cv.ClosingID)
	}
	err = s.st.Update(ctx, func(txn store.Tx) error {
		if ok, err := store.Exists(txn, store.DKExportKey(o, env, id)); err != nil || ok {
			return cmp.Or(err, ErrExportConflict)
		}
		if err := store.PutJSON(txn, store.DKExportKey(o, env, id), e); err != nil {
			return err
		}
		_, err := jobs.Enqueue(txn, ExportJob, jobRef(o, env, id), nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return &e, nil
}

func (s *Service) export(o, env, id string) (*Export, error) {
	var e Export
	err := s.st.View(func(txn store.Tx) (err error) {
		e, err = store.GetJSON[Export](txn, store.DKExportKey(o, env, id))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrExportNotFound
	}
	return &e, err
}

// GetExport returns an export.
func (s *Service) GetExport(c tss.Caller, id string) (*Export, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	return s.export(o, env, id)
}

// CancelExport cancels an export that has not completed (and stops its job).
func (s *Service) CancelExport(ctx context.Context, c tss.Caller, id string) (*Export, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	e, err := s.updateExport(ctx, o, env, id, func(txn store.Tx, e *Export) (bool, error) {
		if e.State != StatePending && e.State != StateWorking {
			return false, ErrClosingState
		}
		e.State = StateCancelled
		return true, jobs.Cancel(txn, ExportJob, jobRef(o, env, id))
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return e, nil
}

// updateExport changes an export record in one transaction: fn sees the
// stored record and says whether to write it back, so the job and a
// cancel never overwrite each other.
func (s *Service) updateExport(ctx context.Context, o, env, id string, fn func(txn store.Tx, e *Export) (bool, error)) (*Export, error) {
	var e Export
	err := s.st.Update(ctx, func(txn store.Tx) (err error) {
		e, err = store.GetJSON[Export](txn, store.DKExportKey(o, env, id))
		if errors.Is(err, store.ErrNotFound) {
			return ErrExportNotFound
		}
		if err != nil {
			return err
		}
		write, err := fn(txn, &e)
		if err != nil || !write {
			return err
		}
		return store.PutJSON(txn, store.DKExportKey(o, env, id), e)
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// Exports lists the exports of c's org.
func (s *Service) Exports(c tss.Caller, limit, offset int) ([]Export, int, error) {
	o, env, err := s.scope(c)
	if err != nil {
		return nil, 0, err
	}
	var out []Export
	err = s.st.View(func(txn store.Tx) error {
		return store.ScanJSON(txn, store.DKExportPrefix(o, env), func(e Export) error {
			out = append(out, e)
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b Export) int { return cmp.Compare(a.TimeRequest, b.TimeRequest) })
	return paging.Page(out, limit, offset), len(out), err
}

// ExportFile opens a completed export's archive.
func (s *Service) ExportFile(c tss.Caller, id string) (*os.File, *Export, error) {
	e, err := s.GetExport(c, id)
	if err != nil {
		return nil, nil, err
	}
	if e.State != StateCompleted {
		return nil, e, ErrExportNotReady
	}
	f, err := os.Open(s.exportPath(e))
	return f, e, err
}

func (s *Service) exportPath(e *Export) string {
	return filepath.Join(s.dir, "dsfinvk-"+e.ID+"."+e.Format)
}

// movesMoney: whether a transaction of this BON_TYP is paid and so counts
// against cash_statement.payment.full_amount. Training receipts, aborted
// receipts, orders and benefits in kind carry amounts but no payment.
func movesMoney(bonTyp string) bool {
	switch bonTyp {
	case "AVTraining", "AVBelegabbruch", "AVBestellung", "AVSachbezug":
		return false
	}
	return true
}

// lenientClosing turns the unix times a closing may carry as strings of
// digits into numbers, as the cloud does: recorded traffic sends
// "head":{"export_creation_date":"1645710845"}, answered 200 and stored as
// the number. The body is rewritten only when something was turned, so
// other bodies are stored byte for byte as sent.
func lenientClosing(body []byte) []byte {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if d.Decode(&m) != nil {
		return body
	}
	changed := false
	number := func(obj any, field string) {
		o, ok := obj.(map[string]any)
		if !ok {
			return
		}
		if s, ok := o[field].(string); ok && s != "" && strings.Trim(s, "0123456789") == "" && len(s) <= 18 {
			o[field], changed = json.Number(s), true
		}
	}
	number(m["head"], "export_creation_date")
	if txs, ok := m["transactions"].([]any); ok {
		for _, tx := range txs {
			if t, ok := tx.(map[string]any); ok {
				number(t["head"], "timestamp_start")
				number(t["head"], "timestamp_end")
			}
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}
