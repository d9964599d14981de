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

	// Provenance (custody.go). Submitter is the principal that handed this
	// version to the node (an API token or user id, PrincipalNode for what
	// the node derives itself; "" for versions stored before submitters
	// were recorded) and SubmitterOrg its organisation. Custodian is the
	// organisation in whose custody the id is held: the submitter's
	// organisation for the first version, inherited by every later one
	// (CustodyStandard for well-known standard objects); "" on versions
	// stored before custody was recorded, whose custodian is then their
	// created_by_ref (CustodianOf). Relayed reports that created_by_ref
	// names an organisation this node does not know: the object is held as
	// relayed content and the claim grants nothing.
	Submitter    string
	SubmitterOrg string
	Custodian    string
	Relayed      bool
	// RedRecipients are the red_recipients of article5's release extension
	// (identity, user or token ids), kept beside the row so that release
	// decisions need not parse Raw.
	RedRecipients []string
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

// Audience is a recipient as a store sees it, so that a page of objects,
// cases or events can be released inside the query that reads it (the
// rows a recipient may not see are never read out, so no page, count or
// cursor depends on them). It is release.Policy.Releasable in columns: a
// row (an object version, or every latest evidence version of a case) is
// released when its rank (release.MarkingRank of its markings; an
// unmarked row counts at DefaultRank) is at most Ceiling, or Org is its
// unrelayed created_by_ref, or Org or Subject is among its red
// recipients, or it is a standard object (custodian CustodyStandard). The zero Audience releases only clear rows; All
// releases everything (the node itself).
type Audience struct {
	All         bool
	Org         string
	Subject     string
	Ceiling     int
	DefaultRank int
}

// CaseIndex is what the walk of a case's evidence found, for the index
// from objects to the cases they are evidence of (Store.SaveCaseIndex).
type CaseIndex struct {
	Case string
	// Evidence are the objects admitted as evidence, sorted by id: the
	// case, its assessment and its events leave the node only to a
	// recipient to whom each may (its latest version when Version is "",
	// else that version: an SCO copy).
	Evidence []ObjectRef
	// Watched are every id the walk looked up, held or not, sorted: a new
	// version of one, or a relationship or sighting from one, may change
	// the case, and queues its re-assessment.
	Watched []string
	// Since is the store's object watermark (ObjectWatermark) read before
	// the walk began: objects stored after it that the new index watches
	// re-queue the case.
	Since int64
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
	// Audience, when not nil, releases rows inside the query: only the
	// object versions it may see are read (see Audience). With
	// AllVersions, a versioned row is read only when the latest version of
	// its id may be seen too (an originator who raised the marking
	// withholds the earlier versions: node.Gate); an unversioned row (an
	// SCO copy) is judged on itself.
	Audience *Audience
	// ExcludeTypes are types never read (e.g. what the node derives and
	// releases only with its case).
	ExcludeTypes []string
	// SpecVersions, when not empty, selects rows whose spec_version is
	// one of these ("2.0", "2.1").
	SpecVersions []string
	// Custodian, when not "", selects objects in that organisation's
	// custody (CustodianOf).
	Custodian string
	// Newest reads the newest first (by date added), one page: no Next,
	// and no Cursor (EINVALID).
	Newest bool
	// Versions, with AllVersions, narrows the versions read of each id
	// (TAXII 2.1 §3.4.2, match[version]); the zero value reads every one.
	Versions VersionMatch
}

// VersionMatch selects versions of each id: the latest (Last), the
// earliest the filter's Audience may see (First), and those whose version
// instant is one of At. A row is read when it matches any of them; the
// zero VersionMatch matches every row.
type VersionMatch struct {
	First bool
	Last  bool
	At    []time.Time
}

// Zero reports whether m selects every version.
func (m VersionMatch) Zero() bool { return !m.First && !m.Last && len(m.At) == 0 }

