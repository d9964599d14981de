package article5

import (
	"context"
	"time"
)

// Role is what a user may do for their Party (DESIGN.md §1).
type Role string

// Roles.
const (
	RoleAnalyst  Role = "analyst"  // takes in incidents, opens cases, requests consultation
	RoleLegal    Role = "legal"    // records the Party's position, exchanges requests for information
	RoleApprover Role = "approver" // signs the Party's position
	RoleObserver Role = "observer" // reads
	RoleAdmin    Role = "admin"    // manages the Party's users, keys and doctrines
)

// Roles lists every role.
var Roles = []Role{RoleAnalyst, RoleLegal, RoleApprover, RoleObserver, RoleAdmin}

// Action is something a user asks the node to do; one authorisation layer
// decides each (package authz).
type Action string

// Actions.
const (
	ActionReadCase       Action = "read-case"
	ActionIngest         Action = "ingest"
	ActionOpenCase       Action = "open-case"
	ActionRequestConsult Action = "request-consultation"
	ActionRecordPosition Action = "record-position"
	ActionSendRFI        Action = "send-rfi"
	ActionAnswerRFI      Action = "answer-rfi"
	ActionSignPosition   Action = "sign-position"
	ActionCloseCase      Action = "close-case"
	ActionExportRecord   Action = "export-record"
	ActionManageUsers    Action = "manage-users"
	ActionManageKeys     Action = "manage-keys"
	ActionChangeDoctrine Action = "change-doctrine"
	ActionReadAudit      Action = "read-audit"
)

// Words names the action for a reader ("recording a Party's position"),
// as refusals and workflow errors say it; an unknown action is returned as
// it is.
func (a Action) Words() string {
	switch a {
	case ActionReadCase:
		return "reading the case"
	case ActionIngest:
		return "handing in evidence"
	case ActionOpenCase:
		return "opening a case"
	case ActionRequestConsult:
		return "requesting consultation"
	case ActionRecordPosition:
		return "recording a Party's position"
	case ActionSendRFI:
		return "sending a request for information"
	case ActionAnswerRFI:
		return "answering a request for information"
	case ActionSignPosition:
		return "signing a Party's position"
	case ActionCloseCase:
		return "closing the case"
	case ActionExportRecord:
		return "exporting the signed record"
	case ActionManageUsers:
		return "managing users"
	case ActionManageKeys:
		return "managing approver keys"
	case ActionChangeDoctrine:
		return "changing a doctrine"
	case ActionReadAudit:
		return "reading the transparency log"
	}
	return string(a)
}

// Actions lists every action.
var Actions = []Action{ActionReadCase, ActionIngest, ActionOpenCase, ActionRequestConsult, ActionRecordPosition,
	ActionSendRFI, ActionAnswerRFI, ActionSignPosition, ActionCloseCase, ActionExportRecord, ActionManageUsers,
	ActionManageKeys, ActionChangeDoctrine, ActionReadAudit}

// CaseState is where a case stands in the consultation:
// open → in-consultation → concluded (concurred | diverged) → closed; new
// evidence re-opens a concluded or in-consultation case with a new
// assessment.
type CaseState string

// Case states.
const (
	StateOpen           CaseState = "open"
	StateInConsultation CaseState = "in-consultation"
	StateConcurred      CaseState = "concluded-concurred"
	StateDiverged       CaseState = "concluded-diverged"
	StateClosed         CaseState = "closed"
)

// PositionPurpose is the purpose string every signed position payload
// carries, so that a signature over it cannot be replayed for another
// purpose.
const PositionPurpose = "article5/position/v1"

// PositionPayload is exactly what an approver signs: its RFC 8785
// canonical JSON is the signed message (detached Ed25519 signature).
type PositionPayload struct {
	Purpose        string        `json:"purpose"` // PositionPurpose
	Case           string        `json:"case"`
	AssessmentHash string        `json:"assessment_hash"`
	EvidenceDigest string        `json:"evidence_digest"`
	Doctrines      []DoctrineRef `json:"doctrines"`
	Party          Party         `json:"party"`
	Tier           Tier          `json:"tier"`    // the Party's own tier
	Opinion        string        `json:"opinion"` // STIX opinion-enum: agree with the assessment … strongly-disagree
	ReasonsSHA256  string        `json:"reasons_sha256"`
	KeyID          string        `json:"key_id"`
	SignedAt       string        `json:"signed_at"` // RFC 3339 UTC, milliseconds
}

// Position is a Party's view on one assessment, with its signature once
// signed.
type Position struct {
	ID        string          // STIX opinion id
	Payload   PositionPayload // what is (or will be) signed
	Reasons   string          // the text whose sha256 is in the payload
	Signature []byte          // Ed25519 over the canonical payload; nil until signed
	SignedBy  string          // user id of the approver
	Recorded  time.Time
}

// Outcome is the determination's result: concurred or diverged.
type Outcome string

