package store

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// Key layout of the fiskaldesk store. This file is the single source of
// truth: every prefix used anywhere is declared here, with its full key
// shape and value type. Rules (see DESIGN.md › Store rules):
//
//   - a key starts with a short type prefix ending in '/', then the owning
//     organization or TSS id, then the record id;
//   - integers inside keys (counters, timestamps) are fixed-width big-endian
//     so that Badger's byte order is numeric order;
//   - a retired prefix is never reused: move it to the retired list below.
//
// Ids in keys are the 36-character UUID text form (fixed width). Values
// are JSON with a "v" record version unless noted.
//
// Prefixes in use:
//
//	meta/format                      → uint32 BE: store format version (FormatVersion).
//	meta/instance                    → 16 raw bytes: random id of this installation.
//	meta/token-key                   → the HMAC key signing access/refresh tokens, sealed
//	                                   (AES-GCM) under the data key; never in clear.
//	meta/data-key-check              → a fixed text sealed under the data key: a wrong or
//	                                   missing data key is found at start, not at the
//	                                   first signature.
//
//	org/<org>                        → org.Organization.
//	org-child/<parent>/<child>       → empty: index of a parent's managed organizations.
//	org-admin/<admin>/<org>          → empty: index of ORGANIZATIONs administered by another
//	                                   organization (created with its key, not handed over).
//	org-logo/<org>                   → raw image bytes (PNG/JPEG/WebP, sniffed on upload).
//
//	user/<user>                      → org.User (password as argon2id PHC string).
//	user-email/<lower-case email>    → user id (raw text): unique e-mail addresses.
//	member/<org>/<user>              → org.Membership (role).
//	user-org/<user>/<org>            → empty: reverse index of member/.
//	invite/<sha256(token) hex>       → org.Invitation; the token itself is never stored.
//	org-invite/<org>/<invitation>    → sha256(token) hex (raw text): an org's open invitations.
//	install-admin/<user>             → org.installAdmin: a user holding the installation role
//	                                   (backup, restore, sync, price list: powers across tenants).
//	                                   Local: never synced, so no other instance can grant it here.
//
//	apikey/<key id>                  → auth.APIKey (secret as argon2id PHC string).
//	apikey-key/<api_key string>      → key id (raw text): lookup for POST /auth.
//	org-apikey/<org>/<key id>        → empty: an org's keys.
//
//	meta/ca                          → tss.caRecord: the installation's sandbox CA (cert, sealed key).
//	tss/<tss>                        → tss.TSS (private key and PUK sealed; PIN/PUK as argon2id).
//	tss-ctr/<tss>                    → 40 bytes BE: signature counter u64, transaction counter u64,
//	                                   active transactions u32, registered clients u32, time of the
//	                                   last log i64, counted UTC day u32, transactions started that
//	                                   day u32 (TSSCounters; formats 1 and 2 wrote the first 24 bytes).
//	                                   Written in the transaction of every log it counts.
//	tss-day/<tss>/<day u32 BE>       → u32 BE: transactions the TSS started on that UTC day (days
//	                                   since 1970-01-01), written once, when the TSS starts its first
//	                                   transaction of a later day (the open day is in tss-ctr).
//	org-tss/<org>/<tss>              → "<env> <state>" of the TSS record, written with it (format 4;
//	                                   format ≤ 3 and peers of those wrote it empty: read the record),
//	                                   so that listing an org's TSS reads no TSS record (EachOrgTSS).
//	client/<client>                  → tss.Client; client ids are unique system-wide.
//	tss-client/<tss>/<client>        → empty: a TSS's clients.
//	client-serial/<tss>/<serial>     → client id (raw text): serials are unique within a TSS.
//	tx/<tss>/<tx>                    → tss.txHead: state, number, latest revision of a transaction.
//	tx-num/<tss>/<number u64 BE>     → tx id (raw text): transactions in number order.
//	tx-rev/<tss>/<tx>/<rev u32 BE>   → tss.txRevision: the signed answer of one revision.
//	tx-active/<tss>/<tx>             → empty: ACTIVE transactions (for the 2000 limit, and
//	                                   lists of only ACTIVE ones: a POS looking for open receipts).
//	tx-end/<tss>/<state>/<number u64 BE> → tx id (raw text): FINISHED and CANCELLED
//	                                   transactions in number order, written when one ends
//	                                   (final states never change); only for TSS whose
//	                                   record says indexed (created since the index).
//	tx-client/<tss>/<client>/<number u64 BE> → tx id (raw text): transactions by the client
//	                                   of their latest revision, moved when a revision comes
//	                                   from another client; same condition.
//	tx-count/<tss>/<client>/<state>  → u64 BE: how many of the TSS's transactions are in state
//	                                   with client as their latest revision's; same condition.
//	log/<tss>/<counter u64 BE>       → raw DER log message, the TAR export's source; append-only.
//	export/<tss>/<export>            → tss.Export: a TAR export job and its result.
//
//	dk-cr/<org>/<env>/<client>          → dsfinvk.CashRegister: latest revision.
//	dk-cr-rev/<org>/<env>/<client>/<rev u32 BE> → dsfinvk.CashRegister: every revision.
//	dk-vat/<org>/<env>/<export id u32 BE>   → dsfinvk.VatDefinition (custom ids ≥ 1000).
//	dk-pa/<org>/<env>/<agency>           → dsfinvk.PurchaserAgency.
//	dk-cpc/<org>/<env>/<closing>         → dsfinvk.closingRecord: summary, body, reports.
//	dk-znr/<org>/<env>/<client>/<Z_NR u32 BE> → closing id: ascending closing numbers.
//	dk-export/<org>/<env>/<export>       → dsfinvk.Export.
//
//	meta/price-list                  → billing.PriceList of this installation.
//	meta/invoice-seq                 → u64 BE: last invoice number issued (gapless).
//	bill-opt/<org>/<yyyymm u32 BE>   → org.BillingOptions effective from that month on.
//	bill-addr/<address>              → billing.Address.
//	org-bill-addr/<org>/<address>    → empty: an org's billing addresses.
//	invoice/<payer>/<yyyymm u32 BE>  → billing.Invoice: one per paying org and month.
//	invoice-id/<invoice>             → "<payer>/<yyyymm>" (raw text).
//
//	audit/<org>/<unix nanos u64 BE>/<entry id>
//	                                 → audit.Entry: who changed what in an org, in the
//	                                   transaction of the change; append-only.
//
//	meta/outbox                      → 1 byte: OutboxMode of this instance (absent: off).
//	meta/outbox-acked                → u64 BE: highest outbox sequence acknowledged and pruned.
//	meta/outbox-snap                 → raw key: where the snapshot of data older than the
//	                                   outbox stopped; absent when none is running.
//	outbox/<seq u64 BE>              → outbox entry (see outbox.go for the encoding): the
//	                                   synced keys one commit wrote, in commit order.
//	sync-kv/<key>                    → 24 bytes: Version (unix nanos u64 BE, origin instance)
//	                                   of a shared key's current value, for conflict checks.
//	sync-peer/<instance hex>         → u64 BE: last outbox sequence applied from that instance
//	                                   (central: a workstation's push; workstation: the pull).
//	sync-owner/<tss>                 → 16 bytes: the instance that signs this TSS (set when
//	                                   its data arrives by sync; absent for local TSS).
//	sync-conflict/<unix nanos u64 BE>/<id> → Conflict: both versions of a shared key that
//	                                   changed on two instances.
//	meta/sync-remote                 → sync.Remote: URL and sealed credential of the central
//	                                   instance this workstation pushes to.
//	meta/sync-state                  → sync.State: last sync, errors, totals (status page).
//	sync-ws/<workstation>            → sync.Workstation: a central's paired workstation,
//	                                   credential as argon2id.
//	sync-ws-inst/<instance hex>      → workstation id (raw text): the pairing an instance used.
//
//	job/<kind>/<ref>                 → jobs.Job: one background job (kind: "tss-export", …;
//	                                   ref: the domain's id of the work, may contain '/'),
//	                                   its state, owner and lease, progress. Local: every
//	                                   instance runs its own jobs.
//	job-ready/<kind>/<seq u64 BE>/<ref> → empty: QUEUED jobs of a kind in the order they
//	                                   were queued (seq: unix nanos, strictly rising per process).
//	job-run/<kind>/<ref>             → empty: RUNNING jobs (owner and lease in the record),
//	                                   scanned for expired leases.
//	job-end/<unix ms u64 BE>/<kind>/<ref> → empty: finished jobs by end time, pruned after
//	                                   the runner's retention.
//	job-lock/<kind>                  → ref (raw text): the RUNNING job of a serial kind
//	                                   (at most one at a time across runners).
//
// Retired prefixes (never written again, never reused):
//
//	export-queue/<export>            → tss id: the TAR export queue before the job runner;
//	                                   read once at start and turned into job/ records.
//	dk-queue/<kind>/<id>             → "<org>/<env>": the DSFinV-K queue before the job
//	                                   runner; read once at start and turned into job/ records.
//
// Retired keys: meta/jwt-key (format ≤ 2: the token key in clear; deleted
// at start, the sealed meta/token-key replaces it).
var (
	keyFormat   = []byte("meta/format")
	keyInstance = []byte("meta/instance")
	// KeyTokenKey holds the sealed token signing key.
	KeyTokenKey = []byte("meta/token-key")
	// KeyRetiredClearTokenKey held the token key in clear; it is deleted.
	KeyRetiredClearTokenKey = []byte("meta/jwt-key")
	// KeyDataKeyCheck holds the data key's check value.
	KeyDataKeyCheck = []byte("meta/data-key-check")
)

