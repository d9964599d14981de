package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"unicode/utf8"

	"article5/sqlstore"
)

// driver is SQLite's sqlstore.Driver: one writer connection whose
// transactions begin IMMEDIATE, and a pool of read-only connections.
type driver struct {
	write *sql.DB // one connection, BEGIN IMMEDIATE: the single writer
	read  *sql.DB // read-only connections

	reads stmtCache // the read pool's prepared statements, by query text
}

// stmtCache keeps a prepared statement per query text read on the pool,
// so that a hot query (a page of cases) is parsed once, not per request:
// SQLite's parser is a measurable part of a short query. It holds at most
// maxCachedStmts; queries beyond run unprepared.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

const maxCachedStmts = 512

func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxCachedStmts {
		return nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the query reports its own error when run
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// readQuerier runs queries on the read pool through the statement cache.
type readQuerier struct{ d *driver }

func (r readQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	if st := r.d.reads.get(ctx, r.d.read, query); st != nil {
		rs, err := st.QueryContext(ctx, args...)
		if err != nil {
			return nil, err
		}
		return rows{rs}, nil
	}
	return querier{r.d.read}.Query(ctx, query, args...)
}

func (r readQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	if st := r.d.reads.get(ctx, r.d.read, query); st != nil {
		return row{st.QueryRowContext(ctx, args...)}
	}
	return querier{r.d.read}.QueryRow(ctx, query, args...)
}

func (r readQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return querier{r.d.read}.Exec(ctx, query, args...)
}

var _ sqlstore.Driver = (*driver)(nil)

func (d *driver) Read() sqlstore.Querier  { return readQuerier{d} }
func (d *driver) Write() sqlstore.Querier { return querier{d.write} }

// Begin begins a transaction on the writer: BEGIN IMMEDIATE (the write
// DSN's _txlock), so this is the one writer from here.
func (d *driver) Begin(ctx context.Context) (sqlstore.Tx, error) {
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return txn{querier{tx}, tx}, nil
}

// BeginRead begins a read-only transaction on the read pool: one WAL
// snapshot, from its first read on.
func (d *driver) BeginRead(ctx context.Context) (sqlstore.Tx, error) {
	tx, err := d.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	return txn{querier{tx}, tx}, nil
}

// BeginSnapshot begins n read-only transactions on one WAL snapshot: each
// is begun and pinned by a first read while the write lock is held, so no
// commit can fall between them.
func (d *driver) BeginSnapshot(ctx context.Context, n int) ([]sqlstore.Tx, error) {
	w, err := d.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds off every commit
	if err != nil {
		return nil, err
	}
	defer w.Rollback()
	txs := make([]sqlstore.Tx, 0, n)
	for range n {
		tx, err := d.BeginRead(ctx)
		if err == nil {
			var x int
			err = tx.QueryRow(ctx, `SELECT count(*) FROM audit_heads WHERE n < 0`).Scan(&x) // the snapshot starts here
			if err != nil {
				tx.Rollback(ctx)
			}
		}
		if err != nil {
			for _, t := range txs {
				t.Rollback(ctx)
			}
			return nil, err
		}
		txs = append(txs, tx)
	}
	return txs, nil
}

// Lock does nothing: the writer's transaction already excludes every
// other writer.
func (d *driver) Lock(ctx context.Context, tx sqlstore.Tx, l sqlstore.Lock) error { return nil }

// BulkInsert inserts rows with multi-row INSERT statements, up to 200 rows
// each (fewer for a table so wide that 200 rows would pass SQLite's 32,766
// bound parameters): far fewer statements than rows, which is most of the
// cost in SQLite. The statements are prepared once per size.
func (d *driver) BulkInsert(ctx context.Context, tx sqlstore.Tx, table string, cols []string, rows [][]any) error {
	stx := tx.(txn).tx
	width := len(cols)
	chunk := max(1, min(200, 32766/width))
	prefix := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	tuple := "(?" + strings.Repeat(", ?", width-1) + ")"
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	args := make([]any, 0, min(chunk, len(rows))*width)
	for len(rows) > 0 {
		n := min(chunk, len(rows))
		st, ok := stmts[n]
		if !ok {
			var err error
			st, err = stx.PrepareContext(ctx, prefix+tuple+strings.Repeat(", "+tuple, n-1))
			if err != nil {
				return err
			}
			stmts[n] = st
		}
		args = args[:0]
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// Ping checks that a read connection answers a query.
func (d *driver) Ping(ctx context.Context) error {
	if err := d.read.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return d.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// Listen returns at once: a SQLite store has one process, and the core
// tells its own waiters of its commits.
func (d *driver) Listen(ctx context.Context, notify func(topic string)) {}

// Close closes both pools.
func (d *driver) Close() error {
	d.reads.close()
	return errors.Join(d.read.Close(), d.write.Close())
}

// The dialect: see sqlstore.Dialect.

func (d *driver) Name() string { return "sqlite" }

// Bool: SQLite's booleans are the integers 1 and 0, as the partial
// indexes are written (objects_latest_added WHERE latest = 1).
func (d *driver) Bool(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// In reads the list as a JSON array with json_each.
func (d *driver) In(col string, list any) (string, any) {
	js, err := json.Marshal(list)
	if err != nil {
		js = []byte("[]") // a []string or []int64 always marshals
	}
	return col + ` IN (SELECT value FROM json_each(?))`, string(js)
}

func (d *driver) JSONObjectValues(col string) string { return `json_each(` + col + `)` }

func (d *driver) Contains(col string) string { return `instr(` + col + `, ?) > 0` }

// CaseSearch uses the FTS5 trigram table cases_search (migration 0001),
// which needs three characters; q is matched as one quoted string.
func (d *driver) CaseSearch(q string) (string, any, bool) {
	if utf8.RuneCountInString(q) < 3 {
		return "", nil, false
	}
	return `num IN (SELECT rowid FROM cases_search WHERE cases_search MATCH ?)`, `"` + strings.ReplaceAll(q, `"`, `""`) + `"`, true
}

func (d *driver) SkipLocked() string { return "" }

func (d *driver) Notify(topic string) string { return "" }

func (d *driver) NumbersObjects() bool { return true }

// Packed joins the columns with char(0) in SQL, with concat_ws (SQLite
// 3.44): one pass over the row, where a chain of || copies the growing
// text once per column. concat_ws skips a NULL, so each column is read
// through ifnull(col, char(1)): a NULL is a field no value matches, and a
// NUL inside a column still leaves one field too many for the reader.
func (d *driver) Packed(cols []string) (string, bool) {
	fs := make([]string, len(cols))
	for i, c := range cols {
		fs[i] = "ifnull(" + c + ", char(1))"
	}
	return "concat_ws(char(0), " + strings.Join(fs, ", ") + ")", true
}

// ScanParts splits table at half its greatest rowid: each half is a range
// of the table's own b-tree, read without an index.
func (d *driver) ScanParts(table string) []string {
	half := `(SELECT max(rowid) / 2 FROM ` + table + `)`
	return []string{`rowid <= ` + half, `rowid > ` + half}
}

// sqliteVocabulary: SQLite's own type names, as the migrations always
// wrote them (INTEGER keeps integer affinity, and INTEGER PRIMARY KEY is
// the rowid).
var sqliteVocabulary = sqlstore.Vocabulary{
	SQLite:    true,
	Text:      "TEXT",
	Int64:     "INTEGER",
	Int32:     "INTEGER",
	Bool:      "INTEGER",
	True:      "1",
	False:     "0",
	Blob:      "BLOB",
	JSON:      "TEXT",
	JSONExact: "TEXT",
	Serial:    "INTEGER PRIMARY KEY AUTOINCREMENT",
}

func (d *driver) Vocabulary() sqlstore.Vocabulary { return sqliteVocabulary }

// sqlQuerier is what *sql.DB and *sql.Tx share.
type sqlQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// querier is a sqlstore.Querier on database/sql: SQLite takes the ?
// placeholders as they are written.
type querier struct{ q sqlQuerier }

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	r, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return row{q.q.QueryRowContext(ctx, query, args...)}
}

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// row maps sql.ErrNoRows to sqlstore.ErrNoRows.
type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

type rows struct{ *sql.Rows }

func (r rows) Close() { r.Rows.Close() }

// txn is a sqlstore.Tx on a *sql.Tx (whose Commit and Rollback take no
// context: the one given to BeginTx governs).
type txn struct {
	querier
	tx *sql.Tx
}

func (t txn) Commit(ctx context.Context) error   { return t.tx.Commit() }
func (t txn) Rollback(ctx context.Context) error { return t.tx.Rollback() }
