package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"article5"
	"article5/audit"
)

var _ audit.Store = (*DB)(nil)

// querier is what *sql.DB, *sql.Conn and *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// initAudit loads the node's signer key, making it on first open (with
// audit.NewNodeKey) together with the log's first signed head. A store
// that already holds covered rows (made before the log) gets one genesis
// entry per row in the same transaction.
func (db *DB) initAudit(ctx context.Context) error {
	const op = "sqlite: audit key"
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return article5.Internal(op, err)
	}
	defer tx.Rollback()
	var skey, vkey string
	err = tx.QueryRowContext(ctx, `SELECT signer, verifier FROM node_keys WHERE id = 1`).Scan(&skey, &vkey)
	if errors.Is(err, sql.ErrNoRows) {
		b := make([]byte, 4)
		if _, err := rand.Read(b); err != nil {
			return article5.Internal(op, err)
		}
		name := "article5-node-" + hex.EncodeToString(b)
		if skey, vkey, err = audit.NewNodeKey(name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO node_keys (id, name, signer, verifier, created) VALUES (1, ?, ?, ?, ?)`,
			name, skey, vkey, db.now().UnixNano()); err != nil {
			return article5.Internal(op, err)
		}
		if err := db.setKey(skey, vkey); err != nil {
			return err
		}
		covered, err := readCovered(ctx, tx)
		if err != nil {
			return article5.Internal(op, err)
		}
		if err := db.appendAudit(ctx, tx, audit.GenesisEntries(covered, db.now())); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return article5.Internal(op, err)
		}
		return nil
	}
	if err != nil {
		return article5.Internal(op, err)
	}
	return db.setKey(skey, vkey)
}

func (db *DB) setKey(skey, vkey string) error {
	s, err := audit.NewSigner(skey)
	if err != nil {
		return err
	}
	vs, err := audit.NewVerifiers(vkey)
	if err != nil {
		return err
	}
	db.signer, db.verifierKey, db.verifiers = s, vkey, vs
	return nil
}

// appendAudit records entries in the log inside tx (the transaction of the
// change) and signs the new tree head: package audit's adapter contract.
// The write transaction itself serialises writers. Every write to a
// covered table calls it; a call with no entries still signs a head when
// the log has none (a new store).
func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, entries []audit.Entry) error {
	const op = "sqlite: audit append"
	var n, heads int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(n), 0), count(*) FROM audit_heads`).Scan(&n, &heads); err != nil {
		return article5.Internal(op, err)
	}
	if len(entries) == 0 && heads > 0 {
		return nil
	}
	b, err := audit.Append(ctx, hashReader(tx), n, entries)
	if err != nil {
		return err
	}
	if len(b.Entries) > 0 {
		rows := make([][]any, len(b.Entries))
		for i, e := range b.Entries {
			rows[i] = []any{e.Index, e.Kind, e.Ref, e.Digest, e.Time.UnixNano()}
		}
		if err := insertRows(ctx, tx, `INSERT INTO audit_entries (idx, kind, ref, digest, time) VALUES `, 5, rows); err != nil {
			return article5.Internal(op, err)
		}
		rows = make([][]any, len(b.Hashes))
		for i, h := range b.Hashes {
			rows[i] = []any{b.HashIndex + int64(i), h[:]}
		}
		if err := insertRows(ctx, tx, `INSERT INTO audit_hashes (idx, hash) VALUES `, 2, rows); err != nil {
			return article5.Internal(op, err)
		}
	}
	head := b.Head
	if head.N == 0 {
		head.Hash = audit.EmptyTreeHash()
		head.Time = db.now()
	}
	signed, err := audit.SignTreeHead(head, db.signer)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_heads (n, note) VALUES (?, ?)`, head.N, signed); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}

// insertRows inserts rows of width columns with multi-row INSERT
// statements (prefix "INSERT INTO t (…) VALUES "), up to 200 rows each:
// far fewer statements than rows, which is most of the cost in SQLite.
func insertRows(ctx context.Context, tx *sql.Tx, prefix string, width int, rows [][]any) error {
	const chunk = 200
	tuple := "(?" + strings.Repeat(", ?", width-1) + ")"
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	args := make([]any, 0, chunk*width)
	for len(rows) > 0 {
		n := min(chunk, len(rows))
		st, ok := stmts[n]
		if !ok {
			var err error
			st, err = tx.PrepareContext(ctx, prefix+tuple+strings.Repeat(", "+tuple, n-1))
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

// hashReader reads audit_hashes through q.
func hashReader(q querier) audit.HashReader {
	return audit.HashReaderFunc(func(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
		if len(indexes) == 0 {
			return nil, nil
		}
		js, err := json.Marshal(indexes)
		if err != nil {
			return nil, err
		}
		rows, err := q.QueryContext(ctx, `SELECT idx, hash FROM audit_hashes WHERE idx IN (SELECT value FROM json_each(?))`, string(js))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		got := make(map[int64][]byte, len(indexes))
		for rows.Next() {
			var idx int64
			var h []byte
			if err := rows.Scan(&idx, &h); err != nil {
				return nil, err
			}
			got[idx] = h
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return audit.HashesInOrder(indexes, got)
	})
}

// readCovered returns the digest of every row of the covered tables, by ref.
func readCovered(ctx context.Context, q querier) (map[string]string, error) {
	var size int64 // objects are most rows: size the map once
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(rowid), 0) FROM objects`).Scan(&size); err != nil {
		return nil, err
	}
	out := make(map[string]string, size+1024)
	// The small columns come joined by NUL (none of them can hold one:
	// ids, versions, types and refs are validated STIX, markings are JSON
	// text, the rest are integers), so that each row crosses the driver as
	// two values: reading the rows is what verifying costs.
	rows, err := q.QueryContext(ctx, `SELECT id || char(0) || version || char(0) || version_sec || char(0) || version_nsec
		|| char(0) || unversioned || char(0) || added_sec || char(0) || added_nsec || char(0) || type || char(0) || spec_version
		|| char(0) || created_by || char(0) || revoked || char(0) || markings || char(0) || source_ref || char(0) || target_ref
		|| char(0) || sha256, raw FROM objects`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	err = audit.CoverObjects(out, func(emit func(*article5.StoredObject)) error {
		for rows.Next() {
			var meta string
			o := &article5.StoredObject{}
			if err := rows.Scan(&meta, &o.Raw); err != nil {
				return err
			}
			emit(objectFromColumns(o, meta))
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	rows.Close()

	crows, err := q.QueryContext(ctx, `SELECT id, name, incidents, updated, hash, tiers, scope FROM cases`)
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	for crows.Next() {
		var c article5.CaseSummary
		var updated int64
		var tiers, scope string
		if err := crows.Scan(&c.ID, &c.Name, &c.Incidents, &updated, &c.Hash, &tiers, &scope); err != nil {
			return nil, err
		}
		c.Scope = article5.Scope(scope)
		if err := json.Unmarshal([]byte(tiers), &c.Tiers); err != nil {
			c.Tiers = map[string]article5.Tier{"(unreadable)": article5.Tier(tiers)}
		}
		out[audit.CaseRef(c.ID)] = audit.CaseDigest(&c, updated)
	}
	if err := crows.Err(); err != nil {
		return nil, err
	}
	crows.Close()

	arows, err := q.QueryContext(ctx, `SELECT seq, case_id, hash, report, saved FROM assessments`)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	for arows.Next() {
		var seq, saved int64
		var caseID, hash, report string
		if err := arows.Scan(&seq, &caseID, &hash, &report, &saved); err != nil {
			return nil, err
		}
		out[audit.AssessmentRef(caseID, seq)] = audit.AssessmentDigest(caseID, hash, []byte(report), saved)
	}
	if err := arows.Err(); err != nil {
		return nil, err
	}
	arows.Close()

	erows, err := q.QueryContext(ctx, `SELECT seq, type, case_id, doctrine, from_tier, to_tier, hash, party, outcome, time FROM events`)
	if err != nil {
		return nil, err
	}
	defer erows.Close()
	for erows.Next() {
		var e article5.Event
		var from, to string
		var t int64
		var party, outcome string
		if err := erows.Scan(&e.Seq, &e.Type, &e.Case, &e.Doctrine, &from, &to, &e.Hash, &party, &outcome, &t); err != nil {
			return nil, err
		}
		e.From, e.To, e.Time = article5.Tier(from), article5.Tier(to), fromNano(t)
		e.Party, e.Outcome = article5.Party(party), article5.Outcome(outcome)
		out[audit.EventRef(e.Seq)] = audit.EventDigest(&e)
	}
	if err := erows.Err(); err != nil {
		return nil, err
	}
	erows.Close()

	trows, err := q.QueryContext(ctx, `SELECT id, name, party, org, communities, hash, created, revoked FROM tokens`)
	if err != nil {
		return nil, err
	}
	defer trows.Close()
	for trows.Next() {
		var t article5.Token
		var party, comm string
		var created int64
		var revoked bool
		if err := trows.Scan(&t.ID, &t.Name, &party, &t.Org, &comm, &t.Hash, &created, &revoked); err != nil {
			return nil, err
		}
		t.Party, t.Created = article5.Party(party), fromNano(created)
		if err := json.Unmarshal([]byte(comm), &t.Communities); err != nil {
			t.Communities = []string{"(unreadable) " + comm}
		}
		out[audit.TokenRef(t.ID)] = audit.TokenDigest(&t, revoked)
	}
	if err := trows.Err(); err != nil {
		return nil, err
	}
	trows.Close()
	if err := coverUsers(ctx, q, out); err != nil {
		return nil, err
	}
	if err := coverDoctrines(ctx, q, out); err != nil {
		return nil, err
	}
	if err := coverWebhooks(ctx, q, out); err != nil {
		return nil, err
	}
	if err := coverConsultations(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}

// auditToken records the token row id, as it now is, inside tx.
func (db *DB) auditToken(ctx context.Context, tx *sql.Tx, id string) error {
	var t article5.Token
	var party, comm string
	var created int64
	var revoked bool
	if err := tx.QueryRowContext(ctx, `SELECT id, name, party, org, communities, hash, created, revoked FROM tokens WHERE id = ?`, id).
		Scan(&t.ID, &t.Name, &party, &t.Org, &comm, &t.Hash, &created, &revoked); err != nil {
		return article5.Internal("sqlite: audit token", err)
	}
	t.Party, t.Created = article5.Party(party), fromNano(created)
	if err := json.Unmarshal([]byte(comm), &t.Communities); err != nil {
		return article5.Internal("sqlite: audit token", err)
	}
	return db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindToken, Ref: audit.TokenRef(t.ID), Digest: audit.TokenDigest(&t, revoked), Time: db.now()}})
}

// AuditKey returns the node's note verifier key.
func (db *DB) AuditKey(ctx context.Context) (string, error) { return db.verifierKey, nil }

// AuditHead returns the newest signed tree head.
func (db *DB) AuditHead(ctx context.Context) ([]byte, error) {
	var signed []byte
	err := db.read.QueryRowContext(ctx, `SELECT note FROM audit_heads ORDER BY n DESC LIMIT 1`).Scan(&signed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no signed tree head")
	}
	if err != nil {
		return nil, article5.Internal("sqlite: audit head", err)
	}
	return signed, nil
}

// AuditHeadAt returns the signed tree head of n entries; ENOTFOUND if no
// transaction ended at that size.
func (db *DB) AuditHeadAt(ctx context.Context, n int64) ([]byte, error) {
	var signed []byte
	err := db.read.QueryRowContext(ctx, `SELECT note FROM audit_heads WHERE n = ?`, n).Scan(&signed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no signed tree head of %d entries", n)
	}
	if err != nil {
		return nil, article5.Internal("sqlite: audit head", err)
	}
	return signed, nil
}

// AuditEntry returns entry index; ENOTFOUND beyond the log.
func (db *DB) AuditEntry(ctx context.Context, index int64) (audit.Entry, error) {
	return readEntry(ctx, db.read, index)
}

func readEntry(ctx context.Context, q querier, index int64) (audit.Entry, error) {
	e := audit.Entry{Index: index}
	var t int64
	err := q.QueryRowContext(ctx, `SELECT kind, ref, digest, time FROM audit_entries WHERE idx = ?`, index).Scan(&e.Kind, &e.Ref, &e.Digest, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Entry{}, notFound("audit entry %d not found", index)
	}
	if err != nil {
		return audit.Entry{}, article5.Internal("sqlite: audit entry", err)
	}
	e.Time = fromNano(t)
	return e, nil
}

// readTx runs f in one read-only transaction: one WAL snapshot.
func (db *DB) readTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return article5.Internal("sqlite: audit read", err)
	}
	defer tx.Rollback()
	return f(tx)
}

