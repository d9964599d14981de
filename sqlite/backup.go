package sqlite

import (
	"context"
	"os"

	"article5"
)

// Backup writes a transactionally consistent copy of the database to path
// (which must not exist) while the node keeps serving: SQLite's VACUUM INTO
// copies one snapshot. It runs on the writer connection, so ingest waits
// for the copy (readers do not). Errors are EINVALID when path exists,
// EINTERNAL otherwise.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return article5.Errorf(article5.EINVALID, "sqlite: backup target %s already exists", path)
	}
	if _, err := db.drv.write.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return article5.Internal("sqlite: backup", err)
	}
	return nil
}
