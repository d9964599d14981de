package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"article5"
	"article5/audit"

	"github.com/google/uuid"
)

// releasedRow is the condition, with its arguments, that the objects row
// named t (a table name or alias) may be released to a: article5.Audience
// in SQL, the rule of release.Policy.Releasable (a test holds the two
// together). The rank of an unmarked row is a.DefaultRank.
func (db *DB) releasedRow(t string, a article5.Audience) (string, []any) {
	if a.All {
		return `1 = 1`, nil
	}
	conds := []string{`(CASE WHEN ` + t + `.tlp_rank < 0 THEN ? ELSE ` + t + `.tlp_rank END) <= ?`, t + `.custodian = ?`}
	args := []any{a.DefaultRank, a.Ceiling, article5.CustodyStandard}
	if a.Org != "" {
		conds = append(conds, `(`+t+`.relayed = `+db.d.Bool(false)+` AND `+t+`.created_by = ?)`, db.d.Contains(t+".red"))
		args = append(args, a.Org, ","+a.Org+",")
	}
	if a.Subject != "" {
		conds = append(conds, db.d.Contains(t+".red"))
		args = append(args, ","+a.Subject+",")
	}
	return `(` + strings.Join(conds, ` OR `) + `)`, args
}

// CaseReleasable reports whether case id has an assessment row and may be
// released to a: whether it is filed under one of a's keys (caseFiled).
func (db *DB) CaseReleasable(ctx context.Context, id string, a article5.Audience) (bool, error) {
	cond, args := db.caseFiled("c.id", a)
	var n int
	err := db.drv.Read().QueryRow(ctx, `SELECT count(*) FROM cases c WHERE c.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&n)
	if err != nil {
		return false, article5.Internal(db.op("case releasable"), err)
	}
	return n > 0, nil
}

// affectedCases returns the cases a stored batch changes: those whose
// index watches a stored id or the source of a stored relationship or
// sighting, and the stored groupings' own cases. Its cost follows the
// batch and the index, never the number of cases held.
func (db *DB) affectedCases(ctx context.Context, tx Tx, accepted []*article5.StoredObject) ([]string, error) {
	seen := map[string]bool{}
	var ids, cases []string
	for _, o := range accepted {
		for _, id := range []string{o.ID, o.SourceRef} {
			if id != "" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if o.Type == "grouping" {
			cases = append(cases, o.ID)
		}
	}
	in, arg := db.d.In("object_id", ids)
	found, err := collect(ctx, tx, func(r Row) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, `SELECT DISTINCT case_id FROM case_index WHERE `+in, arg)
	if err != nil {
		return nil, err
	}
	cases = append(cases, found...)
	slices.Sort(cases)
	return slices.Compact(cases), nil
}

// queueCases queues cases inside tx: a case not queued gets a row, a
// queued one its generation bumped (so that it runs again if it is being
// assessed now).
func (db *DB) queueCases(ctx context.Context, tx Tx, cases []string, now time.Time) error {
	if len(cases) > 0 {
		if err := db.notify(ctx, tx, article5.TopicJobs); err != nil {
			return err
		}
	}
	for _, c := range cases {
		if _, err := tx.Exec(ctx, `INSERT INTO case_queue (case_id, gen, queued) VALUES (?, 1, ?)
			ON CONFLICT (case_id) DO UPDATE SET gen = case_queue.gen + 1`, c, now.UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// QueueCases queues cases for re-assessment (each at most once).
func (db *DB) QueueCases(ctx context.Context, ids []string) error {
	op := db.op("queue cases")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := db.queueCases(ctx, tx, ids, db.now()); err != nil {
		return article5.Internal(op, err)
	}
	if err := commit(ctx, op, tx); err != nil {
		return err
	}
	if len(ids) > 0 {
		db.signals.fire(article5.TopicJobs)
	}
	return nil
}

// insertJob records a full or listed re-assessment inside tx (a doctrine
// change records ["*"]); ClaimJob turns it into queued cases.
func (db *DB) insertJob(ctx context.Context, tx Tx, j *article5.Job) error {
	cases, err := json.Marshal(j.Cases)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO jobs (id, cases, created) VALUES (?, ?, ?)`, j.ID, string(cases), j.Created.UnixNano())
	if err != nil {
		return err
	}
	return db.notify(ctx, tx, article5.TopicJobs)
}

