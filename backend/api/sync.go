package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/sync"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

type syncHandler func(w http.ResponseWriter, r *http.Request, ws *sync.Workstation) error

func (a *handlers) syncAuth(fn syncHandler) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return errNoToken
		}
		ws, err := a.sync.Authenticate(r.Context(), cred, r.Header.Get(sync.InstanceHeader))
		if err != nil {
			return err
		}
		return fn(w, r, ws)
	}
}

// syncHelloBody names the central instance and the workstation whose
// credential was presented.
type syncHelloBody struct {
	CentralInstance string            `json:"central_instance"`
	Workstation     *sync.Workstation `json:"workstation"`
}

func (a *handlers) syncHello(w http.ResponseWriter, r *http.Request, ws *sync.Workstation) error {
	st, err := a.sync.Status()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, syncHelloBody{CentralInstance: st.Self, Workstation: ws})
	return nil
}

func (a *handlers) syncPush(w http.ResponseWriter, r *http.Request, ws *sync.Workstation) error {
	if ct := r.Header.Get("Content-Type"); ct != sync.ContentType {
		return Errorf(http.StatusUnsupportedMediaType, "E_SYNC_BAD_BATCH", "Content-Type must be %s", sync.ContentType)
	}
	entries, err := sync.ReadEntries(r.Body, sync.MaxBatchBytes)
	if err != nil {
		return Errorf(http.StatusBadRequest, "E_SYNC_BAD_BATCH", "%v", err)
	}
	res, err := a.sync.Push(r.Context(), ws, entries)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sync.PushAnswer{Cursor: res.Cursor, Applied: res.Applied, Skipped: res.Skipped, Conflicts: res.Conflicts})
	return nil
}

func (a *handlers) syncPull(w http.ResponseWriter, r *http.Request, ws *sync.Workstation) error {
	q := r.URL.Query()
	after, err := strconv.ParseUint(q.Get("after"), 10, 64)
	if err != nil {
		return Errorf(http.StatusBadRequest, CodeSchema, "after: a sequence number (0 for the start)")
	}
	limit := 1000
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 10000 {
			return Errorf(http.StatusBadRequest, CodeSchema, "limit: 1 to 10000")
		}
	}
	frames, last, err := a.sync.Pull(ws, after, limit)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", sync.ContentType)
	w.Header().Set(sync.LastHeader, strconv.FormatUint(last, 10))
	w.Header().Set(sync.MoreHeader, strconv.FormatBool(last > after && len(frames) > 0 || len(frames) == limit))
	w.WriteHeader(http.StatusOK)
	_ = sync.WriteFrames(w, frames)
	return nil
}

// restoreStaged says the backup will be restored at the next start.
type restoreStaged struct {
	Staged bool `json:"staged"`
}

// restoreUpload is POST /api/dashboard/restore: the body is a backup
// file, kept for the next start (server.StageRestore).
func (a *handlers) restoreUpload(w http.ResponseWriter, r *http.Request) error {
	if a.stageRestore == nil {
		return Errorf(http.StatusNotImplemented, CodeUnavailable, "Restore is not available in this mode; use fiskaldesk restore.")
	}
	if a.st.Shared() {
		return errSharedStoreBackup()
	}
	if err := a.stageRestore(r.Body); err != nil {
		if errors.Is(err, store.ErrNotBackup) || errors.Is(err, store.ErrNewerFormat) {
			return Errorf(http.StatusBadRequest, "E_NOT_A_BACKUP", "%v", err)
		}
		return err
	}
	writeJSON(w, http.StatusOK, restoreStaged{Staged: true})
	return nil
}

// syncStatus is the sync role and status of this instance, for its
// installation administrators (it spans every tenant's data). can_manage
// stays for pages written before the installation role: always true here.
func (a *handlers) syncStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := a.sync.Status()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, syncStatusBody{*st, true})
	return nil
}