// ObjectPage is one page of objects, in (date added, id, version) order,
// with the cursor of the next page ("" when there is none). A cursor breaks
// ties in date added, so no object is lost or repeated.
type ObjectPage struct {
	Objects []*StoredObject
	Next    string
	// End is the cursor of the position after the page's last object
	// ("" for an empty page), set whether or not more follow: a reader
	// that keeps it resumes after everything it has read, and reads what
	// is added later.
	End string
}

// IngestResult reports an ingest: what was stored (quarantined versions
// included, reported as stored), what was already held, what was refused,
// and how many cases it queued for re-assessment in the same transaction.
//
// Warnings name stored objects article5 assesses on partial facts (an
// incident without article5's extension and its domain: the facts only
// that extension carries are unknown), so the sender learns at ingest
// rather than from an indeterminate finding.
type IngestResult struct {
	Accepted  []ObjectRef `json:"accepted"`
	Unchanged []ObjectRef `json:"unchanged"`
	Rejected  []Rejection `json:"rejected"`
	Warnings  []Rejection `json:"warnings,omitempty"`
	// Conflicts are the versions held apart in the submitter's quarantine
	// because a version with the same id and modified but other content
	// is held (IngestRequest.Access is a ConflictHolder): never evidence.
	Conflicts []ObjectRef `json:"conflicts,omitempty"`
	// Queued is how many cases the ingest queued for re-assessment: those
	// whose evidence index watches a stored id (or the source of a stored
	// relationship), and the stored groupings' own cases. It never leaves
	// the node: the count would tell a sender of cases it may not see.
	Queued int `json:"-"`
}

// IngestRequest is a batch of versions for ObjectService.IngestObjects.
type IngestRequest struct {
	// Objects are the bundle's valid objects, in bundle order, each with
	// its Submitter and SubmitterOrg (and Relayed) set.
	Objects []*StoredObject
	// Prior are the rejections of earlier validation, returned with the
	// rest; a rejection's Index is the object's position in the bundle
	// (the k-th of Objects is at the k-th index not named in Prior).
	Prior []Rejection
	// Atomic: any rejection refuses the whole batch (nothing stored,
	// ECONFLICT).
	Atomic bool
	// Access describes the submitter for DecideIngest; nil means the node
	// itself (reads and versions everything, knows no standard object).
	Access IngestAccess
}

// FullAccess is the IngestAccess of the node itself.
type FullAccess struct{}

// MayRead implements IngestAccess: everything.
func (FullAccess) MayRead(*StoredObject) bool { return true }

// MayVersion implements IngestAccess: everything.
func (FullAccess) MayVersion(string) bool { return true }

// Standard implements IngestAccess: nothing is standard.
func (FullAccess) Standard(string) bool { return false }

// ObjectService stores and finds STIX objects.
type ObjectService interface {
	// IngestObjects applies DecideIngest to each object and stores the
	// accepted ones (quarantining the collisions DecideIngest says to),
	// with the re-assessment of the cases affected, all in one
	// transaction. Quarantined versions are reported as accepted: the
	// submitter is told what it would be told of a new object.
	IngestObjects(ctx context.Context, req IngestRequest) (*IngestResult, error)
	// FindObjectVersions returns every stored version of id, oldest first; ENOTFOUND if none.
	FindObjectVersions(ctx context.Context, id string) ([]*StoredObject, error)
	// FindObjects returns a page of objects.
	FindObjects(ctx context.Context, f ObjectFilter) (*ObjectPage, error)
}

// Job is a batch of cases claimed for re-assessment: each case is queued
// at most once (a case queued again while it is being assessed is run once
// more afterwards). Gens are the queue generations claimed, parallel to
// Cases, for CompleteJob.
type Job struct {
	ID       string
	Cases    []string
	Gens     []int64
	Created  time.Time
	Attempts int // the most attempts of any case in the batch
	// Leased is when the claim's lease on its cases ends (set by
	// ClaimJob). It also tells this claim from a later one that took the
	// cases over once it expired: CompleteJob completes only the cases
	// the job still holds.
	Leased time.Time
}