// ClaimJob claims up to max queued cases that are due (never leased, or
// whose lease expired), oldest first, leasing them until Now()+lease and
// counting the attempt; ENOTFOUND when none is due. A pending job row (a
// doctrine change's ["*"], or a list from before the per-case queue) is
// first turned into queued cases, by one claimer only. No two claimers
// get the same case (SQLite: the single writer; PostgreSQL: FOR UPDATE
// SKIP LOCKED).
func (db *DB) ClaimJob(ctx context.Context, lease time.Duration, limit int) (*article5.Job, error) {
	op := db.op("claim job")
	if limit <= 0 {
		limit = 1
	}
	now := db.now()
	// Most polls find nothing: ask without taking the writer.
	var waiting int
	if err := db.drv.Read().QueryRow(ctx, `SELECT (SELECT count(*) FROM (SELECT 1 FROM jobs WHERE done = `+db.d.Bool(false)+` LIMIT 1) j)
		+ (SELECT count(*) FROM (SELECT 1 FROM case_queue WHERE leased_until <= ? LIMIT 1) q)`, now.UnixNano()).Scan(&waiting); err != nil {
		return nil, article5.Internal(op, err)
	}
	if waiting == 0 {
		return nil, notFound("no case is waiting")
	}
	tx, err := db.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	type pending struct {
		seq   int64
		cases string
	}
	jobs, err := collect(ctx, tx, func(r Row) (p pending, err error) { return p, r.Scan(&p.seq, &p.cases) },
		`SELECT seq, cases FROM jobs WHERE done = `+db.d.Bool(false)+` ORDER BY seq`)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	for _, j := range jobs {
		n, err := tx.Exec(ctx, `UPDATE jobs SET done = ? WHERE seq = ? AND done = ?`, true, j.seq, false)
		if err != nil {
			return nil, article5.Internal(op, err)
		}
		if n == 0 {
			continue // another claimer took it
		}
		var cases []string
		_ = json.Unmarshal([]byte(j.cases), &cases)
		if slices.Contains(cases, "*") {
			if _, err := tx.Exec(ctx, `INSERT INTO case_queue (case_id, gen, queued)
				SELECT id, 1, ? FROM objects WHERE type = 'grouping' AND latest = `+db.d.Bool(true)+`
				ON CONFLICT (case_id) DO UPDATE SET gen = case_queue.gen + 1`, now.UnixNano()); err != nil {
				return nil, article5.Internal(op, err)
			}
			continue
		}
		if err := db.queueCases(ctx, tx, cases, now); err != nil {
			return nil, article5.Internal(op, err)
		}
	}
	type claim struct {
		c        string
		gen      int64
		attempts int
	}
	claims, err := collect(ctx, tx, func(r Row) (c claim, err error) { return c, r.Scan(&c.c, &c.gen, &c.attempts) },
		`SELECT case_id, gen, attempts FROM case_queue WHERE leased_until <= ? ORDER BY queued, case_id LIMIT ?`+db.d.SkipLocked(),
		now.UnixNano(), limit)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	if len(claims) == 0 {
		if err := commit(ctx, op, tx); err != nil {
			return nil, err
		}
		return nil, notFound("no case is waiting")
	}
	job := &article5.Job{ID: "job--" + uuid.NewString(), Created: now}
	ids := make([]string, len(claims))
	for i, c := range claims {
		ids[i] = c.c
		job.Cases = append(job.Cases, c.c)
		job.Gens = append(job.Gens, c.gen)
		job.Attempts = max(job.Attempts, c.attempts+1)
	}
	in, arg := db.d.In("case_id", ids)
	job.Leased = now.Add(lease)
	if _, err := tx.Exec(ctx, `UPDATE case_queue SET leased_until = ?, attempts = attempts + 1 WHERE `+in, job.Leased.UnixNano(), arg); err != nil {
		return nil, article5.Internal(op, err)
	}
	if err := commit(ctx, op, tx); err != nil {
		return nil, err
	}
	return job, nil
}