// signingPrefixes are the keys that signing writes with every operation:
// a commit that writes only these leaves Store.Generation where it is.
// Everything else moves it (docs/store.md › Generation).
var signingPrefixes = [][]byte{
	[]byte("tss-ctr/"), []byte("tx/"), []byte("tx-num/"), []byte("tx-rev/"), []byte("tx-active/"),
	[]byte("tx-end/"), []byte("tx-client/"), []byte("tx-count/"), []byte("log/"),
	[]byte("outbox/"), []byte("sync-kv/"),
}

// signingKey reports whether k is signing data (signingPrefixes).
func signingKey(k []byte) bool {
	for _, p := range signingPrefixes {
		if bytes.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// Key builders. Prefix builders end in '/' so that a scan of one id never
// matches another id that merely starts with it.

func key(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, '/')
		}
		b = append(b, p...)
	}
	return b
}

func prefix(parts ...string) []byte { return append(key(parts...), '/') }

func OrgKey(org string) []byte                   { return key("org", org) }
func OrgPrefix() []byte                          { return prefix("org") }
func OrgChildKey(parent, child string) []byte    { return key("org-child", parent, child) }
func OrgChildPrefix(parent string) []byte        { return prefix("org-child", parent) }
func OrgAdminKey(admin, org string) []byte       { return key("org-admin", admin, org) }
func OrgAdminPrefix(admin string) []byte         { return prefix("org-admin", admin) }
func OrgLogoKey(org string) []byte               { return key("org-logo", org) }
func UserKey(user string) []byte                 { return key("user", user) }
func UserPrefix() []byte                         { return prefix("user") }
func UserEmailKey(email string) []byte           { return key("user-email", email) }
func MemberKey(org, user string) []byte          { return key("member", org, user) }
func MemberPrefix(org string) []byte             { return prefix("member", org) }
func UserOrgKey(user, org string) []byte         { return key("user-org", user, org) }
func UserOrgPrefix(user string) []byte           { return prefix("user-org", user) }
func InviteKey(tokenHash string) []byte          { return key("invite", tokenHash) }
func OrgInviteKey(org, invitation string) []byte { return key("org-invite", org, invitation) }
func OrgInvitePrefix(org string) []byte          { return prefix("org-invite", org) }
func InstallAdminKey(user string) []byte         { return key("install-admin", user) }
func InstallAdminPrefix() []byte                 { return prefix("install-admin") }
func APIKeyKey(id string) []byte                 { return key("apikey", id) }
func APIKeyPrefix() []byte                       { return prefix("apikey") }
func APIKeyByKeyKey(apiKey string) []byte        { return key("apikey-key", apiKey) }
func OrgAPIKeyKey(org, id string) []byte         { return key("org-apikey", org, id) }
func OrgAPIKeyPrefix(org string) []byte          { return prefix("org-apikey", org) }
func AuditPrefix(org string) []byte              { return prefix("audit", org) }