// Outcomes (DESIGN.md §2, determination).
const (
	Concurred Outcome = "concurred"
	Diverged  Outcome = "diverged"
)

// Consultation events (Event.Type), each recorded in the same transaction
// as the change it reports.
const (
	EventConsultationOpened    = "consultation-opened"
	EventConsultationRequested = "consultation-requested"
	EventPositionRecorded      = "position-recorded" // Event.Party: whose position
	EventRFISent               = "rfi-sent"          // Event.Party: the asking Party
	EventRFIAnswered           = "rfi-answered"      // Event.Party: the answering Party
	EventPositionSigned        = "position-signed"   // Event.Party: whose position; Hash: the assessment signed
	EventConcluded             = "concluded"         // Event.Outcome: concurred or diverged; Hash: the assessment
	EventReopened              = "reopened"          // new evidence: Hash is the new assessment
	EventClosed                = "closed"
)

// Consultation is the stored consultation of one case: the state of its
// workflow (package workflow) as JSON, with the state and a version for
// optimistic concurrency. Data is opaque to the store.
type Consultation struct {
	Case    string    // the case (grouping) id
	State   CaseState // the workflow state, indexed for listing
	Version int64     // 1 for a new consultation, +1 per save
	Data    []byte    // JSON of workflow.Case
	Updated time.Time
}

// ConsultationService stores consultations. The consultations table is
// covered by the transparency log (ref "consultations/<case>").
type ConsultationService interface {
	// FindConsultation returns the consultation of a case; ENOTFOUND if
	// none was opened.
	FindConsultation(ctx context.Context, caseID string) (*Consultation, error)
	// SaveConsultation stores c in one transaction with what s says it
	// produced: s.Objects (the STIX opinions and determination, ingested
	// atomically as by IngestObjects but recording no re-assessment job)
	// and s.Events, and records in the audit log one entry of the
	// consultations row per kind of s.Kinds, then one per event, each
	// carrying s.By. c.Version must be the stored version + 1 (1 for a new
	// consultation), else ECONFLICT (another request changed it first);
	// EINVALID without a case, state, data, version or kind, or with a
	// kind or By the log cannot record. A zero Updated becomes the store's
	// clock. It returns the events with their sequence numbers.
	SaveConsultation(ctx context.Context, c *Consultation, s ConsultationSave) ([]Event, error)
}

// ConsultationSave is what one change of a consultation records besides
// its new state (ConsultationService.SaveConsultation).
type ConsultationSave struct {
	// Kinds are what the change was, one audit log entry of the
	// consultations row each, in order: audit.KindCase (opened, requested,
	// a request for information or its answer, re-opened, closed),
	// audit.KindPosition, audit.KindSignature, audit.KindDetermination.
	// A signature that concludes the consultation is two: KindSignature
	// then KindDetermination. At least one.
	Kinds []string
	// By is who made the change, as the log records it (audit.Entry.By):
	// "<user or token id>@<organisation's identity id>" (audit.ByOf), the
	// partner node's principal and organisation for a partner's step,
	// PrincipalNode for the node's own (re-opening on new evidence).
	By      string
	Objects []*StoredObject
	Events  []Event
}

// ApproverKey is an approver's signing key as a node holds it: the private
// key sealed with the approver's password (package sign; unsealed only to
// sign), the certificate by which the Party's root key certifies it (JSON
// of sign.Certificate), and the root-signed revocation once revoked (JSON
// of sign.Revocation, nil until then).
type ApproverKey struct {
	KeyID       string // "ed25519:<32 hex>"
	UserID      string
	Party       Party
	Sealed      []byte
	Certificate []byte
	Revocation  []byte
	Created     time.Time
}

// KeyService stores approver keys. The approver_keys table is covered by
// the transparency log (ref "approver_keys/<key id>"): adding a key
// (rotation) and revoking one are logged.
type KeyService interface {
	// CreateApproverKey stores k; ECONFLICT if the key id is held,
	// ENOTFOUND if the user does not exist. A zero Created becomes the
	// store's clock.
	CreateApproverKey(ctx context.Context, k *ApproverKey) error
	// FindApproverKeys returns a user's keys, newest first (none: empty).
	FindApproverKeys(ctx context.Context, userID string) ([]*ApproverKey, error)
	// FindApproverKey returns one key; ENOTFOUND.
	FindApproverKey(ctx context.Context, keyID string) (*ApproverKey, error)
	// RevokeApproverKey records a key's revocation; ENOTFOUND for an
	// unknown key, ECONFLICT if it is already revoked.
	RevokeApproverKey(ctx context.Context, keyID string, revocation []byte) error
	// ResealApproverKey replaces a key's sealed private key by sealed, the
	// same key sealed with another passphrase (a signing passphrase);
	// logged like any change of the row. ENOTFOUND for an unknown key,
	// ECONFLICT if it is revoked.
	ResealApproverKey(ctx context.Context, keyID string, sealed []byte) error
}
