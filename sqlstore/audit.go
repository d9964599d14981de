package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"article5"
	"article5/audit"
)

// initAudit loads the node's signer key, making it on first open (with
// audit.NewNodeKey) together with the log's first signed head. A store
// that already holds covered rows (made before the log) gets one genesis
// entry per row in the same transaction.
func (db *DB) initAudit(ctx context.Context) error {
	op := db.op("audit key")
	tx, err := db.begin(ctx, op, LockAudit)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var skey, vkey string
	err = tx.QueryRow(ctx, `SELECT signer, verifier FROM node_keys WHERE id = 1`).Scan(&skey, &vkey)
	if err == nil {
		return db.setKey(skey, vkey)
	}
	if !isNoRows(err) {
		return article5.Internal(op, err)
	}
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return article5.Internal(op, err)
	}
	name := "article5-node-" + hex.EncodeToString(b)
	if skey, vkey, err = audit.NewNodeKey(name); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO node_keys (id, name, signer, verifier, created) VALUES (1, ?, ?, ?, ?)`,
		name, skey, vkey, db.now().UnixNano()); err != nil {
		return article5.Internal(op, err)
	}
	if err := db.setKey(skey, vkey); err != nil {
		return err
	}
	covered, err := db.readCovered(ctx, tx)
	if err != nil {
		return article5.Internal(op, err)
	}
	if err := db.appendAudit(ctx, tx, audit.GenesisEntries(covered, db.now())); err != nil {
		return err
	}
	return commit(ctx, op, tx)
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

// lock takes l for the rest of tx.
func (db *DB) lock(ctx context.Context, op string, tx Tx, l Lock) error {
	if err := db.drv.Lock(ctx, tx, l); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}

// appendAudit records entries in the log inside tx (the transaction of the
// change) and signs the new tree head: package audit's adapter contract.
// Appenders are serialised by LockAudit, the last lock a transaction
// takes. Every write to a covered table calls it; a call with no entries
// still signs a head when the log has none (a new store).
func (db *DB) appendAudit(ctx context.Context, tx Tx, entries []audit.Entry) error {
	op := db.op("audit append")
	if err := db.lock(ctx, op, tx, LockAudit); err != nil {
		return err
	}
	// The newest head (by its primary key: no count over every head).
	var n int64
	heads := true
	if err := tx.QueryRow(ctx, `SELECT n FROM audit_heads ORDER BY n DESC LIMIT 1`).Scan(&n); isNoRows(err) {
		heads = false
	} else if err != nil {
		return article5.Internal(op, err)
	}
	if len(entries) == 0 && heads {
		return nil
	}
	b, err := audit.Append(ctx, db.hashReader(tx), n, entries)
	if err != nil {
		return err
	}
	if len(b.Entries) > 0 {
		rows := make([][]any, len(b.Entries))
		for i, e := range b.Entries {
			rows[i] = []any{e.Index, e.Kind, e.Ref, e.Digest, e.Time.UnixNano(), e.By}
		}
		if err := db.drv.BulkInsert(ctx, tx, "audit_entries", []string{"idx", "kind", "ref", "digest", "time", "actor"}, rows); err != nil {
			return article5.Internal(op, err)
		}
		rows = make([][]any, len(b.Hashes))
		for i, h := range b.Hashes {
			rows[i] = []any{b.HashIndex + int64(i), h[:]}
		}
		if err := db.drv.BulkInsert(ctx, tx, "audit_hashes", []string{"idx", "hash"}, rows); err != nil {
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
	if _, err := tx.Exec(ctx, `INSERT INTO audit_heads (n, note) VALUES (?, ?)`, head.N, signed); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}

// hashReader reads audit_hashes through q.
func (db *DB) hashReader(q Querier) audit.HashReader {
	return audit.HashReaderFunc(func(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
		if len(indexes) == 0 {
			return nil, nil
		}
		in, arg := db.d.In("idx", indexes)
		rows, err := q.Query(ctx, `SELECT idx, hash FROM audit_hashes WHERE `+in, arg)
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

// readCovered returns the digest of every row of the covered tables, by
// ref: what AuditVerify compares with the log.
func (db *DB) readCovered(ctx context.Context, q Querier) (map[string]string, error) {
	var size int64 // objects are most rows: size the map once
	if err := q.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM objects`).Scan(&size); err != nil {
		return nil, err
	}
	out := make(map[string]string, size+1024)
	lc := newLatestCheck()
	err := audit.CoverObjects(out, func(emit func(*article5.StoredObject)) error {
		check := func(o *article5.StoredObject, x objectExtra) {
			lc.add(o, x.latest)
			emit(checkDerived(o, x))
		}
		if packed, ok := db.d.Packed(coverObjectColumns); ok {
			return scanPackedObjects(ctx, q, packed, check)
		}
		return scanObjects(ctx, q, check)
	})
	if err != nil {
		return nil, err
	}
	for _, ref := range lc.faults() {
		out[ref] = "(latest flag does not mark the greatest version) " + out[ref]
	}
	for _, f := range []func(context.Context, Querier, map[string]string) error{
		coverCases, coverEvents, coverTokens, coverUsers, coverDoctrines, coverWebhooks, coverConsultations,
		coverSessions, coverQuarantine, coverCaseIndex,
	} {
		if err := f(ctx, q, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// coverObjectColumns are the objects columns the audit digest covers
// (besides raw), then those derived from them that AuditVerify recomputes
// (tlp_rank, red, latest), in the order scanObjects and objectFromText
// read them.
var coverObjectColumns = []string{"id", "version", "version_sec", "version_nsec", "unversioned", "added_sec", "added_nsec",
	"type", "spec_version", "created_by", "revoked", "markings", "source_ref", "target_ref", "sha256",
	"submitter", "submitter_org", "custodian", "relayed", "tlp_rank", "red", "latest"}

// objectExtra are the derived columns of an objects row as stored.
type objectExtra struct {
	rank   int64
	red    string
	latest bool
}

// checkDerived returns o, its digest spoiled when a release column does
// not say what the covered columns do: tlp_rank must be the rank of the
// markings and red the red_recipients in raw (the release decisions read
// these columns, so an edit to them is an edit to who may read the row).
func checkDerived(o *article5.StoredObject, x objectExtra) *article5.StoredObject {
	if int(x.rank) != article5.MarkingRank(o.Markings) || x.red != article5.RedColumn(article5.RedRecipientsOf(o.Raw)) {
		o.SHA256 = fmt.Sprintf("(release columns edited: tlp_rank %d, red %q) %s", x.rank, x.red, o.SHA256)
	}
	return o
}

// latestCheck finds the ids whose latest flag is not on exactly their
// greatest version (the release queries read the flagged row).
type latestCheck struct {
	best    map[string]*article5.StoredObject // id → greatest version seen
	flagged map[string][]string               // id → versions flagged latest
}

func newLatestCheck() *latestCheck {
	return &latestCheck{best: map[string]*article5.StoredObject{}, flagged: map[string][]string{}}
}

func (c *latestCheck) add(o *article5.StoredObject, latest bool) {
	k := &article5.StoredObject{ID: o.ID, Version: o.Version, VersionSec: o.VersionSec, VersionNsec: o.VersionNsec}
	if b := c.best[o.ID]; b == nil || later(k, b) {
		c.best[o.ID] = k
	}
	if latest {
		c.flagged[o.ID] = append(c.flagged[o.ID], o.Version)
	}
}

// faults returns the refs of the rows flagged wrongly, or of the greatest
// version where none is flagged.
func (c *latestCheck) faults() []string {
	var out []string
	for id, b := range c.best {
		fl := c.flagged[id]
		if len(fl) == 1 && fl[0] == b.Version {
			continue
		}
		if len(fl) == 0 {
			out = append(out, audit.ObjectRef(id, b.Version))
		}
		for _, v := range fl {
			if v != b.Version || len(fl) > 1 {
				out = append(out, audit.ObjectRef(id, v))
			}
		}
	}
	return out
}

// scanObjects reads every objects row for AuditVerify, a typed value per
// column.
func scanObjects(ctx context.Context, q Querier, emit func(*article5.StoredObject, objectExtra)) error {
	rows, err := q.Query(ctx, `SELECT `+strings.Join(coverObjectColumns, ", ")+`, raw FROM objects`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		o := &article5.StoredObject{}
		var x objectExtra
		var addedSec, addedNsec int64
		var marks string
		if err := rows.Scan(&o.ID, &o.Version, &o.VersionSec, &o.VersionNsec, &o.Unversioned, &addedSec, &addedNsec,
			&o.Type, &o.SpecVersion, &o.CreatedBy, &o.Revoked, &marks, &o.SourceRef, &o.TargetRef, &o.SHA256,
			&o.Submitter, &o.SubmitterOrg, &o.Custodian, &o.Relayed, &x.rank, &x.red, &x.latest, &o.Raw); err != nil {
			return err
		}
		o.Added = time.Unix(addedSec, addedNsec).UTC()
		if o.Markings = audit.ParseMarkings(marks); o.Markings == nil {
			o.Markings = []string{"(unreadable) " + marks}
		}
		o.RedRecipients = article5.ParseRedColumn(x.red)
		emit(o, x)
	}
	return rows.Err()
}

// scanPackedObjects reads every objects row for AuditVerify as two values,
// the columns packed into one text (Dialect.Packed) and raw, so that each
// row crosses the driver as two values: reading the rows is what
// verifying costs. None of the packed columns can hold a NUL: ids,
// versions, types and refs are validated STIX, markings are JSON text, the
// rest are integers.
func scanPackedObjects(ctx context.Context, q Querier, packed string, emit func(*article5.StoredObject, objectExtra)) error {
	rows, err := q.Query(ctx, `SELECT `+packed+`, raw FROM objects`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var meta string
		o := &article5.StoredObject{}
		if err := rows.Scan(&meta, &o.Raw); err != nil {
			return err
		}
		o, x := objectFromText(o, meta)
		emit(o, x)
	}
	return rows.Err()
}

// objectFromText fills o from the NUL-joined coverObjectColumns. A column
// that does not parse as its type (a row edited by hand) gets a value that
// cannot match its logged digest.
func objectFromText(o *article5.StoredObject, meta string) (*article5.StoredObject, objectExtra) {
	f := strings.Split(meta, "\x00")
	x := objectExtra{rank: math.MinInt64}
	if len(f) != len(coverObjectColumns) {
		o.ID, o.SHA256 = f[0], "(unreadable) "+meta
		if len(f) > 1 {
			o.Version = f[1]
		}
		return o, x
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
	o.Added = time.Unix(num(f[5]), num(f[6])).UTC()
	o.Type, o.SpecVersion, o.CreatedBy = f[7], f[8], f[9]
	o.Unversioned, o.Revoked = f[4] == "1", f[10] == "1"
	// Marked after Type is set, so that the mark is kept.
	for _, b := range [][2]string{{"unversioned", f[4]}, {"revoked", f[10]}, {"relayed", f[18]}} {
		if b[1] != "0" && b[1] != "1" {
			o.Type += " (unreadable " + b[0] + " " + b[1] + ")"
		}
	}
	if o.Markings = audit.ParseMarkings(f[11]); o.Markings == nil {
		o.Markings = []string{"(unreadable) " + f[11]}
	}
	o.SourceRef, o.TargetRef, o.SHA256 = f[12], f[13], f[14]
	o.Submitter, o.SubmitterOrg, o.Custodian, o.Relayed = f[15], f[16], f[17], f[18] == "1"
	x.rank, x.red, x.latest = num(f[19]), f[20], f[21] == "1"
	o.RedRecipients = article5.ParseRedColumn(x.red)
	return o, x
}

// auditToken records the token row id, as it now is, inside tx.
func (db *DB) auditToken(ctx context.Context, tx Tx, id string) error {
	t, err := scanAuditToken(tx.QueryRow(ctx, `SELECT `+auditTokenColumns+` FROM tokens WHERE id = ?`, id))
	if err != nil {
		return article5.Internal(db.op("audit token"), err)
	}
	return db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindToken, Ref: audit.TokenRef(t.ID), Digest: audit.TokenDigest(&t.Token, t.revoked), Time: db.now()}})
}

