//go:build desktop

package main

import (
	_ "embed"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/menu"
	"github.com/wailsapp/wails/v2/pkg/menu/keys"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	wailsruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/fiskaldesk/fiskaldesk/backend/api"
	"github.com/fiskaldesk/fiskaldesk/backend/buildinfo"
	"github.com/fiskaldesk/fiskaldesk/backend/server"
)

// desktopBuild is true in binaries built with the tag desktop (make build).
const desktopBuild = true

//go:embed build/appicon.png
var appIcon []byte

// runDesktop serves the API on Config.Addr for POS systems on this
// machine and opens the window on the very same handler.
func runDesktop(cfg server.Config, log zerolog.Logger) error {
	s, err := server.New(cfg, log, spaFS())
	if err != nil {
		return err
	}
	if err := s.Start(); err != nil {
		// The window still works through the asset server; only other
		// programs on this machine lose the API.
		log.Warn().Err(err).Msg("API not reachable on the network address; the window works")
	}
	if s.URL() != "" {
		fmt.Printf("fiskaldesk %s: window open; API for POS systems at %s (data: %s)\n", buildinfo.Version, s.URL(), cfg.DataDir)
	}
	if s.SetupToken() != "" {
		// The window passes the token itself; a browser needs the link.
		fmt.Println("First start: the window asks for the first user. " + s.SetupNotice())
	}
	handler := newWindowJar().wrap(windowSetup(api.WindowHandler(s.Handler), s.SetupToken))
	app := NewApp(s, handler)
	closeServer := sync.OnceValue(s.Close)
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		if ctx := app.Context(); ctx != nil {
			wailsruntime.Quit(ctx)
		}
		// A native dialog (save, open) runs its own GTK loop and swallows
		// the quit: the window stays and the process never ends, which for
		// a shutdown or a service manager is a hang. Every commit is
		// already durable, so after a grace period the store is closed
		// and the process ends without the window's help.
		time.Sleep(5 * time.Second)
		log.Warn().Msg("the window did not close within 5 s of the signal (a dialog open?); closing the store and exiting")
		if err := closeServer(); err != nil {
			log.Error().Err(err).Msg("closing the store")
			os.Exit(1)
		}
		os.Exit(0)
	}()
	err = wails.Run(&options.App{
		Title:       "fiskaldesk",
		Width:       1280,
		Height:      800,
		MinWidth:    1024,
		MinHeight:   640,
		AssetServer: &assetserver.Options{Handler: handler},
		OnStartup:   app.startup,
		Bind:        []any{app},
		Menu:        appMenu(app),
		Linux:       &linux.Options{Icon: appIcon, ProgramName: "fiskaldesk"},
	})
	if cerr := closeServer(); err == nil {
		err = cerr
	}
	return err
}

// appMenu is the window's menu: File › Export, Backup, Quit; Help › About.
func appMenu(app *App) *menu.Menu {
	m := menu.NewMenu()
	file := m.AddSubmenu("File")
	file.AddText("Export…", keys.CmdOrCtrl("e"), func(*menu.CallbackData) { app.navigate("/exports") })
	file.AddText("Backup…", keys.CmdOrCtrl("b"), func(*menu.CallbackData) { go app.backupFromMenu() })
	file.AddSeparator()
	file.AddText("Quit", keys.CmdOrCtrl("q"), func(*menu.CallbackData) { wailsruntime.Quit(app.Context()) })
	help := m.AddSubmenu("Help")
	help.AddText("About fiskaldesk", nil, func(*menu.CallbackData) { go app.about() })
	return m
}