// CompleteJob takes the job's cases off the queue, except those queued
// again since they were claimed (their generation moved): those become due
// again at once, with their attempts reset. A case whose lease expired and
// was claimed again (by another worker, perhaps in another process) is
// left to the job that holds it now.
func (db *DB) CompleteJob(ctx context.Context, job *article5.Job) error {
	op := db.op("complete job")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	for i, c := range job.Cases {
		var gen int64
		if i < len(job.Gens) {
			gen = job.Gens[i]
		}
		// A takeover claims after the lease ended and leases beyond it:
		// leased_until is this job's exactly while it holds the case.
		leased := job.Leased.UnixNano()
		n, err := tx.Exec(ctx, `DELETE FROM case_queue WHERE case_id = ? AND gen = ? AND leased_until = ?`, c, gen, leased)
		if err != nil {
			return article5.Internal(op, err)
		}
		if n == 0 {
			// Queued again since the claim: due again at once. Or its
			// lease expired and another worker took it over: that one
			// completes it.
			if _, err := tx.Exec(ctx, `UPDATE case_queue SET leased_until = 0, attempts = 0 WHERE case_id = ? AND leased_until = ?`, c, leased); err != nil {
				return article5.Internal(op, err)
			}
		}
	}
	return commit(ctx, op, tx)
}

// ObjectWatermark returns the seq of the last object version stored.
func (db *DB) ObjectWatermark(ctx context.Context) (int64, error) {
	var n int64
	if err := db.drv.Read().QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM objects`).Scan(&n); err != nil {
		return 0, article5.Internal(db.op("object watermark"), err)
	}
	return n, nil
}

// SaveCaseIndex adds x to the case's index (never removing a row), logs
// the index, and re-queues the case when an object stored after x.Since is
// watched by it.
func (db *DB) SaveCaseIndex(ctx context.Context, x article5.CaseIndex) (bool, error) {
	op := db.op("save case index")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx)
	requeued, err := db.writeCaseIndex(ctx, tx, x, false, db.now())
	if err != nil {
		return false, err
	}
	if err := commit(ctx, op, tx); err != nil {
		return false, err
	}
	if requeued {
		db.signals.fire(article5.TopicJobs)
	}
	return requeued, nil
}

// writeCaseIndex writes a case's index inside tx (replacing it when
// replace, else adding to it), appends its log entry and re-queues the
// case when an object stored after x.Since is watched by it.
func (db *DB) writeCaseIndex(ctx context.Context, tx Tx, x article5.CaseIndex, replace bool, now time.Time) (bool, error) {
	op := db.op("write case index")
	if x.Case == "" {
		return false, article5.Errorf(article5.EINVALID, "a case index needs a case id")
	}
	if replace {
		if _, err := tx.Exec(ctx, `DELETE FROM case_index WHERE case_id = ?`, x.Case); err != nil {
			return false, article5.Internal(op, err)
		}
	}
	rows := map[[2]string]bool{} // (object, version) → evidence
	for _, id := range x.Watched {
		rows[[2]string{id, ""}] = false
	}
	for _, r := range x.Evidence {
		rows[[2]string{r.ID, r.Version}] = true
	}
	for k, ev := range rows {
		if _, err := tx.Exec(ctx, `INSERT INTO case_index (case_id, object_id, version, evidence) VALUES (?, ?, ?, ?)
			ON CONFLICT (case_id, object_id, version) DO UPDATE SET evidence = (case_index.evidence OR excluded.evidence)`,
			x.Case, k[0], k[1], ev); err != nil {
			return false, article5.Internal(op, err)
		}
	}
	all, err := collect(ctx, tx, func(r Row) (c audit.CaseIndexRow, err error) { return c, r.Scan(&c.Object, &c.Version, &c.Evidence) },
		`SELECT object_id, version, evidence FROM case_index WHERE case_id = ?`, x.Case)
	if err != nil {
		return false, article5.Internal(op, err)
	}
	if err := db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindCaseIndex, Ref: audit.CaseIndexRef(x.Case),
		Digest: audit.CaseIndexDigest(x.Case, all), Time: now, By: article5.PrincipalNode}}); err != nil {
		return false, err
	}
	if err := db.refreshAudience(ctx, tx, []string{x.Case}); err != nil {
		return false, article5.Internal(op, err)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM objects o WHERE o.seq > ?
		AND (o.id IN (SELECT object_id FROM case_index WHERE case_id = ?)
			OR (o.source_ref <> '' AND o.source_ref IN (SELECT object_id FROM case_index WHERE case_id = ?)))`,
		x.Since, x.Case, x.Case).Scan(&n); err != nil {
		return false, article5.Internal(op, err)
	}
	if n == 0 {
		return false, nil
	}
	return true, db.queueCases(ctx, tx, []string{x.Case}, now)
}

