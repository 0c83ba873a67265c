// Package domain is the heart of Exercise Access: the exercise-access request
// and its parts, the lifecycle state machine, validation, the Swedish
// working-day calendar, the error vocabulary, and the ports (interfaces) that
// storage and the routing policy implement.
//
// It imports only the standard library. Nothing here knows about HTTP, SQL,
// GORM, JWTs or CEL; a test (imports_test.go) keeps that direction honest.
package domain
