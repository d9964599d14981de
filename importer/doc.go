// Package importer holds what the dataset importers share: a streaming CSV
// reader that names the row and column of every fault, a parser for the
// Python-literal list cells real datasets carry ("[['Japan', 'China']]"),
// reproducible UUIDv5 ids in article5's namespace, a builder that collects
// STIX objects (deduplicating shared identities and actors) and writes one
// sorted, byte-identical bundle, and a run report of unmapped values and
// rejected records.
//
// The importers themselves live in importer/eurepoc and importer/cfr.
package importer