// syncStatusBody is the sync status with can_manage.
type syncStatusBody struct {
	sync.Status
	CanManage bool `json:"can_manage"`
}

// syncConnectRequest pairs this instance with a central one.
type syncConnectRequest struct {
	URL        string `json:"url"`
	Credential string `json:"credential"`
	CA         string `json:"ca_pem,omitempty"`
}

func (a *handlers) syncConnect(w http.ResponseWriter, r *http.Request) error {
	var body syncConnectRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	rem, err := a.sync.Connect(r.Context(), body.URL, body.Credential, body.CA)
	if err != nil {
		return syncClientError(err)
	}
	rem.SealedCredential = nil
	writeJSON(w, http.StatusOK, rem)
	return nil
}

// syncClientError turns a failed call to the central into a 502 naming
// what the central said; input errors stay 400.
func syncClientError(err error) error {
	if e := domainError(err); e != nil {
		return err
	}
	return Errorf(http.StatusBadGateway, "E_SYNC_REMOTE", "%v", err)
}

func (a *handlers) syncRun(w http.ResponseWriter, r *http.Request) error {
	res, err := a.sync.Round(r.Context())
	if err != nil {
		return syncClientError(err)
	}
	writeJSON(w, http.StatusOK, syncRound{Backlog: res.Backlog, Conflicts: res.Conflicts, Pulled: res.Pulled, Pushed: res.Pushed})
	return nil
}

// syncRound is what one sync round did. The fields are in the order the
// answer always had (it was a map, whose keys encoding/json sorts).
type syncRound struct {
	Backlog   int `json:"backlog"`
	Conflicts int `json:"conflicts"`
	Pulled    int `json:"pulled"`
	Pushed    int `json:"pushed"`
}

// conflictList is the answer of GET /api/dashboard/sync/conflicts: up to
// 200 conflicts and how many there are.
type conflictList struct {
	Count int              `json:"count"`
	Data  []store.Conflict `json:"data" nullable:"false"`
}

// workstationList is the answer of GET /api/dashboard/sync/workstations.
type workstationList struct {
	Count int                `json:"count"`
	Data  []sync.Workstation `json:"data" nullable:"false"`
}

// pairRequest names a workstation to pair.
type pairRequest struct {
	Name string `json:"name"`
}

// pairedWorkstation is a new workstation with its credential, shown once.
type pairedWorkstation struct {
	Credential  string            `json:"credential"`
	Workstation *sync.Workstation `json:"workstation"`
}

// syncedTSSList is every TSS a workstation signs.
type syncedTSSList struct {
	Count int             `json:"count"`
	Data  []tss.SyncedTSS `json:"data" nullable:"false"`
}

func (a *handlers) syncConflicts(w http.ResponseWriter, r *http.Request) error {
	cs, n, err := a.st.Conflicts(200)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []store.Conflict{}
	}
	writeJSON(w, http.StatusOK, conflictList{Count: n, Data: cs})
	return nil
}

func (a *handlers) syncWorkstations(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.sync.Workstations()
	if ws == nil {
		ws = []sync.Workstation{}
	}
	return reply(w, workstationList{Count: len(ws), Data: ws}, err)
}

func (a *handlers) syncPair(w http.ResponseWriter, r *http.Request) error {
	var body pairRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	ws, cred, err := a.sync.Pair(r.Context(), body.Name, principal(r).User.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pairedWorkstation{Credential: cred, Workstation: ws})
	return nil
}

// syncWorkstationTSS is the central view of one workstation: every TSS it
// signs, in whichever organization.
func (a *handlers) syncWorkstationTSS(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.sync.Workstation(chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	out := []tss.SyncedTSS{}
	if ws.Instance != "" {
		if out, err = a.tss.SyncedBy(ws.Instance); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, syncedTSSList{Count: len(out), Data: out})
	return nil
}

func (a *handlers) syncRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := a.sync.Revoke(r.Context(), chi.URLParam(r, "id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, emptyBody{})
	return nil
}
