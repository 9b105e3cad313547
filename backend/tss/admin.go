package tss

import (
	"context"
	"fmt"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// adminUser is the user id written into authenticateUser, logOut and
// unblockUser logs.
const adminUser = "admin"

// Admin PIN rules (docs/sign-de.md): 6 (fiskaly's minLength) to 64
// characters of printable ASCII without space. The cloud's own examples
// ("123456") stay valid, so POS set-up code keeps working; the 5-try block
// is what protects a short PIN.
const (
	MinPINLen = 6
	MaxPINLen = 64
)

func validPIN(pin string) bool {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen {
		return false
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < 0x21 || pin[i] > 0x7e {
			return false
		}
	}
	return true
}

// deployed reports whether the TSS has a clock and may sign system logs.
func deployed(t *TSS) bool { return t.State == StateUninitialized || t.State == StateInitialized }

// ChangePIN sets or unblocks the admin PIN with the PUK. A wrong PUK is
// logged as a failed unblockUser and answered with ErrPUKWrong; after
// MaxPUKFailures of them the PUK is blocked for a back-off that grows with
// every further wrong one (*PUKBlockedError, nothing checked or logged).
func (s *Service) ChangePIN(ctx context.Context, c Caller, id, puk, newPIN string) error {
	if !validPIN(newPIN) {
		return &ValidationError{Field: "new_admin_pin", Msg: fmt.Sprintf("must be %d to %d characters of printable ASCII without space", MinPINLen, MaxPINLen)}
	}
	if puk == "" {
		return &ValidationError{Field: "admin_puk", Msg: "is required"}
	}
	var pukWrong bool
	var blocked *PUKBlockedError
	_, _, err := s.mutate(ctx, c, id, func(w *write) error {
		if !deployed(w.t) {
			return ErrChangePIN
		}
		t := w.t
		if until := time.Unix(t.PUKBlockedUntil, 0); t.PUKBlockedUntil > 0 && s.now().Before(until) {
			blocked = &PUKBlockedError{Failures: t.PUKFailures, Wait: until.Sub(s.now())}
			return nil
		}
		ok, err := secret.Verify(t.PUKHash, puk)
		if err != nil {
			return fmt.Errorf("admin PUK of TSS %s: %w", id, err) // damaged record: not a wrong PUK
		}
		result := uint64(0) // ok
		if !ok {
			result, pukWrong = 1, true // failed
			t.PUKFailures++
			if d := pukBackoff(t.PUKFailures); d > 0 {
				t.PUKBlockedUntil = s.now().Add(d).Unix()
			}
		} else {
			t.PINHash, t.PINFailures, t.PUKFailures, t.PUKBlockedUntil = secret.Hash(newPIN), 0, 0, 0
			s.admins.endAll(id)
			w.se.login = false
		}
		w.changed = true
		return w.system("unblockUser", tse.Field{Tag: 1, Value: []byte(adminUser)}, tse.Field{Tag: 2, Value: tse.Enum(result)})
	})
	switch {
	case err != nil:
		return err
	case blocked != nil:
		return blocked
	case pukWrong:
		return ErrPUKWrong
	}
	return nil
}

// AdminAuth logs c in as admin of TSS id for the life of c's token. Every
// attempt is signed as authenticateUser; five wrong PINs block the PIN.
func (s *Service) AdminAuth(ctx context.Context, c Caller, id, pin string) error {
	var wrong, blocked bool
	var left int
	_, _, err := s.mutate(ctx, c, id, func(w *write) error {
		t := w.t
		if !deployed(t) {
			if t.State == StateCreated {
				return ErrPINBlocked
			}
			return ErrTSSDisabled
		}
		if t.PINBlocked() {
			blocked = true
			return nil
		}
		ok, err := secret.Verify(t.PINHash, pin)
		if err != nil {
			return fmt.Errorf("admin PIN of TSS %s: %w", id, err) // damaged record: not a wrong PIN
		}
		if !ok {
			wrong = true
			t.PINFailures++
			left = MaxPINFailures - t.PINFailures
		} else {
			t.PINFailures = 0
		}
		w.changed = true
		w.se.login = ok // the next admin operation runs in this login
		return w.system("authenticateUser", tse.Field{Tag: 1, Value: []byte(adminUser)}, tse.Field{Tag: 2, Value: tse.Enum(1)},
			tse.Field{Tag: 3, Value: tse.Bool(ok)})
	})
	switch {
	case err != nil:
		return err
	case blocked:
		return ErrPINBlocked
	case wrong:
		s.admins.endAll(id)
		if left <= 0 {
			return ErrPINBlocked
		}
		return fmt.Errorf("%w (%d tries left before the PIN is blocked)", ErrPINWrong, left)
	}
	s.admins.login(id, c.TokenID, c.TokenExp)
	return nil
}

// AdminLogout ends c's admin login on TSS id; without one it is a no-op.
func (s *Service) AdminLogout(ctx context.Context, c Caller, id string) error {
	if !s.admins.active(id, c.TokenID, s.now()) {
		_, err := s.Get(c, id) // still 404 for a TSS c cannot see
		return err
	}
	_, _, err := s.mutate(ctx, c, id, func(w *write) error {
		s.admins.logout(id, c.TokenID)
		if !w.se.login {
			return nil // the last admin operation logged out already
		}
		w.se.login = false
		return w.system("logOut", tse.Field{Tag: 1, Value: []byte(adminUser)}, tse.Field{Tag: 2, Value: tse.Enum(0)})
	})
	return err
}
