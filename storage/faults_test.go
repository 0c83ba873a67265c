package storage_test

import (
	"context"
	"errors"

	"exaccess/domain"
	"exaccess/storage"
)

// faultyStore is a real database whose transactions fail one kind of
// write on demand, after the writes before it: what is left after the
// failure shows whether the change was all or nothing.
type faultyStore struct {
	*storage.DB
	failAppend, failOptOuts bool
}

var (
	errAppend  = errors.New("the audit append fails")
	errOptOuts = errors.New("the opt-out write fails")
)

func (s *faultyStore) InTx(ctx context.Context, fn func(domain.Tx) error) error {
	return s.DB.InTx(ctx, func(tx domain.Tx) error { return fn(faultyTx{tx, s}) })
}

type faultyTx struct {
	domain.Tx
	s *faultyStore
}

func (t faultyTx) AppendAudit(e *domain.AuditEntry) error {
	if t.s.failAppend {
		return errAppend
	}
	return t.Tx.AppendAudit(e)
}

func (t faultyTx) SetNotificationOptOuts(userID string, off []domain.ChannelSetting) error {
	if t.s.failOptOuts {
		return errOptOuts
	}
	return t.Tx.SetNotificationOptOuts(userID, off)
}
