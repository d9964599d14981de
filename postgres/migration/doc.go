// Package migration holds the PostgreSQL-only schema steps of article5, if
// any. The schema is written once, in sqlstore/migration (text/template
// files rendered with each database's sqlstore.Vocabulary); a numbered
// file here (NNNN_name.sql) is applied in its place in the order, and one
// of the same name as sqlstore's wins over it. It is for a step that
// truly differs on PostgreSQL, and keeps a step written in one file per
// adapter working. The postgres package embeds this directory; the file name
// is what schema_migrations records.
//
// A migration is never edited once shipped: a node that already applied it
// would never see the change. Change the schema with a new numbered file.
package migration
