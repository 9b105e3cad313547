package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// param reads a UUID path parameter with the cloud's message.
// callerParam is caller and param together, what most routes under an
// {id} start with.
func callerParam(r *http.Request, name string) (tss.Caller, string, error) {
	c := caller(r)
	v, err := param(r, name)
	return c, v, err
}

func param(r *http.Request, name string) (string, error) {
	v := chi.URLParam(r, name)
	if err := validUUID(v); err != nil {
		// The cloud's middleware parses ids itself and says so (recorded:
		// `400 E_PARSER "can't parse TSS ID: invalid UUID length: 11
		// (some_tss_id)"`); its backend validates the schema.
		if label, ok := parsedIDs[name]; ok && middlewareOnly(r) {
			_, perr := uuid.Parse(v)
			return "", Errorf(http.StatusBadRequest, CodeParser, "can't parse %s: %v (%s)", label, perr, v)
		}
		return "", Errorf(http.StatusBadRequest, CodeSchema, "params.%s should match format \"uuid\"", name)
	}
	return strings.ToLower(v), nil
}

// parsedIDs names the path ids as the middleware's parser does.
var parsedIDs = map[string]string{"tss_id": "TSS ID", "client_id": "client ID", "tx_id": "transaction ID"}

// middlewareRoutes are the operations fiskaly serves only through its
// middleware (fiskaly-api §3.1, column MW).
var middlewareRoutes = map[string]bool{
	"PATCH /tss/{tss_id}": true, "PATCH /tss/{tss_id}/admin": true, "POST /tss/{tss_id}/admin/auth": true,
	"POST /tss/{tss_id}/admin/logout": true, "PUT /tss/{tss_id}/client/{client_id}": true,
	"PATCH /tss/{tss_id}/client/{client_id}": true, "PUT /tss/{tss_id}/tx/{tx_id}": true,
}

func middlewareOnly(r *http.Request) bool {
	rc := chi.RouteContext(r.Context())
	if rc == nil {
		return false
	}
	pat := rc.RoutePattern()
	i := strings.Index(pat, "/tss/{tss_id}")
	if i < 0 {
		return false
	}
	return middlewareRoutes[r.Method+" "+strings.TrimSuffix(pat[i:], "/")]
}

func validUUID(s string) error {
	_, err := pathUUID(nil, "", s)
	return err
}

// states reads states[] in every spelling clients use: states[]=A,
// states[0]=A, states=A, states=A,B.
func states(q url.Values, allowed ...string) ([]string, error) {
	var out []string
	for k, vs := range q {
		if k != "states" && k != "states[]" && !(strings.HasPrefix(k, "states[") && strings.HasSuffix(k, "]")) {
			continue
		}
		for _, v := range vs {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s == "" {
					continue
				}
				ok := false
				for _, a := range allowed {
					ok = ok || a == s
				}
				if !ok {
					return nil, Errorf(http.StatusBadRequest, CodeSchema, "states: %q is not one of %s", s, strings.Join(allowed, ", "))
				}
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func listFilter(q url.Values, orderBy []string, allowedStates ...string) (tss.ListFilter, error) {
	var f tss.ListFilter
	var err error
	if f.Limit, f.Offset, err = page(q, 100, 100); err != nil {
		return f, err
	}
	if f.OrderBy, f.Desc, err = ordering(q, orderBy); err != nil {
		return f, err
	}
	f.States, err = states(q, allowedStates...)
	return f, err
}

type signList[T any] struct {
	Data    []T    `json:"data" nullable:"false"`
	Count   int    `json:"count"`
	Type    string `json:"_type"`
	Env     string `json:"_env"`
	Version string `json:"_version"`
}

func writeSignList[T any](w http.ResponseWriter, data []T, n int, typ, env string) {
	if data == nil {
		data = []T{}
	}
	writeJSON(w, http.StatusOK, signList[T]{data, n, typ, env, tss.Version})
}

// metadataRequest is the documented metadata body; metadataBody also
// takes the bare map, as some clients send it.
type metadataRequest struct {
	Metadata map[string]string `json:"metadata,omitempty"`
}

// metadataBody accepts {"metadata":{…}} and, as some clients send, the
// bare map.
func metadataBody(r *http.Request) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := decode(r, &raw); err != nil {
		return nil, err
	}
	src := raw
	if m, ok := raw["metadata"]; ok {
		src = nil
		if emptyArray(bytes.TrimSpace(m)) {
			m = []byte("{}") // PHP's empty map
		}
		if err := json.Unmarshal(m, &src); err != nil {
			return nil, Errorf(http.StatusBadRequest, CodeSchema, "metadata: must be an object of strings")
		}
	}
	out := map[string]string{}
	for k, v := range src {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, Errorf(http.StatusBadRequest, CodeSchema, "metadata.%s: must be a string", k)
		}
		out[k] = s
	}
	return out, nil
}

func (a *handlers) createTSS(w http.ResponseWriter, r *http.Request) error {
	c, id, err := callerParam(r, "tss_id")
	if err != nil {
		return err
	}
	m, err := metadataBody(r)
	if err != nil {
		return err
	}
	v, err := a.tss.Create(r.Context(), c, id, m)
	return reply(w, v, err)
}

func (a *handlers) getTSS(w http.ResponseWriter, r *http.Request) error {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return err
	}
	v, err := a.tss.Get(c, id)
	return reply(w, v, err)
}

