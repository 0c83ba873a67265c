-- 0025: a one-time password expires (domain.OneTimePasswordTTL, 72 hours).
--
-- An administrator's one-time password (account creation, password reset)
-- used to open its account until it was changed, however old. It now opens
-- it until one_time_password_expires_at; changing the password clears it.
-- The one-time passwords set before this migration have no time of their
-- own recorded, so they count as set now: each expires 72 hours after the
-- upgrade, long enough to reach its holder, and no longer a credential
-- forever. An account that must change its password with no expiry
-- recorded is refused as expired (domain.User.OneTimePasswordExpired).
ALTER TABLE users ADD COLUMN one_time_password_expires_at TIMESTAMP;
UPDATE users SET one_time_password_expires_at = strftime('%Y-%m-%d %H:%M:%f', 'now', '+72 hours')
    WHERE must_change_password <> 0;
