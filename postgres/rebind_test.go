package postgres

import "testing"

func TestRebind(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		args     int
		want     string
	}{
		{"Numbered", `SELECT a FROM t WHERE b = ? AND c > ?`, 2, `SELECT a FROM t WHERE b = $1 AND c > $2`},
		{"QuotedLeftAlone", `SELECT '?', "a?b", 'it''s ?' FROM t WHERE x = ?`, 1, `SELECT '?', "a?b", 'it''s ?' FROM t WHERE x = $1`},
		{"CommentLeftAlone", "SELECT 1 -- why?\nWHERE x = ?", 1, "SELECT 1 -- why?\nWHERE x = $1"},
		{"NoArgumentsAsWritten", `CREATE TABLE t (a text); -- ?`, 0, `CREATE TABLE t (a text); -- ?`},
		{"Unterminated", `SELECT ? '?`, 1, `SELECT $1 '?`},
		{"TenAndMore", `VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, 11, `VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rebind(tc.in, tc.args); got != tc.want {
				t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
