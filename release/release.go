// Package release decides whether a STIX object may leave an article5 node
// for a given recipient. Every path out of a node (JSON API, web UI, TAXII
// 2.1 server, federation push) must ask Policy.Releasable, or Policy.Filter
// for lists, and nothing else (DESIGN.md §5).
//
// The rule is the Traffic Light Protocol 2.0 (FIRST, "Traffic Light Protocol
// (TLP) Version 2.0", August 2022, https://www.first.org/tlp/), applied as a
// rule for recipients: the decision is taken from the object's markings, its
// originator and the recipient together. The level of an object is the most
// restrictive of its markings, in the order
//
//	CLEAR < GREEN < AMBER < AMBER+STRICT < RED
//
// and each level admits an audience (FIRST TLP 2.0, the definitions of each
// label):
//
//   - RED: only the recipients the originator named in article5's extension
//     property red_recipients (STIX identity ids, or a node's user or API
//     token ids). Without red_recipients a RED object goes to no one but its
//     originator.
//   - AMBER+STRICT: the holder's own organisation only.
//   - AMBER: the holder's organisation and its clients.
//   - GREEN: the holder's community (any community the holder is a member of).
//   - CLEAR: anyone.
//
// The holder is the node's organisation, the one that received the data and
// is bound by its marking (Policy.Holder).
//
// The audiences are nested: a recipient admitted at a level is also admitted
// at every less restrictive level (a named RED recipient also receives the
// object if it is only AMBER+STRICT; a client also receives it if it is only
// GREEN). FIRST TLP 2.0 orders the labels from most to least restrictive in
// exactly this sense, and nesting is what makes the decision monotonic: adding
// a marking to an object never lets it reach anyone it could not reach
// before. The originator of an object (created_by_ref) may always have it.
//
// Markings are identified by id only. The TLP 2.0 marking-definitions
// published by OASIS are built in and the TLP 1.0 ids of STIX 2.1 §7.2.1.4
// are mapped (WHITE→CLEAR, GREEN, AMBER, RED), both through stix.TLPOf. Any
// other marking id is unknown and counts as RED, the most restrictive level:
// a node never releases content whose marking it does not understand. That
// includes statement markings (definition_type "statement", e.g. a copyright
// notice), which this package cannot tell apart by id: a caller that wants
// them ignored must drop them from Object.Markings before deciding, using
// the marking-definition objects it holds. An object with no TLP marking and
// no unknown marking gets Policy.Default.
//
// A granular marking (STIX 2.1 §7.2.3) counts as a marking of the whole
// object: article5 does not redact parts of objects, so a granular marking
// stricter than the object-level ones makes the whole object that strict.
package release

import (
	"fmt"
	"slices"

	"article5"
	"article5/stix"
)

// Recipient is who an object would leave the node to.
type Recipient struct {
	// Party is the treaty party the recipient acts for. It is carried for
	// logging and for callers; the TLP decision does not consult it.
	Party article5.Party
	// Org is the STIX identity id of the recipient organisation; "" if the
	// recipient has none (it then never matches the holder, a client, the
	// originator or a named organisation).
	Org string
	// Communities are the ids of the communities the recipient belongs to,
	// as established by the caller (authentication, federation agreement).
	Communities []string
	// Subject is the id of the user or API token acting; "" if none.
	Subject string
}

// Policy is a node's release configuration. It is parsed by the command that
// runs the node and passed in; the zero Policy releases only CLEAR objects
// (and objects to their originators or named RED recipients).
type Policy struct {
	// Holder is the STIX identity id of the node's own organisation: the
	// organisation that received the data and is bound by its markings.
	Holder string
	// Clients maps an organisation id to the ids of its clients'
	// organisations; TLP:AMBER may reach the clients of the Holder.
	Clients map[string][]string
	// Communities maps a community id to the ids of its member
	// organisations; TLP:GREEN may reach a recipient that belongs to a
	// community of which the Holder is a member.
	Communities map[string][]string
	// Default is the level of an object with no marking at all, e.g.
	// stix.TLPAmber. A Default that is not one of the five TLP 2.0 levels
	// (including "") counts as stix.TLPRed.
	Default stix.TLP
}

