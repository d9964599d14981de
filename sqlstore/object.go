package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"article5"
	"article5/audit"
)

// held is what ingest knows of one stored version of an id.
type held struct {
	obj      article5.StoredObject // ID, Version, instant, Unversioned, SHA256, CreatedBy
	latest   bool                  // the greatest version of its id so far
	dbLatest bool                  // flagged latest in the database when loaded
	inDB     bool                  // stored before this call (else accepted earlier in the batch)
	newIdx   int                   // index in the accepted slice when !inDB
}

// IngestObjects applies article5.DecideIngest to each object against the
// stored versions of its id (and those accepted earlier in the same call)
// for the submitter req.Access describes, and stores the accepted ones,
// all in one transaction, with Added = Now() shared by every object of the
// call (a bundle's date_added). Each stored version records its submitter,
// custodian and relay (provenance), and its log entry names the submitter.
//
// req.Objects are the bundle's objects in bundle order, less those already
// rejected in req.Prior (the caller's validation). A rejection's Index is
// the object's position in the bundle: the k-th object is at the k-th
// index not named by a prior rejection. Prior rejections are kept as
// given; all are returned in Index order. With req.Atomic and any
// rejection (prior ones included) nothing is stored: the result (what
// would have been unchanged, and the rejections) is returned together with
// an ECONFLICT *article5.Error whose Details name each rejected id and why.
//
// A version DecideIngest quarantines is stored in quarantine (in the
// submitter's organisation's name) and reported as accepted, as a new
// object would be; its identical re-send is unchanged, and another content
// under the same version is refused.
//
// The cases whose evidence index watches a stored id (or the source of a
// stored relationship or sighting), and the stored groupings' own cases,
// are queued for re-assessment in the same transaction (Queued).
func (db *DB) IngestObjects(ctx context.Context, req article5.IngestRequest) (*article5.IngestResult, error) {
	op := db.op("ingest objects")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	res, err := db.ingestTx(ctx, tx, op, req, db.now(), true)
	if err != nil || len(res.Accepted)+len(res.Conflicts) == 0 {
		return res, err
	}
	if err := commit(ctx, op, tx); err != nil {
		return res, err
	}
	if res.Queued > 0 {
		db.signals.fire(article5.TopicJobs)
	}
	return res, nil
}

