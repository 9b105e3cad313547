package org

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// Uploaded logos are sniffed and decoded from untrusted bytes.
func FuzzSniffLogo(f *testing.F) {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 3, 3)))
	f.Add(b.Bytes())
	f.Add([]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ct, err := sniffLogo(data)
		if err == nil && ct != "image/png" && ct != "image/jpeg" && ct != "image/webp" {
			t.Fatalf("accepted as %q", ct)
		}
	})
}
