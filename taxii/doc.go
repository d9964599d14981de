// Package taxii is article5's TAXII 2.1 server (OASIS TAXII Version 2.1,
// 10 June 2021): discovery, one API root, collections, objects (GET, POST,
// DELETE answered with a policy), object by id, versions, manifest and
// status, mounted beside the JSON API on the same listener (api.Surface)
// and authenticated by the API's edge (api.Edge): bearer API tokens,
// login sessions and HTTP Basic with a node user's name and password.
//
// Collections are views of the node's one store, computed per caller
// (collections.go): "all" holds every object the caller may read, and
// "custody" the objects held in the custody of the caller's organisation.
// Every list is released inside the store's query (article5.Audience), so
// that an object the caller may not read behaves exactly as one the node
// does not hold: in pages, `more`, `next`, headers, manifests, versions
// and errors. What the node derives from a case (its assessment and
// determination objects) leaves only with the case, through the API, and
// is in no collection.
//
// Writes go through node.Node.Ingest, the node's one ingest path, so that
// validation, custody and provenance apply as they do to the API; the
// status resource of a write is readable only by the principal that made
// it. Nothing is ever deleted: signed evidence must stay reproducible.
//
// Pages are in the order the node added objects, with an opaque `next`
// (sealed for the caller by package cursor, bound to the collection and
// the endpoint) that breaks ties in date added, so that no object is lost
// or repeated however many share one date added.
package taxii
