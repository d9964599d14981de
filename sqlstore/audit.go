package sqlstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash/maphash"
	"math"
	"slices"
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
	covered := map[string]string{}
	_, err = db.readCovered(ctx, []Querier{tx}, false, func(ref, digest string) { covered[ref] = digest },
		func(ref string, d *audit.RowDigest) { covered[ref] = d.String() })
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
	hashes := audit.TileHashReader(db.tileReader(tx))
	b, err := audit.Append(ctx, hashes, n, entries)
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
		tiles, err := audit.AppendTiles(ctx, hashes, b)
		if err != nil {
			return err
		}
		for _, t := range tiles {
			if _, err := tx.Exec(ctx, `INSERT INTO audit_tiles (level, idx, data) VALUES (?, ?, ?)
				ON CONFLICT (level, idx) DO UPDATE SET data = excluded.data`, t.Level, t.N, t.Data); err != nil {
				return article5.Internal(op, err)
			}
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

// tileReader reads audit_tiles through q, the tiles asked in one query
// (a disjunction of primary keys: an append asks for at most a tile per
// level).
func (db *DB) tileReader(q Querier) audit.TileReader {
	return audit.TileReaderFunc(func(ctx context.Context, keys []audit.TileKey) ([][]byte, error) {
		if len(keys) == 0 {
			return nil, nil
		}
		conds := make([]string, len(keys))
		args := make([]any, 0, 2*len(keys))
		for i, k := range keys {
			conds[i] = `(level = ? AND idx = ?)`
			args = append(args, k.Level, k.N)
		}
		got := make(map[audit.TileKey][]byte, len(keys))
		err := each(ctx, q, func(r Row) error {
			var k audit.TileKey
			var data []byte
			if err := r.Scan(&k.Level, &k.N, &data); err != nil {
				return err
			}
			got[k] = data
			return nil
		}, `SELECT level, idx, data FROM audit_tiles WHERE `+strings.Join(conds, " OR "), args...)
		if err != nil {
			return nil, err
		}
		out := make([][]byte, len(keys))
		for i, k := range keys {
			out[i] = got[k]
		}
		return out, nil
	})
}

// convertHashes converts a log kept as one audit_hashes row per stored
// hash (before migration 0008) into tiles, once, on open (while
// audit_tiles is empty): the tiles of the tree of the newest signed head
// are written from the stored hashes as they are (a hash that was
// tampered with stays so, and one that is missing is written zero, for
// AuditVerify to report), and every audit_hashes row is deleted, in one
// transaction. The hashes of the levels between the tiles' are dropped:
// they are recomputed from the tiles now, and proofs come out byte for
// byte as before.
func (db *DB) convertHashes(ctx context.Context) error {
	op := db.op("audit convert hashes to tiles")
	tx, err := db.begin(ctx, op, LockAudit)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	// Once: while audit_tiles is empty. Rows put in audit_hashes later
	// (nothing writes it any more) are left alone and never read.
	var hashes, tiles int
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM (SELECT 1 FROM audit_hashes LIMIT 1) AS h),
		(SELECT count(*) FROM (SELECT 1 FROM audit_tiles LIMIT 1) AS t)`).Scan(&hashes, &tiles); err != nil {
		return article5.Internal(op, err)
	}
	if hashes == 0 || tiles > 0 {
		return nil
	}
	n, err := db.logSize(ctx, tx)
	if err != nil {
		return err
	}
	stored := make([]tlog.Hash, tlog.StoredHashCount(n))
	err = each(ctx, tx, func(r Row) error {
		var idx int64
		var h []byte
		if err := r.Scan(&idx, &h); err != nil {
			return err
		}
		if len(h) == len(tlog.Hash{}) && idx >= 0 && idx < int64(len(stored)) {
			stored[idx] = tlog.Hash(h)
		}
		return nil
	}, `SELECT idx, hash FROM audit_hashes WHERE idx < ?`, int64(len(stored)))
	if err != nil {
		return article5.Internal(op, err)
	}
	ts := audit.TilesFromHashes(n, stored)
	rows := make([][]any, len(ts))
	for i, t := range ts {
		rows[i] = []any{t.Level, t.N, t.Data}
	}
	if err := db.drv.BulkInsert(ctx, tx, "audit_tiles", []string{"level", "idx", "data"}, rows); err != nil {
		return article5.Internal(op, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM audit_hashes`); err != nil {
		return article5.Internal(op, err)
	}
	return commit(ctx, op, tx)
}

