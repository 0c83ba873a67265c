// Package auth proves who is calling: slow password hashes, and the EdDSA
// JSON Web Tokens the server issues and validates strictly (pinned algorithm,
// required expiry, checked issuer and audience). It knows nothing of HTTP
// routing or storage; key material is handed in and never logged.
package auth