// Object is what the decision reads of a STIX object. Build it with
// ObjectOf, or directly when the fields come from a store.
type Object struct {
	// ID is the object's STIX id, used only in Decision.Reason.
	ID string
	// CreatedBy is the object's created_by_ref: its originator.
	CreatedBy string
	// Markings are the marking-definition ids of object_marking_refs plus
	// the marking_ref of every granular marking. Their order does not
	// matter.
	Markings []string
	// RedRecipients are the named recipients of article5's extension
	// property red_recipients (schema $defs/release-extension): STIX
	// identity ids, or a node's user or API token ids.
	RedRecipients []string
	// Custodian is the organisation in whose custody the node holds the
	// object (article5.StoredObject.Custodian). It grants no access of its
	// own — TLP decides who reads, and an organisation that relayed a
	// TLP:RED object naming others is not among them — except that a
	// well-known standard object (article5.CustodyStandard) is public.
	Custodian string
	// Relayed reports that CreatedBy names an organisation the node does
	// not know, so the claim is not proven: it grants that organisation
	// nothing (docs/security.md, "Custody and relay").
	Relayed bool
}

// ObjectOf reads an Object from a parsed STIX object: its id,
// created_by_ref, object_marking_refs, the marking_ref of each entry of
// granular_markings (entries with lang instead of marking_ref are skipped)
// and red_recipients from the extension article5.ExtensionID. Duplicate
// marking ids are kept once. Properties of the wrong JSON type are ignored,
// as if absent; checking them is stix.Validate's job. ObjectOf(nil) is the
// zero Object.
func ObjectOf(o *stix.Object) Object {
	if o == nil {
		return Object{}
	}
	out := Object{ID: o.ID, CreatedBy: o.String("created_by_ref")}
	add := func(id string) {
		if id != "" && !slices.Contains(out.Markings, id) {
			out.Markings = append(out.Markings, id)
		}
	}
	for _, id := range o.Strings("object_marking_refs") {
		add(id)
	}
	if gms, ok := o.Props["granular_markings"].([]any); ok {
		for _, gm := range gms {
			if m, ok := gm.(map[string]any); ok {
				id, _ := m["marking_ref"].(string)
				add(id)
			}
		}
	}
	if ext, ok := o.Map("extensions")[article5.ExtensionID].(map[string]any); ok {
		if l, ok := ext["red_recipients"].([]any); ok {
			for _, v := range l {
				if s, ok := v.(string); ok && s != "" {
					out.RedRecipients = append(out.RedRecipients, s)
				}
			}
		}
	}
	return out
}

// Decision is the outcome of Releasable with its reason. The reason is for
// logs and tests; a recipient is never told more than that an object is not
// available.
type Decision struct {
	// Allowed reports whether the object may be released to the recipient.
	Allowed bool
	// Level is the object's effective TLP level (the most restrictive of its
	// markings, unknown markings counting as RED, or Policy.Default).
	Level stix.TLP
	// Reason says in one sentence which rule decided.
	Reason string
}

// rank orders the TLP 2.0 levels from least (0) to most (4) restrictive;
// anything else ranks as RED.
func rank(t stix.TLP) int {
	switch t {
	case stix.TLPClear:
		return 0
	case stix.TLPGreen:
		return 1
	case stix.TLPAmber:
		return 2
	case stix.TLPAmberStrict:
		return 3
	default:
		return 4
	}
}

// level returns the effective level of o and why.
func (p Policy) level(o Object) (stix.TLP, string) {
	lvl, why, marked := stix.TLPClear, "", false
	for _, id := range o.Markings {
		t, ok := stix.TLPOf(id)
		if !ok {
			// Unknown markings are most restrictive; nothing can raise it further.
			return stix.TLPRed, fmt.Sprintf("unknown marking %s counts as red", id)
		}
		if !marked || rank(t) > rank(lvl) {
			lvl, why, marked = t, "marking "+id, true
		}
	}
	if !marked {
		if rank(p.Default) == 4 {
			return stix.TLPRed, fmt.Sprintf("unmarked; policy default %q counts as red", p.Default)
		}
		return p.Default, "unmarked; policy default"
	}
	return lvl, why
}