func CAKey() []byte                   { return []byte("meta/ca") }
func TSSKey(tss string) []byte        { return key("tss", tss) }
func TSSCounterKey(tss string) []byte { return key("tss-ctr", tss) }
func TSSDayPrefix(tss string) []byte  { return prefix("tss-day", tss) }
func TSSDayKey(tss string, day uint32) []byte {
	return binary.BigEndian.AppendUint32(prefix("tss-day", tss), day)
}
func OrgTSSKey(org, tss string) []byte          { return key("org-tss", org, tss) }
func OrgTSSPrefix(org string) []byte            { return prefix("org-tss", org) }
func ClientKey(client string) []byte            { return key("client", client) }
func TSSClientKey(tss, client string) []byte    { return key("tss-client", tss, client) }
func TSSClientPrefix(tss string) []byte         { return prefix("tss-client", tss) }
func ClientSerialKey(tss, serial string) []byte { return key("client-serial", tss, serial) }
func TxKey(tss, tx string) []byte               { return key("tx", tss, tx) }
func TxPrefix(tss string) []byte                { return prefix("tx", tss) }
func TSSPrefix() []byte                         { return prefix("tss") }
func TxActiveKey(tss, tx string) []byte         { return key("tx-active", tss, tx) }
func TxActivePrefix(tss string) []byte          { return prefix("tx-active", tss) }
func TxNumPrefix(tss string) []byte             { return prefix("tx-num", tss) }
func TxEndPrefix(tss, state string) []byte      { return prefix("tx-end", tss, state) }
func TxClientPrefix(tss, client string) []byte  { return prefix("tx-client", tss, client) }
func TxCountKey(tss, client, state string) []byte {
	return key("tx-count", tss, client, state)
}
func TxClientKey(tss, client string, n uint64) []byte {
	return binary.BigEndian.AppendUint64(prefix("tx-client", tss, client), n)
}
func TxEndKey(tss, state string, n uint64) []byte {
	return binary.BigEndian.AppendUint64(prefix("tx-end", tss, state), n)
}
func TxNumKey(tss string, n uint64) []byte {
	return binary.BigEndian.AppendUint64(prefix("tx-num", tss), n)
}
func TxRevKey(tss, tx string, rev uint32) []byte {
	return binary.BigEndian.AppendUint32(prefix("tx-rev", tss, tx), rev)
}
func LogKey(tss string, counter uint64) []byte {
	return binary.BigEndian.AppendUint64(prefix("log", tss), counter)
}
func LogPrefix(tss string) []byte                  { return prefix("log", tss) }
func DKRegisterKey(org, env, client string) []byte { return key("dk-cr", org, env, client) }
func DKRegisterPrefix(org, env string) []byte      { return prefix("dk-cr", org, env) }
func DKRegisterRevKey(org, env, client string, rev uint32) []byte {
	return binary.BigEndian.AppendUint32(prefix("dk-cr-rev", org, env, client), rev)
}
func DKVatKey(org, env string, id uint32) []byte {
	return binary.BigEndian.AppendUint32(prefix("dk-vat", org, env), id)
}
func DKVatPrefix(org, env string) []byte         { return prefix("dk-vat", org, env) }
func DKAgencyKey(org, env, id string) []byte     { return key("dk-pa", org, env, id) }
func DKAgencyPrefix(org, env string) []byte      { return prefix("dk-pa", org, env) }
func DKClosingKey(org, env, id string) []byte    { return key("dk-cpc", org, env, id) }
func DKClosingPrefix(org, env string) []byte     { return prefix("dk-cpc", org, env) }
func DKZNrPrefix(org, env, client string) []byte { return prefix("dk-znr", org, env, client) }
func DKZNrKey(org, env, client string, znr uint32) []byte {
	return binary.BigEndian.AppendUint32(prefix("dk-znr", org, env, client), znr)
}
func DKExportKey(org, env, id string) []byte { return key("dk-export", org, env, id) }
func DKExportPrefix(org, env string) []byte  { return prefix("dk-export", org, env) }