// readCovered calls emit with the ref and digest of every row of the
// covered tables, emitObject with those of the objects rows (from one
// goroutine at a time), read through qs (one
// snapshot): what AuditVerify compares with the log. The objects rows are
// read in parts at once on several of qs where the dialect splits the
// scan (Dialect.ScanParts), the other tables on qs[0]. With deep, the raw
// bytes of every object version are read and checked too
// (audit.CoveredObject); otherwise only those of versions whose entries
// digest raw itself (stored before migration 0009). It returns what the
// scan found of the versions' latest flags (see latestFlags).
func (db *DB) readCovered(ctx context.Context, qs []Querier, deep bool, emit func(ref, digest string), emitObject func(ref string, d *audit.RowDigest)) (*latestFlags, error) {
	raw := `CASE WHEN raw_sha256 = '' THEN raw END`
	if deep {
		raw = `raw`
	}
	parts := db.d.ScanParts("objects")
	if len(parts) == 0 || len(parts) > len(qs) {
		parts = []string{"1 = 1"}
	}
	flags := make([]latestFlags, len(parts))
	seed := maphash.MakeSeed()
	scans := make([]func(func() *audit.CoveredObject) error, len(parts))
	for i, where := range parts {
		note := func(id, version string, latest bool) {
			if latest {
				flags[i].flagged = append(flags[i].flagged, maphash.String(seed, id))
			} else {
				flags[i].unflagged = append(flags[i].unflagged, [2]string{id, version})
			}
		}
		scans[i] = func(row func() *audit.CoveredObject) error {
			if packed, ok := db.d.Packed(coverObjectColumns); ok {
				return scanPackedObjects(ctx, qs[i], packed, raw, where, row, note)
			}
			return scanObjects(ctx, qs[i], raw, where, row, note)
		}
	}
	if err := audit.CoverObjects(emitObject, deep, scans...); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range []func(context.Context, Querier, map[string]string) error{
		coverCases, coverEvents, coverTokens, coverUsers, coverDoctrines, coverWebhooks, coverConsultations,
		coverSessions, coverQuarantine, coverCaseIndex, db.partnerDigests,
	} {
		if err := f(ctx, qs[0], out); err != nil {
			return nil, err
		}
	}
	for ref, digest := range out {
		emit(ref, digest)
	}
	all := &latestFlags{}
	for _, f := range flags {
		all.unflagged = append(all.unflagged, f.unflagged...)
		all.flagged = append(all.flagged, f.flagged...)
	}
	return all, nil
}

// latestFlags is what the scan of every objects row found of their latest
// flags: the versions not flagged, and, for every version flagged, a
// 64-bit hash of its id (one seed for them all).
type latestFlags struct {
	unflagged [][2]string // id, version
	flagged   []uint64
}

// severalFlagged reports whether two flagged versions have ids of the same
// hash: two flagged versions of one id (or, rarely, two ids whose hashes
// are equal).
func (f *latestFlags) severalFlagged() bool {
	slices.Sort(f.flagged)
	for i := 1; i < len(f.flagged); i++ {
		if f.flagged[i] == f.flagged[i-1] {
			return true
		}
	}
	return false
}

// rowQueue hands covered rows to the log's check as they are read, the
// rows read before the log is checked held until then: the rows are read
// on one connection while the log is read and checked on another.
type rowQueue struct {
	ready <-chan *audit.LogCheck // the check, or nil if it failed
	check *audit.LogCheck
	got   bool
	held  []heldRow
	sums  heldSums // the objects rows held whose RowDigest has no Bad
}

// heldRow is a row held until the check is ready: an objects row's ref and
// RowDigest, or another row's ref and digest.
type heldRow struct {
	ref, digest string
	object      bool // d holds the digest
	d           audit.RowDigest
}