// AuditKey returns the node's note verifier key.
func (db *DB) AuditKey(ctx context.Context) (string, error) { return db.verifierKey, nil }

// AuditHead returns the newest signed tree head; ENOTFOUND before the
// first (New signs one).
func (db *DB) AuditHead(ctx context.Context) ([]byte, error) {
	var signed []byte
	err := db.drv.Read().QueryRow(ctx, `SELECT note FROM audit_heads ORDER BY n DESC LIMIT 1`).Scan(&signed)
	if isNoRows(err) {
		return nil, notFound("no signed tree head")
	}
	if err != nil {
		return nil, article5.Internal(db.op("audit head"), err)
	}
	return signed, nil
}

// AuditHeadAt returns the signed tree head of n entries; ENOTFOUND if no
// transaction ended at that size.
func (db *DB) AuditHeadAt(ctx context.Context, n int64) ([]byte, error) {
	var signed []byte
	err := db.drv.Read().QueryRow(ctx, `SELECT note FROM audit_heads WHERE n = ?`, n).Scan(&signed)
	if isNoRows(err) {
		return nil, notFound("no signed tree head of %d entries", n)
	}
	if err != nil {
		return nil, article5.Internal(db.op("audit head"), err)
	}
	return signed, nil
}

// AuditEntry returns entry index; ENOTFOUND beyond the log.
func (db *DB) AuditEntry(ctx context.Context, index int64) (audit.Entry, error) {
	return db.readEntry(ctx, db.drv.Read(), index)
}