// Releasable decides whether o may be released to r under p.
//
// The originator (r.Org equal to a non-empty o.CreatedBy that is not
// relayed: a proven claim) may always have the object; a well-known
// standard object (custodian article5.CustodyStandard) goes to anyone. Otherwise the object's effective level (see the package
// comment: most restrictive marking, unknown marking = RED, none =
// p.Default) admits:
//
//   - RED: r.Subject or r.Org listed in o.RedRecipients;
//   - AMBER+STRICT: those, and r.Org == p.Holder;
//   - AMBER: those, and r.Org among p.Clients[p.Holder];
//   - GREEN: those, and a recipient with a community c in r.Communities
//     whose members p.Communities[c] include p.Holder;
//   - CLEAR: anyone.
//
// Empty ids never match. Releasable has no side effects and is safe for
// concurrent use if p's maps are not modified meanwhile.
func (p Policy) Releasable(o Object, r Recipient) Decision {
	lvl, why := p.level(o)
	d := Decision{Level: lvl}
	deny := func(rule string) Decision {
		d.Reason = fmt.Sprintf("%s is %s (%s): %s", o.ID, lvl, why, rule)
		return d
	}
	allow := func(rule string) Decision {
		d.Allowed = true
		return deny(rule)
	}
	if o.CreatedBy != "" && !o.Relayed && r.Org == o.CreatedBy {
		return allow("the recipient is the originator")
	}
	if o.Custodian == article5.CustodyStandard {
		return allow("a well-known standard object (a TLP marking, a published extension-definition) is public")
	}
	if (r.Subject != "" && slices.Contains(o.RedRecipients, r.Subject)) ||
		(r.Org != "" && slices.Contains(o.RedRecipients, r.Org)) {
		return allow("the recipient is named in red_recipients")
	}
	rk := rank(lvl)
	if rk >= 4 {
		return deny("red goes only to the originator and named recipients")
	}
	isHolder := p.Holder != "" && r.Org == p.Holder
	if isHolder {
		return allow("the recipient is the holder organisation")
	}
	if rk >= 3 {
		return deny("amber+strict goes only to the holder organisation")
	}
	if p.Holder != "" && r.Org != "" && slices.Contains(p.Clients[p.Holder], r.Org) {
		return allow("the recipient is a client of the holder")
	}
	if rk >= 2 {
		return deny("amber goes only to the holder organisation and its clients")
	}
	if p.Holder != "" {
		for _, c := range r.Communities {
			if c != "" && slices.Contains(p.Communities[c], p.Holder) {
				return allow("the recipient shares community " + c + " with the holder")
			}
		}
	}
	if rk >= 1 {
		return deny("green goes only to the holder's communities")
	}
	return allow("clear goes to anyone")
}

// Filter returns the objects of objs releasable to r under p, in their
// order, each read with ObjectOf. Nil entries are dropped. The result is a
// new slice; objs is not modified.
func (p Policy) Filter(objs []*stix.Object, r Recipient) []*stix.Object {
	out := make([]*stix.Object, 0, len(objs))
	for _, o := range objs {
		if o != nil && p.Releasable(ObjectOf(o), r).Allowed {
			out = append(out, o)
		}
	}
	return out
}

// Rank orders the TLP 2.0 levels from 0 (clear) to 4 (red); any other value
// ranks as red. It is the order in which audiences nest (see the package
// comment) and the integer a store compares when it filters rows for a
// recipient inside its query (article5.Audience).
func Rank(t stix.TLP) int { return rank(t) }

// LevelOfRank is the inverse of Rank: 0 clear … 4 red (anything above 4,
// red; below 0, clear).
func LevelOfRank(r int) stix.TLP {
	switch {
	case r <= 0:
		return stix.TLPClear
	case r == 1:
		return stix.TLPGreen
	case r == 2:
		return stix.TLPAmber
	case r == 3:
		return stix.TLPAmberStrict
	}
	return stix.TLPRed
}

// MarkingRank returns the rank of a set of marking ids: the most
// restrictive of them (an unknown marking ranks 4, red), or -1 when there
// are none, meaning that the policy default applies when a recipient is
// judged (Policy.DefaultRank). It is article5.MarkingRank, the integer
// stores keep beside each object version so that a page of objects or
// cases can be filtered for a recipient in SQL.
func MarkingRank(markings []string) int { return article5.MarkingRank(markings) }

// DefaultRank is the rank of an object with no marking under p: the rank
// of p.Default (4 when the default is not a TLP 2.0 level).
func (p Policy) DefaultRank() int { return rank(p.Default) }

