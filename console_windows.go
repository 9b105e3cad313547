//go:build desktop && windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// The Windows desktop app is linked as a GUI program (-H windowsgui, what
// `wails build` does) so that starting it from the Start menu flashes no
// console window. Such a process starts without a console, so a command
// typed in cmd.exe or PowerShell (`fiskaldesk version`, `verify`, `export`)
// would print nothing. init attaches to the console of the parent process
// when there is one; output that is already redirected (to a file or a
// pipe) keeps its handle. Started from Explorer there is no console, and
// errors that end the program are shown in a message box instead.

var procAttachConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")

// attachParentProcess is ATTACH_PARENT_PROCESS, (DWORD)-1.
const attachParentProcess = ^uint32(0)

// hasOutput is true when stderr reaches a console, a file or a pipe.
var hasOutput bool

func init() {
	outOK, errOK := usable(windows.STD_OUTPUT_HANDLE), usable(windows.STD_ERROR_HANDLE)
	if outOK && errOK {
		hasOutput = true
		return
	}
	if r, _, _ := procAttachConsole.Call(uintptr(attachParentProcess)); r == 0 {
		hasOutput = errOK
		return
	}
	con, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		hasOutput = errOK
		return
	}
	if !outOK {
		os.Stdout = con
	}
	if !errOK {
		os.Stderr = con
	}
	hasOutput = true
}

// usable tells whether a standard handle leads somewhere.
func usable(std uint32) bool {
	h, err := windows.GetStdHandle(std)
	if err != nil || h == 0 || h == windows.InvalidHandle {
		return false
	}
	t, err := windows.GetFileType(h)
	return err == nil && t != windows.FILE_TYPE_UNKNOWN
}

// alertError shows err in a message box when nobody would see stderr:
// the app was started from the Start menu or Explorer (a second start on
// a data directory that another fiskaldesk holds, a port in use, …).
func alertError(err error) {
	if hasOutput {
		return
	}
	text, _ := windows.UTF16PtrFromString(err.Error())
	title, _ := windows.UTF16PtrFromString("fiskaldesk")
	_, _ = windows.MessageBox(0, text, title, windows.MB_OK|windows.MB_ICONERROR)
}
