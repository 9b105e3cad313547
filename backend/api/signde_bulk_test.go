package api

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/tss"
	"github.com/fiskaldesk/fiskaldesk/backend/verify"
)

// 10,000 receipts on one TSS, exported: fiskaldesk's verifier and the
// test's own reader accept every log, and a filtered export holds exactly
// what its filter defines.
func TestTenThousandTransactionsExportAndVerify(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 8)
	p := principalOf(t, a, v)
	c := tss.Caller{Viewer: p.Viewer, Env: p.Viewer.Env, ActingOrg: p.Key.OrganizationID, TokenID: p.TokenID, TokenExp: p.TokenExp}
	const n = 10_000
	var wg sync.WaitGroup
	errs := make(chan error, len(clients))
	for w, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += len(clients) {
				id := uuid.NewString()
				if _, err := a.tss.Upsert(context.Background(), c, tssID, id, 1, tss.TxRequest{State: "ACTIVE", ClientID: cl}); err != nil {
					errs <- err
					return
				}
				body, _ := jsonRaw(receipt("1.00"))
				if _, err := a.tss.Upsert(context.Background(), c, tssID, id, 2, tss.TxRequest{State: "FINISHED", ClientID: cl, Schema: body}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	tssView := a.must(a.do(v, "GET", "/api/v2/tss/"+tssID, nil), 200).obj()
	if tssView["transaction_counter"] != "10000" {
		t.Fatalf("transaction counter %v", tssView["transaction_counter"])
	}
	certDER, _ := base64.StdEncoding.DecodeString(tssView["certificate"].(string))
	cert, _ := x509.ParseCertificate(certDER)
	pub := cert.PublicKey.(*ecdsa.PublicKey)

	path := "/api/v2/tss/" + tssID + "/export/" + uuid.NewString()
	a.must(a.do(v, "PUT", path, nil), 200)
	if e := waitExport(t, a, v, path); e["state"] != "COMPLETED" || e["records"].(float64) < 2*n {
		t.Fatalf("export: %v", e)
	}
	file := a.must(a.do(v, "GET", path+"/file", nil), 200).body

	rep, err := verify.Verify("export.tar", bytes.NewReader(file), verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.SignaturesVerified != rep.Logs || rep.TransactionLogs != 2*n || len(rep.Serials) != 1 || len(rep.Serials[0].Gaps) != 0 {
		t.Fatalf("verify: ok=%v logs=%d verified=%d tx=%d findings=%v", rep.OK, rep.Logs, rep.SignaturesVerified, rep.TransactionLogs, rep.Findings[:min(5, len(rep.Findings))])
	}
	for _, m := range readTarBytes(t, file)[3:] {
		l := readTestLog(t, m.data)
		sum := sha256.Sum256(l.dtbs)
		if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(l.sig[:32]), new(big.Int).SetBytes(l.sig[32:])) {
			t.Fatalf("%s does not verify with the test's own reader", m.name)
		}
	}
	// A filtered export of the same TSS: transaction 4711 and the system
	// logs between its Start and Finish, nothing else.
	fpath := "/api/v2/tss/" + tssID + "/export/" + uuid.NewString()
	a.must(a.do(v, "PUT", fpath+"?transaction_number=4711", nil), 200)
	waitExport(t, a, v, fpath)
	filtered := a.must(a.do(v, "GET", fpath+"/file", nil), 200).body
	members := readTarBytes(t, filtered)[3:]
	if len(members) < 2 {
		t.Fatalf("filtered export holds %d logs", len(members))
	}
	for _, m := range members {
		if l := readTestLog(t, m.data); l.kind == 1 && l.number != 4711 {
			t.Fatalf("filtered export holds transaction %d", l.number)
		}
	}
	if r, _ := verify.Verify("filtered.tar", bytes.NewReader(filtered), verify.Options{Partial: true}); !r.OK || r.SignaturesVerified != len(members) {
		t.Fatalf("filtered export: %+v", r.Findings)
	}
}

// Seeded receipts are the data the API writes: their answers verify
// independently, lists count them, and their export passes verify.
func TestSeedWritesWhatTheAPIWrites(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 1)
	p := principalOf(t, a, v)
	c := tss.Caller{Viewer: p.Viewer, Env: p.Viewer.Env, ActingOrg: p.Key.OrganizationID, TokenID: p.TokenID, TokenExp: p.TokenExp}
	var batches []int
	if err := a.tss.Seed(context.Background(), c, tssID, clients[0], 1200, func(done int) { batches = append(batches, done) }); err != nil {
		t.Fatal(err)
	}
	// One progress call per committed batch of tss.SeedBatch receipts.
	if want := (1200 + tss.SeedBatch - 1) / tss.SeedBatch; len(batches) != want || batches[want-1] != 1200 {
		t.Fatalf("progress %v", batches)
	}
	base := "/api/v2/tss/" + tssID + "/tx/"
	for _, n := range []string{"1", "600", "1200"} {
		fin := parseTx(t, a.must(a.do(v, "GET", base+n, nil), 200))
		verifyTx(t, fin, "Beleg^11.90_1.07_0.00_0.00_0.00^12.97:Bar")
		start := parseTx(t, a.must(a.do(v, "GET", base+fin.ID+"?tx_revision=1", nil), 200))
		verifyTx(t, start, "")
	}
	if n := a.must(a.do(v, "GET", base[:len(base)-1]+"?states[]=FINISHED&limit=1", nil), 200).obj()["count"].(float64); n != 1200 {
		t.Fatalf("list count %v", n)
	}
	// Seeded transactions are in the client's index and counts too.
	cl := "/api/v2/tss/" + tssID + "/client/" + clients[0] + "/tx?states[]=FINISHED&limit=2&offset=1198"
	if r := a.must(a.do(v, "GET", cl, nil), 200); r.obj()["count"].(float64) != 1200 || len(ids(r)) != 2 {
		t.Fatalf("client list %s", r.body)
	}
	path := "/api/v2/tss/" + tssID + "/export/" + uuid.NewString()
	a.must(a.do(v, "PUT", path, nil), 200)
	waitExport(t, a, v, path)
	rep, err := verify.Verify("seed.tar", bytes.NewReader(a.must(a.do(v, "GET", path+"/file", nil), 200).body), verify.Options{})
	if err != nil || !rep.OK || rep.TransactionLogs != 2400 || rep.SignaturesVerified != rep.Logs {
		t.Fatalf("verify: %v %+v", err, rep.Findings)
	}
}

