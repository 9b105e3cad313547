package tss

import (
	"context"
	"fmt"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// adminUser is the user id written into authenticateUser, logOut and
// unblockUser logs.
const adminUser = "admin"

// MinPINLen is the shortest admin PIN (fiskaly: minLength 6).
const MinPINLen = 6

// deployed reports whether the TSS has a clock and may sign system logs.
func deployed(t *TSS) bool { return t.State == StateUninitialized || t.State == StateInitialized }

// ChangePIN sets or unblocks the admin PIN with the PUK. A wrong PUK is
// logged as a failed unblockUser and answered with ErrPUKWrong.
func (s *Service) ChangePIN(ctx context.Context, c Caller, id, puk, newPIN string) error {
	if len(newPIN) < MinPINLen || len(newPIN) > 64 {
		return &ValidationError{Field: "new_admin_pin", Msg: fmt.Sprintf("must have %d to 64 characters", MinPINLen)}
	}
	if puk == "" {
		return &ValidationError{Field: "admin_puk", Msg: "is required"}
	}
	var pukWrong bool
	_, _, err := s.mutate(ctx, c, id, func(w *write) error {
		if !deployed(w.t) {
			return ErrChangePIN
		}
		ok, _ := secret.Verify(w.t.PUKHash, puk)
		result := uint64(0) // ok
		if !ok {
			result, pukWrong = 1, true // failed
		} else {
			w.t.PINHash, w.t.PINFailures, w.changed = secret.Hash(newPIN), 0, true
			s.admins.endAll(id)
			w.se.login = false
		}
		return w.system("unblockUser", tse.Field{Tag: 1, Value: []byte(adminUser)}, tse.Field{Tag: 2, Value: tse.Enum(result)})
	})
	if err == nil && pukWrong {
		return ErrPUKWrong
	}
	return err
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
		ok, _ := secret.Verify(t.PINHash, pin)
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
