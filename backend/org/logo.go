package org

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Logo limits: small enough for an invoice header, large enough for print.
const (
	MaxLogoBytes = 512 << 10
	MaxLogoSide  = 4096
)

var (
	ErrNoLogo       = errors.New("organization has no logo")
	ErrLogoTooLarge = errors.New("logo exceeds 512 KiB")
	// ErrLogoType covers SVG (scriptable, refused rather than sanitised)
	// and anything that is not PNG, JPEG or WebP.
	ErrLogoType = errors.New("logo must be PNG, JPEG or WebP")
)

// LogoTypes are the media types a logo has: sniffLogo's answers.
var LogoTypes = []string{"image/png", "image/jpeg", "image/webp"}

// sniffLogo tells the image type from the bytes, never from what the
// client claims, and decodes the header to prove it is an image.
func sniffLogo(b []byte) (string, error) {
	var decode func(r *bytes.Reader) (image.Config, error)
	var ct string
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		ct, decode = "image/png", func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) }
	case bytes.HasPrefix(b, []byte("\xFF\xD8\xFF")):
		ct, decode = "image/jpeg", func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		ct, decode = "image/webp", func(r *bytes.Reader) (image.Config, error) { return webp.DecodeConfig(r) }
	default:
		return "", ErrLogoType
	}
	cfg, err := decode(bytes.NewReader(b))
	if err != nil {
		return "", invalid("logo", "not a valid %s image: %v", ct, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return "", invalid("logo", "%dx%d pixels; each side must be 1 to %d", cfg.Width, cfg.Height, MaxLogoSide)
	}
	return ct, nil
}

// SetLogo stores an organization's logo and returns its content type.
func (s *Service) SetLogo(ctx context.Context, v Viewer, orgID string, b []byte) (string, error) {
	if len(b) > MaxLogoBytes {
		return "", ErrLogoTooLarge
	}
	ct, err := sniffLogo(b)
	if err != nil {
		return "", err
	}
	return ct, s.st.Update(ctx, func(txn store.Tx) error {
		o, err := s.writable(txn, v, orgID)
		if err != nil {
			return err
		}
		if err := txn.Set(store.OrgLogoKey(orgID), b); err != nil {
			return err
		}
		next := *o
		next.HasLogo, next.UpdatedAt = true, s.now().Unix()
		if err := putOrg(txn, o, &next); err != nil {
			return err
		}
		return audit.Record(txn, orgID, v.Actor, "organization.logo.set", "organization", orgID, "logo")
	})
}

// Logo returns an organization's logo and its content type.
func (s *Service) Logo(v Viewer, orgID string) ([]byte, string, error) {
	var b []byte
	err := s.st.View(func(txn store.Tx) error {
		if _, _, err := s.GetTx(txn, v, orgID); err != nil {
			return err
		}
		var err error
		b, err = txn.Get(store.OrgLogoKey(orgID))
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoLogo
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	ct, _ := sniffLogo(b)
	return b, ct, nil
}

// DeleteLogo removes an organization's logo.
func (s *Service) DeleteLogo(ctx context.Context, v Viewer, orgID string) error {
	return s.st.Update(ctx, func(txn store.Tx) error {
		o, err := s.writable(txn, v, orgID)
		if err != nil {
			return err
		}
		if !o.HasLogo {
			return ErrNoLogo
		}
		if err := txn.Delete(store.OrgLogoKey(orgID)); err != nil {
			return err
		}
		next := *o
		next.HasLogo, next.UpdatedAt = false, s.now().Unix()
		if err := putOrg(txn, o, &next); err != nil {
			return err
		}
		return audit.Record(txn, orgID, v.Actor, "organization.logo.delete", "organization", orgID, "logo")
	})
}
