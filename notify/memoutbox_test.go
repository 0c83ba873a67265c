package notify_test

import (
	"context"
	"time"

	"exaccess/domain"
)

// RenewNotification keeps every row of memOutbox the worker's: it hands
// each out once.
func (m *memOutbox) RenewNotification(context.Context, string, time.Time, time.Time) (bool, error) {
	return true, nil
}

// GetUser finds no account: memOutbox's rows are addressed to no account
// (Recipient ""), so the worker never asks.
func (m *memOutbox) GetUser(context.Context, string) (*domain.User, error) {
	return nil, domain.ErrNotFound("user")
}

// RequestHead finds no request: the worker never asks (see GetUser).
func (m *memOutbox) RequestHead(context.Context, string) (*domain.RequestHead, error) {
	return nil, domain.ErrNotFound("request")
}

// ReaddressNotification is never called: the worker readdresses only rows
// of an account.
func (m *memOutbox) ReaddressNotification(context.Context, string, string) error {
	return nil
}

// ActiveDelegations finds none.
func (m *memOutbox) ActiveDelegations(context.Context, string, time.Time) ([]domain.Delegation, error) {
	return nil, nil
}