// heldSums holds objects rows' refs and sums, each as the 32 bytes of the
// sum, the ref's length (4 bytes, little-endian) and the ref, in blocks
// that hold no pointers (a million rows are held while the log is read:
// not a million strings for the collector to scan).
type heldSums struct{ blocks [][]byte }

func (h *heldSums) add(ref string, sum *[sha256.Size]byte) {
	need := sha256.Size + 4 + len(ref)
	if len(h.blocks) == 0 || cap(h.blocks[len(h.blocks)-1])-len(h.blocks[len(h.blocks)-1]) < need {
		h.blocks = append(h.blocks, make([]byte, 0, max(1<<20, need)))
	}
	b := h.blocks[len(h.blocks)-1]
	b = append(b, sum[:]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ref)))
	h.blocks[len(h.blocks)-1] = append(b, ref...)
}

// each calls f with every row held, in the order added.
func (h *heldSums) each(f func(ref []byte, sum *[sha256.Size]byte)) {
	for _, b := range h.blocks {
		for len(b) > 0 {
			sum := (*[sha256.Size]byte)(b[:sha256.Size])
			n := int(binary.LittleEndian.Uint32(b[sha256.Size:]))
			f(b[sha256.Size+4:sha256.Size+4+n], sum)
			b = b[sha256.Size+4+n:]
		}
	}
}

// isReady reports whether the check is ready, taking it if it has just
// become so.
func (q *rowQueue) isReady() bool {
	if !q.got {
		select {
		case q.check = <-q.ready:
			q.flush()
		default:
			return false
		}
	}
	return true
}

// add checks the row ref, or holds it until the check is ready.
func (q *rowQueue) add(ref, digest string) {
	if !q.isReady() {
		q.held = append(q.held, heldRow{ref: ref, digest: digest})
	} else if q.check != nil {
		q.check.Row(ref, digest)
	}
}

// addObject checks the objects row ref, or holds it until the check is
// ready.
func (q *rowQueue) addObject(ref string, d *audit.RowDigest) {
	switch {
	case q.isReady():
		if q.check != nil {
			q.check.RowDigest(ref, d)
		}
	case d.Bad == "":
		q.sums.add(ref, &d.Sum)
	default:
		q.held = append(q.held, heldRow{ref: ref, object: true, d: *d})
	}
}

// wait waits for the check and checks the rows held; it returns the check
// (nil if it failed).
func (q *rowQueue) wait() *audit.LogCheck {
	if !q.got {
		q.check = <-q.ready
		q.flush()
	}
	return q.check
}

func (q *rowQueue) flush() {
	q.got = true
	if q.check != nil {
		q.sums.each(q.check.RowSum)
		for i := range q.held {
			if h := &q.held[i]; h.object {
				q.check.RowDigest(h.ref, &h.d)
			} else {
				q.check.Row(h.ref, h.digest)
			}
		}
	}
	q.held, q.sums = nil, heldSums{}
}

// coverObjectColumns are the objects columns the audit digest covers
// (besides raw), then those derived from them that AuditVerify recomputes
// (tlp_rank, latest), in the order scanObjects and objectFromText read
// them.
var coverObjectColumns = []string{"id", "version", "version_sec", "version_nsec", "unversioned", "added_sec", "added_nsec",
	"type", "spec_version", "created_by", "revoked", "markings", "source_ref", "target_ref", "sha256",
	"submitter", "submitter_org", "custodian", "relayed", "red", "raw_sha256", "tlp_rank", "latest"}

