package article5

import "time"

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

// Actions lists every action.
var Actions = []Action{ActionReadCase, ActionIngest, ActionOpenCase, ActionRequestConsult, ActionRecordPosition,
	ActionSendRFI, ActionAnswerRFI, ActionSignPosition, ActionCloseCase, ActionExportRecord, ActionManageUsers,
	ActionManageKeys, ActionChangeDoctrine, ActionReadAudit}

// CaseState is where a case stands in the consultation (issue 5):
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
