package domain

import "time"

// Session is a signed-in browser of the web console, kept on the server so
// that signing out, expiry and a changed account end it everywhere. ID is
// the SHA-256 (hex) of the secret in the browser's cookie, never the secret.
type Session struct {
	ID       string
	Username string
	// Generation is the account's generation at sign-in; the session ends
	// when the account's generation moves on (PrincipalCheck), as a token does.
	Generation int64
	CSRF       string // the session's anti-forgery token, sent in every form
	CreatedAt  time.Time
	ExpiresAt  time.Time
}