// Ceiling returns the highest rank r is admitted to by the TLP rules alone,
// leaving out the originator, the custodian and red_recipients: 3 for the
// holder organisation (amber+strict), 2 for a client of the holder (amber),
// 1 for a member of a community of the holder (green), else 0 (clear).
// Releasable(o, r) is allowed exactly when r is o's (unrelayed)
// originator, or is named in o.RedRecipients, or o's level ranks at most
// Ceiling(r), or o is a standard object.
func (p Policy) Ceiling(r Recipient) int {
	if p.Holder == "" {
		return 0
	}
	if r.Org == p.Holder {
		return 3
	}
	if r.Org != "" && slices.Contains(p.Clients[p.Holder], r.Org) {
		return 2
	}
	for _, c := range r.Communities {
		if c != "" && slices.Contains(p.Communities[c], p.Holder) {
			return 1
		}
	}
	return 0
}

// OrgRecipient returns the recipient that stands for a whole organisation:
// its id and the communities p lists it in. It is how the node asks what
// an organisation (not one of its users) may read, e.g. whether the author
// of a link between two objects may read the object at its other end.
func (p Policy) OrgRecipient(org string) Recipient {
	r := Recipient{Org: org}
	if org == "" {
		return r
	}
	for c, members := range p.Communities {
		if slices.Contains(members, org) {
			r.Communities = append(r.Communities, c)
		}
	}
	slices.Sort(r.Communities)
	return r
}

// Audience returns the marking that an object derived from objs (an
// assessment, an opinion, a determination, a case grouping the node
// makes) must carry so that it reaches no one some of objs would not: the
// TLP 2.0 marking-definition id of the most restrictive level among them
// (unmarked objects at p's default), and, when that level is red, the
// red_recipients named on — or originating — every red object (the
// intersection), less any name that one of the other objects would not be
// released to (sorted; empty means no one beyond the node). With no objects it returns the marking of p's default level.
//
// recipientOf tells who a name stands for (an organisation, or a user or
// token id with its organisation); nil treats identity ids as
// organisations (OrgRecipient) and any other name as a recipient with no
// organisation, admitted only where it is named or the level is clear.
//
// Source: FIRST TLP 2.0 (a recipient may share onward only within the
// label's audience, so a finding drawn from several sources is bounded by
// the narrowest of them).
func (p Policy) Audience(objs []Object, recipientOf func(name string) Recipient) (marking string, redRecipients []string) {
	top := -1
	for _, o := range objs {
		lvl, _ := p.level(o)
		top = max(top, rank(lvl))
	}
	if top < 0 {
		top = p.DefaultRank()
	}
	if top < 4 {
		return markingOf(LevelOfRank(top)), nil
	}
	if recipientOf == nil {
		recipientOf = func(name string) Recipient {
			if len(name) > 10 && name[:10] == "identity--" {
				return p.OrgRecipient(name)
			}
			return Recipient{Subject: name}
		}
	}
	first := true
	var names []string
	for _, o := range objs {
		if lvl, _ := p.level(o); rank(lvl) < 4 {
			continue
		}
		these := slices.Clone(o.RedRecipients)
		if o.CreatedBy != "" && !o.Relayed {
			these = append(these, o.CreatedBy)
		}
		if first {
			names, first = these, false
			continue
		}
		names = slices.DeleteFunc(names, func(n string) bool { return !slices.Contains(these, n) })
	}
	slices.Sort(names)
	names = slices.Compact(names)
	return stix.TLPRedID, slices.DeleteFunc(names, func(n string) bool {
		r := recipientOf(n)
		for _, o := range objs {
			if !p.Releasable(o, r).Allowed {
				return true
			}
		}
		return false
	})
}

// LevelOfRankMarking returns the TLP 2.0 marking-definition id of rank r
// (LevelOfRank).
func LevelOfRankMarking(r int) string { return markingOf(LevelOfRank(r)) }

func markingOf(t stix.TLP) string {
	switch t {
	case stix.TLPClear:
		return stix.TLPClearID
	case stix.TLPGreen:
		return stix.TLPGreenID
	case stix.TLPAmber:
		return stix.TLPAmberID
	case stix.TLPAmberStrict:
		return stix.TLPAmberStrictID
	}
	return stix.TLPRedID
}

// ObjectOfStored reads an Object from a stored version's columns: id,
// created_by_ref, markings, red_recipients, custodian and relay (the
// decision then needs no parse of the raw bytes). A version stored before
// custody was recorded has the custodian article5.CustodianOf gives.
func ObjectOfStored(o *article5.StoredObject) Object {
	if o == nil {
		return Object{}
	}
	return Object{ID: o.ID, CreatedBy: o.CreatedBy, Markings: o.Markings, RedRecipients: o.RedRecipients,
		Custodian: article5.CustodianOf(o), Relayed: o.Relayed}
}
