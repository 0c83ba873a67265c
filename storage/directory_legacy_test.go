package storage

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
)

// TestDirectoryLeavesOutLegacyAdministrators: the directory and the
// queries address a role's event alike and leave out the accounts stored
// with admin beside an approver role — a holder of the role, and a
// delegate of it — while the role's other holder and an approver delegate
// are told.
func TestDirectoryLeavesOutLegacyAdministrators(t *testing.T) {
	db := openMigratedAt(t, filepath.Join(t.TempDir(), "dir.db"))
	users := []*domain.User{
		{Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
		{Username: "boss", Roles: []domain.Role{domain.RoleAdmin, domain.RoleHNS}},
		{Username: "chief", Roles: []domain.Role{domain.RoleRange, domain.RoleAdmin}},
		{Username: "deputy", Roles: []domain.Role{domain.RoleRange}},
	}
	inTx(t, db, func(tt *tx) error {
		for _, u := range users {
			u.PasswordHash, u.CreatedAt, u.Email = "x", dirBase, u.Username+"@example.org"
			if err := tt.CreateUser(u); err != nil {
				return err
			}
		}
		for _, to := range []string{"chief", "deputy"} {
			if err := tt.CreateDelegation(&domain.Delegation{ID: "d-" + to, From: "hns", To: to, Role: domain.RoleHNS,
				Starts: dirBase.Add(-time.Hour), Ends: dirBase.Add(time.Hour), CreatedAt: dirBase}); err != nil {
				return err
			}
		}
		return nil
	})
	for _, role := range []domain.Role{domain.RoleHNS, domain.RoleRange} {
		ev := domain.NotificationEvent{Kind: domain.NotifyStageActive, Audience: domain.Audience{Role: role}, RequestID: "r1"}
		inTx(t, db, func(tt *tx) error {
			want, err := fromQueries(tt, ev, dirBase)
			if err != nil {
				return err
			}
			got, err := fromDirectory(tt, ev, dirBase)
			if err != nil {
				return err
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: directory\n  %s\nqueries\n  %s", role, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			for _, line := range want {
				if strings.Contains(line, "boss@") || strings.Contains(line, "chief@") {
					t.Errorf("%s: an administrator is told: %s", role, line)
				}
			}
			if !slices.ContainsFunc(want, func(l string) bool { return strings.Contains(l, "deputy@") }) {
				t.Errorf("%s: the approver delegate or holder is not told: %q", role, want)
			}
			return nil
		})
	}
}

// TestDirectoryLeavesOutLegacyDelegators: the directory and the queries
// address a role's event alike and leave out the delegate of an account
// stored with admin beside the role (its delegation does not count:
// domain.DelegationCounts), while the delegate of the role's other holder
// is told.
func TestDirectoryLeavesOutLegacyDelegators(t *testing.T) {
	db := openMigratedAt(t, filepath.Join(t.TempDir(), "dir.db"))
	users := []*domain.User{
		{Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
		{Username: "boss", Roles: []domain.Role{domain.RoleAdmin, domain.RoleHNS}},
		{Username: "deputy", Roles: []domain.Role{domain.RoleRange}},
		{Username: "deputy2", Roles: []domain.Role{domain.RoleRange}},
	}
	inTx(t, db, func(tt *tx) error {
		for _, u := range users {
			u.PasswordHash, u.CreatedAt, u.Email = "x", dirBase, u.Username+"@example.org"
			if err := tt.CreateUser(u); err != nil {
				return err
			}
		}
		for from, to := range map[string]string{"boss": "deputy", "hns": "deputy2"} {
			if err := tt.CreateDelegation(&domain.Delegation{ID: "d-" + from, From: from, To: to, Role: domain.RoleHNS,
				Starts: dirBase.Add(-time.Hour), Ends: dirBase.Add(time.Hour), CreatedAt: dirBase}); err != nil {
				return err
			}
		}
		return nil
	})
	ev := domain.NotificationEvent{Kind: domain.NotifyStageActive, Audience: domain.Audience{Role: domain.RoleHNS}, RequestID: "r1"}
	inTx(t, db, func(tt *tx) error {
		want, err := fromQueries(tt, ev, dirBase)
		if err != nil {
			return err
		}
		got, err := fromDirectory(tt, ev, dirBase)
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			t.Errorf("directory\n  %s\nqueries\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		for name, lines := range map[string][]string{"directory": got, "queries": want} {
			if slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "deputy@") || strings.Contains(l, "boss@") }) {
				t.Errorf("%s: the administrator or its delegate is told: %q", name, lines)
			}
			if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "deputy2@") }) {
				t.Errorf("%s: the approver's delegate is not told: %q", name, lines)
			}
		}
		return nil
	})
}
