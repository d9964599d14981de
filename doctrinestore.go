package article5

import (
	"context"
	"time"
)

// VersionHeld is the ECONFLICT error for a doctrine text put under a
// version (id, version) that already names another text, whose hex
// sha256 is held: a version names one text, so that "jp 2.1.1" in a
// signed record means one file.
func VersionHeld(id, version, held string) *Error {
	return Errorf(ECONFLICT, "%s %s is already held with other text (sha256 %s): give the new text its own version", id, version, held)
}

// DoctrineVersion is one version of a doctrine put through the API: the
// YAML source as received and what the node needs to list it without
// parsing. Versions of one doctrine id are numbered Seq 1, 2, … in the
// order they were saved; the latest is the one in force. Built-in and
// file doctrines loaded at start are not stored: a stored version
// overrides them.
type DoctrineVersion struct {
	ID        string    // the doctrine's id ("jp")
	Seq       int64     // 1 for the first stored version of ID; set by SaveDoctrine
	Party     Party     // the owning party (the file's party:)
	Version   string    // the doctrine's own version string (the file's version:)
	Title     string    // the file's title:
	Source    []byte    // the YAML source exactly as received
	SHA256    string    // hex sha256 of Source; set by SaveDoctrine
	ChangedBy string    // user id of the admin who saved it
	Changed   time.Time // when it was saved (UTC); a zero value is filled with the store's clock
}

// DoctrineService stores the doctrine versions put through the API.
// Doctrines are covered by the transparency log: every saved version
// appends an entry (kind "doctrine", ref "doctrines/<id>/<seq>").
type DoctrineService interface {
	// SaveDoctrine stores v as the next version of v.ID (setting Seq,
	// SHA256 and a zero Changed) with its audit entry and a full
	// re-assessment job ("*"), all in one transaction, and returns the
	// job's id. EINVALID without an id, a party or a source; ECONFLICT
	// (VersionHeld) if another text (another sha256) is already stored
	// under v.ID and v.Version, checked in the same transaction as the
	// insert: a version names one text. The same text again is stored.
	SaveDoctrine(ctx context.Context, v *DoctrineVersion) (job string, err error)
	// FindDoctrines returns the latest stored version of every doctrine,
	// ordered by id (none: an empty slice).
	FindDoctrines(ctx context.Context) ([]*DoctrineVersion, error)
	// FindDoctrineVersions returns every stored version of id, oldest
	// first; ENOTFOUND if there is none.
	FindDoctrineVersions(ctx context.Context, id string) ([]*DoctrineVersion, error)
}
