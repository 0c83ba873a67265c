package storage_test

import (
	"context"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage/storagetest"
)

// BenchmarkRequestRead is what a read of one request by its own liaison
// officer costs since need-to-know reads the head first (readVisible in
// domain/requesthead.go): "head" is that extra read alone, "whole" the
// read of the whole request, "visible" both, as GET /api/v1/requests/{id}
// now does them, on each database.
//
//	go test -run '^$' -bench RequestRead -benchtime 20000x ./storage/
func BenchmarkRequestRead(b *testing.B) {
	for _, c := range storagetest.Databases(b) {
		b.Run(c.Name, func(b *testing.B) {
			db := storagetest.Open(b, c.DSN)
			r := newDraft(testID(b, 1), "NO")
			createRequest(b, db, r)
			ctx := context.Background()
			reqs := domain.NewRequestService(db, nil, nil, func() time.Time { return fixedNow }, func() string { return "" })
			owner := domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}
			for name, read := range map[string]func() error{
				"head":    func() error { _, err := db.RequestHead(ctx, r.ID); return err },
				"whole":   func() error { _, err := db.GetRequest(ctx, r.ID); return err },
				"visible": func() error { _, err := reqs.GetRequest(ctx, owner, r.ID); return err },
			} {
				b.Run(name, func(b *testing.B) {
					for range b.N {
						if err := read(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