// coverCaseIndex adds the ref and digest of every case's index to out.
func coverCaseIndex(ctx context.Context, q Querier, out map[string]string) error {
	by := map[string][]audit.CaseIndexRow{}
	err := each(ctx, q, func(r Row) error {
		var c string
		var row audit.CaseIndexRow
		if err := r.Scan(&c, &row.Object, &row.Version, &row.Evidence); err != nil {
			return err
		}
		by[c] = append(by[c], row)
		return nil
	}, `SELECT case_id, object_id, version, evidence FROM case_index`)
	if err != nil {
		return err
	}
	for c, rows := range by {
		out[audit.CaseIndexRef(c)] = audit.CaseIndexDigest(c, rows)
	}
	// The precomputed audience is not logged itself: it must be what the
	// covered evidence gives, or the case's index digest does not match.
	bad, err := audienceFaults(ctx, q)
	if err != nil {
		return err
	}
	for _, c := range bad {
		markAudience(out, audit.CaseIndexRef(c))
	}
	return nil
}

// quarantineColumns are the columns of a quarantine row, in the order
// scanQuarantined reads and ingest writes them.
var quarantineColumns = []string{"id", "version", "submitter_org", "version_sec", "version_nsec", "unversioned", "added_sec", "added_nsec",
	"type", "spec_version", "created_by", "revoked", "markings", "source_ref", "target_ref", "sha256", "raw",
	"submitter", "relayed", "red"}

func scanQuarantined(r Row) (*article5.StoredObject, error) {
	o := &article5.StoredObject{}
	var addedSec, addedNsec int64
	var marks, red string
	if err := r.Scan(&o.ID, &o.Version, &o.SubmitterOrg, &o.VersionSec, &o.VersionNsec, &o.Unversioned, &addedSec, &addedNsec,
		&o.Type, &o.SpecVersion, &o.CreatedBy, &o.Revoked, &marks, &o.SourceRef, &o.TargetRef, &o.SHA256, &o.Raw,
		&o.Submitter, &o.Relayed, &red); err != nil {
		return nil, err
	}
	o.Added = time.Unix(addedSec, addedNsec).UTC()
	if o.Markings = audit.ParseMarkings(marks); o.Markings == nil {
		o.Markings = []string{"(unreadable) " + marks}
	}
	o.RedRecipients = article5.ParseRedColumn(red)
	o.Custodian = o.SubmitterOrg
	return o, nil
}

// FindQuarantined returns the versions of id quarantined for org, oldest
// first; ENOTFOUND if none.
func (db *DB) FindQuarantined(ctx context.Context, id, org string) ([]*article5.StoredObject, error) {
	out, err := collect(ctx, db.drv.Read(), scanQuarantined,
		`SELECT `+strings.Join(quarantineColumns, ", ")+` FROM quarantine WHERE id = ? AND submitter_org = ? ORDER BY version_sec, version_nsec, version`, id, org)
	if err != nil {
		return nil, article5.Internal(db.op("find quarantined"), err)
	}
	if len(out) == 0 {
		return nil, notFound("nothing quarantined under %s", id)
	}
	return out, nil
}

// coverQuarantine adds the ref and digest of every quarantine row to out.
func coverQuarantine(ctx context.Context, q Querier, out map[string]string) error {
	return cover(ctx, q, out, `SELECT `+strings.Join(quarantineColumns, ", ")+` FROM quarantine`, scanQuarantined,
		func(x *article5.StoredObject) string {
			return audit.QuarantineRef(x.ID, x.Version, x.SubmitterOrg, x.SHA256)
		},
		audit.QuarantineDigest)
}