func (a *handlers) tssCaller(r *http.Request) (tss.Caller, string, error) {
	c := caller(r)
	id, err := param(r, "tss_id")
	return c, id, err
}

// patchTSSRequest changes a TSS's state, description or metadata.
type patchTSSRequest struct {
	State       string            `json:"state,omitempty"`
	Description *string           `json:"description,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

func (a *handlers) patchTSS(w http.ResponseWriter, r *http.Request) error {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return err
	}
	var body patchTSSRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	switch body.State {
	case "", tss.StateUninitialized, tss.StateInitialized, tss.StateDisabled:
	default:
		return Errorf(http.StatusBadRequest, CodeSchema, "state: must be UNINITIALIZED, INITIALIZED or DISABLED")
	}
	desc := ""
	if body.Description != nil {
		desc = *body.Description
	}
	v, err := a.tss.Patch(r.Context(), c, id, body.State, desc, body.Description != nil, body.Metadata)
	return reply(w, v, err)
}

func (a *handlers) listTSS(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	f, err := listFilter(r.URL.Query(), []string{"description", "state", "time_creation", "time_init", "time_disable"},
		"CREATED", "UNINITIALIZED", "INITIALIZED", "DISABLED", "DELETED", "DEFECTIVE", "EVICTED")
	if err != nil {
		return err
	}
	list, n, err := a.tss.List(c, f)
	if err != nil {
		return err
	}
	writeSignList(w, list, n, "TSS_LIST", c.Env)
	return nil
}

func (a *handlers) tssMetadata(w http.ResponseWriter, r *http.Request) error {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return err
	}
	if r.Method == http.MethodGet {
		v, err := a.tss.Get(c, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v.Metadata)
		return nil
	}
	m, err := metadataBody(r)
	if err != nil {
		return err
	}
	out, err := a.tss.MergeMetadata(r.Context(), c, id, m)
	return reply(w, out, err)
}

// changePINRequest sets a new admin PIN with the PUK.
type changePINRequest struct {
	PUK string `json:"admin_puk"`
	PIN string `json:"new_admin_pin"`
}

// adminAuthRequest logs the admin in with the PIN.
type adminAuthRequest struct {
	PIN string `json:"admin_pin"`
}

func (a *handlers) changePIN(w http.ResponseWriter, r *http.Request) error {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return err
	}
	var body changePINRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	if err := a.tss.ChangePIN(r.Context(), c, id, body.PUK, body.PIN); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, emptyBody{})
	return nil
}

func (a *handlers) adminAuth(w http.ResponseWriter, r *http.Request) error {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return err
	}
	var body adminAuthRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.PIN == "" {
		return Errorf(http.StatusBadRequest, CodeSchema, "admin_pin: is required")
	}
	if err := a.tss.AdminAuth(r.Context(), c, id, body.PIN); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, emptyBody{})
	return nil
}

func (a *handlers) adminLogout(w http.ResponseWriter, r *http.Request) error {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return err
	}
	if err := a.tss.AdminLogout(r.Context(), c, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, emptyBody{})
	return nil
}

func (a *handlers) clientParams(r *http.Request) (tss.Caller, string, string, error) {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return c, "", "", err
	}
	cid, err := param(r, "client_id")
	return c, id, cid, err
}

// createClientRequest registers a client.
type createClientRequest struct {
	SerialNumber string            `json:"serial_number"`
	Metadata     map[string]string `json:"metadata,omitempty"`
}

// updateClientRequest registers or deregisters a client.
type updateClientRequest struct {
	State    string            `json:"state"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

func (a *handlers) createClient(w http.ResponseWriter, r *http.Request) error {
	c, id, cid, err := a.clientParams(r)
	if err != nil {
		return err
	}
	var body createClientRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.SerialNumber == "" {
		return Errorf(http.StatusBadRequest, CodeSchema, "serial_number: is required")
	}
	cl, err := a.tss.CreateClient(r.Context(), c, id, cid, body.SerialNumber, body.Metadata)
	return reply(w, cl, err)
}

func (a *handlers) getClient(w http.ResponseWriter, r *http.Request) error {
	c, id, cid, err := a.clientParams(r)
	if err != nil {
		return err
	}
	cl, err := a.tss.GetClient(c, id, cid)
	return reply(w, cl, err)
}

func (a *handlers) updateClient(w http.ResponseWriter, r *http.Request) error {
	c, id, cid, err := a.clientParams(r)
	if err != nil {
		return err
	}
	var body updateClientRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.State == "" {
		return Errorf(http.StatusBadRequest, CodeSchema, "state: is required")
	}
	cl, err := a.tss.UpdateClient(r.Context(), c, id, cid, body.State, body.Metadata)
	return reply(w, cl, err)
}

func (a *handlers) clientMetadata(w http.ResponseWriter, r *http.Request) error {
	c, id, cid, err := a.clientParams(r)
	if err != nil {
		return err
	}
	var cl *tss.Client
	if r.Method == http.MethodGet {
		cl, err = a.tss.GetClient(c, id, cid)
	} else {
		var m map[string]string
		if m, err = metadataBody(r); err != nil {
			return err
		}
		cl, err = a.tss.UpdateClient(r.Context(), c, id, cid, "", m)
	}
	if err != nil {
		return err
	}
	if cl.Metadata == nil {
		cl.Metadata = map[string]string{}
	}
	writeJSON(w, http.StatusOK, cl.Metadata)
	return nil
}

func clientFilter(q url.Values) (tss.ClientFilter, error) {
	var f tss.ClientFilter
	var err error
	if f.ListFilter, err = listFilter(q, []string{"serial_number", "time_creation"}); err != nil {
		return f, err
	}
	f.SerialNumber = q.Get("serial_number")
	f.State, err = oneOf(q, "state", tss.ClientRegistered, tss.ClientDeregistered)
	return f, err
}

func (a *handlers) listClients(w http.ResponseWriter, r *http.Request) error {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return err
	}
	return a.writeClients(w, r, c, id)
}