// severalVersions reads the versions of every id stored in several, by
// id, with their latest flags, for latestFaults. Where the scan of every
// row (flags) found no two flagged versions of one id, the ids stored in
// several are those of the versions found unflagged (of each id, all but
// its greatest), and only theirs are read, by primary key; otherwise every
// id stored in several is found with one query over the primary key.
func (db *DB) severalVersions(ctx context.Context, q Querier, flags *latestFlags) (map[string][]flaggedVersion, error) {
	out := map[string][]flaggedVersion{}
	add := func(r Row) error {
		var v flaggedVersion
		if err := r.Scan(&v.ID, &v.Version, &v.VersionSec, &v.VersionNsec, &v.latest); err != nil {
			return err
		}
		out[v.ID] = append(out[v.ID], v)
		return nil
	}
	columns := `SELECT id, version, CAST(version_sec AS BIGINT), CAST(version_nsec AS BIGINT), latest = ` + db.d.Bool(true) + ` FROM objects WHERE `
	if flags.severalFlagged() {
		return out, each(ctx, q, add, columns+`id IN (SELECT id FROM objects GROUP BY id HAVING count(*) > 1)`)
	}
	ids := make([]string, 0, len(flags.unflagged))
	seen := make(map[string]bool, len(flags.unflagged))
	for _, u := range flags.unflagged {
		if !seen[u[0]] {
			seen[u[0]] = true
			ids = append(ids, u[0])
		}
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 10_000)]
		ids = ids[len(batch):]
		cond, arg := db.d.In("id", batch)
		if err := each(ctx, q, add, columns+cond, arg); err != nil {
			return nil, err
		}
	}
	for id, vs := range out {
		if len(vs) < 2 {
			delete(out, id)
		}
	}
	return out, nil
}

// flaggedVersion is one stored version's key and latest flag.
type flaggedVersion struct {
	article5.StoredObject // ID, Version, VersionSec, VersionNsec
	latest                bool
}

// latestFaults returns the refs of the objects rows whose latest flag is
// wrong (the release queries read the flagged row): of each id, exactly
// its greatest version must be flagged. several are the versions of the
// ids stored in several (severalVersions), checked version by version;
// unflagged are the versions the scan of every row found unflagged, each
// a fault unless its id has several versions (the one version of an id is
// its greatest).
func latestFaults(several map[string][]flaggedVersion, unflagged [][2]string) []string {
	var out []string
	for _, u := range unflagged {
		if several[u[0]] == nil {
			out = append(out, audit.ObjectRef(u[0], u[1]))
		}
	}
	for id, vs := range several {
		best := &vs[0].StoredObject
		var flagged []string
		for i := range vs {
			if later(&vs[i].StoredObject, best) {
				best = &vs[i].StoredObject
			}
			if vs[i].latest {
				flagged = append(flagged, vs[i].Version)
			}
		}
		if len(flagged) == 1 && flagged[0] == best.Version {
			continue
		}
		if len(flagged) == 0 {
			out = append(out, audit.ObjectRef(id, best.Version))
		}
		for _, v := range flagged {
			if v != best.Version || len(flagged) > 1 {
				out = append(out, audit.ObjectRef(id, v))
			}
		}
	}
	return out
}

// scanObjects reads the objects rows where holds for AuditVerify into
// row(), a typed value per column; raw is the expression read for the raw
// bytes (NULL where they are not needed).
func scanObjects(ctx context.Context, q Querier, raw, where string, row func() *audit.CoveredObject, flag func(id, version string, latest bool)) error {
	rows, err := q.Query(ctx, `SELECT `+strings.Join(coverObjectColumns, ", ")+`, `+raw+` FROM objects WHERE `+where)
	if err != nil {
		return err
	}
	defer rows.Close()
	marks := markingsCache{}
	// One row's values, scanned through one slice of pointers (a slice
	// made per row is an allocation per row), its text columns into one
	// buffer (one string per row), then moved into row().
	var v audit.CoveredObject
	var latest bool
	var addedSec, addedNsec int64
	var m string
	o := &v.StoredObject
	text := newRowText(&o.ID, &o.Version, &o.Type, &o.SpecVersion, &o.CreatedBy, &m, &o.SourceRef, &o.TargetRef, &o.SHA256,
		&o.Submitter, &o.SubmitterOrg, &o.Custodian, &v.Red, &v.RawSHA256)
	dest := []any{text.col(0), text.col(1), &o.VersionSec, &o.VersionNsec, &o.Unversioned, &addedSec, &addedNsec,
		text.col(2), text.col(3), text.col(4), &o.Revoked, text.col(5), text.col(6), text.col(7), text.col(8),
		text.col(9), text.col(10), text.col(11), &o.Relayed, text.col(12), text.col(13), &v.Rank, &latest, &o.Raw}
	for rows.Next() {
		v = audit.CoveredObject{}
		text.reset()
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		text.set()
		o.Added = time.Unix(addedSec, addedNsec).UTC()
		o.Markings = marks.parse(m)
		o.RedRecipients = article5.ParseRedColumn(v.Red)
		flag(o.ID, o.Version, latest)
		*row() = v
	}
	return rows.Err()
}

