package notify_test

import (
	"context"
	"time"
)

// RenewNotification keeps every row of memOutbox the worker's: it hands
// each out once.
func (m *memOutbox) RenewNotification(context.Context, string, time.Time, time.Time) (bool, error) {
	return true, nil
}
