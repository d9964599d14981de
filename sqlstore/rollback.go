package sqlstore

import (
	"context"
	"encoding/hex"
	"strconv"

	"article5"
	"article5/audit"
)

// KindRollback is the kind of the log entry by which an operator accepts
// that the log was rolled back (article5 audit reconcile --accept-rollback,
// after a restore from backup): the node had published a signed tree head
// that the log no longer extends.
const KindRollback = "rollback"

// RollbackRef is the ref of a rollback entry:
// "audit/rollback/<size>/<hex hash>" of the abandoned signed head. No table
// has rows under it, so the entry's digest is audit.DigestDeleted and
// audit verify expects no row there.
func RollbackRef(abandoned audit.TreeHead) string {
	return "audit/rollback/" + strconv.FormatInt(abandoned.N, 10) + "/" + hex.EncodeToString(abandoned.Hash[:])
}

// AuditRecordRollback appends to the log one KindRollback entry naming the
// abandoned head (RollbackRef), made by by ("<who>", printable ASCII), and
// signs the new tree head, which it returns (SignTreeHead's note). The
// caller has checked that the log does not extend abandoned; the entry
// records the operator's decision in the log itself, so that a partner
// who witnessed the abandoned head finds in the new log why it forked.
// Errors: EINVALID for a by the log cannot hold, else EINTERNAL.
func (db *DB) AuditRecordRollback(ctx context.Context, abandoned audit.TreeHead, by string) ([]byte, error) {
	op := db.op("audit rollback")
	e := audit.Entry{Kind: KindRollback, Ref: RollbackRef(abandoned), Digest: audit.DigestDeleted, Time: db.now(), By: by}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	tx, err := db.begin(ctx, op, LockAudit)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	if err := db.appendAudit(ctx, tx, []audit.Entry{e}); err != nil {
		return nil, err
	}
	var signed []byte
	if err := tx.QueryRow(ctx, `SELECT note FROM audit_heads ORDER BY n DESC LIMIT 1`).Scan(&signed); err != nil {
		return nil, article5.Internal(op, err)
	}
	if err := commit(ctx, op, tx); err != nil {
		return nil, err
	}
	return signed, nil
}