func logSize(ctx context.Context, q querier) (int64, error) {
	var n int64
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(n), 0) FROM audit_heads`).Scan(&n); err != nil {
		return 0, article5.Internal("sqlite: audit size", err)
	}
	return n, nil
}

// AuditInclusion proves entry index is in the tree of size entries (0: the
// newest signed head's).
func (db *DB) AuditInclusion(ctx context.Context, index, size int64) (*audit.InclusionProof, error) {
	var p *audit.InclusionProof
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		n, err := logSize(ctx, tx)
		if err != nil {
			return err
		}
		if size == 0 {
			size = n
		}
		if size < 0 || size > n {
			return article5.Errorf(article5.EINVALID, "tree size %d is outside the signed log (1 to %d)", size, n)
		}
		e, err := readEntry(ctx, tx, index)
		if err != nil {
			return err
		}
		p, err = audit.ProveInclusion(ctx, hashReader(tx), e, size)
		return err
	})
	return p, err
}

// AuditConsistency proves the tree of oldSize entries is a prefix of the
// tree of newSize entries.
func (db *DB) AuditConsistency(ctx context.Context, oldSize, newSize int64) (*audit.ConsistencyProof, error) {
	var p *audit.ConsistencyProof
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		n, err := logSize(ctx, tx)
		if err != nil {
			return err
		}
		if newSize > n {
			return article5.Errorf(article5.EINVALID, "tree size %d is beyond the signed log (%d entries)", newSize, n)
		}
		p, err = audit.ProveConsistency(ctx, hashReader(tx), oldSize, newSize)
		return err
	})
	return p, err
}

// AuditVerify checks the whole log and the covered rows in one snapshot.
// The log's entries, its stored hashes and the covered rows are read at
// once on three read connections (the reading dominates the cost), each
// pinned to the same WAL snapshot: the snapshots are taken while this
// method holds the write lock, so no commit can fall between them.
func (db *DB) AuditVerify(ctx context.Context) (*audit.Report, error) {
	const op = "sqlite: audit verify"
	txs, err := db.snapshotTxs(ctx, 3)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	defer func() {
		for _, tx := range txs {
			tx.Rollback()
		}
	}()
	var n int64
	var signed []byte
	err = txs[0].QueryRowContext(ctx, `SELECT n, note FROM audit_heads ORDER BY n DESC LIMIT 1`).Scan(&n, &signed)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, article5.Internal(op, err)
	}
	head, headFault := audit.CheckStoredHead(signed, n, db.verifiers)

	var entries []audit.Entry
	var hashes []tlog.Hash
	var covered map[string]string
	var entriesErr, hashesErr, coveredErr error
	var wg sync.WaitGroup
	wg.Go(func() { entries, entriesErr = readEntries(ctx, txs[0]) })
	if headFault == nil {
		wg.Go(func() { hashes, hashesErr = readHashes(ctx, txs[1], head.N) })
	}
	wg.Go(func() { covered, coveredErr = readCovered(ctx, txs[2]) })
	wg.Wait()
	if err := errors.Join(entriesErr, hashesErr, coveredErr); err != nil {
		return nil, article5.Internal(op, err)
	}
	if headFault != nil {
		if head.N < 0 || head.N > int64(len(entries)) {
			head.N = int64(len(entries)) // an unverified size is not trusted with memory
		}
		if hashes, err = readHashes(ctx, txs[1], head.N); err != nil {
			return nil, article5.Internal(op, err)
		}
	}
	rep, err := audit.Verify(entries, hashes, covered, head)
	if err != nil {
		return nil, err
	}
	if headFault != nil {
		rep.Faults = append([]audit.Fault{*headFault}, rep.Faults...)
	}
	return rep, nil
}

// snapshotTxs begins k read-only transactions on one WAL snapshot: each
// is begun and pinned by a first read while the write lock is held.
func (db *DB) snapshotTxs(ctx context.Context, k int) ([]*sql.Tx, error) {
	w, err := db.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds off every commit
	if err != nil {
		return nil, err
	}
	defer w.Rollback()
	txs := make([]*sql.Tx, 0, k)
	for range k {
		tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err == nil {
			var x int
			err = tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_heads WHERE n < 0`).Scan(&x) // the snapshot starts here
			if err != nil {
				tx.Rollback()
			}
		}
		if err != nil {
			for _, t := range txs {
				t.Rollback()
			}
			return nil, err
		}
		txs = append(txs, tx)
	}
	return txs, nil
}

