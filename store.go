package article5

import (
	"context"
	"time"
)

// StoredObject is one version of a STIX object as a node holds it. The key
// is (ID, Version). Version is the raw `modified`, else the raw `created`,
// else (objects with neither: SCOs, some markings) the date the node first
// added this content, as RFC 3339 with nanoseconds; VersionSec/VersionNsec
// are that instant (PostgreSQL timestamptz stops at microseconds, so the
// instant is kept as integers). Raw is kept byte for byte.
type StoredObject struct {
	ID          string
	Type        string
	Version     string
	VersionSec  int64
	VersionNsec int64
	Unversioned bool      // no modified or created: Version is the date added
	Added       time.Time // when this node stored this version (UTC, ns)
	SpecVersion string
	CreatedBy   string   // created_by_ref, "" if none
	Revoked     bool     // `revoked: true`; kept and flagged
	Markings    []string // object_marking_refs and granular marking_refs, sorted, unique
	Raw         []byte   // the object exactly as received
	SHA256      string   // hex sha256 of the object's RFC 8785 canonical JSON
	SourceRef   string   // relationships: source_ref (indexed), else ""
	TargetRef   string   // relationships: target_ref, else ""
}

// VersionTime returns the version instant.
func (o *StoredObject) VersionTime() time.Time { return time.Unix(o.VersionSec, o.VersionNsec).UTC() }

// ObjectRef names one version of an object.
type ObjectRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

// Rejection is an object refused at ingest: its id, the JSON pointer of the
// fault ("" for the whole object) and why.
type Rejection struct {
	ID      string `json:"id"`
	Index   int    `json:"index"` // position in the bundle's objects
	Pointer string `json:"pointer,omitempty"`
	Reason  string `json:"reason"`
}

// IngestAction is what DecideIngest says to do with an incoming version.
type IngestAction int

// Ingest actions.
const (
	IngestStore     IngestAction = iota // a new version: store it
	IngestUnchanged                     // the same version with the same canonical content: a no-op
	IngestReject                        // refuse it (the reason says why)
)

// DecideIngest applies the ingest rules to one incoming version given the
// stored versions of the same id (any order), in one place for every
// adapter:
//   - the same version with the same canonical content is a no-op;
//   - the same version with different content is refused, naming the id
//     (STIX 2.1 §3.6: a version is identified by id and modified);
//   - an unversioned object (no modified/created: SCOs) whose content is
//     already held is a no-op; other content is a new version, versioned by
//     the date added (the keying rule; an SCO's id comes from its
//     contributing properties, so new content under the same id is the same
//     observable seen with more properties);
//   - a new version is accepted only if its created_by_ref equals the
//     stored versions' (only the creator may version an object, STIX 2.1
//     §3.6).
//
// Versions are compared as instants (VersionSec/VersionNsec) and, at equal
// instants, by the raw string (more than nine fractional digits).
func DecideIngest(in *StoredObject, stored []*StoredObject) (IngestAction, string) {
	if in.Unversioned {
		for _, s := range stored {
			if s.SHA256 == in.SHA256 {
				return IngestUnchanged, ""
			}
		}
		// Other content under a held id (an SCO seen again with more
		// properties) is a new version, dated by when it was added.
		return IngestStore, ""
	}
	for _, s := range stored {
		if !in.Unversioned && !s.Unversioned && s.VersionSec == in.VersionSec && s.VersionNsec == in.VersionNsec && s.Version == in.Version {
			if s.SHA256 == in.SHA256 {
				return IngestUnchanged, ""
			}
			return IngestReject, "version " + in.Version + " of " + in.ID + " is already held with different content; a new version needs a later modified"
		}
	}
	for _, s := range stored {
		if s.CreatedBy != in.CreatedBy {
			return IngestReject, "a new version of " + in.ID + " must keep created_by_ref " + quoteOrNone(s.CreatedBy) + " (got " + quoteOrNone(in.CreatedBy) + "): only the creator may version an object"
		}
	}
	return IngestStore, ""
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return `"` + s + `"`
}

// JobCases names the cases a stored batch affects, for its re-assessment
// job: the accepted groupings when only groupings were accepted, else "*"
// (a full rescan, the safe default). article5's own conclusions
// (article5-assessment, article5-determination) and opinions (the
// Parties' positions on an assessment) are not evidence and trigger
// nothing, nor do extension-definitions and article5's own identity; a
// batch of only those needs no job (nil).
func JobCases(accepted []*StoredObject) []string {
	var ids []string
	seen := map[string]bool{}
	for _, o := range accepted {
		if o.ID == ExtensionCreatorID {
			continue // article5's own identity (StoreExtension) is not evidence
		}
		switch o.Type {
		case "article5-assessment", "article5-determination", "opinion", "extension-definition":
			continue
		case "grouping":
			if !seen[o.ID] {
				seen[o.ID] = true
				ids = append(ids, o.ID)
			}
		default:
			return []string{"*"}
		}
	}
	return ids
}

