package tss

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// SeedBatch is the number of receipts written per store transaction
// (~3 KB each): well below the smallest transaction limit (2.4 MiB,
// store.Memory) even when a central applies it and records it again for
// the other workstations.
const SeedBatch = 200

// seedReceipt is the receipt every seeded transaction signs.
var seedReceipt = json.RawMessage(`{"standard_v1":{"receipt":{"receipt_type":"RECEIPT","amounts_per_vat_rate":[{"vat_rate":"NORMAL","amount":"11.90"},{"vat_rate":"REDUCED_1","amount":"1.07"}],"amounts_per_payment_type":[{"payment_type":"CASH","amount":"12.97"}]}}}`)

// Seed signs n complete receipts (Start and Finish logs, both revisions,
// the transaction record) on an INITIALIZED TSS for client clientID, in
// batches of durable transactions: the same data the API would write, for
// benchmarks and demo data, without one fsync per request. progress is
// called after each batch with the number done.
func (s *Service) Seed(ctx context.Context, c Caller, tssID, clientID string, n int, progress func(int)) error {
	var schema tse.Schema
	if err := json.Unmarshal(seedReceipt, &schema); err != nil {
		return fmt.Errorf("seed receipt: %w", err)
	}
	ptype, pdata, err := schema.Process()
	if err != nil {
		return fmt.Errorf("seed receipt: %w", err)
	}
	for done := 0; done < n; {
		k := min(SeedBatch, n-done)
		_, _, err := s.mutate(ctx, c, tssID, func(w *write) error {
			if err := signingState(w.t); err != nil {
				return err
			}
			var client clientRecord
			if err := w.read(func(txn store.Tx) (err error) {
				client, err = store.GetJSON[clientRecord](txn, store.ClientKey(clientID))
				return err
			}); errors.Is(err, store.ErrNotFound) || (err == nil && client.TSSID != tssID) {
				return ErrClientNotFound
			} else if err != nil {
				return err
			}
			pub := base64.StdEncoding.EncodeToString(w.t.PublicKey)
			if w.t.Indexed {
				w.count(clientID, TxFinished, int64(k))
			}
			for range k {
				w.ctr.Tx++
				txID := uuid.NewString()
				head := &txHead{V: 1, ID: txID, Number: w.ctr.Tx, State: TxFinished, ClientID: clientID, TimeStart: w.now, TimeEnd: w.now,
					ProcessType: ptype, ProcessData: pdata, Schema: seedReceipt, LatestRevision: 2}
				sctr, ssig, err := w.sign(tse.OIDTransactionLog, tse.TransactionData(tse.OpStart, client.SerialNumber, nil, "", head.Number))
				if err != nil {
					return err
				}
				fctr, fsig, err := w.sign(tse.OIDTransactionLog, tse.TransactionData(tse.OpFinish, client.SerialNumber, pdata, ptype, head.Number))
				if err != nil {
					return err
				}
				head.StartCounter, head.EndCounter = sctr, fctr
				base := TxView{ID: txID, Type: "TRANSACTION", Env: w.t.Env, Version: Version, TSSID: tssID, TSSSerialNumber: w.t.Serial,
					ClientID: clientID, ClientSerialNumber: client.SerialNumber, Number: head.Number, LatestRevision: 2, TimeStart: w.now}
				start := base
				start.State, start.Revision, start.Schema = TxActive, 1, json.RawMessage("{}")
				start.Log = TxLog{Operation: "Start", Timestamp: w.now, TimestampFormat: tse.TimeFormatUnix}
				start.Signature = TxSignature{Value: base64.StdEncoding.EncodeToString(ssig), Algorithm: tse.AlgECDSAPlainSHA256, Counter: sctr, PublicKey: pub}
				fin := base
				fin.State, fin.Revision, fin.TimeEnd, fin.Schema = TxFinished, 2, w.now, seedReceipt
				fin.Log = TxLog{Operation: "Finish", Timestamp: w.now, TimestampFormat: tse.TimeFormatUnix}
				fin.Signature = TxSignature{Value: base64.StdEncoding.EncodeToString(fsig), Algorithm: tse.AlgECDSAPlainSHA256, Counter: fctr, PublicKey: pub}
				fin.QRCodeData = tse.QRCodeData(client.SerialNumber, ptype, pdata, head.Number, fctr, w.now, w.now, fsig, w.t.PublicKey)
				if err := w.setJSON(store.TxKey(tssID, txID), head); err != nil {
					return err
				}
				if err := w.setJSON(store.TxRevKey(tssID, txID, 1), txRevision{V: 1, View: start, LogCounter: sctr}); err != nil {
					return err
				}
				if err := w.setJSON(store.TxRevKey(tssID, txID, 2), txRevision{V: 1, View: fin, LogCounter: fctr}); err != nil {
					return err
				}
				w.set(store.TxNumKey(tssID, head.Number), []byte(txID))
				if w.t.Indexed {
					w.set(store.TxEndKey(tssID, TxFinished, head.Number), []byte(txID))
					w.set(store.TxClientKey(tssID, clientID, head.Number), []byte(txID))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += k
		if progress != nil {
			progress(done)
		}
	}
	return nil
}
