package tss

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/paging"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// Transaction states.
const (
	TxActive    = "ACTIVE"
	TxFinished  = "FINISHED"
	TxCancelled = "CANCELLED"
)

// TxView is the transaction resource (§3.3).
type TxView struct {
	ID                 string            `json:"_id"`
	Type               string            `json:"_type"`
	Env                string            `json:"_env"`
	Version            string            `json:"_version"`
	TSSID              string            `json:"tss_id"`
	TSSSerialNumber    string            `json:"tss_serial_number"`
	ClientID           string            `json:"client_id"`
	ClientSerialNumber string            `json:"client_serial_number"`
	State              string            `json:"state" enum:"ACTIVE,FINISHED,CANCELLED"`
	Number             uint64            `json:"number"`
	Revision           uint32            `json:"revision"`
	LatestRevision     uint32            `json:"latest_revision"`
	TimeStart          int64             `json:"time_start"`
	TimeEnd            int64             `json:"time_end,omitempty"`
	Schema             json.RawMessage   `json:"schema"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	QRCodeData         string            `json:"qr_code_data,omitempty"`
	Log                TxLog             `json:"log"`
	Signature          TxSignature       `json:"signature"`
	// encoded is this view's JSON when the revision was just signed: the
	// bytes stored with the revision, answered as they are (Encoded).
	encoded []byte
}

// Encoded is the view's JSON encoding when Upsert has it at hand (the
// revision it just stored), nil otherwise; the same bytes json.Marshal
// gives, so a handler need not encode the view a second time.
func (v *TxView) Encoded() []byte { return v.encoded }

// TxLog describes the signed log of a revision.
type TxLog struct {
	Operation       string `json:"operation"` // Start, Update, Finish
	Timestamp       int64  `json:"timestamp"`
	TimestampFormat string `json:"timestamp_format"`
}

// TxSignature is a revision's signature. Counter is a JSON number, as the
// cloud's middleware answers (clients accept number and string).
type TxSignature struct {
	Value     string `json:"value"`
	Algorithm string `json:"algorithm"`
	Counter   uint64 `json:"counter"`
	PublicKey string `json:"public_key"`
}

// txHead is the stored state of a transaction.
type txHead struct {
	V              int               `json:"v"`
	ID             string            `json:"id"`
	Number         uint64            `json:"number"`
	State          string            `json:"state"`
	ClientID       string            `json:"client_id"`
	LatestRevision uint32            `json:"latest_revision"`
	TimeStart      int64             `json:"time_start"`
	TimeEnd        int64             `json:"time_end,omitempty"`
	ProcessType    string            `json:"process_type,omitempty"`
	ProcessData    []byte            `json:"process_data,omitempty"`
	Schema         json.RawMessage   `json:"schema,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	StartCounter   uint64            `json:"start_counter"`
	EndCounter     uint64            `json:"end_counter,omitempty"`
}

// txRevision is the stored answer of one revision.
type txRevision struct {
	V           int    `json:"v"`
	View        TxView `json:"view"`
	RequestHash string `json:"request_hash"`
	LogCounter  uint64 `json:"log_counter"`
}

// revisionJSON is json.Marshal(txRevision{V: 1, View: view, RequestHash:
// hash, LogCounter: ctr}) around the view's encoding view, which the
// answer reuses (a test holds the two equal).
func revisionJSON(view []byte, hash string, ctr uint64) []byte {
	b := make([]byte, 0, len(view)+len(hash)+64)
	b = append(b, `{"v":1,"view":`...)
	b = append(b, view...)
	b = append(b, `,"request_hash":`...)
	b = strconv.AppendQuote(b, hash)
	b = append(b, `,"log_counter":`...)
	b = strconv.AppendUint(b, ctr, 10)
	return append(b, '}')
}

