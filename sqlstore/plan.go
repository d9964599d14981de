package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"article5"
)

// Statement is one SQL statement a store method ran, with its arguments,
// as the core wrote it (? placeholders).
type Statement struct {
	Query string
	Args  []any
}

// Recording returns a store that runs on db's connections and records in
// *out every statement its methods run (reads, and statements inside
// write transactions), in order, so that a test can read the plan of the
// queries a method truly runs (Explain). For tests; the returned store is
// not to be closed.
func (db *DB) Recording(out *[]Statement) *DB {
	r := &recorder{mu: &sync.Mutex{}, out: out}
	c := &DB{drv: recordingDriver{Driver: db.drv, r: r}, d: db.d, Now: db.Now,
		signer: db.signer, verifierKey: db.verifierKey, verifiers: db.verifiers, searchWindow: db.searchWindow}
	return c
}

type recorder struct {
	mu  *sync.Mutex
	out *[]Statement
}

func (r *recorder) add(q string, args []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.out = append(*r.out, Statement{Query: q, Args: append([]any(nil), args...)})
}

type recordingDriver struct {
	Driver
	r *recorder
}

type recordingQuerier struct {
	q Querier
	r *recorder
}

func (q recordingQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	q.r.add(query, args)
	return q.q.Query(ctx, query, args...)
}

func (q recordingQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	q.r.add(query, args)
	return q.q.QueryRow(ctx, query, args...)
}

func (q recordingQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	q.r.add(query, args)
	return q.q.Exec(ctx, query, args...)
}

type recordingTx struct {
	recordingQuerier
	tx Tx
}

func (t recordingTx) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t recordingTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }

func unwrapTx(tx Tx) Tx {
	if t, ok := tx.(recordingTx); ok {
		return t.tx
	}
	return tx
}

func (d recordingDriver) Read() Querier  { return recordingQuerier{d.Driver.Read(), d.r} }
func (d recordingDriver) Write() Querier { return recordingQuerier{d.Driver.Write(), d.r} }

func (d recordingDriver) Begin(ctx context.Context) (Tx, error) {
	tx, err := d.Driver.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return recordingTx{recordingQuerier{tx, d.r}, tx}, nil
}

func (d recordingDriver) BeginRead(ctx context.Context) (Tx, error) {
	tx, err := d.Driver.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	return recordingTx{recordingQuerier{tx, d.r}, tx}, nil
}

func (d recordingDriver) Lock(ctx context.Context, tx Tx, l Lock) error {
	return d.Driver.Lock(ctx, unwrapTx(tx), l)
}

func (d recordingDriver) BulkInsert(ctx context.Context, tx Tx, table string, cols []string, rows [][]any) error {
	return d.Driver.BulkInsert(ctx, unwrapTx(tx), table, cols, rows)
}

// PlanStep is one access to a table in a query plan: the table (SQLite:
// as the query names it, alias included; PostgreSQL: the relation), the
// index read ("" for none), and whether every row of the table is read
// (SQLite "SCAN t" without an index; PostgreSQL "Seq Scan").
type PlanStep struct {
	Table    string
	Index    string
	FullScan bool
	Detail   string // the database's own words for the step
}

// Plan is the plan of one statement: its steps and the database's whole
// answer (SQLite: the EXPLAIN QUERY PLAN lines; PostgreSQL: the JSON).
type Plan struct {
	Steps []PlanStep
	Text  string
}

// Analyze has the database gather the statistics its planner chooses
// with (ANALYZE on both).
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.drv.Write().Exec(ctx, `ANALYZE`); err != nil {
		return article5.Internal(db.op("analyze"), err)
	}
	return nil
}

// Explain returns the plan the database would run st with: SQLite's
// EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN (FORMAT JSON), both with st's
// arguments bound. The statement is not run.
func (db *DB) Explain(ctx context.Context, st Statement) (*Plan, error) {
	if db.d.Name() == "postgres" {
		var js string
		if err := db.drv.Read().QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+st.Query, st.Args...).Scan(&js); err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
		return postgresPlan(js)
	}
	p := &Plan{}
	subqueries := map[string]bool{} // names of subquery results, not tables
	err := each(ctx, db.drv.Read(), func(r Row) error {
		var id, parent, unused int64
		var detail string
		if err := r.Scan(&id, &parent, &unused, &detail); err != nil {
			return err
		}
		p.Text += fmt.Sprintf("%d %d %s\n", id, parent, detail)
		if f := strings.Fields(detail); len(f) == 2 && (f[0] == "CO-ROUTINE" || f[0] == "MATERIALIZE") {
			subqueries[f[1]] = true
		}
		if s, ok := sqliteStep(detail); ok && !subqueries[s.Table] {
			p.Steps = append(p.Steps, s)
		}
		return nil
	}, `EXPLAIN QUERY PLAN `+st.Query, st.Args...)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	return p, nil
}

var sqliteAccess = regexp.MustCompile(`^(SCAN|SEARCH) (\S+)(?: EXISTS)?(?: VIRTUAL TABLE INDEX \S+| USING (?:COVERING )?INDEX (\S+)| USING (INTEGER PRIMARY KEY|PRIMARY KEY|ROWID SEARCH))?`)

// sqliteStep reads one EXPLAIN QUERY PLAN line that accesses a table.
func sqliteStep(detail string) (PlanStep, bool) {
	m := sqliteAccess.FindStringSubmatch(detail)
	if m == nil {
		return PlanStep{}, false
	}
	s := PlanStep{Table: m[2], Index: m[3], Detail: detail}
	if m[4] != "" {
		s.Index = "PRIMARY KEY"
	}
	if strings.Contains(detail, "VIRTUAL TABLE INDEX") {
		s.Index = "VIRTUAL TABLE"
	}
	s.FullScan = m[1] == "SCAN" && s.Index == ""
	return s, true
}

// postgresPlan reads the steps of EXPLAIN (FORMAT JSON).
func postgresPlan(js string) (*Plan, error) {
	var top []struct {
		Plan map[string]any `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(js), &top); err != nil || len(top) == 0 {
		return nil, fmt.Errorf("explain: unreadable plan: %v", err)
	}
	p := &Plan{Text: js}
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		typ, _ := n["Node Type"].(string)
		rel, _ := n["Relation Name"].(string)
		idx, _ := n["Index Name"].(string)
		switch typ {
		case "Seq Scan":
			p.Steps = append(p.Steps, PlanStep{Table: rel, FullScan: true, Detail: typ + " on " + rel})
		case "Index Scan", "Index Only Scan", "Bitmap Index Scan":
			p.Steps = append(p.Steps, PlanStep{Table: rel, Index: idx, Detail: typ + " using " + idx + " on " + rel})
		}
		kids, _ := n["Plans"].([]any)
		for _, k := range kids {
			if m, ok := k.(map[string]any); ok {
				walk(m)
			}
		}
	}
	walk(top[0].Plan)
	return p, nil
}