// JobService is the durable re-assessment queue: one row per case queued,
// handed out under a lease; a case claimed but not completed (the worker
// died) is handed out again after the lease.
type JobService interface {
	// ClaimJob claims up to max queued cases (expanding a pending full
	// re-assessment, recorded by a doctrine change, into every case
	// first). ENOTFOUND when none is due.
	ClaimJob(ctx context.Context, lease time.Duration, max int) (*Job, error)
	// CompleteJob removes the claimed cases from the queue, except those
	// queued again since they were claimed, which become due again.
	CompleteJob(ctx context.Context, job *Job) error
	// QueueCases queues cases for re-assessment (a case already queued is
	// queued once).
	QueueCases(ctx context.Context, ids []string) error
	// ObjectWatermark returns the sequence number of the last object
	// version stored (0 when none): objects are stored in that order.
	ObjectWatermark(ctx context.Context) (int64, error)
	// SaveCaseIndex adds x to a case's evidence index (it never removes:
	// the assessment still published may draw on what a new walk no longer
	// finds; SaveAssessment replaces the index), in the same transaction
	// as its audit entry. When an object stored after x.Since is watched by
	// the index, the case is queued again and requeued is true (so is
	// it in SaveAssessment).
	SaveCaseIndex(ctx context.Context, x CaseIndex) (requeued bool, err error)
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
	// Consultation is the state of the case's consultation, once opened
	// ("" before): read with the case, in the same query.
	Consultation CaseState `json:"consultation,omitempty"`
}

// CaseFilter selects cases: a case-insensitive substring of the name, a
// tier under any doctrine, and a page, released to Audience inside the
// query (a case is listed only when the latest version of every object of
// its evidence index may reach the audience).
type CaseFilter struct {
	Query    string
	Tier     Tier
	Limit    int
	Cursor   string
	Audience Audience
}

// EventFilter selects events: those after sequence number After, at most
// Limit (0: 100, capped at 1000), about cases released to Audience (as
// CaseFilter).
type EventFilter struct {
	After    int64
	Limit    int
	Audience Audience
}

// Event is something a user should know happened: "assessed" and
// "tier-changed" (the worker), and the consultation's events
// (EventConsultationOpened … EventClosed, consultation.go).
type Event struct {
	// Seq is the event's place in the node's sequence. It never leaves the
	// node (gaps would count the events of cases a recipient may not see):
	// clients get ID instead.
	Seq int64 `json:"-"`
	// ID is the event's opaque id for one recipient: its sequence number
	// sealed for that recipient (package cursor), the same for every
	// delivery of the event to the recipient (an idempotency key), usable
	// as a page cursor (?after) and as SSE Last-Event-ID. Set at the edge.
	ID       string    `json:"id,omitempty"`
	Type     string    `json:"type"`
	Case     string    `json:"case"`
	Doctrine string    `json:"doctrine,omitempty"`
	From     Tier      `json:"from,omitempty"`
	To       Tier      `json:"to,omitempty"`
	Hash     string    `json:"hash,omitempty"`
	Party    Party     `json:"party,omitempty"`   // consultation events: the Party acting or concerned
	Outcome  Outcome   `json:"outcome,omitempty"` // "concluded": concurred or diverged
	Time     time.Time `json:"time"`

	// Partner names the partner of a partner event
	// (EventPartnerLogInconsistent); Org is the organisation an event
	// about no case is filed for (every recipient of it sees the event:
	// OrgGrants). Both "" for case events.
	Partner string `json:"partner,omitempty"`
	Org     string `json:"-"`
}