// TxRequest is the body of PUT /tss/{id}/tx/{tx}.
type TxRequest struct {
	State    string            `json:"state" enum:"ACTIVE,FINISHED,CANCELLED"`
	ClientID string            `json:"client_id"`
	Schema   json.RawMessage   `json:"schema,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// hash identifies a request for idempotent repeats; the schema is compacted
// so that whitespace does not matter.
func (r *TxRequest) hash() (string, error) {
	var sc bytes.Buffer
	if len(r.Schema) > 0 {
		if err := json.Compact(&sc, r.Schema); err != nil {
			return "", &ValidationError{Field: "schema", Msg: "is not valid JSON: " + err.Error()}
		}
	}
	b, err := json.Marshal(struct {
		S, C   string
		Schema string
		M      map[string]string
	}{r.State, r.ClientID, sc.String(), r.Metadata})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

var opNames = map[string]string{tse.OpStart: "Start", tse.OpUpdate: "Update", tse.OpFinish: "Finish"}

// Upsert starts, updates, finishes or cancels transaction txID with
// revision rev (0 = the next one, for clients that send none). Repeating
// a revision with the same request returns its stored answer and signs
// nothing; with another request it is an E_TX_UPSERT error.
//
// Its steps are functions of their own, each tested alone
// (transactions_upsert_test.go): readUpsert (what is stored), replayed
// (the idempotent repeat), transition (the state machine), countStep
// (transaction number and ACTIVE count), signed (the log's counter in
// the record), indexes (tx-num, tx-active, tx-end, tx-client, tx-count)
// and view (the answer, with the QR code of a finish).
func (s *Service) Upsert(ctx context.Context, c Caller, tssID, txID string, rev uint32, req TxRequest) (*TxView, error) {
	u, err := newTxUpsert(tssID, txID, rev, req)
	if err != nil {
		return nil, err
	}
	var out *TxView
	_, _, err = s.mutate(ctx, c, tssID, func(w *write) error {
		if err := readUpsert(w, u); err != nil {
			return err
		}
		if v, err := u.replayed(); v != nil || err != nil {
			out = v
			return err
		}
		if err := signingState(w.t); err != nil {
			return err
		}
		if err := s.Faults.apply(ctx, w.t.OrgID, tssID); err != nil {
			return err
		}
		if u.client.State != ClientRegistered {
			return ErrClientDeregistered
		}
		op, next, err := u.transition(w.ctr, w.now)
		if err != nil {
			return err
		}
		if n := countStep(&w.ctr, op, next.State != TxActive); n != 0 {
			next.Number = n
		}
		data := next.ProcessData
		if op == tse.OpStart && u.pType == "" {
			data = nil
		}
		ctr, sig, err := w.sign(tse.OIDTransactionLog, tse.TransactionData(op, u.client.SerialNumber, data, pTypeFor(op, next, u.pType), next.Number))
		if err != nil {
			return err
		}
		signed(next, op, ctr)
		u.indexes(w, next)
		next.ClientID = u.req.ClientID
		if len(u.req.Metadata) > 0 {
			next.Metadata = mergeMeta(next.Metadata, u.req.Metadata)
		}
		v := u.view(w.t, next, op, ctr, sig, w.now)
		if err := w.setJSON(store.TxKey(tssID, txID), next); err != nil {
			return err
		}
		vb, err := json.Marshal(v)
		if err != nil {
			return err
		}
		w.set(store.TxRevKey(tssID, txID, next.LatestRevision), revisionJSON(vb, u.hash, ctr))
		v.encoded = vb
		out = &v
		return nil
	})
	return out, err
}

// txUpsert carries one Upsert through its steps.
type txUpsert struct {
	tssID, txID string
	rev         uint32
	req         TxRequest
	pType       string // the request's processType, "" without schema
	pData       []byte
	hash        string
	// Read by readUpsert:
	head      *txHead      // the stored transaction, nil for a new one
	client    clientRecord // the request's client
	noClient  bool         // the client is not one of this TSS
	replay    *txRevision  // the stored revision this request repeats
	wasClient string       // head's client and state before this revision
	wasState  string
}

// newTxUpsert checks a request before anything is read: state, client,
// metadata and the schema with its processData.
func newTxUpsert(tssID, txID string, rev uint32, req TxRequest) (*txUpsert, error) {
	if req.State != TxActive && req.State != TxFinished && req.State != TxCancelled {
		return nil, &ValidationError{Field: "state", Msg: "must be ACTIVE, FINISHED or CANCELLED"}
	}
	if req.ClientID == "" {
		return nil, &ValidationError{Field: "client_id", Msg: "is required"}
	}
	if err := org.ValidateMetadata("metadata", req.Metadata); err != nil {
		return nil, err
	}
	var schema *tse.Schema
	if len(req.Schema) > 0 && !bytes.Equal(bytes.TrimSpace(req.Schema), []byte("null")) {
		schema = &tse.Schema{}
		if err := json.Unmarshal(req.Schema, schema); err != nil {
			return nil, &ValidationError{Field: "schema", Msg: "is not a valid schema object: " + err.Error()}
		}
	}
	pType, pData, err := schema.Process()
	var se *tse.SchemaError
	if errors.As(err, &se) {
		return nil, &ValidationError{Field: "schema." + se.Field, Msg: se.Msg}
	}
	if err != nil {
		return nil, err
	}
	hash, err := req.hash()
	if err != nil {
		return nil, err
	}
	return &txUpsert{tssID: tssID, txID: txID, rev: rev, req: req, pType: pType, pData: pData, hash: hash}, nil
}

// readUpsert reads, as w sees the store, the transaction, the revision a
// repeat names and the request's client. ErrClientNotFound unless the
// request is a repeat (whose answer stands even if the client went away).
func readUpsert(w *write, u *txUpsert) error {
	u.head, u.replay, u.noClient, u.wasClient, u.wasState = nil, nil, false, "", ""
	err := w.read(func(txn store.Tx) error {
		h, err := store.GetJSON[txHead](txn, store.TxKey(u.tssID, u.txID))
		if err == nil {
			u.head = &h
			u.wasClient, u.wasState = h.ClientID, h.State
			var replay uint32
			if u.rev != 0 && u.rev <= h.LatestRevision {
				replay = u.rev
			} else if u.rev == 0 && h.State != TxActive {
				// A retried final call without revision: answer it again.
				replay = h.LatestRevision
			}
			if replay != 0 {
				r, err := store.GetJSON[txRevision](txn, store.TxRevKey(u.tssID, u.txID, replay))
				if err != nil {
					return err
				}
				u.replay = &r
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		u.client, err = w.rd.client(u.req.ClientID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && u.client.TSSID != u.tssID) {
			u.noClient = true
			return nil
		}
		return err
	})
	if err == nil && u.noClient && u.replay == nil {
		return ErrClientNotFound
	}
	return err
}

// replayed answers a repeated revision: the stored answer (with today's
// latest revision) for the same request, ErrTxConflict for another one,
// nothing when the request is no repeat.
func (u *txUpsert) replayed() (*TxView, error) {
	if u.replay == nil {
		return nil, nil
	}
	if u.replay.RequestHash != u.hash {
		return nil, fmt.Errorf("%w: tx_revision %d was already used with another request; latest_revision is %d", ErrTxConflict, u.replay.View.Revision, u.head.LatestRevision)
	}
	v := u.replay.View
	v.LatestRevision = u.head.LatestRevision
	return &v, nil
}

// transition is the state machine: it checks that the request may follow
// the stored transaction and returns the log operation and the new record
// (a copy; its number is set by countStep for a start). ctr is read only
// for the limit of ACTIVE transactions.
func (u *txUpsert) transition(ctr counters, now int64) (op string, next *txHead, err error) {
	op = tse.OpUpdate
	if u.head == nil {
		if u.rev > 1 {
			return "", nil, &UpsertError{fmt.Sprintf("transaction %s does not exist; start it with tx_revision=1", u.txID)}
		}
		if u.req.State != TxActive {
			return "", nil, &UpsertError{"a transaction starts in state ACTIVE"}
		}
		if ctr.Active >= MaxActiveTransactions {
			return "", nil, ErrTxLimit
		}
		op = tse.OpStart
		next = &txHead{V: 1, ID: u.txID, State: TxActive, TimeStart: now}
	} else {
		if u.head.State != TxActive {
			return "", nil, &UpsertError{fmt.Sprintf("transaction is %s; it takes no further revisions", u.head.State)}
		}
		if u.rev != 0 && u.rev != u.head.LatestRevision+1 {
			return "", nil, &UpsertError{fmt.Sprintf("tx_revision must be %d (latest_revision + 1)", u.head.LatestRevision+1)}
		}
		h := *u.head
		next = &h
	}
	if u.pType != "" && next.ProcessType != "" && u.pType != next.ProcessType {
		return "", nil, ErrTxIllegalTypeChange
	}
	if u.pType != "" {
		next.ProcessType, next.ProcessData, next.Schema = u.pType, u.pData, u.req.Schema
	}
	if u.req.State != TxActive {
		op = tse.OpFinish
		if u.req.State == TxFinished && next.ProcessType == "" {
			return "", nil, ErrTxNoType
		}
		// A cancel without its own data records the abort of the receipt
		// (DSFinV-K AVBelegabbruch), whatever earlier updates carried.
		if u.req.State == TxCancelled && u.pType == "" && (next.ProcessType == "" || next.ProcessType == tse.TypeReceipt) {
			next.ProcessType, next.ProcessData = tse.TypeReceipt, []byte(tse.AbortData)
		}
		next.State, next.TimeEnd = u.req.State, now
	}
	return op, next, nil
}

// countStep moves the TSS counters for one revision: a start takes the
// next transaction number (returned) and adds an ACTIVE transaction, an
// end (final) removes one. Numbers run 1..Tx without gaps, which the
// list by number relies on.
func countStep(ctr *counters, op string, final bool) (number uint64) {
	if op == tse.OpStart {
		ctr.Tx++
		ctr.Active++
		return ctr.Tx
	}
	if final {
		ctr.Active--
	}
	return 0
}

// signed records in the transaction the log counter of its revision.
func signed(next *txHead, op string, ctr uint64) {
	switch op {
	case tse.OpStart:
		next.StartCounter = ctr
	case tse.OpFinish:
		next.EndCounter = ctr
	}
	next.LatestRevision++
}

// indexes writes the index entries of one revision: tx-num and tx-active
// for a start, tx-active removed and tx-end for an end, and for indexed
// TSS the tx-client entry (moved when the client changes) and the
// per-client counts. next still has the previous client (the stored one).
func (u *txUpsert) indexes(w *write, next *txHead) {
	id := u.txID
	if u.head == nil {
		w.set(store.TxNumKey(u.tssID, next.Number), []byte(id))
		w.set(store.TxActiveKey(u.tssID, id), nil)
	}
	if u.req.State != TxActive {
		w.del(store.TxActiveKey(u.tssID, id))
		if w.t.Indexed {
			w.set(store.TxEndKey(u.tssID, u.req.State, next.Number), []byte(id))
		}
	}
	if w.t.Indexed && next.ClientID != u.req.ClientID {
		if next.ClientID != "" {
			w.del(store.TxClientKey(u.tssID, next.ClientID, next.Number))
		}
		w.set(store.TxClientKey(u.tssID, u.req.ClientID, next.Number), []byte(id))
	}
	if w.t.Indexed && (u.wasClient != u.req.ClientID || u.wasState != next.State) {
		if u.wasClient != "" {
			w.count(u.wasClient, u.wasState, -1)
		}
		w.count(u.req.ClientID, next.State, 1)
	}
}

// view is the answer to a revision, stored with it for repeats.
func (u *txUpsert) view(t *TSS, head *txHead, op string, ctr uint64, sig []byte, now int64) TxView {
	v := TxView{ID: u.txID, Type: "TRANSACTION", Env: t.Env, Version: Version, TSSID: u.tssID, TSSSerialNumber: t.Serial,
		ClientID: u.req.ClientID, ClientSerialNumber: u.client.SerialNumber, State: head.State, Number: head.Number,
		Revision: head.LatestRevision, LatestRevision: head.LatestRevision, TimeStart: head.TimeStart, TimeEnd: head.TimeEnd,
		Schema: schemaEcho(head.Schema), Metadata: head.Metadata,
		Log:       TxLog{Operation: opNames[op], Timestamp: now, TimestampFormat: tse.TimeFormatUnix},
		Signature: TxSignature{Value: base64.StdEncoding.EncodeToString(sig), Algorithm: tse.AlgECDSAPlainSHA256, Counter: ctr, PublicKey: base64.StdEncoding.EncodeToString(t.PublicKey)}}
	if op == tse.OpFinish {
		v.QRCodeData = tse.QRCodeData(u.client.SerialNumber, head.ProcessType, head.ProcessData, head.Number, ctr, head.TimeStart, now, sig, t.PublicKey)
	}
	return v
}

// pTypeFor is the processType written into a log: the request's on Start
// and Update, the transaction's on Finish.
func pTypeFor(op string, head *txHead, requested string) string {
	if op == tse.OpFinish {
		return head.ProcessType
	}
	return requested
}

func schemaEcho(s json.RawMessage) json.RawMessage {
	if len(s) == 0 {
		return json.RawMessage("{}")
	}
	return s
}

// resolveTx finds a transaction by id or by number.
func resolveTx(txn store.Tx, tssID, idOrNumber string) (*txHead, error) {
	id := idOrNumber
	if n, err := strconv.ParseUint(idOrNumber, 10, 64); err == nil {
		b, err := txn.Get(store.TxNumKey(tssID, n))
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrTxNotFound
		}
		if err != nil {
			return nil, err
		}
		id = string(b)
	}
	h, err := store.GetJSON[txHead](txn, store.TxKey(tssID, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrTxNotFound
	}
	return &h, err
}

func (s *Service) revision(c Caller, tssID, idOrNumber string, rev uint32) (*txRevision, *txHead, error) {
	var r txRevision
	var h *txHead
	err := s.st.View(func(txn store.Tx) error {
		if _, _, err := s.load(txn, c, tssID); err != nil {
			return err
		}
		var err error
		if h, err = resolveTx(txn, tssID, idOrNumber); err != nil {
			return err
		}
		if rev == 0 {
			rev = h.LatestRevision
		}
		r, err = store.GetJSON[txRevision](txn, store.TxRevKey(tssID, h.ID, rev))
		if errors.Is(err, store.ErrNotFound) {
			return ErrTxRevisionNotFound
		}
		return err
	})
	return &r, h, err
}

// GetTx returns revision rev (0 = latest) of a transaction given by id or number.
func (s *Service) GetTx(c Caller, tssID, idOrNumber string, rev uint32) (*TxView, error) {
	r, h, err := s.revision(c, tssID, idOrNumber, rev)
	if err != nil {
		return nil, err
	}
	v := r.View
	v.LatestRevision, v.Metadata = h.LatestRevision, h.Metadata
	return &v, nil
}

// TxLogBytes returns the raw signed log of a revision (deprecated /log route).
func (s *Service) TxLogBytes(c Caller, tssID, idOrNumber string, rev uint32) ([]byte, error) {
	r, _, err := s.revision(c, tssID, idOrNumber, rev)
	if err != nil {
		return nil, err
	}
	var b []byte
	err = s.st.View(func(txn store.Tx) (err error) {
		b, err = txn.Get(store.LogKey(tssID, r.LogCounter))
		if errors.Is(err, store.ErrNotFound) {
			return ErrLogNotFound
		}
		return err
	})
	return b, err
}

// TxMetadata merges m into a transaction's metadata (no signature: the
// metadata is not part of the signed data) and returns the result.
func (s *Service) TxMetadata(ctx context.Context, c Caller, tssID, idOrNumber string, m map[string]string) (map[string]string, error) {
	var out map[string]string
	_, _, err := s.mutate(ctx, c, tssID, func(w *write) error {
		return w.read(func(txn store.Tx) error {
			h, err := resolveTx(txn, tssID, idOrNumber)
			if err != nil {
				return err
			}
			if len(m) == 0 {
				out = h.Metadata
				return nil
			}
			h.Metadata = mergeMeta(h.Metadata, m)
			if err := org.ValidateMetadata("metadata", h.Metadata); err != nil {
				return err
			}
			if err := w.setJSON(store.TxKey(tssID, h.ID), h); err != nil {
				return err
			}
			out = h.Metadata
			return nil
		})
	})
	if out == nil {
		out = map[string]string{}
	}
	return out, err
}

// TxFilter are the transaction list's query parameters.
type TxFilter struct {
	ListFilter
	ClientID string // only transactions whose latest revision is this client's
}

// ListTx lists the transactions of TSS tssID, or of every TSS of c's
// acting org when tssID is "". Lists of one TSS in number order —
// unfiltered, by state, by client — read their page from an index
// (listTxByNumber, listTxByState, listTxByClient); others — other orders,
// the org-wide list, TSS made before the indexes — read every transaction
// (minutes at 1,000,000) and stop when ctx is done, so a client that gives
// up or a shutdown does not leave one running.
func (s *Service) ListTx(ctx context.Context, c Caller, tssID string, f TxFilter) ([]*TxView, int, error) {
	byNumber := f.OrderBy == "" || f.OrderBy == "number"
	if tssID != "" && len(f.States) == 0 && f.ClientID == "" && byNumber {
		return s.listTxByNumber(c, tssID, f)
	}
	if tssID != "" && byNumber {
		list := s.listTxByState
		if f.ClientID != "" {
			list = s.listTxByClient
		}
		if out, n, ok, err := list(c, tssID, f); ok || err != nil {
			return out, n, err
		}
	}
	var out []*TxView
	err := s.st.View(func(txn store.Tx) error {
		tssIDs, err := s.scope(txn, c, tssID)
		if err != nil {
			return err
		}
		if f.ClientID != "" {
			r, err := store.GetJSON[clientRecord](txn, store.ClientKey(f.ClientID))
			if errors.Is(err, store.ErrNotFound) || (err == nil && r.TSSID != tssID) {
				return ErrClientNotFound
			}
		}
		// Only ACTIVE ones — a POS looking for receipts left open — come
		// from the active index: at most MaxActiveTransactions reads
		// whatever the TSS's size. Other filters read every transaction.
		onlyActive := len(f.States) > 0 && !slices.ContainsFunc(f.States, func(st string) bool { return st != TxActive })
		for _, t := range tssIDs {
			var ids []string
			var err error
			if onlyActive {
				ids, err = store.IDs(txn, store.TxActivePrefix(t))
			} else {
				err = store.ScanKeys(txn, store.TxNumPrefix(t), func(k []byte) error {
					v, err := txn.Get(k)
					ids = append(ids, string(v))
					return err
				})
			}
			if err != nil {
				return err
			}
			for i, id := range ids {
				if i%1024 == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
				h, err := store.GetJSON[txHead](txn, store.TxKey(t, id))
				if err != nil {
					return err
				}
				if (len(f.States) > 0 && !slices.Contains(f.States, h.State)) || (f.ClientID != "" && h.ClientID != f.ClientID) {
					continue
				}
				v, err := latestView(txn, t, &h)
				if err != nil {
					return err
				}
				out = append(out, v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	key := func(v *TxView) int64 {
		switch f.OrderBy {
		case "time_start":
			return v.TimeStart
		case "time_end":
			return v.TimeEnd
		}
		return int64(v.Number)
	}
	slices.SortStableFunc(out, func(a, b *TxView) int {
		r := cmp.Compare(key(a), key(b))
		if f.OrderBy == "state" {
			r = cmp.Compare(a.State, b.State)
		}
		r = cmp.Or(r, cmp.Compare(a.TSSID, b.TSSID), cmp.Compare(a.Number, b.Number))
		if f.Desc {
			return -r
		}
		return r
	})
	return paging.Page(out, f.Limit, f.Offset), len(out), nil
}

// listTxByNumber is ListTx's common case, one TSS in number order without
// filters, in time independent of the TSS's size: numbers run 1..Tx
// without gaps (each start takes the next in the same Badger transaction
// as its tx-num key), so a page is a range of numbers and the count is the
// counter. The general path reads every transaction: 30 s and more at
// 1,000,000 (docs/BENCHMARKS.md).
func (s *Service) listTxByNumber(c Caller, tssID string, f TxFilter) ([]*TxView, int, error) {
	var out []*TxView
	var total uint64
	err := s.st.View(func(txn store.Tx) error {
		_, cnt, err := s.load(txn, c, tssID)
		if err != nil {
			return err
		}
		total = cnt.Tx
		if f.Offset < 0 || uint64(f.Offset) >= total || f.Limit <= 0 {
			return nil
		}
		n := min(uint64(f.Limit), total-uint64(f.Offset))
		for i := range n {
			num := uint64(f.Offset) + 1 + i
			if f.Desc {
				num = total - uint64(f.Offset) - i
			}
			h, err := resolveTx(txn, tssID, strconv.FormatUint(num, 10))
			if err != nil {
				return fmt.Errorf("transaction number %d of %d: %w", num, total, err)
			}
			v, err := latestView(txn, tssID, h)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, int(total), nil
}

// latestView is what a list shows of a transaction: its latest revision
// with the current metadata.
func latestView(txn store.Tx, tssID string, h *txHead) (*TxView, error) {
	r, err := store.GetJSON[txRevision](txn, store.TxRevKey(tssID, h.ID, h.LatestRevision))
	if err != nil {
		return nil, err
	}
	v := r.View
	v.Metadata = h.Metadata
	return &v, nil
}
