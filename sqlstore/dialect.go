package sqlstore

// Dialect is the SQL that differs between SQLite and PostgreSQL, as
// fragments the core's queries are built from. Everything else is written
// once, in the common subset both accept: ? placeholders, ON CONFLICT …
// DO NOTHING / DO UPDATE, RETURNING, row values, CASE, coalesce.
type Dialect interface {
	// Name is "sqlite" or "postgres": the prefix of the core's error
	// contexts ("sqlite: find case").
	Name() string

	// Bool is the literal of b in a condition on a boolean column, as
	// the schema's partial indexes are written (SQLite "1"/"0", its
	// booleans being integers; PostgreSQL "TRUE"/"FALSE"), so that the
	// planner can use them. Values written are bound as Go bools.
	Bool(b bool) string

	// In is the condition that col is one of list (a []string or an
	// []int64), with the one argument it binds: SQLite reads a JSON
	// array with json_each, PostgreSQL binds an array to = ANY(?).
	In(col string, list any) (cond string, arg any)

	// JSONObjectValues is a table expression of the values of the JSON
	// object in col, as text, in a column named value (SQLite json_each,
	// PostgreSQL jsonb_each_text).
	JSONObjectValues(col string) string

	// Contains is the condition that the text column col holds its one
	// argument as a substring (no wildcards).
	Contains(col string) string

	// CaseSearch is the condition, with its argument, that selects the
	// cases whose search text contains q through an index, so that a rare
	// word is found without reading every case (SQLite: the FTS5 trigram
	// table cases_search, for q of three or more characters). ok is false
	// when the dialect has no such index for q.
	CaseSearch(q string) (cond string, arg any, ok bool)

	// SkipLocked ends a subquery that picks a row to update, so that
	// concurrent claimers skip a row another has locked (PostgreSQL " FOR
	// UPDATE SKIP LOCKED"; SQLite "", its one writer serialises claimers).
	SkipLocked() string

	// NumbersObjects reports whether the writer numbers objects.seq
	// itself, as max(seq)+1 onwards (SQLite, whose one writer makes that
	// commit order); false where the database does (a PostgreSQL identity
	// column, assigned under LockObjects).
	NumbersObjects() bool

	// Packed is a text expression of the columns cols joined by NUL, and
	// true, where reading that one value is cheaper than reading the
	// columns (SQLite: every value that crosses database/sql costs more
	// than the text); "", false where the typed columns read faster
	// (PostgreSQL, whose text cannot hold NUL anyway). Integers must come
	// out in decimal and booleans as 0 or 1.
	Packed(cols []string) (expr string, ok bool)

	// ScanParts is the conditions that split a scan of every row of
	// table into parts read at once on as many connections, where that
	// reads faster than one scan (SQLite: halves by rowid, each read by
	// its own engine, on its own core); nil where one scan reads fastest
	// (PostgreSQL, whose server reads ahead of the client).
	ScanParts(table string) []string

	// Notify is the statement that tells the other processes of the
	// node, when the transaction it runs in commits, of a change of topic
	// (PostgreSQL: pg_notify on the channel Driver.Listen listens on); ""
	// where there are none (SQLite).
	Notify(topic string) string

	// Vocabulary is what the migrations (sqlstore/migration/*.sql) are
	// rendered with: the database's column types and literals.
	Vocabulary() Vocabulary
}
