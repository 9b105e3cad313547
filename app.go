package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/pkg/browser"
	wailsruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/fiskaldesk/fiskaldesk/backend/buildinfo"
	"github.com/fiskaldesk/fiskaldesk/backend/server"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// App is the Wails-bound object of the desktop window. It holds only what
// a browser cannot do; everything else goes over HTTP like in `serve`.
type App struct {
	srv *server.Server
	h   http.Handler // what the window's page talks to: srv.Handler behind the window's cookie jar

	mu  sync.Mutex
	ctx context.Context
}

// NewApp binds the window to a built server; h is the handler the
// window's page reaches (with its cookies), used for downloads.
func NewApp(srv *server.Server, h http.Handler) *App { return &App{srv: srv, h: h} }

func (a *App) startup(ctx context.Context) {
	a.mu.Lock()
	a.ctx = ctx
	a.mu.Unlock()
	a.srv.Log.Info().Msg("desktop window started")
}

// Context is the Wails context once the window has started, else nil.
func (a *App) Context() context.Context {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ctx
}

// OpenDataDir opens the data directory in the system file manager
// (Explorer, Finder, the desktop's default). Not through Wails'
// BrowserOpenURL: it refuses file: URLs, and a file URL built from a
// Windows path ("C:\Users\Jörg Müller\…") would be wrong anyway.
func (a *App) OpenDataDir() {
	if err := browser.OpenFile(a.srv.Config.DataDir); err != nil {
		a.srv.Log.Warn().Err(err).Str("dir", a.srv.Config.DataDir).Msg("could not open the data directory")
	}
}

// DataDir returns the data directory, shown in Settings › This workstation.
func (a *App) DataDir() string { return a.srv.Config.DataDir }

// APIURL is the base URL on which POS systems of this machine reach the
// APIs; inside the window the page's own origin is the asset server's.
func (a *App) APIURL() string { return a.srv.URL() }

// SaveDownload asks where to save a file the API serves at path (the
// webview has no download manager of its own) and writes the handler's
// answer there directly: a 1 GB TAR never passes through the webview or
// sits in memory. header carries what the page would send (the acting
// organization). It returns the path chosen, or "" when the user cancels.
func (a *App) SaveDownload(name, path string, header map[string]string) (string, error) {
	dest, err := wailsruntime.SaveFileDialog(a.Context(), wailsruntime.SaveDialogOptions{DefaultFilename: name, Title: name})
	if err != nil || dest == "" {
		return "", err
	}
	n, err := saveDownload(a.Context(), a.h, path, header, dest)
	if err != nil {
		return "", err
	}
	a.srv.Log.Info().Str("file", dest).Int64("bytes", n).Msg("download saved from the desktop app")
	return dest, nil
}

// maxSaveFile bounds SaveFile: it is for small files the page makes
// itself (a certificate); files of the API go through SaveDownload.
const maxSaveFile = 1 << 20

// SaveFile asks where to save a small file the page made itself and
// writes data there. It returns the path chosen, or "" when the user
// cancels.
func (a *App) SaveFile(name string, data []byte) (string, error) {
	if len(data) > maxSaveFile {
		return "", fmt.Errorf("SaveFile takes at most %d bytes; save API files with SaveDownload", maxSaveFile)
	}
	path, err := wailsruntime.SaveFileDialog(a.Context(), wailsruntime.SaveDialogOptions{DefaultFilename: name, Title: name})
	if err != nil || path == "" {
		return "", err
	}
	return path, os.WriteFile(path, data, 0o644)
}

// Backup asks where to save a backup of the store and writes it there
// (Settings › This workstation and File › Backup). It returns the path, or
// "" when the user cancels. The person at the window can read the data
// dir anyway; a browser gets the `fiskaldesk backup` command instead.
func (a *App) Backup() (string, error) {
	name := "fiskaldesk-" + time.Now().Format("2006-01-02") + ".backup"
	path, err := wailsruntime.SaveFileDialog(a.Context(), wailsruntime.SaveDialogOptions{DefaultFilename: name, Title: "Back up fiskaldesk"})
	if err != nil || path == "" {
		return "", err
	}
	if err := a.srv.BackupTo(path); err != nil {
		return "", err
	}
	a.srv.Log.Info().Str("file", path).Msg("backup written from the desktop app")
	return path, nil
}

// backupFromMenu is File › Backup: the same, with the outcome in a dialog.
func (a *App) backupFromMenu() {
	path, err := a.Backup()
	msg := "Backup written to " + path
	switch {
	case err != nil:
		msg = "Backup failed: " + err.Error()
	case path == "":
		return
	}
	_, _ = wailsruntime.MessageDialog(a.Context(), wailsruntime.MessageDialogOptions{Type: wailsruntime.InfoDialog, Title: "Backup", Message: msg})
}

// about is Help › About.
func (a *App) about() {
	msg := fmt.Sprintf("fiskaldesk %s (commit %.12s, store format %d)\nData: %s\nAPI for POS systems: %s\n\nA software TSS, not certified.",
		buildinfo.Version, buildinfo.Commit, store.FormatVersion, a.srv.Config.DataDir, a.srv.URL())
	_, _ = wailsruntime.MessageDialog(a.Context(), wailsruntime.MessageDialogOptions{Type: wailsruntime.InfoDialog, Title: "About fiskaldesk", Message: msg})
}

// navigate shows a dashboard page, for menu entries.
func (a *App) navigate(path string) { wailsruntime.EventsEmit(a.Context(), "navigate", path) }
