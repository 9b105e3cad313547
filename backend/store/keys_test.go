package store

import (
	"bytes"
	"testing"
)

// Every parser takes apart what its builder put together and refuses
// keys of another shape.
func TestKeyParsersRoundTrip(t *testing.T) {
	const tss, client = "0b9c7e1e-5d3a-4a59-9d4f-3c2e1f0a9b8c", "kasse-1"
	for _, n := range []uint64{0, 1, 255, 256, 0x2f2f2f2f2f2f2f2f /* '/' bytes */, 1<<64 - 1} {
		if gt, gn, ok := ParseTxNumKey(TxNumKey(tss, n)); !ok || gt != tss || gn != n {
			t.Errorf("tx-num %d: %q %d %v", n, gt, gn, ok)
		}
		if gt, gs, gn, ok := ParseTxEndKey(TxEndKey(tss, "FINISHED", n)); !ok || gt != tss || gs != "FINISHED" || gn != n {
			t.Errorf("tx-end %d: %q %q %d %v", n, gt, gs, gn, ok)
		}
		if gt, gc, gn, ok := ParseTxClientKey(TxClientKey(tss, client, n)); !ok || gt != tss || gc != client || gn != n {
			t.Errorf("tx-client %d: %q %q %d %v", n, gt, gc, gn, ok)
		}
		for _, k := range [][]byte{TxNumKey(tss, n), TxEndKey(tss, "CANCELLED", n), TxClientKey(tss, client, n)} {
			if got, ok := ParseTxIndexNumber(k); !ok || got != n {
				t.Errorf("index number of %q: %d %v", k, got, ok)
			}
		}
		if seq, ok := ParseOutboxKey(OutboxKey(n)); !ok || seq != n {
			t.Errorf("outbox %d: %d %v", n, seq, ok)
		}
	}
	for _, m := range []uint32{202601, 202612, 1<<32 - 1} {
		if o, gm, ok := ParseBillOptKey(BillOptKey("org-1", m)); !ok || o != "org-1" || gm != m {
			t.Errorf("bill-opt %d: %q %d %v", m, o, gm, ok)
		}
		if o, e, c, z, ok := ParseDKZNrKey(DKZNrKey("org-1", "TEST", client, m)); !ok || o != "org-1" || e != "TEST" || c != client || z != m {
			t.Errorf("dk-znr %d: %q %q %q %d %v", m, o, e, c, z, ok)
		}
		if p, gm, ok := ParseInvoiceRef(InvoiceRef("payer-1", m)); !ok || p != "payer-1" || gm != m {
			t.Errorf("invoice ref %d: %q %d %v", m, p, gm, ok)
		}
	}
	if id, ok := ParseSyncOwnerKey(SyncOwnerKey(tss)); !ok || id != tss {
		t.Errorf("sync-owner: %q %v", id, ok)
	}
}

func TestKeyParsersRefuseForeignKeys(t *testing.T) {
	foreign := [][]byte{
		nil, []byte(""), []byte("tx-num/"), []byte("tx-num/t/1234567"), // 7 bytes: no number
		TxEndKey("t", "FINISHED", 1), TxRevKey("t", "x", 1), LogKey("t", 1),
		append(TxNumKey("t", 1), 0),                        // one byte too many
		[]byte("tx-num//\x00\x00\x00\x00\x00\x00\x00\x01"), // empty TSS id
	}
	for _, k := range foreign {
		if _, _, ok := ParseTxNumKey(k); ok {
			t.Errorf("ParseTxNumKey accepted %q", k)
		}
	}
	if _, _, _, ok := ParseTxEndKey(TxClientKey("t", "c", 1)); ok {
		t.Error("ParseTxEndKey accepted a tx-client key")
	}
	if _, _, _, ok := ParseTxEndKey([]byte("tx-end/t/\x00\x00\x00\x00\x00\x00\x00\x01")); ok {
		t.Error("ParseTxEndKey accepted a key without state")
	}
	if _, ok := ParseTxIndexNumber(LogKey("t", 5)); ok {
		t.Error("ParseTxIndexNumber accepted a log key")
	}
	if _, ok := ParseOutboxKey(append(OutboxKey(1), 'x')); ok {
		t.Error("ParseOutboxKey accepted a longer key")
	}
	if _, ok := ParseOutboxKey(SyncKVKey(OutboxKey(1))); ok {
		t.Error("ParseOutboxKey accepted a sync-kv key")
	}
	if _, _, ok := ParseBillOptKey(InvoiceKey("o", 202612)); ok {
		t.Error("ParseBillOptKey accepted an invoice key")
	}
	if _, ok := ParseSyncOwnerKey([]byte("sync-owner/")); ok {
		t.Error("ParseSyncOwnerKey accepted an empty id")
	}
	if _, ok := ParseSyncOwnerKey([]byte("sync-owner/a/b")); ok {
		t.Error("ParseSyncOwnerKey accepted a nested key")
	}
	for _, bad := range []string{"", "payer", "/202612", "payer/20x612", "payer/99999999999"} {
		if _, _, ok := ParseInvoiceRef([]byte(bad)); ok {
			t.Errorf("ParseInvoiceRef accepted %q", bad)
		}
	}
}

// Builders keep numbers fixed-width big-endian so byte order is numeric
// order, and prefixes end in '/' so one id never matches another's prefix.
func TestKeysOrderNumerically(t *testing.T) {
	if bytes.Compare(TxNumKey("t", 255), TxNumKey("t", 256)) >= 0 || bytes.Compare(LogKey("t", 1<<32), LogKey("t", 1<<32+1)) >= 0 {
		t.Fatal("numbers do not order numerically")
	}
	if bytes.HasPrefix(TxNumKey("t10", 1), TxNumPrefix("t1")) {
		t.Fatal("a TSS id is a prefix of another's keys")
	}
	if ClassOf(TxNumKey("t", 1)) != SyncOwned || ClassOf(OrgKey("o")) != SyncShared || ClassOf(OutboxKey(1)) != SyncLocal || ClassOf([]byte("new-prefix/x")) != SyncLocal {
		t.Fatal("sync classes")
	}
}