// CaseService indexes cases and their assessments.
type CaseService interface {
	FindCases(ctx context.Context, f CaseFilter) ([]*CaseSummary, string, error) // cases and the next cursor
	FindCaseByID(ctx context.Context, id string) (*CaseSummary, error)           // ENOTFOUND
	// CaseReleasable reports whether case id is held (has an assessment
	// row) and released to a (see CaseFilter).
	CaseReleasable(ctx context.Context, id string, a Audience) (bool, error)
	// SaveAssessment stores an assessment of a case (its report as JSON and
	// the summary), records events (assessed; tier-changed per doctrine
	// whose tier differs from the case's previous assessment) and replaces
	// the case's evidence index with x (the evidence this assessment was
	// drawn from), all in the same transaction, and returns the events.
	// Saving the same hash again stores no assessment and no event, but
	// still replaces the index.
	SaveAssessment(ctx context.Context, s *CaseSummary, report []byte, x CaseIndex) ([]Event, error)
	// FindAssessment returns the latest assessment report of a case (JSON); ENOTFOUND.
	FindAssessment(ctx context.Context, caseID string) ([]byte, error)
	FindEvents(ctx context.Context, f EventFilter) ([]Event, error)
	// EventWatermark returns the sequence number of the last event stored
	// (0 when none): events are stored in that order, so a reader that
	// asked for every event after it read none it may see up to this
	// number, and may move past them.
	EventWatermark(ctx context.Context) (int64, error)
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
	FindTokenByID(ctx context.Context, id string) (*Token, error)     // ENOTFOUND (also for revoked)
	// FindTokens returns the unrevoked tokens of party ("" for every
	// party), oldest first (none: an empty slice).
	FindTokens(ctx context.Context, party Party) ([]*Token, error)
	// RevokeToken revokes token id, with its audit entry: it is found no
	// more. ENOTFOUND if there is no such token (or it is revoked).
	RevokeToken(ctx context.Context, id string) error
	// FindOrganisations returns the distinct organisations (STIX identity
	// ids) of every user and API token, sorted.
	FindOrganisations(ctx context.Context) ([]string, error)
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

// QuarantineService reads quarantined versions: those that collided with
// an object their submitter may not read (DecideIngest), held apart per
// submitting organisation (their Custodian), never a version of the held
// object and never evidence. Within one organisation's quarantine the same
// custody rules apply as in the store.
type QuarantineService interface {
	// FindQuarantined returns the versions of id quarantined for
	// organisation org, oldest first; ENOTFOUND if none.
	FindQuarantined(ctx context.Context, id, org string) ([]*StoredObject, error)
}

// NodeSecret is one of the node's secrets for sealing cursors
// (package cursor): 32 random bytes, shared by every serve process of
// the node through the store.
type NodeSecret struct {
	ID      string
	Secret  []byte
	Created time.Time
}

// SecretService keeps the node's cursor secrets.
type SecretService interface {
	// NodeSecrets returns the node's secrets, newest first, making the
	// first one if there is none.
	NodeSecrets(ctx context.Context) ([]NodeSecret, error)
	// RotateNodeSecret makes a new secret (which seals from then on) and
	// deletes those older than keep; it returns the new one.
	RotateNodeSecret(ctx context.Context, keep time.Duration) (*NodeSecret, error)
}

// TAXIIStatus is a TAXII 2.1 status resource as a node keeps it: its id,
// the principal (token or user id) whose write made it and who alone may
// read it, when, and its JSON. Operational: not covered by the log.
type TAXIIStatus struct {
	ID      string
	Owner   string
	Created time.Time
	Body    []byte
}

// TAXIIStatusService keeps TAXII status resources, shared by every serve
// process of the node.
type TAXIIStatusService interface {
	// CreateTAXIIStatus stores s and deletes the statuses created before
	// expireBefore.
	CreateTAXIIStatus(ctx context.Context, s *TAXIIStatus, expireBefore time.Time) error
	// FindTAXIIStatus returns status id when owner made it at or after
	// notBefore; ENOTFOUND otherwise, the same for another owner's.
	FindTAXIIStatus(ctx context.Context, id, owner string, notBefore time.Time) (*TAXIIStatus, error)
}

// Store is everything a node keeps, behind one handle (SQLite or PostgreSQL).
type Store interface {
	QuarantineService
	PartnerService
	WitnessService
	PartnerPushService
	TAXIIStatusService
	SecretService
	ObjectService
	JobService
	CaseService
	TokenService
	UserService
	WebhookService
	DoctrineService
	ConsultationService
	KeyService
	ClusterService
	Ping(ctx context.Context) error
	Close() error
}
