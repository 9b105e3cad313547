package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// saveDownload serves GET path (a file route of the API: a TAR or
// DSFinV-K export, a report, an invoice PDF) with the window's own handler
// and writes the answer into dest as the handler produces it: nothing
// passes the webview and the process holds no more than the handler's copy
// buffer, whatever the file's size. The file is written next to dest as a
// hidden .partial and renamed when complete, so a failed download never
// leaves a half file under the chosen name. An error answer becomes an
// error with the server's message.
func saveDownload(ctx context.Context, h http.Handler, path string, header map[string]string, dest string) (int64, error) {
	if !strings.HasPrefix(path, "/api/") {
		return 0, fmt.Errorf("download: %q is not an API path", path)
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://wails"+path, nil)
	if err != nil {
		return 0, fmt.Errorf("download: %w", err)
	}
	r.RequestURI = path
	r.RemoteAddr = "wails"
	for k, v := range header {
		r.Header.Set(k, v)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.partial")
	if err != nil {
		return 0, fmt.Errorf("download: %w", err)
	}
	w := &fileAnswer{f: tmp, header: http.Header{}}
	h.ServeHTTP(w, r)
	err = w.result()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		if rerr := os.Remove(tmp.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		return 0, err
	}
	return w.n, nil
}

// fileAnswer is the http.ResponseWriter of saveDownload: a 200 answer's
// body goes into the file, any other answer's (an error body, small) is
// kept to report.
type fileAnswer struct {
	f      *os.File
	header http.Header
	status int
	n      int64
	werr   error
	body   bytes.Buffer // of an error answer, at most maxErrBody
}

const maxErrBody = 64 << 10

func (w *fileAnswer) Header() http.Header { return w.header }

func (w *fileAnswer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *fileAnswer) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.status != http.StatusOK {
		w.body.Write(p[:min(len(p), maxErrBody-w.body.Len())])
		return len(p), nil
	}
	if w.werr != nil {
		return 0, w.werr
	}
	n, err := w.f.Write(p)
	w.n += int64(n)
	w.werr = err
	return n, err
}

// Flush lets handlers that flush long answers (http.ResponseController) do so.
func (w *fileAnswer) Flush() {}

// result says whether the handler answered 200 and everything reached the file.
func (w *fileAnswer) result() error {
	switch {
	case w.werr != nil:
		return fmt.Errorf("download: writing the file: %w", w.werr)
	case w.status == 0 || w.status == http.StatusOK:
		return nil
	}
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(w.body.Bytes(), &e) == nil && e.Message != "" {
		if e.Code != "" {
			return fmt.Errorf("%s (%s, HTTP %d)", e.Message, e.Code, w.status)
		}
		return fmt.Errorf("%s (HTTP %d)", e.Message, w.status)
	}
	return fmt.Errorf("download failed: HTTP %d %s", w.status, http.StatusText(w.status))
}
