package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"exaccess/api/auth"
	"exaccess/domain"

	"golang.org/x/sync/errgroup"
)

// demoPassword is the password of every demo user (docs/product.md, "The demo installation").
const demoPassword = "demo"

// demoUsers are the demo accounts of docs/product.md, "The demo installation".
var demoUsers = []domain.User{
	{Username: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"},
	{Username: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"},
	{Username: "lo-at", Roles: []domain.Role{domain.RoleLiaison}, Nation: "AT"},
	{Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
	{Username: "range", Roles: []domain.Role{domain.RoleRange}},
	{Username: "ops", Roles: []domain.Role{domain.RoleOperations}},
	{Username: "ops2", Roles: []domain.Role{domain.RoleOperations}},
	{Username: "gov", Roles: []domain.Role{domain.RoleMinistry}},
	{Username: "gov2", Roles: []domain.Role{domain.RoleMinistry}},
	{Username: "auditor", Roles: []domain.Role{domain.RoleAuditor}},
	{Username: "admin", Roles: []domain.Role{domain.RoleAdmin}},
}

// seedDemo creates the demo users in an empty database and says how to sign
// in. A database that already has users is left alone.
func seedDemo(ctx context.Context, a *app, addr string, stdout io.Writer) error {
	n, err := a.db.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintln(stdout, "exaccess: --demo: the database already has users; nothing was seeded")
		return nil
	}
	hashes := make([]string, len(demoUsers))
	var g errgroup.Group
	g.SetLimit(2) // Argon2id is deliberately slow; hash on both cores
	for i := range demoUsers {
		g.Go(func() (err error) {
			hashes[i], err = auth.HashPassword(demoPassword)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, u := range demoUsers {
		u.Roles = append([]domain.Role(nil), u.Roles...)
		u.Email = u.Username + "@demo.exaccess.example"
		if _, err := a.users.CreateUser(ctx, domain.SystemActor, u, hashes[i]); err != nil {
			return fmt.Errorf("seed demo user %s: %w", u.Username, err)
		}
	}
	if err := seedDemoFramework(ctx, a); err != nil {
		return err
	}
	fmt.Fprintf(stdout, `exaccess: DEMO MODE: seeded demo users %s, all with password %q.
exaccess: and framework agreement FA-NO-2026-01 for Norway (kilen, arvidsjaur; up to 800 personnel; no live fire; via storlien or riksgransen).
exaccess: WARNING: demonstration only; never run --demo on a database that holds real data.
exaccess: open the web console at http://%s/ and sign in as lo-no / demo, or use the API:
  curl -s -X POST http://%s/api/v1/auth/token -H 'Content-Type: application/json' -d '{"username":"lo-no","password":"demo"}'
`, demoNames(), demoPassword, addr, addr)
	return nil
}

// seedDemoFramework creates the demo's standing permission for Norway, so
// that the fast track can be tried at once (docs/product.md, "Words").
func seedDemoFramework(ctx context.Context, a *app) error {
	// Valid from the start of this year to the end of next, so that the
	// demo's fast track keeps working whenever it is run.
	year := time.Now().UTC().Year()
	_, err := a.frameworks.Create(ctx, domain.Principal{Subject: domain.SystemActor}, domain.FrameworkTerms{
		Nation: "NO", Name: "Norwegian units in northern Swedish training areas", Reference: "FA-NO-2026-01",
		ValidFrom: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), ValidUntil: time.Date(year+1, 12, 31, 0, 0, 0, 0, time.UTC),
		TrainingAreas: []string{"kilen", "arvidsjaur"}, EntryPoints: []string{"storlien", "riksgransen"},
		PersonnelCeiling: 800, Notes: "demonstration data"})
	if err != nil {
		return fmt.Errorf("seed demo framework agreement: %w", err)
	}
	return nil
}

func demoNames() string {
	s := ""
	for i, u := range demoUsers {
		if i > 0 {
			s += ", "
		}
		s += u.Username
	}
	return s
}
