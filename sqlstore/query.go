package sqlstore

import (
	"context"

	"article5"
)

// each runs query on q and calls f with each row. The rows are closed
// before it returns, leaving q free for its next query (pgx runs one
// query at a time on a connection).
func each(ctx context.Context, q Querier, f func(Row) error, query string, args ...any) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// collect runs query on q and returns every row as scan reads it (none:
// an empty slice).
func collect[T any](ctx context.Context, q Querier, scan func(Row) (T, error), query string, args ...any) ([]T, error) {
	out := []T{}
	err := each(ctx, q, func(r Row) error {
		v, err := scan(r)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, query, args...)
	return out, err
}

// cover adds to out the ref and digest of every row query returns, each
// read by scan: how AuditVerify reads a covered table.
func cover[T any](ctx context.Context, q Querier, out map[string]string, query string,
	scan func(Row) (T, error), ref func(T) string, digest func(T) string) error {
	return each(ctx, q, func(r Row) error {
		v, err := scan(r)
		if err != nil {
			return err
		}
		out[ref(v)] = digest(v)
		return nil
	}, query)
}

// execOne runs a statement that changes the one row named by what
// ("token <id>"); ENOTFOUND ("<what> not found") when it changed none.
func execOne(ctx context.Context, q Querier, op, what, query string, args ...any) error {
	n, err := q.Exec(ctx, query, args...)
	if err != nil {
		return article5.Internal(op, err)
	}
	if n == 0 {
		return notFound("%s not found", what)
	}
	return nil
}