// The unfiltered list takes a fast path (a page is a range of numbers);
// it must answer exactly what the general path answers for every window,
// the general path being forced by naming all three states.
func TestTxListFastPathMatchesGeneralPath(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 1)
	base := "/api/v2/tss/" + tssID + "/tx"
	for i := range 23 {
		tx := base + "/" + uuid.NewString()
		a.must(a.do(v, "PUT", tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 200)
		switch i % 3 {
		case 1:
			a.must(a.do(v, "PUT", tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[0], "schema": receipt("1.00")}), 200)
		case 2:
			a.must(a.do(v, "PUT", tx+"?tx_revision=2", map[string]any{"state": "CANCELLED", "client_id": clients[0]}), 200)
		}
	}
	all := "&states[]=ACTIVE&states[]=CANCELLED&states[]=FINISHED"
	for _, q := range []string{"", "limit=5", "limit=5&offset=20", "limit=100&offset=22", "limit=3&offset=23",
		"limit=7&offset=4&order=desc", "order=desc", "order_by=number&order=asc&limit=2&offset=1", "limit=1&offset=22&order=desc"} {
		fast := a.must(a.do(v, "GET", base+"?"+q, nil), 200)
		slow := a.must(a.do(v, "GET", base+"?"+q+all, nil), 200)
		if !bytes.Equal(fast.body, slow.body) {
			t.Errorf("%s:\nfast %s\nslow %s", q, fast.body, slow.body)
		}
		if fast.obj()["count"].(float64) != 23 {
			t.Errorf("%s: count %v", q, fast.obj()["count"])
		}
	}
	if got := ids(a.must(a.do(v, "GET", base+"?limit=2&order=desc", nil), 200)); len(got) != 2 {
		t.Fatalf("desc page %v", got)
	}
}