// AuditEntriesByRef returns the entries recording ref, oldest first.
func (db *DB) AuditEntriesByRef(ctx context.Context, ref string) ([]audit.Entry, error) {
	out, err := collect(ctx, db.drv.Read(), func(r Row) (audit.Entry, error) {
		var e audit.Entry
		var t int64
		err := r.Scan(&e.Index, &e.Kind, &e.Ref, &e.Digest, &t, &e.By)
		e.Time = fromNano(t)
		return e, err
	}, `SELECT idx, kind, ref, digest, time, actor FROM audit_entries WHERE ref = ? ORDER BY idx`, ref)
	if err != nil {
		return nil, article5.Internal(db.op("audit entries by ref"), err)
	}
	return out, nil
}

func (db *DB) readEntry(ctx context.Context, q Querier, index int64) (audit.Entry, error) {
	e := audit.Entry{Index: index}
	var t int64
	err := q.QueryRow(ctx, `SELECT kind, ref, digest, time, actor FROM audit_entries WHERE idx = ?`, index).Scan(&e.Kind, &e.Ref, &e.Digest, &t, &e.By)
	if isNoRows(err) {
		return audit.Entry{}, notFound("audit entry %d not found", index)
	}
	if err != nil {
		return audit.Entry{}, article5.Internal(db.op("audit entry"), err)
	}
	e.Time = fromNano(t)
	return e, nil
}