// rowText scans a row's text columns into one buffer and sets them as
// substrings of one string: a row read costs one string, not one per
// column (a million rows are read). Each column is a sql.Scanner for
// database/sql and a pgtype.BytesScanner for pgx, which then hands it the
// bytes without a copy.
type rowText struct {
	buf  []byte
	dst  []*string
	span [][2]int
	cols []textCol
}

// newRowText returns a rowText setting dst, column i (col(i)) into dst[i].
func newRowText(dst ...*string) *rowText {
	r := &rowText{dst: dst, span: make([][2]int, len(dst)), cols: make([]textCol, len(dst))}
	for i := range r.cols {
		r.cols[i] = textCol{r, i}
	}
	return r
}

func (r *rowText) col(i int) *textCol { return &r.cols[i] }

// reset readies r for a row.
func (r *rowText) reset() {
	r.buf = r.buf[:0]
	clear(r.span)
}

// set sets every column scanned since reset.
func (r *rowText) set() {
	s := string(r.buf)
	for i, d := range r.dst {
		*d = s[r.span[i][0]:r.span[i][1]]
	}
}

// textCol is column i of a rowText.
type textCol struct {
	r *rowText
	i int
}

// ScanBytes implements pgtype.BytesScanner.
func (c *textCol) ScanBytes(b []byte) error {
	lo := len(c.r.buf)
	c.r.buf = append(c.r.buf, b...)
	c.r.span[c.i] = [2]int{lo, len(c.r.buf)}
	return nil
}

// Scan implements sql.Scanner.
func (c *textCol) Scan(src any) error {
	switch v := src.(type) {
	case string:
		lo := len(c.r.buf)
		c.r.buf = append(c.r.buf, v...)
		c.r.span[c.i] = [2]int{lo, len(c.r.buf)}
		return nil
	case []byte:
		return c.ScanBytes(v)
	}
	return errors.New("sqlstore: text column: not text")
}

// markingsCache parses each distinct markings column once (a node's
// versions carry a few distinct sets of markings); the slices it returns
// are shared, to be read only.
type markingsCache map[string][]string

// parse returns audit.ParseMarkings(s), or one marking naming s as
// unreadable (which matches no logged digest).
func (mc markingsCache) parse(s string) []string {
	if v, ok := mc[s]; ok {
		return v
	}
	v := audit.ParseMarkings(s)
	if v == nil {
		v = []string{"(unreadable) " + s}
	}
	if len(mc) < 4096 {
		mc[strings.Clone(s)] = v // s may share a whole row's text
	}
	return v
}

// scanPackedObjects reads the objects rows where holds for AuditVerify into row() as
// two values, the columns packed into one text (Dialect.Packed) and raw
// (the expression raw, NULL where the bytes are not needed), so that each
// row crosses the driver as two values: reading the rows is what
// verifying costs. None of the packed columns can hold a NUL: ids,
// versions, types and refs are validated STIX, markings are JSON text, the
// rest are integers and hex.
func scanPackedObjects(ctx context.Context, q Querier, packed, raw, where string, row func() *audit.CoveredObject, flag func(id, version string, latest bool)) error {
	rows, err := q.Query(ctx, `SELECT `+packed+`, `+raw+` FROM objects WHERE `+where)
	if err != nil {
		return err
	}
	defer rows.Close()
	var f [32]string
	marks := markingsCache{}
	var meta string
	var rawBytes []byte
	dest := []any{&meta, &rawBytes} // one slice for every row
	for rows.Next() {
		rawBytes = nil
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		c := row()
		c.Raw = rawBytes
		flag(c.ID, c.Version, objectFromText(c, meta, f[:0], marks))
	}
	return rows.Err()
}