// NodeSecrets returns the node's cursor secrets, newest first, making the
// first one when there is none.
func (db *DB) NodeSecrets(ctx context.Context) ([]article5.NodeSecret, error) {
	op := db.op("node secrets")
	out, err := db.readSecrets(ctx, db.drv.Read())
	if err != nil || len(out) > 0 {
		return out, err
	}
	if _, err := db.RotateNodeSecret(ctx, 1<<62); err != nil {
		return nil, err
	}
	out, err = db.readSecrets(ctx, db.drv.Read())
	if err == nil && len(out) == 0 {
		err = article5.Internal(op, fmt.Errorf("no secret after making one"))
	}
	return out, err
}

func (db *DB) readSecrets(ctx context.Context, q Querier) ([]article5.NodeSecret, error) {
	out, err := collect(ctx, q, func(r Row) (s article5.NodeSecret, err error) {
		var created int64
		err = r.Scan(&s.ID, &s.Secret, &created)
		s.Created = fromNano(created)
		return s, err
	}, `SELECT id, secret, created FROM node_secrets ORDER BY created DESC, id`)
	if err != nil {
		return nil, article5.Internal(db.op("node secrets"), err)
	}
	return out, nil
}

// RotateNodeSecret makes a new cursor secret (32 bytes from crypto/rand;
// its id the first 4 bytes of its sha256, hex, as cursor.KeyID), seals
// every partner's token and client key with it, and deletes the secrets
// made more than keep ago, in one transaction; it returns the new one.
func (db *DB) RotateNodeSecret(ctx context.Context, keep time.Duration) (*article5.NodeSecret, error) {
	op := db.op("rotate node secret")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	s, err := db.insertSecret(ctx, tx)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	// Partner secrets sealed with a secret about to go are sealed anew.
	if err := db.resealPartners(ctx, tx); err != nil {
		return nil, article5.Internal(op, err)
	}
	now := s.Created
	cutoff := int64(-1 << 63)
	if keep < time.Duration(now.UnixNano()) {
		cutoff = now.Add(-keep).UnixNano()
	}
	if _, err := tx.Exec(ctx, `DELETE FROM node_secrets WHERE created < ? AND id <> ?`, cutoff, s.ID); err != nil {
		return nil, article5.Internal(op, err)
	}
	return s, commit(ctx, op, tx)
}

// FindOrganisations returns the distinct organisations of every user and
// API token, sorted.
func (db *DB) FindOrganisations(ctx context.Context) ([]string, error) {
	out, err := collect(ctx, db.drv.Read(), func(r Row) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, `SELECT org FROM users UNION SELECT org FROM tokens ORDER BY 1`)
	if err != nil {
		return nil, article5.Internal(db.op("find organisations"), err)
	}
	return out, nil
}

// backfillRelease computes the release columns (tlp_rank, red) of versions
// stored before they existed (tlp_rank -2), in batches: once, on open
// after migration 0007.
func (db *DB) backfillRelease(ctx context.Context) error {
	op := db.op("backfill release columns")
	for {
		tx, err := db.begin(ctx, op, LockObjects)
		if err != nil {
			return err
		}
		type row struct {
			id, version, marks string
			raw                []byte
		}
		rows, err := collect(ctx, tx, func(r Row) (x row, err error) { return x, r.Scan(&x.id, &x.version, &x.marks, &x.raw) },
			`SELECT id, version, markings, raw FROM objects WHERE tlp_rank = -2 LIMIT 1000`)
		if err != nil {
			tx.Rollback(ctx)
			return article5.Internal(op, err)
		}
		if len(rows) == 0 {
			tx.Rollback(ctx)
			return nil
		}
		for _, x := range rows {
			rank := article5.MarkingRank(audit.ParseMarkings(x.marks))
			if _, err := tx.Exec(ctx, `UPDATE objects SET tlp_rank = ?, red = ? WHERE id = ? AND version = ?`,
				rank, article5.RedColumn(article5.RedRecipientsOf(x.raw)), x.id, x.version); err != nil {
				tx.Rollback(ctx)
				return article5.Internal(op, err)
			}
		}
		if err := commit(ctx, op, tx); err != nil {
			return err
		}
	}
}