// ingestTx is IngestObjects inside tx at time now: it decides, stores and
// logs the objects, and queues the cases they change when queue. With
// Atomic, a rejection refuses all (the result and ECONFLICT). The caller
// commits.
func (db *DB) ingestTx(ctx context.Context, tx Tx, op string, req article5.IngestRequest, now time.Time, queue bool) (*article5.IngestResult, error) {
	objs, acc := req.Objects, req.Access
	if acc == nil {
		acc = article5.FullAccess{}
	}
	res := &article5.IngestResult{Accepted: []article5.ObjectRef{}, Unchanged: []article5.ObjectRef{}, Rejected: append([]article5.Rejection{}, req.Prior...)}

	// One ingest at a time: seq and date added then follow commit order.
	if err := db.lock(ctx, op, tx, LockObjects); err != nil {
		return nil, err
	}
	stored, err := db.loadHeld(ctx, tx, objs)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	inQuarantine, err := db.loadQuarantined(ctx, tx, objs)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	index := bundleIndexes(len(objs), req.Prior)
	var accepted []*article5.StoredObject
	var quarantined []*article5.StoredObject
	for k, o := range objs {
		i := index[k]
		if o == nil || o.ID == "" || o.Version == "" {
			res.Rejected = append(res.Rejected, article5.Rejection{Index: i, ID: idOf(o), Reason: "an object needs an id and a version"})
			continue
		}
		vs := stored[o.ID]
		prev := make([]*article5.StoredObject, len(vs))
		for j := range vs {
			prev[j] = &vs[j].obj
		}
		qs := inQuarantine[[2]string{o.ID, o.SubmitterOrg}]
		d, place := article5.PlaceIngest(o, prev, qs, acc)
		if d.Action == article5.IngestStore && place == article5.PlaceStore {
			for _, v := range vs {
				if v.obj.Version == o.Version {
					// Two contents of one unversioned id within a
					// nanosecond: the second waits for the next ingest.
					d = article5.IngestDecision{Action: article5.IngestReject, Reason: article5.ReasonVersionConflict}
					break
				}
			}
		}
		if d.Action == article5.IngestStore && (place == article5.PlaceQuarantine || place == article5.PlaceConflict) {
			c := *o
			c.Added, c.Custodian = now, o.SubmitterOrg
			if place == article5.PlaceConflict {
				// The submitter reads the held version: telling it is safe.
				res.Conflicts = append(res.Conflicts, article5.ObjectRef{ID: o.ID, Version: o.Version})
			} else {
				res.Accepted = append(res.Accepted, article5.ObjectRef{ID: o.ID, Version: o.Version})
			}
			dup := false
			for _, q := range qs {
				dup = dup || (q.Version == c.Version && q.SHA256 == c.SHA256)
			}
			if !dup { // the same copy, unreadable to its submitter, is held already
				quarantined = append(quarantined, &c)
				inQuarantine[[2]string{o.ID, o.SubmitterOrg}] = append(qs, &c)
			}
			continue
		}
		switch d.Action {
		case article5.IngestUnchanged:
			res.Unchanged = append(res.Unchanged, article5.ObjectRef{ID: o.ID, Version: o.Version})
		case article5.IngestReject:
			res.Rejected = append(res.Rejected, article5.Rejection{Index: i, ID: o.ID, Reason: d.Reason})
		case article5.IngestStore:
			c := *o
			c.Added = now
			c.Custodian = d.Custodian
			h := held{obj: c, latest: true, newIdx: len(accepted)}
			for j := range vs {
				if vs[j].latest {
					if !later(&c, &vs[j].obj) {
						h.latest = false
					} else {
						vs[j].latest = false
					}
				}
			}
			stored[o.ID] = append(vs, h)
			accepted = append(accepted, &c)
			res.Accepted = append(res.Accepted, article5.ObjectRef{ID: o.ID, Version: o.Version})
		}
	}
	sort.SliceStable(res.Rejected, func(i, j int) bool { return res.Rejected[i].Index < res.Rejected[j].Index })

	if req.Atomic && len(res.Rejected) > 0 {
		res.Accepted = []article5.ObjectRef{}
		return res, conflict(res.Rejected)
	}
	if len(accepted) == 0 && len(quarantined) == 0 {
		return res, nil
	}

	// Superseded stored versions lose their latest flag; the new
	// versions are inserted with theirs.
	var unflag []string
	latest := make([]bool, len(accepted))
	for id, vs := range stored {
		for _, v := range vs {
			switch {
			case v.inDB && v.dbLatest && !v.latest:
				unflag = append(unflag, id)
			case !v.inDB:
				latest[v.newIdx] = v.latest
			}
		}
	}
	if err := db.unflagLatest(ctx, tx, unflag); err != nil {
		return nil, article5.Internal(op, err)
	}
	rawSums := make([]string, len(accepted))
	for i, o := range accepted {
		rawSums[i] = audit.RawSHA256(o.Raw)
	}
	if len(accepted) > 0 {
		if err := db.insertObjects(ctx, tx, accepted, latest, rawSums, now); err != nil {
			return nil, article5.Internal(op, err)
		}
	}
	entries := make([]audit.Entry, 0, len(accepted)+len(quarantined))
	for i, o := range accepted {
		// The row's columns as inserted, raw by its hash (audit.ObjectDigest).
		d := audit.ObjectDigestOf(o, article5.RedColumn(o.RedRecipients), rawSums[i])
		entries = append(entries, audit.Entry{Kind: audit.KindSTIXObject, Ref: audit.ObjectRef(o.ID, o.Version), Digest: d,
			Time: now, By: audit.ByOf(o.Submitter, o.SubmitterOrg)})
	}
	if len(quarantined) > 0 {
		rows := make([][]any, len(quarantined))
		for i, q := range quarantined {
			marks, err := json.Marshal(nonNil(q.Markings))
			if err != nil {
				return nil, article5.Internal(op, err)
			}
			rows[i] = []any{q.ID, q.Version, q.SubmitterOrg, q.VersionSec, q.VersionNsec, q.Unversioned, q.Added.Unix(), int64(q.Added.Nanosecond()),
				q.Type, q.SpecVersion, q.CreatedBy, q.Revoked, string(marks), q.SourceRef, q.TargetRef, q.SHA256, q.Raw,
				q.Submitter, q.Relayed, article5.RedColumn(q.RedRecipients)}
			entries = append(entries, audit.Entry{Kind: audit.KindQuarantine, Ref: audit.QuarantineRef(q.ID, q.Version, q.SubmitterOrg, q.SHA256),
				Digest: audit.QuarantineDigest(q), Time: now, By: audit.ByOf(q.Submitter, q.SubmitterOrg)})
		}
		if err := db.drv.BulkInsert(ctx, tx, "quarantine", quarantineColumns, rows); err != nil {
			return nil, article5.Internal(op, err)
		}
	}
	if err := db.appendAudit(ctx, tx, entries); err != nil {
		return nil, err
	}
	// Under LockAudit (appendAudit): the keys of the cases whose evidence
	// these versions are (audience.go).
	if err := db.refreshAudienceOf(ctx, tx, accepted); err != nil {
		return nil, article5.Internal(op, err)
	}
	if queue && len(accepted) > 0 {
		cases, err := db.affectedCases(ctx, tx, accepted)
		if err != nil {
			return nil, article5.Internal(op, err)
		}
		if err := db.queueCases(ctx, tx, cases, now); err != nil {
			return nil, article5.Internal(op, err)
		}
		res.Queued = len(cases)
	}
	return res, nil
}

