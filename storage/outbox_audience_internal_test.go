package storage

import (
	"testing"
	"time"

	"exaccess/domain"
)

// countingAudience answers every audience with one account and counts its
// reads.
type countingAudience struct{ users, hooks int }

func (c *countingAudience) audience(domain.Audience, time.Time) ([]userRow, error) {
	c.users++
	return []userRow{{ID: "u1", Username: "range", Email: "range@example.org"}}, nil
}

func (c *countingAudience) channelsFor([]userRow, string) (func(userRow) []delivery, error) {
	return func(userRow) []delivery {
		return []delivery{{Channel: domain.ChannelEmail, Address: "range@example.org"}}
	}, nil
}

func (c *countingAudience) roleWebhooks(domain.Role) ([]webhookRow, error) {
	c.hooks++
	return nil, nil
}

// TestSweepAudienceReadsEachAudienceOnce: the sweep asks whether a
// notice's audience has anyone, then fans the notice out, for many notices
// of one role; the audience and the role's webhooks are read once.
func TestSweepAudienceReadsEachAudienceOnce(t *testing.T) {
	src := &countingAudience{}
	s := newSweepAudience(src)
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	ev := domain.NotificationEvent{Kind: domain.NotifyStageOverdue, Audience: domain.Audience{Role: domain.RoleRange}}
	for range 3 {
		if heard, err := hasAudience(s, ev.Audience, now); err != nil || !heard {
			t.Fatalf("hasAudience = %v, %v", heard, err)
		}
		if out, err := fanOut(s, ev, now, "k"); err != nil || len(out) != 1 {
			t.Fatalf("fanOut = %v, %v", out, err)
		}
	}
	if src.users != 1 || src.hooks != 1 {
		t.Errorf("read the audience %d times and the webhooks %d times, want once each", src.users, src.hooks)
	}
}