// objectFromText fills c from the NUL-joined coverObjectColumns, split
// into f's backing array (markings parsed through marks), and returns the
// latest flag. A column that does
// not parse as its type (a row edited by hand) gets a value that cannot
// match its logged digest.
func objectFromText(c *audit.CoveredObject, meta string, f []string, marks markingsCache) (latest bool) {
	o := &c.StoredObject
	f = splitNUL(f, meta)
	c.Rank = math.MinInt64
	if len(f) != len(coverObjectColumns) {
		o.ID, o.SHA256, c.RawSHA256 = f[0], "(unreadable) "+meta, "(unreadable)"
		if len(f) > 1 {
			o.Version = f[1]
		}
		return false
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
	o.Markings = marks.parse(f[11])
	o.SourceRef, o.TargetRef, o.SHA256 = f[12], f[13], f[14]
	o.Submitter, o.SubmitterOrg, o.Custodian, o.Relayed = f[15], f[16], f[17], f[18] == "1"
	c.Red, c.RawSHA256, c.Rank = f[19], f[20], num(f[21])
	o.RedRecipients = article5.ParseRedColumn(c.Red)
	return f[22] == "1"
}

// splitNUL appends the NUL-separated fields of s to f (substrings of s).
func splitNUL(f []string, s string) []string {
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			return append(f, s)
		}
		f = append(f, s[:i])
		s = s[i+1:]
	}
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
		return nil, notFound("no signed tree head of %d entries: a head is signed only at the size a transaction ended with; take sizes from heads the node served or you saved (article5 audit head)", n)
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
		p, err = audit.ProveInclusion(ctx, audit.TileHashReader(db.tileReader(tx)), e, size)
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
		p, err = audit.ProveConsistency(ctx, audit.TileHashReader(db.tileReader(tx)), oldSize, newSize)
		return err
	})
	return p, err
}

// AuditVerify is the routine check of the whole log and the covered rows,
// in one snapshot: every entry, every tile, the newest signed head and
// every covered row, each row's digest recomputed from its columns. The
// raw bytes of an object version are taken as its raw_sha256 column says
// (audit.ObjectDigestOf); AuditVerifyDeep reads them. See docs/audit.md.
func (db *DB) AuditVerify(ctx context.Context) (*audit.Report, error) {
	return db.auditVerify(ctx, false)
}

// AuditVerifyDeep is AuditVerify that also reads the raw bytes of every
// object version and checks them against its raw_sha256 and red columns:
// it detects an edit of raw alone, which AuditVerify does not.
func (db *DB) AuditVerifyDeep(ctx context.Context) (*audit.Report, error) {
	return db.auditVerify(ctx, true)
}

// auditVerify reads the log (entries, then tiles) and the covered rows at
// once on read transactions that see the same snapshot
// (Driver.BeginSnapshot): one for the log, one for the rows, or one per
// part of the objects where the dialect splits their scan (SQLite).
// Reading the rows dominates the cost.
func (db *DB) auditVerify(ctx context.Context, deep bool) (*audit.Report, error) {
	op := db.op("audit verify")
	txs, err := db.drv.BeginSnapshot(ctx, 1+max(1, len(db.d.ScanParts("objects"))))
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

	// One connection reads the log and checks it (most of the hashing);
	// the others read every covered row meanwhile, and each is checked
	// against the log as soon as the log is; then one of them reads the
	// versions of the ids stored in several.
	ready := make(chan *audit.LogCheck, 1)
	rows := &rowQueue{ready: ready}
	var several map[string][]flaggedVersion
	var flags *latestFlags
	var logErr, coveredErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		var check *audit.LogCheck
		defer func() { ready <- check }()
		entries, err := readEntries(ctx, txs[0], db.d)
		if err != nil {
			logErr = article5.Internal(op, err)
			return
		}
		tiles, err := readTiles(ctx, txs[0])
		if err != nil {
			logErr = article5.Internal(op, err)
			return
		}
		if headFault != nil && (head.N < 0 || head.N > int64(entries.Len())) {
			head.N = int64(entries.Len()) // an unverified size is not trusted with memory
		}
		check, logErr = audit.CheckEntryLog(entries, tiles, head)
	})
	wg.Go(func() {
		qs := make([]Querier, len(txs)-1)
		for i, tx := range txs[1:] {
			qs[i] = tx
		}
		var err error
		if flags, err = db.readCovered(ctx, qs, deep, rows.add, rows.addObject); err == nil {
			several, err = db.severalVersions(ctx, qs[0], flags)
		}
		if err != nil {
			coveredErr = article5.Internal(op, err)
		}
		rows.wait()
	})
	wg.Wait()
	if err := cmp.Or(logErr, coveredErr); err != nil {
		return nil, err
	}
	check := rows.check
	for _, ref := range latestFaults(several, flags.unflagged) {
		check.RowEdited(ref, "latest flag does not mark the greatest version")
	}
	rep := check.Report()
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

