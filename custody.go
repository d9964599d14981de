package article5

// Principal is who acts on a node: an API token, a logged-in user, or the
// node itself. ID is the token or user id ("token--…", "user--…") or
// PrincipalNode; Org is the STIX identity id of its organisation. A
// principal's id is local to its node and never crosses to a partner.
type Principal struct {
	ID  string
	Org string
}

// PrincipalNode is the principal id of the node itself: the objects it
// derives (assessments, determinations, its own identity and
// extension-definition) are submitted by it.
const PrincipalNode = "node"

// CustodyStandard is the custodian recorded for well-known standard
// objects (the OASIS TLP markings, published extension-definitions): no
// organisation holds them, anyone may hand in their published content, and
// no one versions them.
const CustodyStandard = "standard"

// CustodianOf returns the organisation in whose custody the node holds o:
// o.Custodian, or, for a version stored before custody was recorded, its
// created_by_ref (the only claim there was then).
func CustodianOf(o *StoredObject) string {
	if o.Custodian != "" {
		return o.Custodian
	}
	return o.CreatedBy
}

// IngestAccess is what DecideIngest needs to know of the submitting
// principal. The node builds it from its release policy, the submitter's
// organisation and the speaks-for delegations of its configuration.
type IngestAccess interface {
	// MayRead reports whether the submitter may read the stored version o
	// (the release decision the node would take for it).
	MayRead(o *StoredObject) bool
	// MayVersion reports whether the submitter may add a version to an
	// object in the custody of organisation custodian: it is of that
	// organisation, or the organisation has delegated to it.
	MayVersion(custodian string) bool
	// Standard reports whether id is a well-known standard object (the
	// OASIS TLP 2.0 and TLP 1.0 markings, published extension-definitions).
	Standard(id string) bool
}

// IngestAction is what DecideIngest says to do with an incoming version.
type IngestAction int

// Ingest actions.
const (
	IngestStore      IngestAction = iota // a new version: store it
	IngestUnchanged                      // the same content is already held where the submitter can read it: a no-op
	IngestReject                         // refuse it (the reason says why, naming nothing held)
	IngestQuarantine                     // it collides with an object the submitter may not read: hold it apart, for the submitter only
)

// IngestDecision is DecideIngest's answer: the action, the reason of a
// refusal (one generic sentence that names no stored version, creator,
// custodian or marking), and the custodian to record when storing.
type IngestDecision struct {
	Action    IngestAction
	Reason    string
	Custodian string
}

// Refusal reasons of DecideIngest. They name nothing the submitter could
// not read: the submitter already holds the stored version it conflicts
// with (a conflict with a version it may not read is quarantined instead).
const (
	ReasonVersionConflict = "this version (id and modified) is already held with different content; a new version needs a later modified (STIX 2.1 §3.6)"
	ReasonNotCustodian    = "a new version of an object is accepted only from the organisation that holds it in custody, or one it has delegated to"
	ReasonStandardObject  = "a well-known standard object (a TLP marking or a published extension-definition) is never versioned by a submitter"
)

