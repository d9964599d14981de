package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"article5/sqlstore"
)

// driver is PostgreSQL's sqlstore.Driver on a pgx pool.
type driver struct {
	pool *pgxpool.Pool
}

var _ sqlstore.Driver = (*driver)(nil)

// Advisory lock keys (pg_advisory_xact_lock), one per sqlstore.Lock and
// each its own: two locks sharing a key would break the order the core
// takes them in, and writers would deadlock.
var lockKeys = map[sqlstore.Lock]int64{
	sqlstore.LockMigrate:       0x61727435_00000001, // "art5", migrations
	sqlstore.LockObjects:       0x61727435_00000002,
	sqlstore.LockEvents:        0x61727435_00000003,
	sqlstore.LockAudit:         0x61727435_00000004,
	sqlstore.LockConsultations: 0x61727435_00000005,
	sqlstore.LockLimits:        0x61727435_00000006,
}

func (d *driver) Read() sqlstore.Querier  { return querier{d.pool} }
func (d *driver) Write() sqlstore.Querier { return querier{d.pool} }

func (d *driver) Begin(ctx context.Context) (sqlstore.Tx, error) {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return txn{querier{tx}, tx}, nil
}

var readOnly = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// BeginRead begins a read-only REPEATABLE READ transaction: one snapshot.
func (d *driver) BeginRead(ctx context.Context) (sqlstore.Tx, error) {
	tx, err := d.pool.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	return txn{querier{tx}, tx}, nil
}

// BeginSnapshot begins n read-only transactions on n connections sharing
// the first one's exported snapshot (pg_export_snapshot and SET
// TRANSACTION SNAPSHOT, as pg_dump --jobs does).
func (d *driver) BeginSnapshot(ctx context.Context, n int) ([]sqlstore.Tx, error) {
	txs := make([]sqlstore.Tx, 0, n)
	fail := func(err error) ([]sqlstore.Tx, error) {
		for _, tx := range txs {
			tx.Rollback(ctx)
		}
		return nil, err
	}
	var snapshot string
	for i := range n {
		tx, err := d.BeginRead(ctx)
		if err != nil {
			return fail(err)
		}
		txs = append(txs, tx)
		if i == 0 {
			err = tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot)
		} else {
			_, err = tx.Exec(ctx, `SET TRANSACTION SNAPSHOT '`+strings.ReplaceAll(snapshot, "'", "")+`'`)
		}
		if err != nil {
			return fail(err)
		}
	}
	return txs, nil
}

// Lock takes the lock's transaction-scoped advisory lock.
func (d *driver) Lock(ctx context.Context, tx sqlstore.Tx, l sqlstore.Lock) error {
	key, ok := lockKeys[l]
	if !ok {
		return errors.New("postgres: unknown lock " + strconv.Itoa(int(l)))
	}
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, key)
	return err
}

// BulkInsert copies rows in with COPY FROM STDIN (binary): one round trip
// for the batch, and the fastest way into PostgreSQL.
func (d *driver) BulkInsert(ctx context.Context, tx sqlstore.Tx, table string, cols []string, rows [][]any) error {
	_, err := tx.(txn).tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	return err
}

// notifyChannel is the channel of Notify and Listen. Channels are the
// database's, not a schema's: stores in other schemas of one database
// wake each other for nothing, which costs a read.
const notifyChannel = "article5"

// Listen listens on notifyChannel on a connection of its own (made with
// the pool's settings), reconnecting after a second when it is lost, and
// tells notify "" at each (re)connection: what was announced meanwhile
// is lost.
func (d *driver) Listen(ctx context.Context, notify func(topic string)) {
	for ctx.Err() == nil {
		d.listenOnce(ctx, notify)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (d *driver) listenOnce(ctx context.Context, notify func(topic string)) {
	conn, err := pgx.ConnectConfig(ctx, d.pool.Config().ConnConfig.Copy())
	if err != nil {
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		return
	}
	notify("")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return
		}
		notify(n.Payload)
	}
}

