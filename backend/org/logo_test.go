package org

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Logos: the type is told from the bytes, size and sides are limited,
// only admins change them, other tenants never see them.

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpOf is a lossless WebP header of w×h pixels (RIFF, VP8L chunk with
// signature byte and the 14-bit sides minus one): enough for DecodeConfig.
func webpOf(w, h int) []byte {
	var bits [4]byte
	binary.LittleEndian.PutUint32(bits[:], uint32(w-1)|uint32(h-1)<<14)
	chunk := append([]byte{0x2f}, bits[:]...)
	chunk = append(chunk, 0, 0, 0) // padding the decoder never reads
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(4+8+len(chunk)))
	b.WriteString("WEBPVP8L")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(chunk)))
	b.Write(chunk)
	return b.Bytes()
}

func TestSniffLogo(t *testing.T) {
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	png1 := pngOf(t, 1, 1)
	cases := []struct {
		name string
		b    []byte
		ct   string
		err  error // or a *ValidationError when validation is true
		val  bool
	}{
		{"PNG", pngOf(t, 120, 40), "image/png", nil, false},
		{"PNG of the largest side", pngOf(t, MaxLogoSide, 1), "image/png", nil, false},
		{"JPEG", jpegOf(t, 16, 16), "image/jpeg", nil, false},
		{"WebP", webpOf(300, 100), "image/webp", nil, false},
		{"WebP of the largest side", webpOf(MaxLogoSide, MaxLogoSide), "image/webp", nil, false},
		{"WebP wider than allowed", webpOf(MaxLogoSide+1, 1), "", nil, true},
		{"PNG taller than allowed", pngOf(t, 1, MaxLogoSide+1), "", nil, true},
		{"PNG cut after its signature", png1[:12], "", nil, true},
		{"JPEG marker without an image", []byte("\xFF\xD8\xFF\xE0garbage"), "", nil, true},
		{"SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "", ErrLogoType, false},
		{"GIF", gifBuf.Bytes(), "", ErrLogoType, false},
		{"RIFF that is not WebP", append([]byte("RIFF\x00\x00\x00\x00WAVE"), make([]byte, 16)...), "", ErrLogoType, false},
		{"empty", nil, "", ErrLogoType, false},
	}
	for _, c := range cases {
		ct, err := sniffLogo(c.b)
		var ve *ValidationError
		switch {
		case c.val && (!errors.As(err, &ve) || ve.Field != "logo"):
			t.Errorf("%s: %q %v, want a logo validation error", c.name, ct, err)
		case !c.val && (!errors.Is(err, c.err) || ct != c.ct):
			t.Errorf("%s: %q %v, want %q %v", c.name, ct, err, c.ct, c.err)
		}
	}
}

func TestLogoLifecycle(t *testing.T) {
	e := newOrgEnv(t)
	o := e.mustCreate(system(), input("Firma"))
	branch := e.managed(o, "Filiale")
	stranger := e.mustCreate(system(), input("Fremd"))
	admin, member := system(o.ID), Viewer{Roots: map[string]Role{o.ID: RoleMember}}
	logo := pngOf(t, 10, 10)

	// The size limit holds on the byte: trailing bytes after a valid
	// header count too.
	atLimit := append(append([]byte{}, logo...), make([]byte, MaxLogoBytes-len(logo))...)
	if ct, err := e.s.SetLogo(e.ctx, admin, o.ID, append(atLimit, 0)); !errors.Is(err, ErrLogoTooLarge) || ct != "" {
		t.Fatalf("one byte over the limit: %q %v", ct, err)
	}
	if _, err := e.s.SetLogo(e.ctx, admin, o.ID, atLimit); err != nil {
		t.Fatalf("exactly at the limit: %v", err)
	}
	if _, err := e.s.SetLogo(e.ctx, member, o.ID, logo); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a member setting the logo: %v", err)
	}
	if _, err := e.s.SetLogo(e.ctx, system(stranger.ID), o.ID, logo); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another tenant setting the logo: %v", err)
	}
	if _, err := e.s.SetLogo(e.ctx, admin, o.ID, []byte("<svg/>")); !errors.Is(err, ErrLogoType) {
		t.Fatalf("SVG: %v", err)
	}
	ct, err := e.s.SetLogo(e.ctx, admin, o.ID, logo)
	if err != nil || ct != "image/png" {
		t.Fatalf("%q %v", ct, err)
	}
	got, gotCT, err := e.s.Logo(member, o.ID)
	if err != nil || gotCT != "image/png" || !bytes.Equal(got, logo) {
		t.Fatalf("members read the logo: %d bytes %q %v", len(got), gotCT, err)
	}
	if rec, _, _ := e.s.Get(admin, o.ID); !rec.HasLogo {
		t.Fatal("has_logo not set")
	}
	if _, _, err := e.s.Logo(system(branch.ID), o.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a branch reading its parent's logo: %v", err)
	}
	if _, _, err := e.s.Logo(admin, branch.ID); !errors.Is(err, ErrNoLogo) {
		t.Fatalf("an org without a logo: %v", err)
	}
	if err := e.s.DeleteLogo(e.ctx, member, o.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a member deleting the logo: %v", err)
	}
	if err := e.s.DeleteLogo(e.ctx, admin, o.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteLogo(e.ctx, admin, o.ID); !errors.Is(err, ErrNoLogo) {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, _, err := e.s.Logo(admin, o.ID); !errors.Is(err, ErrNoLogo) {
		t.Fatalf("after delete: %v", err)
	}
	if rec, _, _ := e.s.Get(admin, o.ID); rec.HasLogo {
		t.Fatal("has_logo still set")
	}
	_ = e.st.View(func(tx store.Tx) error {
		if ok, _ := store.Exists(tx, store.OrgLogoKey(o.ID)); ok {
			t.Error("logo bytes left behind")
		}
		return nil
	})
	entries, _, _ := e.s.Audit(admin, o.ID, 100, 0)
	var actions []string
	for _, a := range entries {
		actions = append(actions, a.Action)
	}
	if len(actions) < 3 || actions[0] != "organization.logo.delete" || actions[1] != "organization.logo.set" {
		t.Fatalf("audit %q", actions)
	}
}
