// Package audit is article5's transparency log: every change a node makes
// (STIX ingest, cases, positions, signatures, determinations, users, roles,
// keys, doctrines, tokens) is an Entry appended to an append-only Merkle log
// (golang.org/x/mod/sumdb/tlog, RFC 6962 hashing) in the same transaction as
// the change, and the node signs tree heads (golang.org/x/mod/sumdb/note,
// Ed25519) that the partner node witnesses (DESIGN.md §5 "Integrity").
//
// The package is the storage-independent core. It never touches a database:
// a storage adapter (sqlite, postgres) reads and writes rows and calls the
// functions here inside its own transaction. Log is an in-memory log with
// the same behaviour, for tests and benchmarks.
//
// # Leaf data
//
// An entry's leaf data (Entry.Data) is one line of ASCII, five or six
// fields separated by single spaces and ended by "\n":
//
//	<index> <kind> <ref> <digest> <time>[ <by>]
//
// index is the entry's position in the log (decimal, from 0); kind matches
// [a-z][a-z0-9-]* (e.g. "stix-object", "case"); ref names the covered row
// (printable ASCII without spaces, e.g. "objects/<id>/<version>"); digest is
// the lowercase hex SHA-256 of the row's canonical content, or "-" when the
// change deleted the row (DigestDeleted); time is the change time in
// nanoseconds since the Unix epoch, UTC (decimal); by, when present, names
// the principal that made the change and its organisation
// ("token--…@identity--…"; entries written before it was recorded have five
// fields, and their hashes are unchanged). The record hash is
// tlog.RecordHash(Entry.Data()). Because the index is part of the leaf, an
// entry cannot be moved without changing its hash.
//
// # Adapter contract
//
// An adapter keeps three tables (names are a recommendation; "idx" avoids
// the SQL keyword INDEX):
//
//	audit_entries(idx INTEGER PRIMARY KEY, kind TEXT, ref TEXT, digest TEXT, time INTEGER)
//	audit_tiles(level INTEGER, idx INTEGER, data BLOB, PRIMARY KEY (level, idx))  -- tlog hash tiles of height 8
//	audit_heads(n INTEGER PRIMARY KEY, note BLOB)            -- SignTreeHead output for the tree of n entries
//
// audit_entries.time holds Entry.Time as UTC nanoseconds. audit_tiles
// holds the log's Merkle tree as tlog tiles of height TileHeight
// (https://research.swtch.com/tlog#tiling_a_log): the tile idx of level
// holds up to 256 hashes of tree level 8·level, 32 bytes each (about
// 4,000 rows for a million entries, where one row per tlog stored hash
// index would be two million); the hashes of the levels in between are
// recomputed from them (TileHashReader). To record changes, inside the
// transaction that makes them, the adapter:
//
//  1. serialises writers to the log (SQLite: the write transaction itself;
//     PostgreSQL: SELECT … FOR UPDATE on a one-row audit_state table, or an
//     advisory lock), then reads N = the largest n in audit_heads (0 if
//     none), which equals the number of entries;
//  2. calls Append(ctx, r, N, entries), where r = TileHashReader of a
//     TileReader on audit_tiles;
//  3. inserts Batch.Entries into audit_entries, and writes each tile
//     AppendTiles(ctx, r, batch) returns over the stored tile of the same
//     (level, idx), or inserts it;
//  4. signs Batch.Head with SignTreeHead and inserts it into audit_heads.
//
// Step 4 in every transaction keeps the newest signed head covering the
// whole log, which Verify requires: an entry beyond the newest signed head
// is reported as inserted.
//
// To verify, the adapter reads every audit_entries row, every audit_tiles
// row, the current digest of every covered row keyed by its ref, and the
// newest signed head (checked with VerifyTreeHead, or better, the newest
// head the partner witnessed), and calls Verify. An adapter reading a large
// log does it in steps, so as to hash while it reads and keep no row it
// read: it adds each entry to an EntryLog, calls CheckEntryLog, then gives
// each covered row to the LogCheck (Row, or RowDigest for the objects rows
// CoverObjects digests) and calls Report.
package audit
