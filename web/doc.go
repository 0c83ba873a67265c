// Package web is the web console: server-rendered HTML pages for liaison
// officers, approvers, auditors and administrators, served by the same
// binary and the same Echo server as the JSON API, at "/".
//
// Pages call the domain services exactly as the API handlers do, never the
// API over HTTP. Templates and static files are embedded and parsed at
// start, so a missing or broken template fails the boot. Every page works
// without JavaScript. Wording lives in messages.go.
package web
