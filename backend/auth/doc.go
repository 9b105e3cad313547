// Package auth holds API keys and their secrets, the tokens minted by
// POST /auth and dashboard logins (JWT, HS256), the resolution of a token
// into the principal that acts, and the rate limit on failed logins.
package auth
