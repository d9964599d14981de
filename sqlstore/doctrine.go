package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"article5"
	"article5/audit"

	"github.com/google/uuid"
)

const doctrineColumns = `id, seq, party, version, title, source, sha256, changed_by, changed`

func scanDoctrine(row Row) (*article5.DoctrineVersion, error) {
	var v article5.DoctrineVersion
	var party string
	var changed int64
	if err := row.Scan(&v.ID, &v.Seq, &party, &v.Version, &v.Title, &v.Source, &v.SHA256, &v.ChangedBy, &changed); err != nil {
		return nil, err
	}
	v.Party, v.Changed = article5.Party(party), fromNano(changed)
	return &v, nil
}

// SaveDoctrine stores v as the next version of its doctrine, with its
// audit entry and a full re-assessment job, in one transaction, and
// returns the job's id. Concurrent saves are serialised by the audit
// log's lock, taken before the next seq is read. EINVALID without an id,
// a party or a source; ECONFLICT (article5.VersionHeld) if another text is
// already stored under v's id and version.
func (db *DB) SaveDoctrine(ctx context.Context, v *article5.DoctrineVersion) (string, error) {
	op := db.op("save doctrine")
	if v.ID == "" || v.Party == "" || len(v.Source) == 0 {
		return "", article5.Errorf(article5.EINVALID, "a doctrine version needs an id, a party and its source")
	}
	sum := sha256.Sum256(v.Source)
	v.SHA256 = hex.EncodeToString(sum[:])
	if v.Changed.IsZero() {
		v.Changed = db.now()
	}
	tx, err := db.begin(ctx, op, LockAudit)
	if err != nil {
		return "", err
	}
	defer tx.Rollback(ctx)
	// A version names one text: the lock taken above serialises saves, so
	// no other text can be stored under v.Version between this read and
	// the insert.
	held, err := collect(ctx, tx, func(row Row) (string, error) {
		var sum string
		return sum, row.Scan(&sum)
	}, `SELECT sha256 FROM doctrines WHERE id = ? AND version = ? AND sha256 <> ? ORDER BY seq LIMIT 1`, v.ID, v.Version, v.SHA256)
	if err != nil {
		return "", article5.Internal(op, err)
	}
	if len(held) > 0 {
		return "", article5.VersionHeld(v.ID, v.Version, held[0])
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM doctrines WHERE id = ?`, v.ID).Scan(&v.Seq); err != nil {
		return "", article5.Internal(op, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO doctrines (`+doctrineColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.Seq, string(v.Party), v.Version, v.Title, v.Source, v.SHA256, v.ChangedBy, v.Changed.UnixNano()); err != nil {
		return "", article5.Internal(op, err)
	}
	// The entry is made from the row as stored, so that it digests what
	// AuditVerify will read back.
	stored, err := scanDoctrine(tx.QueryRow(ctx, `SELECT `+doctrineColumns+` FROM doctrines WHERE id = ? AND seq = ?`, v.ID, v.Seq))
	if err != nil {
		return "", article5.Internal(op, err)
	}
	if err := db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindDoctrine, Ref: audit.DoctrineRef(stored.ID, stored.Seq),
		Digest: audit.DoctrineDigest(stored), Time: db.now()}}); err != nil {
		return "", err
	}
	job := &article5.Job{ID: "job--" + uuid.NewString(), Cases: []string{"*"}, Created: db.now()}
	if err := db.insertJob(ctx, tx, job); err != nil {
		return "", article5.Internal(op, err)
	}
	if err := commit(ctx, op, tx); err != nil {
		return "", err
	}
	db.signals.fire(article5.TopicJobs)
	return job.ID, nil
}

// FindDoctrines returns the latest stored version of every doctrine,
// ordered by id.
func (db *DB) FindDoctrines(ctx context.Context) ([]*article5.DoctrineVersion, error) {
	return db.findDoctrines(ctx, `SELECT `+doctrineColumns+` FROM doctrines d
		WHERE seq = (SELECT max(seq) FROM doctrines WHERE id = d.id) ORDER BY id`)
}

// FindDoctrineVersions returns every stored version of id, oldest first;
// ENOTFOUND if there is none.
func (db *DB) FindDoctrineVersions(ctx context.Context, id string) ([]*article5.DoctrineVersion, error) {
	out, err := db.findDoctrines(ctx, `SELECT `+doctrineColumns+` FROM doctrines WHERE id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound("no stored version of doctrine %s", id)
	}
	return out, nil
}

func (db *DB) findDoctrines(ctx context.Context, query string, args ...any) ([]*article5.DoctrineVersion, error) {
	out, err := collect(ctx, db.drv.Read(), scanDoctrine, query, args...)
	if err != nil {
		return nil, article5.Internal(db.op("find doctrines"), err)
	}
	return out, nil
}

// coverDoctrines adds the ref and digest of every doctrines row to out.
func coverDoctrines(ctx context.Context, q Querier, out map[string]string) error {
	return cover(ctx, q, out, `SELECT `+doctrineColumns+` FROM doctrines`, scanDoctrine,
		func(v *article5.DoctrineVersion) string { return audit.DoctrineRef(v.ID, v.Seq) }, audit.DoctrineDigest)
}
