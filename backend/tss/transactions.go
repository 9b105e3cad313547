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
	State              string            `json:"state"`
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
}

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

// TxRequest is the body of PUT /tss/{id}/tx/{tx}.
type TxRequest struct {
	State    string            `json:"state"`
	ClientID string            `json:"client_id"`
	Schema   json.RawMessage   `json:"schema"`
	Metadata map[string]string `json:"metadata"`
}

// hash identifies a request for idempotent repeats; the schema is compacted
// so that whitespace does not matter.
func (r *TxRequest) hash() string {
	var sc bytes.Buffer
	if len(r.Schema) > 0 {
		_ = json.Compact(&sc, r.Schema)
	}
	b, _ := json.Marshal(struct {
		S, C   string
		Schema string
		M      map[string]string
	}{r.State, r.ClientID, sc.String(), r.Metadata})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

var opNames = map[string]string{tse.OpStart: "Start", tse.OpUpdate: "Update", tse.OpFinish: "Finish"}

// Upsert starts, updates, finishes or cancels transaction txID with
// revision rev (0 = the next one, for clients that send none). Repeating
// a revision with the same request returns its stored answer and signs
// nothing; with another request it is an E_TX_UPSERT error.
func (s *Service) Upsert(ctx context.Context, c Caller, tssID, txID string, rev uint32, req TxRequest) (*TxView, error) {
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
	hash := req.hash()
	var out *TxView
	_, _, err = s.mutate(ctx, c, tssID, func(w *write) error {
		var head *txHead
		var client clientRecord
		var replay *txRevision
		err := s.st.View(func(txn store.Tx) error {
			h, err := store.GetJSON[txHead](txn, store.TxKey(tssID, txID))
			if err == nil {
				head = &h
				if rev != 0 && rev <= h.LatestRevision {
					r, err := store.GetJSON[txRevision](txn, store.TxRevKey(tssID, txID, rev))
					if err != nil {
						return err
					}
					replay = &r
				} else if rev == 0 && h.State != TxActive {
					// A retried final call without revision: answer it again.
					r, err := store.GetJSON[txRevision](txn, store.TxRevKey(tssID, txID, h.LatestRevision))
					if err != nil {
						return err
					}
					replay = &r
				}
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			client, err = store.GetJSON[clientRecord](txn, store.ClientKey(req.ClientID))
			if errors.Is(err, store.ErrNotFound) || (err == nil && client.TSSID != tssID) {
				return ErrClientNotFound
			}
			return err
		})
		if errors.Is(err, ErrClientNotFound) && replay == nil {
			return err
		}
		if err != nil && !errors.Is(err, ErrClientNotFound) {
			return err
		}
		if replay != nil {
			if replay.RequestHash != hash {
				return fmt.Errorf("%w: tx_revision %d was already used with another request; latest_revision is %d", ErrTxConflict, replay.View.Revision, head.LatestRevision)
			}
			v := replay.View
			v.LatestRevision = head.LatestRevision
			out = &v
			return nil
		}
		if err := signingState(w.t); err != nil {
			return err
		}
		if err := s.Faults.apply(ctx, w.t.OrgID, tssID); err != nil {
			return err
		}
		if client.State != ClientRegistered {
			return ErrClientDeregistered
		}
		op := tse.OpUpdate
		var wasClient, wasState string // for the per-client counts
		if head != nil {
			wasClient, wasState = head.ClientID, head.State
		}
		if head == nil {
			if rev > 1 {
				return &UpsertError{fmt.Sprintf("transaction %s does not exist; start it with tx_revision=1", txID)}
			}
			if req.State != TxActive {
				return &UpsertError{"a transaction starts in state ACTIVE"}
			}
			if w.ctr.Active >= MaxActiveTransactions {
				return ErrTxLimit
			}
			op = tse.OpStart
			w.ctr.Tx++
			w.ctr.Active++
			head = &txHead{V: 1, ID: txID, Number: w.ctr.Tx, State: TxActive, TimeStart: w.now}
			w.set(store.TxNumKey(tssID, head.Number), []byte(txID))
			w.set(store.TxActiveKey(tssID, txID), nil)
		} else {
			if head.State != TxActive {
				return &UpsertError{fmt.Sprintf("transaction is %s; it takes no further revisions", head.State)}
			}
			if rev != 0 && rev != head.LatestRevision+1 {
				return &UpsertError{fmt.Sprintf("tx_revision must be %d (latest_revision + 1)", head.LatestRevision+1)}
			}
		}
		if pType != "" && head.ProcessType != "" && pType != head.ProcessType {
			return ErrTxIllegalTypeChange
		}
		if pType != "" {
			head.ProcessType, head.ProcessData, head.Schema = pType, pData, req.Schema
		}
		if req.State != TxActive {
			op = tse.OpFinish
			if req.State == TxFinished && head.ProcessType == "" {
				return ErrTxNoType
			}
			// A cancel without its own data records the abort of the receipt
			// (DSFinV-K AVBelegabbruch), whatever earlier updates carried.
			if req.State == TxCancelled && pType == "" && (head.ProcessType == "" || head.ProcessType == tse.TypeReceipt) {
				head.ProcessType, head.ProcessData = tse.TypeReceipt, []byte(tse.AbortData)
			}
			head.State, head.TimeEnd = req.State, w.now
			w.ctr.Active--
			w.del(store.TxActiveKey(tssID, txID))
			if w.t.Indexed {
				w.set(store.TxEndKey(tssID, req.State, head.Number), []byte(txID))
			}
		}
		data := head.ProcessData
		if op == tse.OpStart && pType == "" {
			data = nil
		}
		ctr, sig, err := w.sign(tse.OIDTransactionLog, tse.TransactionData(op, client.SerialNumber, data, pTypeFor(op, head, pType), head.Number))
		if err != nil {
			return err
		}
		if op == tse.OpStart {
			head.StartCounter = ctr
		}
		if op == tse.OpFinish {
			head.EndCounter = ctr
		}
		head.LatestRevision++
		if w.t.Indexed && head.ClientID != req.ClientID {
			if head.ClientID != "" {
				w.del(store.TxClientKey(tssID, head.ClientID, head.Number))
			}
			w.set(store.TxClientKey(tssID, req.ClientID, head.Number), []byte(txID))
		}
		if w.t.Indexed && (wasClient != req.ClientID || wasState != head.State) {
			if wasClient != "" {
				w.count(wasClient, wasState, -1)
			}
			w.count(req.ClientID, head.State, 1)
		}
		head.ClientID = req.ClientID
		if len(req.Metadata) > 0 {
			head.Metadata = mergeMeta(head.Metadata, req.Metadata)
		}
		v := TxView{ID: txID, Type: "TRANSACTION", Env: w.t.Env, Version: Version, TSSID: tssID, TSSSerialNumber: w.t.Serial,
			ClientID: req.ClientID, ClientSerialNumber: client.SerialNumber, State: head.State, Number: head.Number,
			Revision: head.LatestRevision, LatestRevision: head.LatestRevision, TimeStart: head.TimeStart, TimeEnd: head.TimeEnd,
			Schema: schemaEcho(head.Schema), Metadata: head.Metadata,
			Log:       TxLog{Operation: opNames[op], Timestamp: w.now, TimestampFormat: tse.TimeFormatUnix},
			Signature: TxSignature{Value: base64.StdEncoding.EncodeToString(sig), Algorithm: tse.AlgECDSAPlainSHA256, Counter: ctr, PublicKey: base64.StdEncoding.EncodeToString(w.t.PublicKey)}}
		if op == tse.OpFinish {
			v.QRCodeData = tse.QRCodeData(client.SerialNumber, head.ProcessType, head.ProcessData, head.Number, ctr, head.TimeStart, w.now, sig, w.t.PublicKey)
		}
		if err := w.setJSON(store.TxKey(tssID, txID), head); err != nil {
			return err
		}
		if err := w.setJSON(store.TxRevKey(tssID, txID, head.LatestRevision), txRevision{V: 1, View: v, RequestHash: hash, LogCounter: ctr}); err != nil {
			return err
		}
		out = &v
		return nil
	})
	return out, err
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
		return s.st.View(func(txn store.Tx) error {
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