// DecideIngest applies the custody rules to one incoming version in given
// the stored versions of its id (any order, quarantined copies excluded),
// for the submitter described by acc. In one place for every adapter:
//
//   - A well-known standard object is stored the first time (custodian
//     CustodyStandard); the same content again is a no-op; anything else
//     is refused: it is never versioned by a submitter.
//   - An unversioned object (an SCO, whose id is derived from its content,
//     or a marking without created) is a no-op when the same content is
//     held where the submitter can read it; otherwise it is stored as the
//     submitter's own copy (a new version dated by when it is added, in
//     the custody of the submitter's organisation). Another organisation's
//     copy that the submitter may not read is therefore never revealed,
//     neither by a "no-op" nor by a refusal.
//   - A versioned object that collides with versions the submitter may
//     not read (the latest version, or the one with the same modified) is
//     quarantined: the answer is the one a new object would get, and the
//     copy is held apart, seen by the submitter's organisation only, never
//     a version of the held object and never evidence.
//   - The same version with the same canonical content is a no-op; with
//     other content it is refused (STIX 2.1 §3.6: id and modified identify
//     a version).
//   - A new version is stored only if the submitter may version objects
//     in the custody of the held object's custodian; the custodian is
//     inherited. The content's created_by_ref grants nothing.
//   - The first version of an id is stored in the custody of
//     in.SubmitterOrg.
//
// Versions are compared as instants (VersionSec/VersionNsec) and, at equal
// instants, by the raw string (more than nine fractional digits).
func DecideIngest(in *StoredObject, stored []*StoredObject, acc IngestAccess) IngestDecision {
	if acc.Standard(in.ID) {
		for _, s := range stored {
			if s.SHA256 == in.SHA256 {
				return IngestDecision{Action: IngestUnchanged}
			}
		}
		if len(stored) > 0 {
			return IngestDecision{Action: IngestReject, Reason: ReasonStandardObject}
		}
		return IngestDecision{Action: IngestStore, Custodian: CustodyStandard}
	}
	if in.Unversioned {
		for _, s := range stored {
			if s.SHA256 == in.SHA256 && acc.MayRead(s) {
				return IngestDecision{Action: IngestUnchanged}
			}
		}
		return IngestDecision{Action: IngestStore, Custodian: in.SubmitterOrg}
	}
	var latest *StoredObject
	for _, s := range stored {
		if s.Unversioned {
			continue // an SCO copy under a versioned id cannot happen; ignore rather than guess
		}
		if latest == nil || versionLater(s, latest) {
			latest = s
		}
	}
	if latest == nil {
		return IngestDecision{Action: IngestStore, Custodian: in.SubmitterOrg}
	}
	if !acc.MayRead(latest) {
		return IngestDecision{Action: IngestQuarantine}
	}
	for _, s := range stored {
		if !s.Unversioned && s.VersionSec == in.VersionSec && s.VersionNsec == in.VersionNsec && s.Version == in.Version {
			if !acc.MayRead(s) {
				return IngestDecision{Action: IngestQuarantine}
			}
			if s.SHA256 == in.SHA256 {
				return IngestDecision{Action: IngestUnchanged}
			}
			return IngestDecision{Action: IngestReject, Reason: ReasonVersionConflict}
		}
	}
	custodian := CustodianOf(latest)
	if !acc.MayVersion(custodian) {
		return IngestDecision{Action: IngestReject, Reason: ReasonNotCustodian}
	}
	return IngestDecision{Action: IngestStore, Custodian: custodian}
}

// versionLater reports whether a is a later version than b: a greater
// instant, then (beyond nanoseconds) the longer-fraction raw string.
func versionLater(a, b *StoredObject) bool {
	if a.VersionSec != b.VersionSec {
		return a.VersionSec > b.VersionSec
	}
	if a.VersionNsec != b.VersionNsec {
		return a.VersionNsec > b.VersionNsec
	}
	return a.Version > b.Version
}

// Placement is where PlaceIngest puts a version it stores.
type Placement int

// Placements.
const (
	PlaceStore      Placement = iota // a version of the object in the store
	PlaceQuarantine                  // a copy in the submitter organisation's quarantine
	PlaceConflict                    // a conflicting version (same id and modified, other content), held apart as PlaceQuarantine
)

// ConflictHolder is an IngestAccess whose submitter's conflicting versions
// (same id and modified as a held version, other content) are held apart
// in its organisation's quarantine rather than refused (PlaceConflict): a
// partner node's, so that what it sent is kept and shown
// (docs/federation.md), never a version of the held object, never
// evidence.
type ConflictHolder interface {
	HoldConflicts() bool
}

// PlaceIngest decides one incoming version as its submitter sees the id:
// only the versions acc may read, from the store (held) and from the
// submitter organisation's quarantine (quarantined), count — a version it
// may not read is, for it, a version that does not exist, so no answer
// depends on one (DecideIngest over that view). A version to store goes to
// the store when the submitter may read every version the store holds
// under the id (or the object is an SCO or a standard object, whose
// copies are each their own); otherwise to the quarantine, in the
// submitter organisation's custody, where it is no version of the held
// object and no evidence. (Quarantined copies the submitter may not read
// are, likewise, ignored; an identical one makes the store a no-op whose
// answer is still "stored".)
func PlaceIngest(in *StoredObject, held, quarantined []*StoredObject, acc IngestAccess) (IngestDecision, Placement) {
	view := make([]*StoredObject, 0, len(held)+len(quarantined))
	complete := true
	for _, s := range held {
		if acc.MayRead(s) || acc.Standard(s.ID) {
			view = append(view, s)
		} else {
			complete = false
		}
	}
	for _, s := range quarantined {
		if acc.MayRead(s) {
			view = append(view, s)
		}
	}
	d := DecideIngest(in, view, acc)
	if h, ok := acc.(ConflictHolder); ok && h.HoldConflicts() && d.Action == IngestReject && d.Reason == ReasonVersionConflict {
		return IngestDecision{Action: IngestStore, Custodian: in.SubmitterOrg}, PlaceConflict
	}
	if d.Action != IngestStore || complete || in.Unversioned || acc.Standard(in.ID) {
		return d, PlaceStore
	}
	d.Custodian = in.SubmitterOrg
	return d, PlaceQuarantine
}
