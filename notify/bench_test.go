package notify_test

import (
	"context"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage/storagetest"
)

// BenchmarkStillAddressed is what the worker's check at delivery adds to
// each e-mail or webhook row of an account, on each database: one read of
// the account for a holder of the role; for a delegate, also the read of
// their delegations that count (delegations, then delegators); for a row
// about a request (a liaison officer's receipt), also the read of the
// request.
func BenchmarkStillAddressed(b *testing.B) {
	for _, d := range storagetest.Databases(b) {
		b.Run(d.Name, func(b *testing.B) {
			db := storagetest.Open(b, d.DSN)
			seedStageNotices(b, db, false)
			at := t0.Add(time.Minute)
			for _, c := range []struct {
				name string
				n    domain.Notification
			}{
				{"holder", domain.Notification{Recipient: "u-hns", Channel: domain.ChannelEmail, AudienceRole: domain.RoleHNS}},
				{"delegate", domain.Notification{Recipient: "u-deputy", Channel: domain.ChannelEmail, AudienceRole: domain.RoleHNS}},
				{"liaison", domain.Notification{Recipient: "u-lo0", Channel: domain.ChannelEmail, RequestID: "r000", Address: "lo0@example.org"}},
			} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						if _, refusal, err := domain.StillAddressed(context.Background(), db, c.n, at); err != nil || refusal != "" {
							b.Fatal(refusal, err)
						}
					}
				})
			}
		})
	}
}