func ExportKey(tss, export string) []byte { return key("export", tss, export) }
func ExportPrefix(tss string) []byte      { return prefix("export", tss) }

// Retired queue prefixes, only read (and emptied) when adopting the jobs a
// store from before the job runner left.
func ExportQueuePrefix() []byte        { return prefix("export-queue") }
func DKQueuePrefix(kind string) []byte { return prefix("dk-queue", kind) }

func JobKey(kind, ref string) []byte { return key("job", kind, ref) }
func JobReadyKey(kind string, seq uint64, ref string) []byte {
	return append(append(binary.BigEndian.AppendUint64(prefix("job-ready", kind), seq), '/'), ref...)
}
func JobReadyPrefix(kind string) []byte { return prefix("job-ready", kind) }
func JobRunKey(kind, ref string) []byte { return key("job-run", kind, ref) }
func JobRunPrefix() []byte              { return prefix("job-run") }
func JobEndKey(unixMilli uint64, kind, ref string) []byte {
	return append(append(binary.BigEndian.AppendUint64(prefix("job-end"), unixMilli), '/'), key(kind, ref)...)
}
func JobEndPrefix() []byte          { return prefix("job-end") }
func JobLockKey(kind string) []byte { return key("job-lock", kind) }

func PriceListKey() []byte  { return []byte("meta/price-list") }
func InvoiceSeqKey() []byte { return []byte("meta/invoice-seq") }
func BillOptKey(org string, month uint32) []byte {
	return binary.BigEndian.AppendUint32(prefix("bill-opt", org), month)
}
func BillOptPrefix(org string) []byte      { return prefix("bill-opt", org) }
func BillAddrKey(id string) []byte         { return key("bill-addr", id) }
func OrgBillAddrKey(org, id string) []byte { return key("org-bill-addr", org, id) }
func OrgBillAddrPrefix(org string) []byte  { return prefix("org-bill-addr", org) }
func InvoicePrefix(payer string) []byte    { return prefix("invoice", payer) }
func InvoiceIDKey(id string) []byte        { return key("invoice-id", id) }
func InvoiceKey(payer string, month uint32) []byte {
	return binary.BigEndian.AppendUint32(prefix("invoice", payer), month)
}

func OutboxKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(prefix("outbox"), seq) }
func OutboxPrefix() []byte        { return prefix("outbox") }
func SyncKVKey(k []byte) []byte   { return append(prefix("sync-kv"), k...) }
func SyncPeerKey(instance string) []byte {
	return key("sync-peer", instance)
}
func SyncOwnerKey(tss string) []byte { return key("sync-owner", tss) }
func SyncOwnerPrefix() []byte        { return prefix("sync-owner") }
func SyncConflictKey(unixNanos uint64, id string) []byte {
	return append(binary.BigEndian.AppendUint64(prefix("sync-conflict"), unixNanos), append([]byte{'/'}, id...)...)
}
func SyncConflictPrefix() []byte                   { return prefix("sync-conflict") }
func SyncRemoteKey() []byte                        { return []byte("meta/sync-remote") }
func SyncStateKey() []byte                         { return []byte("meta/sync-state") }
func SyncWorkstationKey(id string) []byte          { return key("sync-ws", id) }
func SyncWorkstationPrefix() []byte                { return prefix("sync-ws") }
func SyncWorkstationByInstance(inst string) []byte { return key("sync-ws-inst", inst) }

var (
	keyOutboxMode  = []byte("meta/outbox")
	keyOutboxAcked = []byte("meta/outbox-acked")
	keyOutboxSnap  = []byte("meta/outbox-snap")
)

// SyncClass says what sync does with a key.
type SyncClass uint8

const (
	// SyncLocal keys never leave the instance: meta, job queues, exports
	// (each instance builds its own from the logs), invoices (numbered by
	// the instance that bills) and sync's own bookkeeping.
	SyncLocal SyncClass = iota
	// SyncOwned keys belong to the instance that signs the TSS or runs
	// the cash register: pushed to the central instance, never pulled,
	// never in conflict (append-only logs and records of one writer).
	SyncOwned
	// SyncShared keys are organization data that may change on both
	// sides: pushed and pulled, conflicts resolved by Version.
	SyncShared
)

var syncClasses = map[string]SyncClass{
	"org": SyncShared, "org-child": SyncShared, "org-admin": SyncShared, "org-logo": SyncShared,
	"user": SyncShared, "user-email": SyncShared, "member": SyncShared, "user-org": SyncShared,
	"invite": SyncShared, "org-invite": SyncShared,
	"apikey": SyncShared, "apikey-key": SyncShared, "org-apikey": SyncShared,
	"bill-opt": SyncShared, "bill-addr": SyncShared, "org-bill-addr": SyncShared,

	"tss": SyncOwned, "tss-ctr": SyncOwned, "tss-day": SyncOwned, "org-tss": SyncOwned, "client": SyncOwned,
	"tss-client": SyncOwned, "client-serial": SyncOwned, "tx": SyncOwned, "tx-num": SyncOwned,
	"tx-rev": SyncOwned, "tx-active": SyncOwned, "tx-end": SyncOwned, "tx-client": SyncOwned, "tx-count": SyncOwned, "log": SyncOwned,
	"dk-cr": SyncOwned, "dk-cr-rev": SyncOwned, "dk-vat": SyncOwned, "dk-pa": SyncOwned,
	"dk-cpc": SyncOwned, "dk-znr": SyncOwned, "audit": SyncOwned,
}

