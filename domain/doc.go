// Package domain is the heart of Exercise Access: the exercise-access request
// and its parts, the lifecycle state machine, validation, the Swedish
// working-day calendar, the error vocabulary, and the ports (interfaces) that
// storage and the routing policy implement.
//
// It imports only the standard library. Nothing here knows about HTTP, SQL,
// GORM, JWTs or CEL; a test (imports_test.go) keeps that direction honest.
//
// # Where things are
//
// A type and its pure rules are in the file named after it in the singular
// (request.go, framework.go, delegation.go, route.go, permit.go); the
// use cases of a service are in the file named after it in the plural, and
// its further parts in files of that prefix: requests.go and evaluate.go
// (RequestService), approvals.go, approvals_read.go (queue, history and
// the stages a caller may decide)
// and approvals_delegations.go (ApprovalService), frameworks.go and
// frameworks_areas.go (FrameworkService: agreements, training areas and
// their bookings), users.go, signin.go and users_unheld.go (UserService), inbox.go
// (InboxService, a user's own console inbox, and its Inbox port),
// notifysettings.go (NotificationService: channels per kind and webhooks;
// webhook.go holds the webhook's rules). Cross-cutting
// rules have files of their own: history.go (a request's history, a page at
// a time), refusals.go and refusals_memory.go (refused attempts in the audit
// log, each once an hour), lifecycle.go, validate.go, decide.go,
// deconflict.go, needtoknow.go, calendar.go, version.go, errors.go, cursor.go
// (what a paging cursor may hold), and
// ports.go (the Store and Tx interfaces storage implements).
package domain
