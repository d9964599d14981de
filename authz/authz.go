// Package authz is article5's one authorisation layer: every action a user
// asks for is decided here, from one policy table (DESIGN.md §1).
//
// A decision has two parts. The role rule: the user must hold one of the
// roles the policy table names for the action. The party rule: an action
// that is done for a party (record or sign its position, send or answer a
// request for information on its behalf, manage its users or keys, change
// its doctrine) is allowed only when that party is the user's own. A JP
// approver therefore cannot sign for the US, and a JP admin cannot change
// the us doctrine.
//
// Decide and Check do not allocate when the action is allowed; Check
// allocates its *article5.Error only when it refuses.
package authz

import "article5"

// User is an authenticated user: one party, one or more roles (DESIGN.md
// §1). A user with no roles, or whose party is not a treaty party, may do
// nothing.
type User struct {
	ID    string
	Party article5.Party
	Roles []article5.Role
	// Org is the STIX identity id of the user's organisation ("" when
	// unknown). Decisions do not use it; the node records it with the
	// user's changes (the audit log's "<id>@<org>", audit.ByOf).
	Org string `json:",omitempty"`
}

// Has reports whether u holds role r.
func (u User) Has(r article5.Role) bool {
	for _, have := range u.Roles {
		if have == r {
			return true
		}
	}
	return false
}

// Request is one action a user asks for.
type Request struct {
	User   User
	Action article5.Action
	// Party is the party the action is done for: the position's party for
	// record-position and sign-position, the asking party for send-rfi, the
	// answering party for answer-rfi, the managed party for manage-users and
	// manage-keys. "" when the action is not party-specific; a
	// party-specific action with Party "" is refused.
	Party article5.Party
	// DoctrineOwner is the party that owns the doctrine, for
	// change-doctrine only (Party is ignored for it).
	DoctrineOwner article5.Party
}

// Decision is the outcome of Decide. Reason says why, in a sentence safe to
// show to the user; it is a constant string (no allocation).
type Decision struct {
	Allowed bool
	Reason  string
}

// roleSet is a bit set of roles.
type roleSet uint8

const (
	analyst roleSet = 1 << iota
	legal
	approver
	observer
	admin
	everyone = analyst | legal | approver | observer | admin
)

func bit(r article5.Role) roleSet {
	switch r {
	case article5.RoleAnalyst:
		return analyst
	case article5.RoleLegal:
		return legal
	case article5.RoleApprover:
		return approver
	case article5.RoleObserver:
		return observer
	case article5.RoleAdmin:
		return admin
	}
	return 0
}

// scope says which party, if any, an action is done for.
type scope uint8

const (
	anyParty    scope = iota // not party-specific: the case is shared by both parties
	ownParty                 // Request.Party must be the user's party
	ownDoctrine              // Request.DoctrineOwner must be the user's party
)

// rule is one row of the policy table.
type rule struct {
	action article5.Action
	roles  roleSet
	scope  scope
	denied string // the reason given when the role rule refuses
}