// readTx runs f in one read-only transaction: one snapshot.
func (db *DB) readTx(ctx context.Context, f func(tx Tx) error) error {
	tx, err := db.drv.BeginRead(ctx)
	if err != nil {
		return article5.Internal(db.op("audit read"), err)
	}
	defer tx.Rollback(ctx)
	return f(tx)
}

func (db *DB) logSize(ctx context.Context, q Querier) (int64, error) {
	var n int64
	if err := q.QueryRow(ctx, `SELECT coalesce(max(n), 0) FROM audit_heads`).Scan(&n); err != nil {
		return 0, article5.Internal(db.op("audit size"), err)
	}
	return n, nil
}

// AuditInclusion proves entry index is in the tree of size entries (0: the
// newest signed head's); ENOTFOUND for an entry beyond the log, EINVALID
// for a size outside it.
func (db *DB) AuditInclusion(ctx context.Context, index, size int64) (*audit.InclusionProof, error) {
	var p *audit.InclusionProof
	err := db.readTx(ctx, func(tx Tx) error {
		n, err := db.logSize(ctx, tx)
		if err != nil {
			return err
		}
		if size == 0 {
			size = n
		}
		if size < 0 || size > n {
			return article5.Errorf(article5.EINVALID, "tree size %d is outside the signed log (1 to %d)", size, n)
		}
		e, err := db.readEntry(ctx, tx, index)
		if err != nil {
			return err
		}
		p, err = audit.ProveInclusion(ctx, db.hashReader(tx), e, size)
		return err
	})
	return p, err
}