func (a *handlers) listAllClients(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	return a.writeClients(w, r, c, "")
}

func (a *handlers) writeClients(w http.ResponseWriter, r *http.Request, c tss.Caller, id string) error {
	f, err := clientFilter(r.URL.Query())
	if err != nil {
		return err
	}
	list, n, err := a.tss.ListClients(c, id, f)
	if err != nil {
		return err
	}
	writeSignList(w, list, n, "CLIENT_LIST", c.Env)
	return nil
}

// txRevision reads the optional tx_revision query parameter (≥ 1).
func txRevision(r *http.Request) (uint32, error) {
	s := r.URL.Query().Get("tx_revision")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n < 1 {
		return 0, Errorf(http.StatusBadRequest, CodeSchema, "querystring.tx_revision should be an integer >= 1")
	}
	return uint32(n), nil
}

// txParams reads tss id, the transaction id or number and the revision.
func (a *handlers) txParams(r *http.Request, idOnly bool) (tss.Caller, string, string, uint32, error) {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return c, "", "", 0, err
	}
	tx := chi.URLParam(r, "tx_id")
	if _, nerr := strconv.ParseUint(tx, 10, 64); nerr != nil || idOnly {
		if tx, err = param(r, "tx_id"); err != nil {
			return c, "", "", 0, err
		}
	}
	rev, err := txRevision(r)
	return c, id, tx, rev, err
}

