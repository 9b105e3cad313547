package org

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/paging"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Service runs the organization rules on the store.
type Service struct {
	st       *store.Store
	onDelete []func(txn store.Tx, orgID string) error
	onSave   []func(txn store.Tx, v Viewer, old, o *Organization) error
	now      func() time.Time
}

// NewService returns the organization service on st.
func NewService(st *store.Store) *Service { return &Service{st: st, now: time.Now} }

// OnDelete registers fn to run inside the transaction that deletes an
// organization (the auth package removes the org's API keys there).
func (s *Service) OnDelete(fn func(txn store.Tx, orgID string) error) {
	s.onDelete = append(s.onDelete, fn)
}

// OnSave registers fn to run inside the transaction that creates (old is
// nil) or changes an organization; an error aborts the change (billing
// records option history and checks billing addresses there).
func (s *Service) OnSave(fn func(txn store.Tx, v Viewer, old, o *Organization) error) {
	s.onSave = append(s.onSave, fn)
}

func (s *Service) saved(txn store.Tx, v Viewer, old, o *Organization) error {
	for _, fn := range s.onSave {
		if err := fn(txn, v, old, o); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the organization id and v's role on it. An organization v
// may not see is ErrNotFound, so ids of other tenants are not confirmed.
func (s *Service) Get(v Viewer, id string) (*Organization, Role, error) {
	var o *Organization
	var role Role
	err := s.st.View(func(txn store.Tx) (err error) {
		o, role, err = s.GetTx(txn, v, id)
		return err
	})
	return o, role, err
}

// Raw returns an organization without a visibility check, for background
// computations (billing) that act for the installation.
func (s *Service) Raw(txn store.Tx, id string) (*Organization, error) { return getOrg(txn, id) }

// GetTx is Get inside txn.
func (s *Service) GetTx(txn store.Tx, v Viewer, id string) (*Organization, Role, error) {
	o, err := getOrg(txn, id)
	if err != nil {
		return nil, "", err
	}
	role, err := roleOn(txn, v, o)
	if err != nil {
		return nil, "", err
	}
	if role == "" {
		return nil, "", ErrNotFound
	}
	return o, role, nil
}

// writable is GetTx that also requires at least admin rights.
func (s *Service) writable(txn store.Tx, v Viewer, id string) (*Organization, error) {
	o, role, err := s.GetTx(txn, v, id)
	if err != nil {
		return nil, err
	}
	if !role.AtLeast(RoleAdmin) {
		return nil, ErrForbidden
	}
	return o, nil
}

// ListFilter are the query parameters of GET /organizations.
type ListFilter struct {
	Type      string
	ManagedBy string
	Env       string
	OrderBy   string
	Desc      bool
	Limit     int
	Offset    int
}

// OrderFields are the order_by values GET /organizations accepts.
var OrderFields = []string{"name", "id", "address_line1", "zip", "town", "display_name", "vat_id", "address_line2", "state", "tax_number", "economy_id", "created_at"}

func orderKey(o *Organization, field string) string {
	switch field {
	case "name":
		return strings.ToLower(o.Name)
	case "id":
		return o.ID
	case "address_line1":
		return o.AddressLine1
	case "address_line2":
		return o.AddressLine2
	case "zip":
		return o.Zip
	case "town":
		return o.Town
	case "display_name":
		return strings.ToLower(o.DisplayName)
	case "vat_id":
		return o.VatID
	case "state":
		return o.State
	case "tax_number":
		return o.TaxNumber
	case "economy_id":
		return o.EconomyID
	}
	return fmt.Sprintf("%020d", o.CreatedAt)
}

// List returns the page of organizations visible to v that match f, and
// the number of all that match.
func (s *Service) List(v Viewer, f ListFilter) ([]*Organization, int, error) {
	var all []*Organization
	err := s.st.View(func(txn store.Tx) error {
		ids, err := visibleIDs(txn, v)
		if err != nil {
			return err
		}
		for _, id := range ids {
			o, err := getOrg(txn, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if (f.Type == "" || o.Type == f.Type) && (f.ManagedBy == "" || o.ManagedBy == f.ManagedBy) && (f.Env == "" || o.HasEnv(f.Env)) {
				all = append(all, o)
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	slices.SortStableFunc(all, func(a, b *Organization) int {
		c := cmp.Or(cmp.Compare(orderKey(a, f.OrderBy), orderKey(b, f.OrderBy)), cmp.Compare(a.ID, b.ID))
		if f.Desc {
			return -c
		}
		return c
	})
	return paging.Page(all, f.Limit, f.Offset), len(all), nil
}

// Create makes an organization (managed when in.ManagedBy is set) and
// records it in the audit logs of the new org and of its administrator.
// Each then-function runs in the same transaction with the new org (the
// API uses it to generate the org's first key atomically).
func (s *Service) Create(ctx context.Context, v Viewer, in Input, then ...func(store.Tx, *Organization) error) (*Organization, error) {
	var o *Organization
	err := s.st.Update(ctx, func(txn store.Tx) (err error) {
		if o, err = s.CreateTx(txn, v, in); err != nil {
			return err
		}
		for _, fn := range then {
			if err := fn(txn, o); err != nil {
				return err
			}
		}
		return nil
	})
	return o, err
}

// CreateTx is Create inside txn. A user who creates a main organization
// becomes its owner; managed ones are reached through their parent.
func (s *Service) CreateTx(txn store.Tx, v Viewer, in Input) (*Organization, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if err := in.requireForCreate(); err != nil {
		return nil, err
	}
	now := s.now().Unix()
	o := &Organization{ID: uuid.NewString(), Type: TypeOrganization, Envs: []string{EnvTest},
		CreatedByUser: v.Actor.ID, CreatedAt: now, UpdatedAt: now}
	in.apply(o)
	o.ManagedBy = in.ManagedBy.Value()

	if o.ManagedBy != "" {
		parent, role, err := s.GetTx(txn, v, o.ManagedBy)
		if errors.Is(err, ErrNotFound) {
			return nil, ErrParentNotFound
		}
		if err != nil {
			return nil, err
		}
		if !role.AtLeast(RoleAdmin) {
			return nil, ErrForbidden
		}
		if parent.Type != TypeOrganization {
			return nil, ErrNestedManaged
		}
		o.Type = TypeManaged
		// A live parent's LIVE key creates live managed orgs directly.
		if v.Env == EnvLive {
			if !parent.HasEnv(EnvLive) {
				return nil, ErrEnvNotEnabled
			}
			o.Envs = []string{EnvTest, EnvLive}
		}
	} else if v.KeyOrgType == "" && v.Actor.Type == "user" && !v.InstallAdmin {
		// A new main organization is a new tenant of the installation: from
		// the dashboard only installation administrators create one (setup
		// creates the first). API keys of main organizations create the ones
		// they administer, below.
		return nil, ErrMainOrgByUser
	} else if v.KeyOrgType != "" {
		// Created with an API key: the key's org administers it (enterprise
		// holding, white-label partner) until it hands administration over.
		if v.KeyOrgType != TypeOrganization {
			return nil, ErrForbidden
		}
		for root := range v.Roots {
			o.AdministeredBy = root
		}
		if v.Env == EnvLive {
			// Management 0.9.0: a main org can start in LIVE when it is billed
			// to another org; the token's org must itself be live.
			admin, err := getOrg(txn, o.AdministeredBy)
			if err != nil {
				return nil, err
			}
			if !admin.HasEnv(EnvLive) {
				return nil, ErrEnvNotEnabled
			}
			if o.BillingOptions == nil || o.BillingOptions.BillToOrganization == "" {
				return nil, fmt.Errorf("%w: creating an organization in LIVE needs billing_options.bill_to_organization", ErrLivePrecondition)
			}
			o.Envs = []string{EnvTest, EnvLive}
		}
	}
	if err := s.checkBillTo(txn, v, o); err != nil {
		return nil, err
	}
	if err := putOrg(txn, nil, o); err != nil {
		return nil, err
	}
	if err := s.saved(txn, v, nil, o); err != nil {
		return nil, err
	}
	if v.Actor.Type == "user" && o.Type == TypeOrganization {
		if err := addMember(txn, o.ID, v.Actor.ID, RoleOwner, now); err != nil {
			return nil, err
		}
	}
	return o, s.recordBoth(txn, o, v.Actor, "organization.create", in.changedFields()...)
}

func billTo(o *Organization) string {
	if o.BillingOptions == nil {
		return ""
	}
	return o.BillingOptions.BillToOrganization
}

// checkBillTo requires bill_to_organization to name an org v can see.
func (s *Service) checkBillTo(txn store.Tx, v Viewer, o *Organization) error {
	if o.BillingOptions == nil || o.BillingOptions.BillToOrganization == "" || o.BillingOptions.BillToOrganization == o.ID {
		return nil
	}
	if _, _, err := s.GetTx(txn, v, o.BillingOptions.BillToOrganization); errors.Is(err, ErrNotFound) {
		return invalid("billing_options.bill_to_organization", "unknown organization %s", o.BillingOptions.BillToOrganization)
	} else if err != nil {
		return err
	}
	return nil
}

// recordBoth audits a change in o's log and in the log of the org that
// manages or administers it, so a reseller sees what happens below it.
func (s *Service) recordBoth(txn store.Tx, o *Organization, actor audit.Actor, action string, fields ...string) error {
	if err := audit.Record(txn, o.ID, actor, action, "organization", o.ID, fields...); err != nil {
		return err
	}
	for _, up := range []string{o.ManagedBy, o.AdministeredBy} {
		if up != "" {
			return audit.Record(txn, up, actor, action, "organization", o.ID, fields...)
		}
	}
	return nil
}

// Patch applies in to organization id with merge semantics.
func (s *Service) Patch(ctx context.Context, v Viewer, id string, in Input) (*Organization, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var o *Organization
	err := s.st.Update(ctx, func(txn store.Tx) error {
		old, err := s.writable(txn, v, id)
		if err != nil {
			return err
		}
		next := *old
		in.apply(&next)
		for name, val := range map[string]string{"name": next.Name, "address_line1": next.AddressLine1, "zip": next.Zip, "town": next.Town, "country_code": next.CountryCode} {
			if strings.TrimSpace(val) == "" {
				return invalid(name, "is required and cannot be cleared")
			}
		}
		if in.ManagedBy.Set {
			if err := s.moveTo(txn, v, old, &next, in.ManagedBy.Value()); err != nil {
				return err
			}
		}
		// bill_to is checked when it changes, not on every later change:
		// the org it names may since have been deleted or be out of the
		// caller's sight (an org billed to the reseller whose key created
		// it, changed with its own key).
		if billTo(&next) != billTo(old) {
			if err := s.checkBillTo(txn, v, &next); err != nil {
				return err
			}
		}
		next.UpdatedAt = s.now().Unix()
		if err := putOrg(txn, old, &next); err != nil {
			return err
		}
		if err := s.saved(txn, v, old, &next); err != nil {
			return err
		}
		o = &next
		return s.recordBoth(txn, o, v.Actor, "organization.update", in.changedFields()...)
	})
	return o, err
}

// moveTo changes which org manages next, keeping the hierarchy one level
// deep: a managed org never manages, an org with managed orgs is never
// managed, and no org manages itself.
func (s *Service) moveTo(txn store.Tx, v Viewer, old, next *Organization, parentID string) error {
	if parentID == old.ManagedBy {
		return nil
	}
	// Who manages an organization is decided from above: a managed
	// organization's own keys and users cannot detach it from its parent
	// (and so become a main organization) or move it elsewhere.
	if old.ManagedBy != "" {
		if _, err := s.writable(txn, v, old.ManagedBy); errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
			return ErrParentChange
		} else if err != nil {
			return err
		}
	}
	if parentID == "" {
		// Becoming a main organization: the former parent keeps administering it.
		next.Type, next.ManagedBy, next.AdministeredBy = TypeOrganization, "", old.ManagedBy
		return nil
	}
	if parentID == old.ID {
		return ErrSelfManaged
	}
	if has, err := hasChildren(txn, old.ID); err != nil {
		return err
	} else if has {
		return ErrHasManaged
	}
	parent, err := s.writable(txn, v, parentID)
	if errors.Is(err, ErrNotFound) {
		return ErrParentNotFound
	}
	if err != nil {
		return err
	}
	if parent.Type != TypeOrganization {
		return ErrNestedManaged
	}
	next.Type, next.ManagedBy, next.AdministeredBy = TypeManaged, parentID, ""
	return nil
}

// Delete removes organization id. One that still manages organizations is
// refused; delete or move those first.
func (s *Service) Delete(ctx context.Context, v Viewer, id string) error {
	return s.st.Update(ctx, func(txn store.Tx) error {
		o, err := s.writable(txn, v, id)
		if err != nil {
			return err
		}
		if has, err := hasChildren(txn, id); err != nil {
			return err
		} else if has {
			return ErrHasManaged
		}
		for _, fn := range s.onDelete {
			if err := fn(txn, id); err != nil {
				return err
			}
		}
		if err := deleteOrg(txn, o); err != nil {
			return err
		}
		return s.recordBoth(txn, o, v.Actor, "organization.delete")
	})
}

// LiveRequirements lists what organization o lacks before it may go LIVE
// (docs/management-api.md › Going live): a tax identity and a way to be billed.
func LiveRequirements(o *Organization) []string {
	var missing []string
	switch {
	case o.VatID == "" && o.TaxNumber == "":
		missing = append(missing, "vat_id or tax_number")
	case o.VatID == "" && (o.CountryCode == "DEU" || o.CountryCode == "") && !GermanTaxNumber(o.TaxNumber):
		// Accepted on create, as the cloud does; a German organization goes
		// LIVE only with a tax number of the German form (or a VAT id).
		missing = append(missing, fmt.Sprintf("vat_id or tax_number of the German form (10 to 13 digits; %q is not one)", o.TaxNumber))
	}
	billed := o.ManagedBy != "" || o.BillingAddressID != "" ||
		(o.BillingOptions != nil && o.BillingOptions.BillToOrganization != "")
	if !billed {
		missing = append(missing, "billing_address_id or billing_options.bill_to_organization")
	}
	return missing
}

// EnableEnv adds env to the organization's _envs.
func (s *Service) EnableEnv(ctx context.Context, v Viewer, id, env string) error {
	if env != EnvTest && env != EnvLive {
		return invalid("env", "must be TEST or LIVE")
	}
	return s.st.Update(ctx, func(txn store.Tx) error {
		o, err := s.writable(txn, v, id)
		if err != nil {
			return err
		}
		if o.HasEnv(env) {
			return nil
		}
		if missing := LiveRequirements(o); len(missing) > 0 {
			return fmt.Errorf("%w: missing %s", ErrLivePrecondition, strings.Join(missing, "; "))
		}
		next := *o
		next.Envs = []string{EnvTest, EnvLive}
		next.UpdatedAt = s.now().Unix()
		if err := putOrg(txn, o, &next); err != nil {
			return err
		}
		return s.recordBoth(txn, &next, v.Actor, "organization.enable_env", "_envs")
	})
}

// HandOver ends the administration of organization id by the org whose
// key created it; afterwards only the org itself administers it.
func (s *Service) HandOver(ctx context.Context, v Viewer, id string) error {
	return s.st.Update(ctx, func(txn store.Tx) error {
		o, err := s.writable(txn, v, id)
		if err != nil {
			return err
		}
		if o.AdministeredBy == "" {
			return invalid("organization", "is not administered by another organization")
		}
		if !v.Roots[o.AdministeredBy].AtLeast(RoleAdmin) {
			return ErrForbidden
		}
		if err := s.recordBoth(txn, o, v.Actor, "organization.hand_over", "administered_by_organization_id"); err != nil {
			return err
		}
		next := *o
		next.AdministeredBy = ""
		next.UpdatedAt = s.now().Unix()
		return putOrg(txn, o, &next)
	})
}

// Audit returns the audit log of organization id, newest first.
func (s *Service) Audit(v Viewer, id string, limit, offset int) ([]audit.Entry, int, error) {
	var out []audit.Entry
	var n int
	err := s.st.View(func(txn store.Tx) (err error) {
		if _, _, err := s.GetTx(txn, v, id); err != nil {
			return err
		}
		out, n, err = audit.List(txn, id, limit, offset)
		return err
	})
	return out, n, err
}