// WriteOnce reports keys that are written once and never changed or
// deleted: the signed logs and transaction revisions. The outbox refers to
// them by key instead of copying their value.
func WriteOnce(k []byte) bool {
	return bytes.HasPrefix(k, []byte("log/")) || bytes.HasPrefix(k, []byte("tx-rev/"))
}

// ClassOf returns the sync class of key by its type prefix; unknown
// prefixes are local, so a new prefix is never synced by accident.
func ClassOf(k []byte) SyncClass {
	for i, c := range k {
		if c == '/' {
			return syncClasses[string(k[:i])]
		}
	}
	return SyncLocal
}

// Key parsers. Each takes a key apart the way its builder above put it
// together and returns ok=false for a key of another shape, so no code
// outside this file slices keys by hand.

// ParseOutboxKey returns the sequence of an outbox/<seq> key.
func ParseOutboxKey(k []byte) (seq uint64, ok bool) {
	rest, ok := bytes.CutPrefix(k, OutboxPrefix())
	if !ok || len(rest) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(rest), true
}

// ParseTxNumKey returns the TSS and the number of a tx-num/<tss>/<n> key.
func ParseTxNumKey(k []byte) (tss string, n uint64, ok bool) {
	segs, n, ok := parseNumbered(k, "tx-num", 1, 8)
	if !ok {
		return "", 0, false
	}
	return segs[0], n, true
}

// ParseTxEndKey returns the parts of a tx-end/<tss>/<state>/<n> key.
func ParseTxEndKey(k []byte) (tss, state string, n uint64, ok bool) {
	segs, n, ok := parseNumbered(k, "tx-end", 2, 8)
	if !ok {
		return "", "", 0, false
	}
	return segs[0], segs[1], n, true
}

// ParseTxClientKey returns the parts of a tx-client/<tss>/<client>/<n> key.
func ParseTxClientKey(k []byte) (tss, client string, n uint64, ok bool) {
	segs, n, ok := parseNumbered(k, "tx-client", 2, 8)
	if !ok {
		return "", "", 0, false
	}
	return segs[0], segs[1], n, true
}

// ParseTxIndexNumber returns the transaction number of a key of any of
// the three number-ordered transaction indexes: tx-num, tx-end, tx-client.
func ParseTxIndexNumber(k []byte) (n uint64, ok bool) {
	if _, n, ok = ParseTxNumKey(k); ok {
		return n, true
	}
	if _, _, n, ok = ParseTxEndKey(k); ok {
		return n, true
	}
	_, _, n, ok = ParseTxClientKey(k)
	return n, ok
}

// ParseBillOptKey returns the org and the month (yyyymm) of a
// bill-opt/<org>/<yyyymm> key.
func ParseBillOptKey(k []byte) (org string, month uint32, ok bool) {
	segs, n, ok := parseNumbered(k, "bill-opt", 1, 4)
	if !ok {
		return "", 0, false
	}
	return segs[0], uint32(n), true
}

// ParseDKZNrKey returns the parts of a dk-znr/<org>/<env>/<client>/<Z_NR> key.
func ParseDKZNrKey(k []byte) (org, env, client string, znr uint32, ok bool) {
	segs, n, ok := parseNumbered(k, "dk-znr", 3, 4)
	if !ok {
		return "", "", "", 0, false
	}
	return segs[0], segs[1], segs[2], uint32(n), true
}

// InvoiceRef is the value under invoice-id/<invoice>: "<payer>/<yyyymm>",
// the month in decimal.
func InvoiceRef(payer string, month uint32) []byte {
	return strconv.AppendUint(append([]byte(payer), '/'), uint64(month), 10)
}

// ParseInvoiceRef takes apart an InvoiceRef.
func ParseInvoiceRef(b []byte) (payer string, month uint32, ok bool) {
	i := bytes.LastIndexByte(b, '/')
	if i <= 0 {
		return "", 0, false
	}
	m, err := strconv.ParseUint(string(b[i+1:]), 10, 32)
	if err != nil {
		return "", 0, false
	}
	return string(b[:i]), uint32(m), true
}