// loadQuarantined loads, in one query, the quarantined copies of every id
// in objs held for the organisation that submits it, keyed by (id, org).
func (db *DB) loadQuarantined(ctx context.Context, tx Tx, objs []*article5.StoredObject) (map[[2]string][]*article5.StoredObject, error) {
	out := map[[2]string][]*article5.StoredObject{}
	var ids []string
	seen := map[string]bool{}
	for _, o := range objs {
		if o != nil && o.ID != "" && !seen[o.ID] {
			seen[o.ID] = true
			ids = append(ids, o.ID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	in, arg := db.d.In("id", ids)
	qs, err := collect(ctx, tx, scanQuarantined, `SELECT `+strings.Join(quarantineColumns, ", ")+` FROM quarantine WHERE `+in, arg)
	if err != nil {
		return nil, err
	}
	for _, q := range qs {
		k := [2]string{q.ID, q.SubmitterOrg}
		out[k] = append(out[k], q)
	}
	return out, nil
}

// unflagLatest clears the latest flag of the stored versions a new
// version of the same id supersedes. An id has one latest version (ingest
// keeps it so under LockObjects), so the ids name the rows.
func (db *DB) unflagLatest(ctx context.Context, tx Tx, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	in, arg := db.d.In("id", ids)
	_, err := tx.Exec(ctx, `UPDATE objects SET latest = ? WHERE `+in+` AND latest = `+db.d.Bool(true), false, arg)
	return err
}

// objectInsertColumns are the columns an ingest writes, in the order of
// objectRow's values; seq is added where the writer numbers rows
// (Dialect.NumbersObjects).
var objectInsertColumns = []string{"id", "version", "version_sec", "version_nsec", "unversioned", "latest",
	"added_sec", "added_nsec", "type", "spec_version", "created_by", "revoked", "markings", "source_ref", "target_ref", "sha256", "raw",
	"submitter", "submitter_org", "custodian", "relayed", "tlp_rank", "red", "raw_sha256"}

// insertObjects stores the accepted versions with their latest flags and
// the hex sha256 of their raw bytes (audit.RawSHA256), in one bulk insert;
// seq follows their order.
func (db *DB) insertObjects(ctx context.Context, tx Tx, accepted []*article5.StoredObject, latest []bool, rawSums []string, now time.Time) error {
	cols := objectInsertColumns
	var seq int64
	numbered := db.d.NumbersObjects()
	if numbered {
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM objects`).Scan(&seq); err != nil {
			return err
		}
		cols = append(cols[:len(cols):len(cols)], "seq")
	}
	rows := make([][]any, len(accepted))
	for i, o := range accepted {
		marks, err := json.Marshal(nonNil(o.Markings))
		if err != nil {
			return err
		}
		r := make([]any, 0, len(cols))
		r = append(r, o.ID, o.Version, o.VersionSec, o.VersionNsec, o.Unversioned, latest[i],
			now.Unix(), int64(now.Nanosecond()), o.Type, o.SpecVersion, o.CreatedBy, o.Revoked, string(marks),
			o.SourceRef, o.TargetRef, o.SHA256, o.Raw,
			o.Submitter, o.SubmitterOrg, o.Custodian, o.Relayed, article5.MarkingRank(o.Markings), article5.RedColumn(o.RedRecipients), rawSums[i])
		if numbered {
			seq++
			r = append(r, seq)
		}
		rows[i] = r
	}
	if err := db.drv.BulkInsert(ctx, tx, "objects", cols, rows); err != nil {
		return fmt.Errorf("insert objects: %w", err)
	}
	return nil
}

// loadHeld loads, in one query, the stored versions of every id in objs.
func (db *DB) loadHeld(ctx context.Context, tx Tx, objs []*article5.StoredObject) (map[string][]held, error) {
	ids := make([]string, 0, len(objs))
	seen := make(map[string]bool, len(objs))
	for _, o := range objs {
		if o != nil && o.ID != "" && !seen[o.ID] {
			seen[o.ID] = true
			ids = append(ids, o.ID)
		}
	}
	out := make(map[string][]held, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, arg := db.d.In("id", ids)
	rows, err := tx.Query(ctx, `SELECT id, version, version_sec, version_nsec, unversioned, sha256, created_by, latest,
		markings, custodian, relayed, red, submitter, submitter_org FROM objects WHERE `+in, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		h := held{inDB: true}
		o := &h.obj
		var marks, red string
		if err := rows.Scan(&o.ID, &o.Version, &o.VersionSec, &o.VersionNsec, &o.Unversioned, &o.SHA256, &o.CreatedBy, &h.latest,
			&marks, &o.Custodian, &o.Relayed, &red, &o.Submitter, &o.SubmitterOrg); err != nil {
			return nil, err
		}
		o.Markings, o.RedRecipients = audit.ParseMarkings(marks), article5.ParseRedColumn(red)
		h.dbLatest = h.latest
		out[o.ID] = append(out[o.ID], h)
	}
	return out, rows.Err()
}

// bundleIndexes maps positions in objs to positions in the bundle: the
// indexes not taken by prior rejections, in order.
func bundleIndexes(n int, prior []article5.Rejection) []int {
	taken := make(map[int]bool, len(prior))
	for _, r := range prior {
		taken[r.Index] = true
	}
	out := make([]int, n)
	next := 0
	for k := range out {
		for taken[next] {
			next++
		}
		out[k] = next
		next++
	}
	return out
}

// later reports whether a is a later version than b: a greater instant;
// at equal nanoseconds (a timestamp with more than nine fractional digits),
// the greater fraction read as a decimal, then the greater raw string.
func later(a, b *article5.StoredObject) bool {
	if a.VersionSec != b.VersionSec {
		return a.VersionSec > b.VersionSec
	}
	if a.VersionNsec != b.VersionNsec {
		return a.VersionNsec > b.VersionNsec
	}
	fa, fb := fraction(a.Version), fraction(b.Version)
	for len(fa) < len(fb) {
		fa += "0"
	}
	for len(fb) < len(fa) {
		fb += "0"
	}
	if fa != fb {
		return fa > fb
	}
	return a.Version > b.Version
}

// fraction returns the fractional-second digits of an RFC 3339 timestamp.
func fraction(v string) string {
	i := strings.LastIndexByte(v, '.')
	if i < 0 {
		return ""
	}
	j := i + 1
	for j < len(v) && v[j] >= '0' && v[j] <= '9' {
		j++
	}
	return v[i+1 : j]
}

func conflict(rs []article5.Rejection) error {
	e := &article5.Error{Code: article5.ECONFLICT, Message: fmt.Sprintf("%d object(s) refused; the bundle is atomic, so nothing was stored", len(rs))}
	for _, r := range rs {
		e.Details = append(e.Details, article5.Detail{Object: r.ID, Pointer: r.Pointer, Message: r.Reason})
	}
	return e
}

func idOf(o *article5.StoredObject) string {
	if o == nil {
		return ""
	}
	return o.ID
}

const objectColumns = `id, type, version, version_sec, version_nsec, unversioned, added_sec, added_nsec, seq,
	spec_version, created_by, revoked, markings, source_ref, target_ref, sha256, raw,
	submitter, submitter_org, custodian, relayed, red`

func scanObject(row Row) (*article5.StoredObject, int64, error) {
	o := &article5.StoredObject{}
	var addedSec, addedNsec, seq int64
	var marks, red string
	if err := row.Scan(&o.ID, &o.Type, &o.Version, &o.VersionSec, &o.VersionNsec, &o.Unversioned, &addedSec, &addedNsec, &seq,
		&o.SpecVersion, &o.CreatedBy, &o.Revoked, &marks, &o.SourceRef, &o.TargetRef, &o.SHA256, &o.Raw,
		&o.Submitter, &o.SubmitterOrg, &o.Custodian, &o.Relayed, &red); err != nil {
		return nil, 0, err
	}
	o.RedRecipients = article5.ParseRedColumn(red)
	o.Added = time.Unix(addedSec, addedNsec).UTC()
	if marks != "" && marks != "[]" {
		if err := json.Unmarshal([]byte(marks), &o.Markings); err != nil {
			return nil, 0, err
		}
	}
	return o, seq, nil
}

// FindObjectVersions returns every stored version of id, oldest first (by
// instant, then by the fraction beyond nanoseconds, then raw string);
// ENOTFOUND if none.
func (db *DB) FindObjectVersions(ctx context.Context, id string) ([]*article5.StoredObject, error) {
	op := db.op("find object versions")
	out, err := collect(ctx, db.drv.Read(), func(r Row) (*article5.StoredObject, error) {
		o, _, err := scanObject(r)
		return o, err
	}, `SELECT `+objectColumns+` FROM objects WHERE id = ? ORDER BY version_sec, version_nsec, version`, id)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	if len(out) == 0 {
		return nil, notFound("object %s not found", id)
	}
	sort.SliceStable(out, func(i, j int) bool { return later(out[j], out[i]) })
	return out, nil
}

// FindObjects returns a page of objects in (date added, seq) order: seq is
// the order of storing, so objects sharing one date added (a bundle) page
// without loss or repeat. AddedAfter is exclusive. Without AllVersions only
// the latest version of each id is listed (at its own date added). Limit
// defaults to 100 and is capped at 1000. A malformed Cursor is EINVALID.
func (db *DB) FindObjects(ctx context.Context, f article5.ObjectFilter) (*article5.ObjectPage, error) {
	op := db.op("find objects")
	limit := pageLimit(f.Limit)
	q, args, err := db.objectsQuery(f, objectColumns, limit)
	if err != nil {
		return nil, err
	}
	rows, err := db.drv.Read().Query(ctx, q, args...)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	defer rows.Close()
	page := &article5.ObjectPage{Objects: []*article5.StoredObject{}}
	var lastSeq int64
	for rows.Next() {
		o, seq, err := scanObject(rows)
		if err != nil {
			return nil, article5.Internal(op, err)
		}
		if len(page.Objects) == limit {
			if f.Newest {
				break // a newest-first read is one page
			}
			last := page.Objects[limit-1]
			page.Next = encodeCursor(last.Added.Unix(), int64(last.Added.Nanosecond()), lastSeq)
			break
		}
		page.Objects = append(page.Objects, o)
		lastSeq = seq
	}
	if err := rows.Err(); err != nil {
		return nil, article5.Internal(op, err)
	}
	if k := len(page.Objects); k > 0 && !f.Newest {
		last := page.Objects[k-1]
		page.End = encodeCursor(last.Added.Unix(), int64(last.Added.Nanosecond()), lastSeq)
	}
	return page, nil
}

// objectsQuery is FindObjects' query of f's first limit+1 rows, selecting
// cols (objectColumns, or fewer), with its arguments. EINVALID for a
// malformed cursor, or a cursor with Newest.
func (db *DB) objectsQuery(f article5.ObjectFilter, cols string, limit int) (string, []any, error) {
	if f.Newest && f.Cursor != "" {
		return "", nil, article5.Errorf(article5.EINVALID, "a newest-first read of objects takes no page cursor")
	}
	var where []string
	var args []any
	if !f.AllVersions {
		where = append(where, `latest = `+db.d.Bool(true))
	}
	if !f.AddedAfter.IsZero() {
		where = append(where, `(added_sec, added_nsec) > (?, ?)`)
		args = append(args, f.AddedAfter.Unix(), int64(f.AddedAfter.Nanosecond()))
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return "", nil, err
		}
		where = append(where, `(added_sec, added_nsec, seq) > (?, ?, ?)`)
		args = append(args, c[0], c[1], c[2])
	}
	if f.Audience != nil && !f.Audience.All {
		if f.AllVersions {
			// A versioned row leaves only with the latest version of its id.
			lcond, largs := db.releasedRow("l", *f.Audience)
			where = append(where, `(objects.unversioned = `+db.d.Bool(true)+` OR EXISTS (SELECT 1 FROM objects l WHERE l.id = objects.id AND l.latest = `+
				db.d.Bool(true)+` AND `+lcond+`))`)
			args = append(args, largs...)
		}
	}
	if f.AllVersions && !f.Versions.Zero() {
		var any []string
		if f.Versions.Last {
			any = append(any, `objects.latest = `+db.d.Bool(true))
		}
		if f.Versions.First {
			// No earlier version of the id that the audience may see.
			cond := `NOT EXISTS (SELECT 1 FROM objects e WHERE e.id = objects.id AND (e.version_sec, e.version_nsec, e.version) < (objects.version_sec, objects.version_nsec, objects.version)`
			if f.Audience != nil && !f.Audience.All {
				econd, eargs := db.releasedRow("e", *f.Audience)
				cond += ` AND ` + econd
				args = append(args, eargs...)
			}
			any = append(any, cond+`)`)
		}
		for _, t := range f.Versions.At {
			any = append(any, `(objects.version_sec = ? AND objects.version_nsec = ?)`)
			args = append(args, t.Unix(), int64(t.Nanosecond()))
		}
		where = append(where, `(`+strings.Join(any, ` OR `)+`)`)
	}
	if len(f.ExcludeTypes) > 0 {
		cond, arg := db.d.In(db.unindexed("type"), f.ExcludeTypes)
		where = append(where, `NOT `+cond)
		args = append(args, arg)
	}
	if len(f.SpecVersions) > 0 {
		cond, arg := db.d.In("spec_version", f.SpecVersions)
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Custodian != "" {
		where = append(where, `(objects.custodian = ? OR (objects.custodian = '' AND objects.created_by = ?))`)
		args = append(args, f.Custodian, f.Custodian)
	}
	// A lookup by id or source_ref reads that key's index: the type and
	// the order are written so that no planner prefers the type index or
	// an ordered scan of the date-added index over it (SQLite, which
	// cannot tell how long a list is, did: 4.4 ms against 0.04 ms at
	// 1,000 cases); the few rows found are sorted. objects_source_ref is
	// partial (source_ref <> ''): the condition says so, or neither
	// planner may read it.
	if len(f.SourceRefs) > 0 {
		where = append(where, `source_ref <> ''`)
	}
	// A page by date added reads objects_latest_added (or objects_added)
	// in order, never the type index and a sort of every object of the
	// type (SQLite without statistics chose that; PostgreSQL's statistics
	// choose right, and it must see the column to use them).
	typeCol, order := db.unindexed("type"), `added_sec, added_nsec, seq`
	if len(f.IDs) > 0 || len(f.SourceRefs) > 0 {
		order = `added_sec + 0, added_nsec, seq`
	}
	dir := ""
	if f.Newest {
		order, dir = `added_sec DESC, added_nsec DESC, seq DESC`, ` DESC`
		if len(f.IDs) > 0 || len(f.SourceRefs) > 0 {
			order = `added_sec + 0 DESC, added_nsec DESC, seq DESC`
		}
	}
	for _, in := range []struct {
		col  string
		list []string
	}{{"id", f.IDs}, {typeCol, f.Types}, {"source_ref", f.SourceRefs}} {
		if len(in.list) > 0 {
			cond, arg := db.d.In(in.col, in.list)
			where = append(where, cond)
			args = append(args, arg)
		}
	}
	var q string
	if a := f.Audience; a != nil && !a.All && len(f.IDs) == 0 && len(f.SourceRefs) == 0 && a.Ceiling < a.DefaultRank {
		q, args = db.releasedPage(where, args, *a, limit, cols, dir)
	} else {
		if a != nil && !a.All {
			cond, cargs := db.releasedRow("objects", *a)
			where = append(where, cond)
			args = append(args, cargs...)
		}
		q = `SELECT ` + cols + ` FROM objects`
		if len(where) > 0 {
			q += ` WHERE ` + strings.Join(where, ` AND `)
		}
		q += ` ORDER BY ` + order + ` LIMIT ?`
		args = append(args, limit+1)
	}
	return q, args, nil
}

// AddedTimes returns when each object f selects was added, in f's order
// (FindObjects' rows, Limit up to maxAddedTimes, 0: maxAddedTimes),
// reading the date-added columns only and never an object's raw bytes;
// more is true when more rows follow. It is what a count of objects
// added per period needs (the dashboard's timeline).
func (db *DB) AddedTimes(ctx context.Context, f article5.ObjectFilter) (added []time.Time, more bool, err error) {
	limit := f.Limit
	if limit <= 0 || limit > maxAddedTimes {
		limit = maxAddedTimes
	}
	q, args, err := db.objectsQuery(f, `added_sec, added_nsec`, limit)
	if err != nil {
		return nil, false, err
	}
	out, err := collect(ctx, db.drv.Read(), func(r Row) (time.Time, error) {
		var sec, nsec int64
		err := r.Scan(&sec, &nsec)
		return time.Unix(sec, nsec).UTC(), err
	}, q, args...)
	if err != nil {
		return nil, false, article5.Internal(db.op("added times"), err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// maxAddedTimes bounds AddedTimes.
const maxAddedTimes = 10000

// releasedPage is the query, with its arguments, of a page of objects
// released to a, for an audience that may not see unmarked objects (its
// ceiling is below the default rank: a stranger, a community member) and
// so may see only a small part of what the node holds. Rather than read
// the objects in order and drop those it may not see (a page would then
// cost in proportion to the inverse of that part), it reads, for each way
// a row may be released to a (release.Policy.Releasable, as releasedRow
// has it: a TLP rank within the ceiling, a standard object, a
// created_by_ref of a's organisation, a red recipient that names it), the
// first limit+1 rows of that way in page order from an index (migration
// 0012), and the page is the first limit+1 of their union. The rows and
// their order are exactly those of the single query with releasedRow.
//
// cols are the columns selected (objectColumns, or fewer) and dir "" for
// the order of date added, " DESC" for newest first.
func (db *DB) releasedPage(where []string, args []any, a article5.Audience, limit int, cols, dir string) (string, []any) {
	// Each read is ordered by its index's own columns (the first is fixed
	// by the condition, so the order is the page's): a planner then reads
	// that index and stops at the limit, whatever it estimates of the
	// condition (PostgreSQL's generic plan of a prepared statement does not
	// see the organisation it is given).
	type branch struct {
		cond, key string
		args      []any
	}
	var branches []branch
	for r := 0; r <= min(a.Ceiling, 4); r++ {
		branches = append(branches, branch{`objects.tlp_rank = ?`, `objects.tlp_rank, `, []any{r}})
	}
	if a.DefaultRank <= a.Ceiling {
		branches = append(branches, branch{`objects.tlp_rank < 0`, ``, nil})
	}
	branches = append(branches, branch{`objects.custodian = ?`, `objects.custodian, `, []any{article5.CustodyStandard}})
	var red []string
	var redArgs []any
	if a.Org != "" {
		branches = append(branches, branch{`objects.created_by = ? AND objects.relayed = ` + db.d.Bool(false), `objects.created_by, `, []any{a.Org}})
		red, redArgs = append(red, db.d.Contains("objects.red")), append(redArgs, ","+a.Org+",")
	}
	if a.Subject != "" {
		red, redArgs = append(red, db.d.Contains("objects.red")), append(redArgs, ","+a.Subject+",")
	}
	if len(red) > 0 {
		// objects_red_added holds only the rows that name a red recipient.
		branches = append(branches, branch{`objects.red <> ',' AND (` + strings.Join(red, ` OR `) + `)`, ``, redArgs})
	}
	var parts []string
	var out []any
	for i, b := range branches {
		w := append(where[:len(where):len(where)], b.cond)
		key := b.key
		if dir != "" && key != "" {
			key = strings.TrimSuffix(key, ", ") + dir + ", "
		}
		parts = append(parts, fmt.Sprintf(`SELECT seq FROM (SELECT objects.seq FROM objects WHERE %s ORDER BY %sobjects.added_sec%s, objects.added_nsec%s, objects.seq%s LIMIT ?) b%d`,
			strings.Join(w, ` AND `), key, dir, dir, dir, i))
		out = append(out, args...)
		out = append(out, b.args...)
		out = append(out, limit+1)
	}
	out = append(out, limit+1)
	// The page's rows are fetched by seq (objects_seq), never by a scan of
	// objects_added probing the set: that would cost the page's depth.
	return `SELECT ` + cols + ` FROM objects WHERE seq IN (` + strings.Join(parts, ` UNION `) + `) ORDER BY added_sec` + dir + `, added_nsec` + dir + `, seq` + dir + ` LIMIT ?`, out
}

// encodeCursor makes the opaque cursor of the position after the object
// added at sec.nsec with seq.
func encodeCursor(sec, nsec, seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("o1.%d.%d.%d", sec, nsec, seq)))
}

func decodeCursor(s string) ([3]int64, error) {
	var c [3]int64
	bad := article5.Errorf(article5.EINVALID, "malformed page cursor %q", s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, bad
	}
	parts := strings.Split(string(b), ".")
	if len(parts) != 4 || parts[0] != "o1" {
		return c, bad
	}
	for i := range c {
		if c[i], err = strconv.ParseInt(parts[i+1], 10, 64); err != nil {
			return c, bad
		}
	}
	return c, nil
}
