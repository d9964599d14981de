package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"article5"
	"article5/audit"
)

var _ audit.Store = (*DB)(nil)

// lockAudit serialises writers to the transparency log; it is always the
// last advisory lock a transaction takes, so it never deadlocks with the
// others.
const lockAudit int64 = 0x61727435_00000004

// querier is what pgx.Tx and *pgxpool.Pool share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// initAudit loads the node's signer key, making it on first open (with
// audit.NewNodeKey) together with the log's first signed head. A store
// that already holds covered rows (made before the log) gets one genesis
// entry per row in the same transaction.
func (db *DB) initAudit(ctx context.Context) error {
	const op = "postgres: audit key"
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return article5.Internal(op, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockAudit); err != nil {
		return article5.Internal(op, err)
	}
	var skey, vkey string
	err = tx.QueryRow(ctx, `SELECT signer, verifier FROM node_keys WHERE id = 1`).Scan(&skey, &vkey)
	if errors.Is(err, pgx.ErrNoRows) {
		b := make([]byte, 4)
		if _, err := rand.Read(b); err != nil {
			return article5.Internal(op, err)
		}
		name := "article5-node-" + hex.EncodeToString(b)
		if skey, vkey, err = audit.NewNodeKey(name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO node_keys (id, name, signer, verifier, created) VALUES (1, $1, $2, $3, $4)`,
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
		if err := tx.Commit(ctx); err != nil {
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
// Writers are serialised by the advisory lock lockAudit. Every write to a
// covered table calls it; a call with no entries still signs a head when
// the log has none (a new store).
func (db *DB) appendAudit(ctx context.Context, tx pgx.Tx, entries []audit.Entry) error {
	const op = "postgres: audit append"
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockAudit); err != nil {
		return article5.Internal(op, err)
	}
	var n, heads int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(n), 0), count(*) FROM audit_heads`).Scan(&n, &heads); err != nil {
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
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_entries"}, []string{"idx", "kind", "ref", "digest", "time"}, pgx.CopyFromRows(rows)); err != nil {
			return article5.Internal(op, err)
		}
		hrows := make([][]any, len(b.Hashes))
		for i, h := range b.Hashes {
			hrows[i] = []any{b.HashIndex + int64(i), h[:]}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_hashes"}, []string{"idx", "hash"}, pgx.CopyFromRows(hrows)); err != nil {
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
	if _, err := tx.Exec(ctx, `INSERT INTO audit_heads (n, note) VALUES ($1, $2)`, head.N, signed); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}

// hashReader reads audit_hashes through q.
func hashReader(q querier) audit.HashReader {
	return audit.HashReaderFunc(func(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
		if len(indexes) == 0 {
			return nil, nil
		}
		rows, err := q.Query(ctx, `SELECT idx, hash FROM audit_hashes WHERE idx = ANY($1)`, indexes)
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
	if err := q.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM objects`).Scan(&size); err != nil {
		return nil, err
	}
	out := make(map[string]string, size+1024)
	rows, err := q.Query(ctx, `SELECT id, version, version_sec, version_nsec, unversioned, added_sec, added_nsec,
		type, spec_version, created_by, revoked, markings, source_ref, target_ref, sha256, raw FROM objects`)
	if err != nil {
		return nil, err
	}
	err = audit.CoverObjects(out, func(emit func(*article5.StoredObject)) error {
		for rows.Next() {
			o := &article5.StoredObject{}
			var addedSec, addedNsec int64
			var marks string
			if err := rows.Scan(&o.ID, &o.Version, &o.VersionSec, &o.VersionNsec, &o.Unversioned, &addedSec, &addedNsec,
				&o.Type, &o.SpecVersion, &o.CreatedBy, &o.Revoked, &marks, &o.SourceRef, &o.TargetRef, &o.SHA256, &o.Raw); err != nil {
				return err
			}
			o.Added = time.Unix(addedSec, addedNsec).UTC()
			if o.Markings = audit.ParseMarkings(marks); o.Markings == nil {
				o.Markings = []string{"(unreadable) " + marks}
			}
			emit(o)
		}
		return rows.Err()
	})
	rows.Close()
	if err != nil {
		return nil, err
	}

	rows, err = q.Query(ctx, `SELECT id, name, incidents, updated, hash, tiers::text, scope FROM cases`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c article5.CaseSummary
		var updated int64
		var tiers, scope string
		if err := rows.Scan(&c.ID, &c.Name, &c.Incidents, &updated, &c.Hash, &tiers, &scope); err != nil {
			rows.Close()
			return nil, err
		}
		c.Scope = article5.Scope(scope)
		if err := json.Unmarshal([]byte(tiers), &c.Tiers); err != nil {
			c.Tiers = map[string]article5.Tier{"(unreadable)": article5.Tier(tiers)}
		}
		out[audit.CaseRef(c.ID)] = audit.CaseDigest(&c, updated)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q.Query(ctx, `SELECT seq, case_id, hash, report::text, saved FROM assessments`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var seq, saved int64
		var caseID, hash, report string
		if err := rows.Scan(&seq, &caseID, &hash, &report, &saved); err != nil {
			rows.Close()
			return nil, err
		}
		out[audit.AssessmentRef(caseID, seq)] = audit.AssessmentDigest(caseID, hash, []byte(report), saved)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q.Query(ctx, `SELECT seq, type, case_id, doctrine, from_tier, to_tier, hash, party, outcome, time FROM events`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var e article5.Event
		var from, to string
		var t int64
		var party, outcome string
		if err := rows.Scan(&e.Seq, &e.Type, &e.Case, &e.Doctrine, &from, &to, &e.Hash, &party, &outcome, &t); err != nil {
			rows.Close()
			return nil, err
		}
		e.From, e.To, e.Time = article5.Tier(from), article5.Tier(to), fromNano(t)
		e.Party, e.Outcome = article5.Party(party), article5.Outcome(outcome)
		out[audit.EventRef(e.Seq)] = audit.EventDigest(&e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q.Query(ctx, `SELECT id, name, party, org, communities::text, hash, created, revoked FROM tokens`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		t, revoked, err := scanAuditToken(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out[audit.TokenRef(t.ID)] = audit.TokenDigest(t, revoked)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
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

func scanAuditToken(row pgx.Row) (*article5.Token, bool, error) {
	var t article5.Token
	var party, comm string
	var created int64
	var revoked bool
	if err := row.Scan(&t.ID, &t.Name, &party, &t.Org, &comm, &t.Hash, &created, &revoked); err != nil {
		return nil, false, err
	}
	t.Party, t.Created = article5.Party(party), fromNano(created)
	if err := json.Unmarshal([]byte(comm), &t.Communities); err != nil {
		t.Communities = []string{"(unreadable) " + comm}
	}
	return &t, revoked, nil
}

// auditToken records the token row id, as it now is, inside tx.
func (db *DB) auditToken(ctx context.Context, tx pgx.Tx, id string) error {
	t, revoked, err := scanAuditToken(tx.QueryRow(ctx, `SELECT id, name, party, org, communities::text, hash, created, revoked FROM tokens WHERE id = $1`, id))
	if err != nil {
		return article5.Internal("postgres: audit token", err)
	}
	return db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindToken, Ref: audit.TokenRef(t.ID), Digest: audit.TokenDigest(t, revoked), Time: db.now()}})
}

// AuditKey returns the node's note verifier key.
func (db *DB) AuditKey(ctx context.Context) (string, error) { return db.verifierKey, nil }

// AuditHead returns the newest signed tree head.
func (db *DB) AuditHead(ctx context.Context) ([]byte, error) {
	var signed []byte
	err := db.pool.QueryRow(ctx, `SELECT note FROM audit_heads ORDER BY n DESC LIMIT 1`).Scan(&signed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("no signed tree head")
	}
	if err != nil {
		return nil, article5.Internal("postgres: audit head", err)
	}
	return signed, nil
}

// AuditHeadAt returns the signed tree head of n entries; ENOTFOUND if no
// transaction ended at that size.
func (db *DB) AuditHeadAt(ctx context.Context, n int64) ([]byte, error) {
	var signed []byte
	err := db.pool.QueryRow(ctx, `SELECT note FROM audit_heads WHERE n = $1`, n).Scan(&signed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("no signed tree head of %d entries", n)
	}
	if err != nil {
		return nil, article5.Internal("postgres: audit head", err)
	}
	return signed, nil
}

// AuditEntry returns entry index; ENOTFOUND beyond the log.
func (db *DB) AuditEntry(ctx context.Context, index int64) (audit.Entry, error) {
	return readEntry(ctx, db.pool, index)
}

func readEntry(ctx context.Context, q querier, index int64) (audit.Entry, error) {
	e := audit.Entry{Index: index}
	var t int64
	err := q.QueryRow(ctx, `SELECT kind, ref, digest, time FROM audit_entries WHERE idx = $1`, index).Scan(&e.Kind, &e.Ref, &e.Digest, &t)
	if errors.Is(err, pgx.ErrNoRows) {
		return audit.Entry{}, notFound("audit entry %d not found", index)
	}
	if err != nil {
		return audit.Entry{}, article5.Internal("postgres: audit entry", err)
	}
	e.Time = fromNano(t)
	return e, nil
}

// readTx runs f in one read-only REPEATABLE READ transaction: one snapshot.
func (db *DB) readTx(ctx context.Context, f func(tx pgx.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return article5.Internal("postgres: audit read", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return f(tx)
}

func logSize(ctx context.Context, q querier) (int64, error) {
	var n int64
	if err := q.QueryRow(ctx, `SELECT coalesce(max(n), 0) FROM audit_heads`).Scan(&n); err != nil {
		return 0, article5.Internal("postgres: audit size", err)
	}
	return n, nil
}

// AuditInclusion proves entry index is in the tree of size entries (0: the
// newest signed head's).
func (db *DB) AuditInclusion(ctx context.Context, index, size int64) (*audit.InclusionProof, error) {
	var p *audit.InclusionProof
	err := db.readTx(ctx, func(tx pgx.Tx) error {
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
	err := db.readTx(ctx, func(tx pgx.Tx) error {
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
// The entries, the stored hashes and the covered rows are read at once on
// three connections sharing one exported snapshot (pg_export_snapshot and
// SET TRANSACTION SNAPSHOT, as pg_dump --jobs does): reading dominates.
func (db *DB) AuditVerify(ctx context.Context) (*audit.Report, error) {
	const op = "postgres: audit verify"
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	txs := make([]pgx.Tx, 0, 3)
	defer func() {
		for _, tx := range txs {
			tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	first, err := db.pool.BeginTx(ctx, opts)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	txs = append(txs, first)
	var snapshot string
	if err := first.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return nil, article5.Internal(op, err)
	}
	for range 2 {
		tx, err := db.pool.BeginTx(ctx, opts)
		if err != nil {
			return nil, article5.Internal(op, err)
		}
		txs = append(txs, tx)
		if _, err := tx.Exec(ctx, `SET TRANSACTION SNAPSHOT '`+strings.ReplaceAll(snapshot, "'", "")+`'`); err != nil {
			return nil, article5.Internal(op, err)
		}
	}
	var n int64
	var signed []byte
	err = first.QueryRow(ctx, `SELECT n, note FROM audit_heads ORDER BY n DESC LIMIT 1`).Scan(&n, &signed)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
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

// readEntries reads every log entry, in index order.
func readEntries(ctx context.Context, tx pgx.Tx) ([]audit.Entry, error) {
	var n int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM audit_entries`).Scan(&n); err != nil {
		return nil, err
	}
	entries := make([]audit.Entry, 0, n)
	kinds := map[string]string{} // a few kinds, a million entries: one string each
	rows, err := tx.Query(ctx, `SELECT idx, kind, ref, digest, time FROM audit_entries ORDER BY idx`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e audit.Entry
		var t int64
		var kind []byte
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
func readHashes(ctx context.Context, tx pgx.Tx, n int64) ([]tlog.Hash, error) {
	hashes := make([]tlog.Hash, tlog.StoredHashCount(n))
	rows, err := tx.Query(ctx, `SELECT idx, hash FROM audit_hashes WHERE idx >= 0 AND idx < $1`, int64(len(hashes)))
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
		if len(h) == len(tlog.Hash{}) && idx >= 0 && idx < int64(len(hashes)) {
			hashes[idx] = tlog.Hash(h)
		}
	}
	return hashes, rows.Err()
}
