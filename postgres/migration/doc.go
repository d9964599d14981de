// Package migration holds the PostgreSQL schema migrations of article5, as
// numbered SQL files (0001_init.sql, 0002_….sql) that the postgres package
// embeds and applies in order, each in its own transaction, recording the
// file name in schema_migrations.
//
// A migration is never edited once shipped: a node that already applied it
// would never see the change. Change the schema with a new numbered file.
package migration
