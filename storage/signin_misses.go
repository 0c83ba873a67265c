package storage

import "time"

// CountSignInMiss counts a refused sign-in of a name that is no account in
// its bucket (migration 0014): one upsert, the write a known account's
// failure count costs.
func (t *tx) CountSignInMiss(bucket int, at time.Time) error {
	err := t.g.Exec(`INSERT INTO signin_misses (bucket, misses, last_at) VALUES (?, 1, ?)
		ON CONFLICT (bucket) DO UPDATE SET misses = signin_misses.misses + 1, last_at = excluded.last_at`,
		bucket, dbTime(at)).Error
	return translate(err, "sign-in misses")
}
