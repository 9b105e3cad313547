package main

import (
	"context"
	"net/url"
	"os"
	"sync"

	wailsruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/fiskaldesk/fiskaldesk/backend/server"
)

// App is the Wails-bound object of the desktop window. It holds only what
// a browser cannot do; everything else goes over HTTP like in `serve`.
type App struct {
	srv *server.Server

	mu  sync.Mutex
	ctx context.Context
}

// NewApp binds the window to a built server.
func NewApp(srv *server.Server) *App { return &App{srv: srv} }

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

// OpenDataDir opens the data directory in the system file manager.
func (a *App) OpenDataDir() {
	u := url.URL{Scheme: "file", Path: a.srv.Config.DataDir}
	wailsruntime.BrowserOpenURL(a.Context(), u.String())
}

// DataDir returns the data directory, shown in Settings › This workstation.
func (a *App) DataDir() string { return a.srv.Config.DataDir }

// APIURL is the base URL on which POS systems of this machine reach the
// APIs; inside the window the page's own origin is the asset server's.
func (a *App) APIURL() string { return a.srv.URL() }

// SaveFile asks where to save a download, since the webview has no
// download manager of its own, and writes data there. It returns the path
// chosen, or "" when the user cancels.
func (a *App) SaveFile(name string, data []byte) (string, error) {
	path, err := wailsruntime.SaveFileDialog(a.Context(), wailsruntime.SaveDialogOptions{DefaultFilename: name, Title: name})
	if err != nil || path == "" {
		return "", err
	}
	return path, os.WriteFile(path, data, 0o644)
}