// AuditConsistency proves the tree of oldSize entries is a prefix of the
// tree of newSize entries; EINVALID beyond the signed log.
func (db *DB) AuditConsistency(ctx context.Context, oldSize, newSize int64) (*audit.ConsistencyProof, error) {
	var p *audit.ConsistencyProof
	err := db.readTx(ctx, func(tx Tx) error {
		n, err := db.logSize(ctx, tx)
		if err != nil {
			return err
		}
		if newSize > n {
			return article5.Errorf(article5.EINVALID, "tree size %d is beyond the signed log (%d entries)", newSize, n)
		}
		p, err = audit.ProveConsistency(ctx, db.hashReader(tx), oldSize, newSize)
		return err
	})
	return p, err
}

// AuditVerify checks the whole log and the covered rows in one snapshot.
// The log's entries, its stored hashes and the covered rows are read at
// once on three read transactions that see the same snapshot
// (Driver.BeginSnapshot): reading the rows dominates the cost.
func (db *DB) AuditVerify(ctx context.Context) (*audit.Report, error) {
	op := db.op("audit verify")
	txs, err := db.drv.BeginSnapshot(ctx, 3)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	defer func() {
		for _, tx := range txs {
			tx.Rollback(ctx)
		}
	}()
	var n int64
	var signed []byte
	err = txs[0].QueryRow(ctx, `SELECT n, note FROM audit_heads ORDER BY n DESC LIMIT 1`).Scan(&n, &signed)
	if err != nil && !isNoRows(err) {
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
	wg.Go(func() { covered, coveredErr = db.readCovered(ctx, txs[2]) })
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

// interned scans a text column into *dst with one string per distinct
// value (a few kinds, a million entries). It is a sql.Scanner for
// database/sql and a pgtype.BytesScanner for pgx, which then hands it the
// bytes without a copy.
type interned struct {
	dst  *string
	seen map[string]string
}

// Scan implements sql.Scanner.
func (s *interned) Scan(src any) error {
	switch v := src.(type) {
	case string:
		k, ok := s.seen[v]
		if !ok {
			k = v
			s.seen[k] = k
		}
		*s.dst = k
		return nil
	case []byte:
		return s.ScanBytes(v)
	}
	return errors.New("sqlstore: interned text: not text")
}

// ScanBytes implements pgtype.BytesScanner.
func (s *interned) ScanBytes(b []byte) error {
	k, ok := s.seen[string(b)]
	if !ok {
		k = string(b)
		s.seen[k] = k
	}
	*s.dst = k
	return nil
}

// readEntries reads every log entry, in index order.
func readEntries(ctx context.Context, q Querier) ([]audit.Entry, error) {
	var n int64
	if err := q.QueryRow(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM audit_entries`).Scan(&n); err != nil {
		return nil, err
	}
	entries := make([]audit.Entry, 0, n)
	var kind string
	kinds := &interned{dst: &kind, seen: map[string]string{}}
	rows, err := q.Query(ctx, `SELECT idx, kind, ref, digest, time, actor FROM audit_entries ORDER BY idx`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e audit.Entry
		var t int64
		if err := rows.Scan(&e.Index, kinds, &e.Ref, &e.Digest, &t, &e.By); err != nil {
			return nil, err
		}
		e.Kind, e.Time = kind, fromNano(t)
		entries = append(entries, e)
	}
	return entries, rows.Err()
}

// readHashes reads the stored hashes of a tree of n entries; a missing or
// malformed one is left zero (Verify reports it).
func readHashes(ctx context.Context, q Querier, n int64) ([]tlog.Hash, error) {
	hashes := make([]tlog.Hash, tlog.StoredHashCount(n))
	rows, err := q.Query(ctx, `SELECT idx, hash FROM audit_hashes WHERE idx >= 0 AND idx < ?`, int64(len(hashes)))
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

// unmarshalOr decodes the JSON text js into v; text that does not decode
// (a row edited by hand) gives bad instead, a value that cannot match its
// logged digest.
func unmarshalOr[T any](js string, v *T, bad T) {
	if err := json.Unmarshal([]byte(js), v); err != nil {
		*v = bad
	}
}