func (a *handlers) upsertTx(w http.ResponseWriter, r *http.Request) error {
	c, id, tx, rev, err := a.txParams(r, true)
	if err != nil {
		return err
	}
	var req tss.TxRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.ClientID != "" {
		if validUUID(req.ClientID) != nil {
			return Errorf(http.StatusBadRequest, CodeSchema, "client_id: %q is not a UUID", req.ClientID)
		}
		req.ClientID = strings.ToLower(req.ClientID)
	}
	v, err := a.tss.Upsert(r.Context(), c, id, tx, rev, req)
	if errors.Is(err, tss.ErrClientNotFound) {
		// Since 2.1.10 an unknown client on upsert is a 400, not a 404.
		return &Error{Status: http.StatusBadRequest, Code: "E_CLIENT_NOT_FOUND", Message: "Client not found"}
	}
	if err != nil {
		return err
	}
	if b := v.Encoded(); b != nil {
		writeEncoded(w, b) // the bytes just stored with the revision
		return nil
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *handlers) getTx(w http.ResponseWriter, r *http.Request) error {
	c, id, tx, rev, err := a.txParams(r, false)
	if err != nil {
		return err
	}
	v, err := a.tss.GetTx(c, id, tx, rev)
	return reply(w, v, err)
}

func (a *handlers) getTxLog(w http.ResponseWriter, r *http.Request) error {
	c, id, tx, rev, err := a.txParams(r, false)
	if err != nil {
		return err
	}
	b, err := a.tss.TxLogBytes(c, id, tx, rev)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(b)
	return nil
}

func (a *handlers) txMetadata(w http.ResponseWriter, r *http.Request) error {
	c, id, tx, _, err := a.txParams(r, false)
	if err != nil {
		return err
	}
	var m map[string]string
	if r.Method == http.MethodPatch {
		if m, err = metadataBody(r); err != nil {
			return err
		}
	}
	out, err := a.tss.TxMetadata(r.Context(), c, id, tx, m)
	return reply(w, out, err)
}

func (a *handlers) writeTx(w http.ResponseWriter, r *http.Request, c tss.Caller, id, client string) error {
	var f tss.TxFilter
	var err error
	if f.ListFilter, err = listFilter(r.URL.Query(), []string{"number", "state", "time_start", "time_end"}, tss.TxActive, tss.TxCancelled, tss.TxFinished); err != nil {
		return err
	}
	f.ClientID = client
	list, n, err := a.tss.ListTx(r.Context(), c, id, f)
	if err != nil {
		return err
	}
	writeSignList(w, list, n, "TRANSACTION_LIST", c.Env)
	return nil
}

func (a *handlers) listTx(w http.ResponseWriter, r *http.Request) error {
	c, id, err := a.tssCaller(r)
	if err != nil {
		return err
	}
	return a.writeTx(w, r, c, id, "")
}

func (a *handlers) listAllTx(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	return a.writeTx(w, r, c, "", "")
}

func (a *handlers) listClientTx(w http.ResponseWriter, r *http.Request) error {
	c, id, cid, err := a.clientParams(r)
	if err != nil {
		return err
	}
	return a.writeTx(w, r, c, id, cid)
}