// readEntries reads every log entry, in index order.
func readEntries(ctx context.Context, tx *sql.Tx) ([]audit.Entry, error) {
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM audit_entries`).Scan(&n); err != nil {
		return nil, err
	}
	entries := make([]audit.Entry, 0, n)
	kinds := map[string]string{} // a few kinds, a million entries: one string each
	rows, err := tx.QueryContext(ctx, `SELECT idx, kind, ref, digest, time FROM audit_entries ORDER BY idx`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e audit.Entry
		var t int64
		var kind sql.RawBytes
		if err := rows.Scan(&e.Index, &kind, &e.Ref, &e.Digest, &t); err != nil {
			return nil, err
		}
		k, ok := kinds[string(kind)]
		if !ok {
			k = string(kind)
			kinds[k] = k
		}
		e.Kind, e.Time = k, fromNano(t)
		entries = append(entries, e)
	}
	return entries, rows.Err()
}

// readHashes reads the stored hashes of a tree of n entries; a missing or
// malformed one is left zero (Verify reports it).
func readHashes(ctx context.Context, tx *sql.Tx, n int64) ([]tlog.Hash, error) {
	hashes := make([]tlog.Hash, tlog.StoredHashCount(n))
	rows, err := tx.QueryContext(ctx, `SELECT idx, hash FROM audit_hashes WHERE idx >= 0 AND idx < ?`, len(hashes))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var h []byte
		if err := rows.Scan(&idx, &h); err != nil {
			return nil, err
		}
		if len(h) == len(tlog.Hash{}) {
			hashes[idx] = tlog.Hash(h)
		}
	}
	return hashes, rows.Err()
}

// objectFromColumns fills o from the NUL-joined columns readCovered
// selects. A column that does not parse as its type (a row edited by
// hand) gets a value that cannot match its logged digest.
func objectFromColumns(o *article5.StoredObject, meta string) *article5.StoredObject {
	f := strings.Split(meta, "\x00")
	if len(f) != 15 {
		o.ID, o.SHA256 = f[0], "(unreadable) "+meta
		if len(f) > 1 {
			o.Version = f[1]
		}
		return o
	}
	num := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return math.MinInt64
		}
		return n
	}
	o.ID, o.Version = f[0], f[1]
	o.VersionSec, o.VersionNsec = num(f[2]), num(f[3])
	o.Unversioned = f[4] == "1"
	if f[4] != "0" && f[4] != "1" {
		o.Type += " (unreadable unversioned " + f[4] + ")"
	}
	o.Added = time.Unix(num(f[5]), num(f[6])).UTC()
	o.Type, o.SpecVersion, o.CreatedBy = f[7], f[8], f[9]
	o.Revoked = f[10] == "1"
	if f[10] != "0" && f[10] != "1" {
		o.Type += " (unreadable revoked " + f[10] + ")"
	}
	if o.Markings = audit.ParseMarkings(f[11]); o.Markings == nil {
		o.Markings = []string{"(unreadable) " + f[11]}
	}
	o.SourceRef, o.TargetRef, o.SHA256 = f[12], f[13], f[14]
	return o
}