// policy is article5's authorisation policy: who may do what. It is the one
// place the rules live. Choices, with their grounds:
//
//   - read-case: every role. A case is the joint record of both parties'
//     consultation; anyone with an account on the node reads it.
//   - ingest, open-case, request-consultation: analyst only. Analysts take
//     in incidents and link them into cases (DESIGN.md §1). Admins do not:
//     keeping administration apart from the substance of a case is
//     separation of duties. New evidence that re-opens a case is ingest.
//   - record-position, send-rfi, answer-rfi: legal, for the own party only.
//     Legal advisers record their party's position and exchange requests for
//     information with the other party.
//   - sign-position: approver, for the own party only. The consultation is
//     concluded only by both parties' approvers' signatures (DESIGN.md §1).
//   - close-case: approver or admin, of either party. Closing ends a
//     concluded consultation; the signed record is unchanged by it.
//   - export-record: legal, approver, observer. Exporting the signed record
//     is a read of it for those who must be able to prove what was said.
//     Analysts read the case but do not take the legal record out of the
//     node; admins administer, they do not handle case substance.
//   - manage-users, manage-keys: admin, for the own party only.
//   - change-doctrine: admin of the party that owns the doctrine: each
//     Party answers for its own reading of the law.
//   - read-audit: admin and observer. Observers exist to oversee; admins
//     must see what was done on their node.
//
// An observer can therefore do nothing but read: read-case, export-record,
// read-audit.
var policy = [...]rule{
	{article5.ActionReadCase, everyone, anyParty, ""},
	{article5.ActionIngest, analyst, anyParty, "handing in evidence needs the analyst role"},
	{article5.ActionOpenCase, analyst, anyParty, "opening a case needs the analyst role"},
	{article5.ActionRequestConsult, analyst, anyParty, "requesting consultation needs the analyst role"},
	{article5.ActionRecordPosition, legal, ownParty, "recording a Party's position needs the legal role"},
	{article5.ActionSendRFI, legal, ownParty, "sending a request for information needs the legal role"},
	{article5.ActionAnswerRFI, legal, ownParty, "answering a request for information needs the legal role"},
	{article5.ActionSignPosition, approver, ownParty, "signing a Party's position needs the approver role"},
	{article5.ActionCloseCase, approver | admin, anyParty, "closing a case needs the approver or admin role"},
	{article5.ActionExportRecord, legal | approver | observer, anyParty, "exporting the signed record needs the legal, approver or observer role"},
	{article5.ActionManageUsers, admin, ownParty, "managing users needs the admin role"},
	{article5.ActionManageKeys, admin, ownParty, "managing approver keys needs the admin role"},
	{article5.ActionChangeDoctrine, admin, ownDoctrine, "changing a doctrine needs the admin role of the Party that owns it"},
	{article5.ActionReadAudit, admin | observer, anyParty, "reading the transparency log needs the admin or observer role"},
}

// Reasons given by Decide besides the per-action ones in the policy table.
const (
	ReasonAllowed       = "allowed"
	reasonUnknownAction = "unknown action"
	reasonNoParty       = "the user belongs to no treaty party"
	reasonNoTarget      = "the action is party-specific but names no party"
	reasonOtherParty    = "a user may act only for their own party"
	reasonOtherDoctrine = "only the owning party's admin may change a doctrine"
)

// Decide decides r by the policy table and the party rule. It never
// allocates.
func Decide(r Request) Decision {
	var p *rule
	for i := range policy {
		if policy[i].action == r.Action {
			p = &policy[i]
			break
		}
	}
	if p == nil {
		return Decision{Reason: reasonUnknownAction}
	}
	if r.User.Party != article5.PartyJP && r.User.Party != article5.PartyUS {
		return Decision{Reason: reasonNoParty}
	}
	var held roleSet
	for _, role := range r.User.Roles {
		held |= bit(role)
	}
	if held&p.roles == 0 {
		return Decision{Reason: p.denied}
	}
	switch p.scope {
	case ownParty:
		if r.Party == "" {
			return Decision{Reason: reasonNoTarget}
		}
		if r.Party != r.User.Party {
			return Decision{Reason: reasonOtherParty}
		}
	case ownDoctrine:
		if r.DoctrineOwner == "" {
			return Decision{Reason: reasonNoTarget}
		}
		if r.DoctrineOwner != r.User.Party {
			return Decision{Reason: reasonOtherDoctrine}
		}
	}
	return Decision{Allowed: true, Reason: ReasonAllowed}
}

// Check returns nil when Decide allows r, and otherwise an *article5.Error
// with code EFORBIDDEN whose message gives the reason in words (the role
// reasons name what was refused: "signing a Party's position needs the
// approver role").
func Check(r Request) error {
	d := Decide(r)
	if d.Allowed {
		return nil
	}
	if d.Reason == reasonUnknownAction {
		return article5.Errorf(article5.EFORBIDDEN, "refused: unknown action %q", r.Action)
	}
	return article5.Errorf(article5.EFORBIDDEN, "refused: %s", d.Reason)
}

// PartySpecific reports whether action a is done for a party, so that the
// party rule applies to it (Request.Party, or Request.DoctrineOwner for
// change-doctrine, must be the user's own party).
func PartySpecific(a article5.Action) bool {
	for i := range policy {
		if policy[i].action == a {
			return policy[i].scope != anyParty
		}
	}
	return false
}