// ObjectFilter selects stored objects. Zero values select everything.
type ObjectFilter struct {
	IDs         []string
	Types       []string
	SourceRefs  []string  // relationships and sightings whose source_ref (sighting_of_ref) is one of these
	AddedAfter  time.Time // exclusive
	AllVersions bool      // false: only the latest version of each id
	Limit       int       // page size; 0: adapter default (100), capped at 1000
	Cursor      string    // opaque, from a previous page's Next
}

// ObjectPage is one page of objects, in (date added, id, version) order,
// with the cursor of the next page ("" when there is none). A cursor breaks
// ties in date added, so no object is lost or repeated.
type ObjectPage struct {
	Objects []*StoredObject
	Next    string
}

// IngestResult reports an ingest: what was stored, what was already held,
// what was refused, and the re-assessment job recorded in the same
// transaction ("" when nothing was stored).
//
// Warnings name stored objects article5 cannot assess as they are (an
// incident without article5's extension and its domain), so the sender
// learns at ingest rather than from a case that never appears.
type IngestResult struct {
	Accepted  []ObjectRef `json:"accepted"`
	Unchanged []ObjectRef `json:"unchanged"`
	Rejected  []Rejection `json:"rejected"`
	Warnings  []Rejection `json:"warnings,omitempty"`
	Job       string      `json:"job,omitempty"`
}

// ObjectService stores and finds STIX objects.
type ObjectService interface {
	// IngestObjects applies DecideIngest to each object and stores the
	// accepted ones, with one re-assessment job naming the cases affected
	// (groupings among or referencing them, or "*" for a full rescan), all
	// in one transaction. With atomic, any rejection refuses the whole
	// batch (nothing stored, ECONFLICT). Rejections from earlier validation
	// may be passed in prior and are returned with the rest.
	IngestObjects(ctx context.Context, objs []*StoredObject, prior []Rejection, atomic bool) (*IngestResult, error)
	// FindObjectVersions returns every stored version of id, oldest first; ENOTFOUND if none.
	FindObjectVersions(ctx context.Context, id string) ([]*StoredObject, error)
	// FindObjects returns a page of objects.
	FindObjects(ctx context.Context, f ObjectFilter) (*ObjectPage, error)
}

// Job is a durable re-assessment job.
type Job struct {
	ID       string
	Cases    []string // case (grouping) ids to re-assess; "*" for every case
	Created  time.Time
	Attempts int
}

// JobService hands out and completes jobs; a job claimed but not completed
// (the worker died) is handed out again after the lease.
type JobService interface {
	ClaimJob(ctx context.Context, lease time.Duration) (*Job, error) // ENOTFOUND when there is none
	CompleteJob(ctx context.Context, id string) error
}

// CaseSummary is a case as listed: its grouping, and the latest assessment
// (hash, tier per doctrine) if any.
type CaseSummary struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Incidents int             `json:"incidents"`
	Updated   time.Time       `json:"updated"`
	Hash      string          `json:"hash,omitempty"`
	Tiers     map[string]Tier `json:"tiers,omitempty"`
	Scope     Scope           `json:"scope,omitempty"`
}

// CaseFilter selects cases: a case-insensitive substring of the name, a
// tier under any doctrine, and a page.
type CaseFilter struct {
	Query  string
	Tier   Tier
	Limit  int
	Cursor string
}

// Event is something a user should know happened: "assessed" and
// "tier-changed" (the worker), and the consultation's events
// (EventConsultationOpened … EventClosed, consultation.go).
type Event struct {
	Seq      int64     `json:"seq"`
	Type     string    `json:"type"`
	Case     string    `json:"case"`
	Doctrine string    `json:"doctrine,omitempty"`
	From     Tier      `json:"from,omitempty"`
	To       Tier      `json:"to,omitempty"`
	Hash     string    `json:"hash,omitempty"`
	Party    Party     `json:"party,omitempty"`   // consultation events: the Party acting or concerned
	Outcome  Outcome   `json:"outcome,omitempty"` // "concluded": concurred or diverged
	Time     time.Time `json:"time"`
}