func (d *driver) Ping(ctx context.Context) error { return d.pool.Ping(ctx) }

func (d *driver) Close() error {
	d.pool.Close()
	return nil
}

// The dialect: see sqlstore.Dialect.

func (d *driver) Name() string { return "postgres" }

// Bool: the planner reads "latest = TRUE" as "latest", the partial
// indexes' condition (objects_latest_added WHERE latest).
func (d *driver) Bool(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

// In binds the list as an array (text[] or bigint[]).
func (d *driver) In(col string, list any) (string, any) { return col + ` = ANY(?)`, list }

func (d *driver) JSONObjectValues(col string) string {
	return `jsonb_each_text(` + col + `) AS j(key, value)`
}

func (d *driver) Contains(col string) string { return `strpos(` + col + `, ?) > 0` }

// CaseSearch: there is no substring index (pg_trgm would need the
// extension), so a rare word reads every case (about 30 ms at 100,000).
func (d *driver) CaseSearch(q string) (string, any, bool) { return "", nil, false }

func (d *driver) SkipLocked() string { return " FOR UPDATE SKIP LOCKED" }

func (d *driver) Notify(topic string) string {
	return `SELECT pg_notify('` + notifyChannel + `', '` + topic + `')`
}

func (d *driver) NumbersObjects() bool { return false } // objects.seq is an identity column

// Packed: pgx reads typed columns in binary faster than text it would
// have to parse, and PostgreSQL text cannot hold NUL.
func (d *driver) Packed(cols []string) (string, bool) { return "", false }

// ScanParts: one scan; the server reads ahead while pgx decodes.
func (d *driver) ScanParts(table string) []string { return nil }

// postgresVocabulary: booleans are boolean, JSON is jsonb (json where it
// is kept exactly as given), sequences are identity columns.
var postgresVocabulary = sqlstore.Vocabulary{
	Postgres:  true,
	Text:      "text",
	Int64:     "bigint",
	Int32:     "integer",
	Bool:      "boolean",
	True:      "true",
	False:     "false",
	Blob:      "bytea",
	JSON:      "jsonb",
	JSONExact: "json",
	Serial:    "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
}

func (d *driver) Vocabulary() sqlstore.Vocabulary { return postgresVocabulary }

// pgxQuerier is what *pgxpool.Pool and pgx.Tx share.
type pgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// querier is a sqlstore.Querier on pgx: it numbers the ? placeholders.
type querier struct{ q pgxQuerier }

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	r, err := q.q.Query(ctx, rebind(query, len(args)), args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return row{q.q.QueryRow(ctx, rebind(query, len(args)), args...)}
}

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, rebind(query, len(args)), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// row maps pgx.ErrNoRows to sqlstore.ErrNoRows.
type row struct{ r pgx.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

// txn is a sqlstore.Tx on a pgx.Tx. Rollback runs even when ctx is done,
// so a cancelled request does not leave its connection in a transaction.
type txn struct {
	querier
	tx pgx.Tx
}

func (t txn) Commit(ctx context.Context) error { return t.tx.Commit(ctx) }
func (t txn) Rollback(ctx context.Context) error {
	return t.tx.Rollback(context.WithoutCancel(ctx))
}

// rebind numbers the ? placeholders of query: $1, $2, … (PostgreSQL's).
// A query given no arguments is returned as it is (a migration holds many
// statements, run with the simple protocol). A ? inside a quoted string or
// identifier, or a -- comment, is left alone.
func rebind(query string, args int) string {
	if args == 0 || strings.IndexByte(query, '?') < 0 {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 2*args)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch c {
		case '\'', '"':
			j := i + 1
			for j < len(query) && query[j] != c {
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
			continue
		case '-':
			if i+1 < len(query) && query[i+1] == '-' {
				j := strings.IndexByte(query[i:], '\n')
				if j < 0 {
					j = len(query) - i
				}
				b.WriteString(query[i : i+j])
				i += j - 1
				continue
			}
		case '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