// entryColumns are the audit_entries columns, in the order readEntries
// reads them.
var entryColumns = []string{"idx", "kind", "ref", "digest", "time", "actor"}

// readEntries reads every log entry, in index order, into an
// audit.EntryLog (which keeps each entry's leaf data, not the row read):
// where d packs columns (Dialect.Packed), each row as one text, else a
// typed value per column.
func readEntries(ctx context.Context, q Querier, d Dialect) (*audit.EntryLog, error) {
	var n int64
	if err := q.QueryRow(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM audit_entries`).Scan(&n); err != nil {
		return nil, err
	}
	entries := audit.NewEntryLog(int(min(max(n, 0), 1<<32)))
	if packed, ok := d.Packed(entryColumns); ok {
		rows, err := q.Query(ctx, `SELECT `+packed+` FROM audit_entries ORDER BY idx`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var row string
		dest := []any{&row} // one slice for every row
		var e audit.Entry
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return nil, err
			}
			e = entryFromText(row)
			entries.Add(&e)
		}
		return entries, rows.Err()
	}
	var kind string
	kinds := &interned{dst: &kind, seen: map[string]string{}}
	rows, err := q.Query(ctx, `SELECT `+strings.Join(entryColumns, ", ")+` FROM audit_entries ORDER BY idx`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var e audit.Entry
	var t int64
	text := newRowText(&e.Ref, &e.Digest, &e.By)
	dest := []any{&e.Index, kinds, text.col(0), text.col(1), &t, text.col(2)} // one slice for every row
	for rows.Next() {
		e = audit.Entry{}
		text.reset()
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		text.set()
		e.Kind, e.Time = kind, fromNano(t)
		entries.Add(&e)
	}
	return entries, rows.Err()
}

// entryFromText parses the NUL-joined entryColumns. A row that does not
// parse (edited by hand) gives an entry that cannot match its stored
// record hash: its ref and digest are marked.
func entryFromText(row string) audit.Entry {
	var buf [8]string
	f := splitNUL(buf[:0], row)
	idx, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		idx = -1 // placed nowhere: an entry outside the log
	}
	if len(f) != len(entryColumns) {
		return audit.Entry{Index: idx, Ref: "(unreadable) " + row, Digest: "(unreadable)"}
	}
	t, err := strconv.ParseInt(f[4], 10, 64)
	e := audit.Entry{Index: idx, Kind: f[1], Ref: f[2], Digest: f[3], Time: fromNano(t), By: f[5]}
	if err != nil {
		e.Ref, e.Digest = "(unreadable) "+row, "(unreadable)"
	}
	return e
}

// readTiles reads every stored tile; Verify ignores what the signed tree
// does not need.
func readTiles(ctx context.Context, q Querier) ([]audit.Tile, error) {
	return collect(ctx, q, func(r Row) (audit.Tile, error) {
		var t audit.Tile
		return t, r.Scan(&t.Level, &t.N, &t.Data)
	}, `SELECT level, idx, data FROM audit_tiles`)
}

// unmarshalOr decodes the JSON text js into v; text that does not decode
// (a row edited by hand) gives bad instead, a value that cannot match its
// logged digest.
func unmarshalOr[T any](js string, v *T, bad T) {
	if err := json.Unmarshal([]byte(js), v); err != nil {
		*v = bad
	}
}

// MaxCaseTrail bounds AuditCaseTrail: the newest entries it returns.
const MaxCaseTrail = 200

// AuditCaseTrail returns the log entries recording the rows of one case,
// oldest first: its cases row ("cases/<id>"), its evidence index
// ("case_index/<id>"), its consultation ("consultations/<id>": every
// step, position, signature and determination) and its newest
// MaxCaseTrail assessments ("assessments/<id>/<seq>"); at most the newest
// MaxCaseTrail entries, with more true when older ones were left out. It
// reads by the indexes on assessments (case_id, seq) and on
// audit_entries (ref): no scan of the log. It does not check who may see
// the case: the caller does.
func (db *DB) AuditCaseTrail(ctx context.Context, caseID string) (entries []audit.Entry, more bool, err error) {
	op := db.op("audit case trail")
	seqs, err := collect(ctx, db.drv.Read(), func(r Row) (int64, error) {
		var s int64
		return s, r.Scan(&s)
	}, `SELECT seq FROM assessments WHERE case_id = ? ORDER BY seq DESC LIMIT ?`, caseID, MaxCaseTrail)
	if err != nil {
		return nil, false, article5.Internal(op, err)
	}
	refs := []any{audit.CaseRef(caseID), audit.CaseIndexRef(caseID), audit.ConsultationRef(caseID)}
	for _, s := range seqs {
		refs = append(refs, audit.AssessmentRef(caseID, s))
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(refs)), ", ")
	out, err := collect(ctx, db.drv.Read(), func(r Row) (audit.Entry, error) {
		var e audit.Entry
		var t int64
		err := r.Scan(&e.Index, &e.Kind, &e.Ref, &e.Digest, &t, &e.By)
		e.Time = fromNano(t)
		return e, err
	}, `SELECT idx, kind, ref, digest, time, actor FROM audit_entries WHERE ref IN (`+marks+`) ORDER BY idx DESC LIMIT ?`,
		append(refs, MaxCaseTrail+1)...)
	if err != nil {
		return nil, false, article5.Internal(op, err)
	}
	if len(out) > MaxCaseTrail {
		out, more = out[:MaxCaseTrail], true
	}
	slices.Reverse(out)
	return out, more, nil
}

// AuditProofs proves each of entries (as read from the log, each with
// Index < size) is in the tree of size entries, in one read transaction
// whose tiles are read once for all the proofs: what a page that shows
// many proofs against one head needs. EINVALID for a size outside the
// signed log or an entry beyond size.
func (db *DB) AuditProofs(ctx context.Context, entries []audit.Entry, size int64) ([]*audit.InclusionProof, error) {
	out := make([]*audit.InclusionProof, 0, len(entries))
	err := db.readTx(ctx, func(tx Tx) error {
		n, err := db.logSize(ctx, tx)
		if err != nil {
			return err
		}
		if size <= 0 || size > n {
			return article5.Errorf(article5.EINVALID, "tree size %d is outside the signed log (1 to %d)", size, n)
		}
		tiles := map[audit.TileKey][]byte{}
		read := db.tileReader(tx)
		memo := audit.TileReaderFunc(func(ctx context.Context, keys []audit.TileKey) ([][]byte, error) {
			var missing []audit.TileKey
			for _, k := range keys {
				if _, ok := tiles[k]; !ok {
					missing = append(missing, k)
				}
			}
			got, err := read.ReadTiles(ctx, missing)
			if err != nil {
				return nil, err
			}
			for i, k := range missing {
				tiles[k] = got[i]
			}
			res := make([][]byte, len(keys))
			for i, k := range keys {
				res[i] = tiles[k]
			}
			return res, nil
		})
		hr := audit.TileHashReader(memo)
		for _, e := range entries {
			p, err := audit.ProveInclusion(ctx, hr, e, size)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