// Lists filtered by state or client read the indexes and only their page;
// they answer what the org-wide list (which reads every transaction) and
// a model of what was signed say, counts included. One transaction changes
// client at its last revision and so belongs to the second client.
func TestTxListsFromTheIndexes(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 2)
	base := "/api/v2/tss/" + tssID + "/tx"
	type tx struct {
		id, state, client string
		number            int
	}
	var model []tx
	for i := range 41 {
		id := uuid.NewString()
		u := base + "/" + id
		a.must(a.do(v, "PUT", u+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 200)
		x := tx{id: id, state: "ACTIVE", client: clients[0], number: i + 1}
		switch i % 5 {
		case 1, 2:
			a.must(a.do(v, "PUT", u+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[0], "schema": receipt("1.00")}), 200)
			x.state = "FINISHED"
		case 3: // finished at the other till
			a.must(a.do(v, "PUT", u+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[1], "schema": receipt("1.00")}), 200)
			x.state, x.client = "FINISHED", clients[1]
		case 4:
			a.must(a.do(v, "PUT", u+"?tx_revision=2", map[string]any{"state": "CANCELLED", "client_id": clients[0]}), 200)
			x.state = "CANCELLED"
		}
		model = append(model, x)
	}
	expect := func(states []string, client string, desc bool, offset, limit int) ([]string, int) {
		var ids []string
		for _, x := range model {
			if (len(states) == 0 || slices.Contains(states, x.state)) && (client == "" || x.client == client) {
				ids = append(ids, x.id)
			}
		}
		if desc {
			slices.Reverse(ids)
		}
		n := len(ids)
		ids = ids[min(offset, n):min(offset+limit, n)]
		return ids, n
	}
	type page struct {
		q             string
		desc          bool
		offset, limit int
	}
	pages := []page{{"", false, 0, 100}, {"&limit=5", false, 0, 5}, {"&limit=5&offset=7", false, 7, 5}, {"&limit=4&order=desc", true, 0, 4},
		{"&limit=3&offset=20&order=desc", true, 20, 3}, {"&limit=100&offset=40", false, 40, 100}, {"&order_by=number&order=asc&limit=2&offset=1", false, 1, 2}}
	for _, states := range [][]string{nil, {"FINISHED"}, {"CANCELLED"}, {"FINISHED", "CANCELLED"}, {"ACTIVE", "FINISHED"}, {"ACTIVE", "CANCELLED", "FINISHED"}, {"CANCELLED", "CANCELLED"}} {
		sq := ""
		for _, st := range states {
			sq += "&states[]=" + st
		}
		for _, client := range []string{"", clients[0], clients[1]} {
			for _, p := range pages {
				path := base
				if client != "" {
					path = "/api/v2/tss/" + tssID + "/client/" + client + "/tx"
				}
				q := "?" + strings.TrimPrefix(sq+p.q, "&")
				r := a.must(a.do(v, "GET", path+q, nil), 200)
				want, n := expect(states, client, p.desc, p.offset, p.limit)
				if got := ids(r); !slices.Equal(got, want) || int(r.obj()["count"].(float64)) != n {
					t.Errorf("%s%s: got %v (count %v), want %v (count %d)", path, q, got, r.obj()["count"], want, n)
				}
				if client == "" && len(states) > 0 {
					// The org-wide list reads every transaction: the same answer.
					all := a.must(a.do(v, "GET", "/api/v2/tx"+q, nil), 200)
					if !bytes.Equal(all.body, r.body) {
						t.Errorf("%s: index and reading path differ:\n%s\n%s", q, r.body, all.body)
					}
				}
			}
		}
	}
}

// Lists of only ACTIVE transactions come from the active index: exactly
// the open ones, in number order either way, paged, across a TSS or the
// whole org; a transaction that ends leaves the list at once.
func TestActiveTransactionListsFromTheIndex(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 1)
	other, otherClients := posSetup(t, a, v, 1)
	base := "/api/v2/tss/" + tssID + "/tx"
	var open []string // ids of the ACTIVE ones, by number
	for i := range 23 {
		id := uuid.NewString()
		tx := base + "/" + id
		a.must(a.do(v, "PUT", tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 200)
		switch i % 3 {
		case 0:
			open = append(open, id)
		case 1:
			a.must(a.do(v, "PUT", tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[0], "schema": receipt("1.00")}), 200)
		case 2:
			a.must(a.do(v, "PUT", tx+"?tx_revision=2", map[string]any{"state": "CANCELLED", "client_id": clients[0]}), 200)
		}
	}
	otherOpen := uuid.NewString()
	a.must(a.do(v, "PUT", "/api/v2/tss/"+other+"/tx/"+otherOpen+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": otherClients[0]}), 200)

	same := func(q string, want []string) {
		t.Helper()
		r := a.must(a.do(v, "GET", q, nil), 200)
		if got := ids(r); !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", q, got, want)
		}
	}
	reversed := slices.Clone(open)
	slices.Reverse(reversed)
	same(base+"?states[]=ACTIVE&limit=100", open)
	same(base+"?states=ACTIVE&order=desc&limit=100", reversed)
	same(base+"?states[]=ACTIVE&limit=3&offset=2", open[2:5])
	if n := a.must(a.do(v, "GET", base+"?states[]=ACTIVE&limit=1", nil), 200).obj()["count"].(float64); int(n) != len(open) {
		t.Fatalf("count %v, want %d", n, len(open))
	}
	same(base+"?states[]=ACTIVE&states[]=ACTIVE&limit=100", open)
	// The org-wide list has the other TSS's open one too.
	if got := ids(a.must(a.do(v, "GET", "/api/v2/tx?states[]=ACTIVE&limit=100", nil), 200)); len(got) != len(open)+1 || !slices.Contains(got, otherOpen) {
		t.Fatalf("org-wide ACTIVE list %v", got)
	}
	// Finishing one removes it from the list.
	a.must(a.do(v, "PUT", base+"/"+open[0]+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[0], "schema": receipt("2.00")}), 200)
	same(base+"?states[]=ACTIVE&limit=100", open[1:])
	// Mixed filters still read every transaction, with the same answer for the ACTIVE ones.
	if n := a.must(a.do(v, "GET", base+"?states[]=ACTIVE&states[]=CANCELLED&limit=1", nil), 200).obj()["count"].(float64); n != 7+7 {
		t.Fatalf("ACTIVE+CANCELLED count %v", n)
	}
}