// ParseSyncOwnerKey returns the TSS of a sync-owner/<tss> key.
func ParseSyncOwnerKey(k []byte) (tss string, ok bool) {
	rest, ok := bytes.CutPrefix(k, SyncOwnerPrefix())
	if !ok || len(rest) == 0 || bytes.IndexByte(rest, '/') >= 0 {
		return "", false
	}
	return string(rest), true
}

// parseNumbered splits typ/<seg>/…/<seg>/<width-byte big-endian number>:
// nsegs text segments (no '/' in them, none empty), then the number.
func parseNumbered(k []byte, typ string, nsegs, width int) ([]string, uint64, bool) {
	rest, ok := bytes.CutPrefix(k, prefix(typ))
	if !ok || len(rest) < width {
		return nil, 0, false
	}
	num, text := rest[len(rest)-width:], rest[:len(rest)-width]
	segs := make([]string, 0, nsegs)
	for range nsegs {
		i := bytes.IndexByte(text, '/')
		if i <= 0 {
			return nil, 0, false
		}
		segs = append(segs, string(text[:i]))
		text = text[i+1:]
	}
	if len(text) != 0 {
		return nil, 0, false
	}
	var n uint64
	for _, b := range num {
		n = n<<8 | uint64(b)
	}
	return segs, n, true
}

// AuditKey orders an org's audit entries by time, then id.
func AuditKey(org string, unixNanos uint64, id string) []byte {
	k := prefix("audit", org)
	k = binary.BigEndian.AppendUint64(k, unixNanos)
	return append(append(k, '/'), id...)
}

// ParseJobReadyKey returns the kind, sequence and ref of a
// job-ready/<kind>/<seq>/<ref> key.
func ParseJobReadyKey(k []byte) (kind string, seq uint64, ref string, ok bool) {
	rest, ok := bytes.CutPrefix(k, prefix("job-ready"))
	if !ok {
		return "", 0, "", false
	}
	i := bytes.IndexByte(rest, '/')
	if i <= 0 || len(rest) < i+1+8+2 || rest[i+1+8] != '/' {
		return "", 0, "", false
	}
	return string(rest[:i]), binary.BigEndian.Uint64(rest[i+1 : i+9]), string(rest[i+10:]), true
}

// ParseJobRunKey returns the kind and ref of a job-run/<kind>/<ref> key.
func ParseJobRunKey(k []byte) (kind, ref string, ok bool) {
	rest, ok := bytes.CutPrefix(k, JobRunPrefix())
	if !ok {
		return "", "", false
	}
	kd, rf, ok := bytes.Cut(rest, []byte{'/'})
	if !ok || len(kd) == 0 || len(rf) == 0 {
		return "", "", false
	}
	return string(kd), string(rf), true
}

// ParseJobEndKey returns the end time, kind and ref of a
// job-end/<unix ms>/<kind>/<ref> key.
func ParseJobEndKey(k []byte) (unixMilli uint64, kind, ref string, ok bool) {
	rest, ok := bytes.CutPrefix(k, JobEndPrefix())
	if !ok || len(rest) < 8+1+3 || rest[8] != '/' {
		return 0, "", "", false
	}
	kd, rf, ok := bytes.Cut(rest[9:], []byte{'/'})
	if !ok || len(kd) == 0 || len(rf) == 0 {
		return 0, "", "", false
	}
	return binary.BigEndian.Uint64(rest[:8]), string(kd), string(rf), true
}

// ParseDKQueueKey returns the kind and id of a retired dk-queue/<kind>/<id> key.
func ParseDKQueueKey(k []byte) (kind, id string, ok bool) {
	rest, ok := bytes.CutPrefix(k, prefix("dk-queue"))
	if !ok {
		return "", "", false
	}
	kd, id2, ok := bytes.Cut(rest, []byte{'/'})
	if !ok || len(kd) == 0 || len(id2) == 0 {
		return "", "", false
	}
	return string(kd), string(id2), true
}

// LastSegment returns the part of key after its last '/': the record id of
// an index key.
func LastSegment(k []byte) string {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == '/' {
			return string(k[i+1:])
		}
	}
	return string(k)
}

// u32 encodes v as 4 big-endian bytes, the fixed width used in keys and
// small counter values.
func u32(v uint32) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, v)
	return b
}