// CaseService indexes cases and their assessments.
type CaseService interface {
	FindCases(ctx context.Context, f CaseFilter) ([]*CaseSummary, string, error) // cases and the next cursor
	FindCaseByID(ctx context.Context, id string) (*CaseSummary, error)           // ENOTFOUND
	// SaveAssessment stores an assessment of a case (its report as JSON and
	// the summary), records events (assessed; tier-changed per doctrine
	// whose tier differs from the case's previous assessment) in the same
	// transaction, and returns them. Saving the same hash again is a no-op.
	SaveAssessment(ctx context.Context, s *CaseSummary, report []byte) ([]Event, error)
	// FindAssessment returns the latest assessment report of a case (JSON); ENOTFOUND.
	FindAssessment(ctx context.Context, caseID string) ([]byte, error)
	FindEvents(ctx context.Context, afterSeq int64, limit int) ([]Event, error)
}

// Token is an API token as stored: only the sha256 of its secret.
type Token struct {
	ID          string
	Name        string
	Party       Party
	Org         string // STIX identity id of the organisation
	Communities []string
	Hash        string // hex sha256 of the secret
	Created     time.Time
}

// TokenService stores API tokens hashed at rest.
type TokenService interface {
	CreateToken(ctx context.Context, t *Token) error
	FindTokenByHash(ctx context.Context, hash string) (*Token, error) // ENOTFOUND (also for revoked)
}

// User is a person with an account on the node: one party, one or more
// roles (DESIGN.md §1). Name is the login name, unique on the node.
// PasswordHash is a PHC-style argon2id string
// ("$argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>", RFC 9106), made and
// checked by the HTTP edge; the store keeps it as given.
type User struct {
	ID           string
	Name         string
	Party        Party
	Roles        []Role
	Org          string // STIX identity id of the user's organisation
	Communities  []string
	PasswordHash string
	Created      time.Time
	Disabled     bool // a disabled user cannot log in and their sessions are refused
}

// Session is a server-side login session. The session secret (32 random
// bytes, sent to the browser in a cookie) is never stored: only its hex
// sha256, passed beside the Session to CreateSession and looked up by
// FindSessionByHash.
type Session struct {
	ID      string
	UserID  string
	Created time.Time
	Expires time.Time
}

// UserService stores users and their sessions. Users are covered by the
// transparency log (every change appends an entry, ref "users/<id>");
// sessions are operational state and are not.
type UserService interface {
	// CreateUser stores u. An empty ID is filled with "user--<uuid>" and a
	// zero Created with the store's clock. ECONFLICT if the id or the name
	// is taken; EINVALID without a name or a password hash.
	CreateUser(ctx context.Context, u *User) error
	FindUserByID(ctx context.Context, id string) (*User, error)     // ENOTFOUND
	FindUserByName(ctx context.Context, name string) (*User, error) // ENOTFOUND
	// SetUserRoles replaces a user's roles; ENOTFOUND if there is no such user.
	SetUserRoles(ctx context.Context, id string, roles []Role) error
	// CreateSession stores s, found later by tokenHash (the hex sha256 of
	// the session secret). An empty ID is filled with "session--<uuid>".
	// ENOTFOUND if the user does not exist; ECONFLICT if the hash is taken.
	CreateSession(ctx context.Context, s *Session, tokenHash string) error
	// FindSessionByHash returns the session whose secret hashes to
	// tokenHash; ENOTFOUND if there is none or it has expired (by the
	// store's clock).
	FindSessionByHash(ctx context.Context, tokenHash string) (*Session, error)
	// DeleteSession deletes a session by id; deleting one that is gone is
	// not an error (logout is idempotent).
	DeleteSession(ctx context.Context, id string) error
	// FindUsers returns the users f selects, ordered by name, and how many
	// it selects in all (before Limit and Offset).
	FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	// SetUserDisabled disables (or enables) a user; disabling also deletes
	// every session of the user, in the same transaction as the change and
	// its audit entry. ENOTFOUND if there is no such user.
	SetUserDisabled(ctx context.Context, id string, disabled bool) error
	// DeleteExpiredSessions deletes the sessions expired by the store's
	// clock and returns how many.
	DeleteExpiredSessions(ctx context.Context) (int, error)
}

// UserFilter selects users: those of one Party ("" for every party), a
// page of Limit (0: every user) from Offset.
type UserFilter struct {
	Party  Party
	Limit  int
	Offset int
}

// Store is everything a node keeps, behind one handle (SQLite or PostgreSQL).
type Store interface {
	ObjectService
	JobService
	CaseService
	TokenService
	UserService
	WebhookService
	DoctrineService
	ConsultationService
	KeyService
	Ping(ctx context.Context) error
	Close() error
}
