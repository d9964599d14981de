package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"article5"
	"article5/release"
	"article5/stix"
)

// IngestRequest is one bundle handed to the node by a principal.
type IngestRequest struct {
	// Principal submits the bundle: an API token or user, or the node
	// itself (article5.PrincipalNode). Its id and organisation are recorded
	// as the submitter of every version stored.
	Principal article5.Principal
	// Recipient is what the principal may read (its release recipient):
	// a collision with a stored object it may not read is quarantined,
	// never refused (docs/security.md, "Custody and relay").
	Recipient release.Recipient
	Data      []byte
	Atomic    bool
	// SpeaksFor are organisations the principal speaks for beyond the
	// node's configuration (Node.SpeaksFor): a partner node's (see
	// article5.Partner).
	SpeaksFor []string
	// MaxAhead, when positive, refuses a version whose modified is more
	// than MaxAhead after the node's clock (a partner's content).
	MaxAhead time.Duration
	// HoldConflicts holds a version with the id and modified of a held one
	// but other content apart, in the submitter organisation's quarantine
	// (article5.ConflictHolder), instead of refusing it: a partner node's.
	HoldConflicts bool
	// Admit, when set, is given the number of objects in Data once it is
	// known and before any is decoded (stix.ParseOptions.Admit); an error
	// from it is Ingest's, and nothing is decoded or stored. The API
	// refuses a bundle over its size limit or the sender's quota there.
	Admit func(objects int) error
}

// unversionedLayout formats the version given to an object that has none
// (an SCO): the time it was added, always with nine fractional digits so
// that every such version has the same width.
const unversionedLayout = "2006-01-02T15:04:05.000000000Z"

// holdsSame reports whether the node holds version so of its object with
// the same canonical sha256.
func (n *Node) holdsSame(ctx context.Context, so *article5.StoredObject) (bool, error) {
	vs, err := n.Store.FindObjectVersions(ctx, so.ID)
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, v := range vs {
		if v.Version == so.Version && v.SHA256 == so.SHA256 {
			return true, nil
		}
	}
	return false, nil
}

// Ingest validates a STIX bundle and stores its valid objects in one
// transaction with the re-assessment of the cases they change
// (Store.IngestObjects). Every object with a STIX error (stix.Validate)
// becomes a Rejection naming its id, index and the JSON pointer of the
// first fault; the others are stored, or found unchanged, or refused or
// quarantined by the custody rules of article5.DecideIngest. With atomic,
// any rejection refuses the whole bundle: nothing is stored and the error
// is ECONFLICT with a detail per rejection.
//
// Provenance is proven, not claimed: every version stored records its
// submitter (req.Principal); a created_by_ref naming an organisation
// registered on this node is refused unless the submitter is of it or
// speaks for it (Node.SpeaksFor); a created_by_ref naming an organisation
// the node does not know is held as relayed content in the submitter's
// custody (StoredObject.Relayed). A grouping naming more incidents than
// Node.MaxCaseIncidents is refused, naming the limit.
//
// Malformed JSON fails with EINVALID giving the line and column, as does a
// bundle with no objects or with an error at bundle level. Several versions
// of one id in one bundle are all kept. An object with neither modified nor
// created (SCOs, some marking-definitions) is versioned by the date the
// node adds it (TAXII 2.1 §5.3.1) and is a no-op when its content is held
// where the submitter can read it.
func (n *Node) Ingest(ctx context.Context, req IngestRequest) (*article5.IngestResult, error) {
	// Each object's stored form (its canonical hash above all) is made as
	// it is decoded, on the parse's goroutines; one found invalid below
	// is not used.
	now := n.now()
	var stored []*article5.StoredObject
	var storeErrs []error
	b, err := stix.ParseWith(req.Data, stix.ParseOptions{
		Admit: func(count int) error {
			if req.Admit != nil {
				if err := req.Admit(count); err != nil {
					return err
				}
			}
			stored, storeErrs = make([]*article5.StoredObject, count), make([]error, count)
			return nil
		},
		Each: func(i int, o *stix.Object) {
			if i < len(stored) {
				stored[i], storeErrs[i] = storedObject(o, now)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	if len(stored) != len(b.Objects) { // a bare object: no "objects" array was counted
		stored, storeErrs = make([]*article5.StoredObject, len(b.Objects)), make([]error, len(b.Objects))
		for i, o := range b.Objects {
			stored[i], storeErrs[i] = storedObject(o, now)
		}
	}
	if len(b.Objects) == 0 {
		return nil, article5.Invalid("the bundle has no objects")
	}
	rep := stix.Validate(b)
	var bundleFaults []article5.Detail
	for _, is := range rep.Errors() {
		if is.Index < 0 {
			bundleFaults = append(bundleFaults, article5.Detail{Object: is.Object, Pointer: is.Pointer, Message: is.Message})
		}
	}
	if len(bundleFaults) > 0 {
		return nil, article5.Invalid("the bundle itself is invalid", bundleFaults...)
	}
	claims := &claimCheck{n: n, p: req.Principal, speaks: req.SpeaksFor}
	var prior, warnings []article5.Rejection
	objs := make([]*article5.StoredObject, 0, len(b.Objects))
	valid := make([]bool, len(b.Objects)) // rep.ObjectValid of each, in one pass over the issues
	for i := range valid {
		valid[i] = true
	}
	for _, is := range rep.Issues {
		if is.Severity == stix.SeverityError && is.Index >= 0 && is.Index < len(valid) {
			valid[is.Index] = false
		}
	}
	for i, o := range b.Objects {
		if !valid[i] {
			prior = append(prior, rejection(rep, i, o))
			continue
		}
		so, err := stored[i], storeErrs[i]
		if err != nil {
			prior = append(prior, article5.Rejection{ID: o.ID, Index: i, Reason: article5.ErrorMessage(err)})
			continue
		}
		so.Submitter, so.SubmitterOrg = req.Principal.ID, req.Principal.Org
		if (o.Type == "article5-assessment" || o.Type == "article5-determination") && req.Principal.ID != NodePrincipal.ID {
			// Their ids follow from the case and assessment hash: one taken
			// in advance by a submitter or a partner would stand in for the
			// node's own (federation.go).
			prior = append(prior, article5.Rejection{ID: o.ID, Index: i, Pointer: "/type",
				Reason: fmt.Sprintf("%s objects are derived by each node from the case's evidence and signed positions, never taken from a submitter or a partner", o.Type)})
			continue
		}
		if req.MaxAhead > 0 && !so.Unversioned && so.VersionTime().After(now.Add(req.MaxAhead)) {
			prior = append(prior, article5.Rejection{ID: o.ID, Index: i, Pointer: "/modified",
				Reason: fmt.Sprintf("modified %s is more than %s ahead of this node's clock", so.Version, req.MaxAhead)})
			continue
		}
		if !StandardObject(o.ID) {
			relayed, why, err := claims.check(ctx, so.CreatedBy)
			if err != nil {
				return nil, err
			}
			if why != "" && strings.HasPrefix(req.Principal.ID, article5.PartnerPrincipalPrefix) {
				// A partner that pulls this node hands back what it got
				// from it: a version this node holds, byte for byte, is
				// left to the store, which finds it unchanged.
				same, err := n.holdsSame(ctx, so)
				if err != nil {
					return nil, err
				}
				if same {
					why = ""
				}
			}
			if why != "" {
				prior = append(prior, article5.Rejection{ID: o.ID, Index: i, Pointer: "/created_by_ref", Reason: why})
				continue
			}
			so.Relayed = relayed
		}
		if why := n.caseTooLarge(o); why != "" {
			prior = append(prior, article5.Rejection{ID: o.ID, Index: i, Pointer: "/object_refs", Reason: why})
			continue
		}
		objs = append(objs, so)
		if w := assessable(o); w != "" {
			warnings = append(warnings, article5.Rejection{ID: o.ID, Index: i, Pointer: "/extensions/" + article5.ExtensionID, Reason: w})
		}
	}
	if req.Atomic && len(prior) > 0 {
		return nil, refused(prior, len(b.Objects))
	}
	acc := &access{n: n, p: req.Principal, r: req.Recipient, speaks: req.SpeaksFor, hold: req.HoldConflicts}
	res, err := n.Store.IngestObjects(ctx, article5.IngestRequest{Objects: objs, Prior: prior, Atomic: req.Atomic, Access: acc})
	if err != nil {
		return nil, fmt.Errorf("ingest bundle: %w", err)
	}
	res.Warnings = warnings
	if res.Queued > 0 {
		n.nudge()
	}
	n.log().InfoContext(ctx, "ingest", "principal", req.Principal.ID, "accepted", len(res.Accepted), "unchanged", len(res.Unchanged), "rejected", len(res.Rejected), "conflicts", len(res.Conflicts), "queued", res.Queued)
	if strings.HasPrefix(req.Principal.ID, article5.PartnerPrincipalPrefix) {
		// A partner's consultation actions and signed positions apply to
		// this node's consultations (federation.go).
		// Unchanged ones too: a sync that stopped after storing them pulls
		// them again, and they are applied then.
		if err := n.reconcileIngested(ctx, slices.Concat(res.Accepted, res.Unchanged)); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// NodePrincipal is the node itself as a submitter: the objects it derives
// are in the custody of article5's own identity (article5.ExtensionCreatorID),
// which no user or token belongs to.
var NodePrincipal = article5.Principal{ID: article5.PrincipalNode, Org: article5.ExtensionCreatorID}

// StandardObject reports whether id is a well-known standard object that
// anyone may hand in and no one versions: the OASIS TLP 2.0 and TLP 1.0
// marking-definitions (stix.IsBuiltinMarking) and the extension-definitions
// article5 knows by id (the OASIS TLP 2.0 and Incident Core suite ones,
// article5's own; stix.KnownExtension).
func StandardObject(id string) bool {
	if stix.IsBuiltinMarking(id) {
		return true
	}
	_, ok := stix.KnownExtension(id)
	return ok
}

// access is article5.IngestAccess for one submitter.
type access struct {
	n      *Node
	p      article5.Principal
	r      release.Recipient
	speaks []string // IngestRequest.SpeaksFor
	hold   bool     // IngestRequest.HoldConflicts
}

// HoldConflicts implements article5.ConflictHolder.
func (a *access) HoldConflicts() bool { return a.hold }

func (a *access) MayRead(o *article5.StoredObject) bool {
	if a.p.ID == article5.PrincipalNode {
		return true
	}
	return a.n.Policy.Releasable(release.ObjectOfStored(o), a.r).Allowed
}

func (a *access) MayVersion(custodian string) bool {
	if a.p.ID == article5.PrincipalNode {
		return true
	}
	if custodian == "" {
		// A version stored before custody was recorded and without
		// created_by_ref: the node's own organisation holds it.
		custodian = a.n.Policy.Holder
	}
	return custodian != "" && (a.p.Org == custodian || a.n.SpeaksForOrg(a.p, custodian) || slices.Contains(a.speaks, custodian))
}

func (a *access) Standard(id string) bool { return StandardObject(id) }

// SpeaksForOrg reports whether principal p may act for organisation org:
// the node's configuration (Node.SpeaksFor) lists org under p's id or p's
// organisation.
func (n *Node) SpeaksForOrg(p article5.Principal, org string) bool {
	return org != "" && (slices.Contains(n.SpeaksFor[p.ID], org) || (p.Org != "" && slices.Contains(n.SpeaksFor[p.Org], org)))
}

// claimCheck decides, for one submitter, what each created_by_ref claims.
type claimCheck struct {
	n      *Node
	p      article5.Principal
	speaks []string        // IngestRequest.SpeaksFor
	orgs   map[string]bool // the organisations registered on this node, read once
}

// check returns whether an object claiming created_by_ref claimed is
// relayed content, or why the claim is refused ("" when it is not).
// A claim of the submitter's own organisation, of one it speaks for, or of
// none is its own; a claim of another organisation registered on this node
// is refused; a claim of an organisation the node does not know is relay.
func (c *claimCheck) check(ctx context.Context, claimed string) (relayed bool, why string, err error) {
	if claimed == "" || claimed == c.p.Org || c.p.ID == article5.PrincipalNode || c.n.SpeaksForOrg(c.p, claimed) || slices.Contains(c.speaks, claimed) {
		return false, "", nil
	}
	if c.orgs == nil {
		if c.orgs, err = c.n.RegisteredOrganisations(ctx); err != nil {
			return false, "", err
		}
	}
	if c.orgs[claimed] {
		return false, "created_by_ref names " + claimed + ", an organisation registered on this node: only that organisation, or one registered to speak for it, may create objects as it (this principal is of " + quoteOrNone(c.p.Org) + ")", nil
	}
	return true, "", nil
}

func quoteOrNone(s string) string {
	if s == "" {
		return "no organisation"
	}
	return s
}

// RegisteredOrganisations returns the organisations registered on this
// node: its holder, the organisations its configuration names (per Party,
// clients, communities, speaks-for), article5's own identity, the
// organisation of every user and API token, and the organisations its
// partner nodes speak for (article5.Partner). A created_by_ref naming one of
// them is a claim the node checks; any other is relay.
func (n *Node) RegisteredOrganisations(ctx context.Context) (map[string]bool, error) {
	orgs := map[string]bool{article5.ExtensionCreatorID: true}
	add := func(ids ...string) {
		for _, id := range ids {
			if id != "" {
				orgs[id] = true
			}
		}
	}
	add(n.Policy.Holder)
	for _, ids := range n.Organisations {
		add(ids...)
	}
	for org, ids := range n.Policy.Clients {
		add(org)
		add(ids...)
	}
	for _, ids := range n.Policy.Communities {
		add(ids...)
	}
	for k, ids := range n.SpeaksFor {
		if strings.HasPrefix(k, "identity--") {
			add(k)
		}
		add(ids...)
	}
	stored, err := n.Store.FindOrganisations(ctx)
	if err != nil {
		return nil, err
	}
	add(stored...)
	partners, err := n.Store.FindPartners(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range partners {
		add(p.SpeaksFor...)
	}
	return orgs, nil
}

// caseTooLarge says why a grouping names more incidents than a case may
// hold ("" when it does not).
func (n *Node) caseTooLarge(o *stix.Object) string {
	if o.Type != "grouping" {
		return ""
	}
	limit := n.maxCaseIncidents()
	k := 0
	for _, ref := range o.Strings("object_refs") {
		if strings.HasPrefix(ref, "incident--") {
			k++
		}
	}
	if k > limit {
		return fmt.Sprintf("a case may hold at most %d incidents (serve --max-case-incidents); this grouping names %d", limit, k)
	}
	return ""
}

// refused is the ECONFLICT of an atomic ingest with rejections.
func refused(rs []article5.Rejection, total int) error {
	e := &article5.Error{Code: article5.ECONFLICT,
		Message: fmt.Sprintf("atomic ingest refused: %d of %d objects rejected; nothing was stored", len(rs), total)}
	for _, r := range rs {
		e.Details = append(e.Details, article5.Detail{Object: r.ID, Pointer: r.Pointer, Message: r.Reason})
	}
	return e
}

// rejection is the Rejection of object i: its first error issue, and how
// many more there are.
func rejection(rep stix.Report, i int, o *stix.Object) article5.Rejection {
	r := article5.Rejection{Index: i}
	if o != nil {
		r.ID = o.ID
	}
	var errs []stix.Issue
	for _, is := range rep.Errors() {
		if is.Index == i {
			errs = append(errs, is)
		}
	}
	if len(errs) == 0 {
		r.Reason = "invalid STIX object"
		return r
	}
	// A missing or wrong spec_version decides which rules the rest was
	// judged by: it is the reason to give first.
	slices.SortStableFunc(errs, func(a, b stix.Issue) int {
		return boolRank(b.Code == "spec-version") - boolRank(a.Code == "spec-version")
	})
	if r.ID == "" {
		r.ID = errs[0].Object
	}
	r.Pointer = errs[0].Pointer
	r.Reason = errs[0].Message
	if len(errs) > 1 {
		r.Reason += fmt.Sprintf(" (and %d more errors)", len(errs)-1)
	}
	return r
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// storedObject turns a valid parsed object into the version the store
// keeps. now versions an object that has neither modified nor created.
func storedObject(o *stix.Object, now time.Time) (*article5.StoredObject, error) {
	canon, err := stix.Canonical(o)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(canon)
	ro := release.ObjectOf(o)
	marks := slices.Clone(ro.Markings)
	slices.Sort(marks)
	marks = slices.Compact(marks)
	so := &article5.StoredObject{
		ID:          o.ID,
		Type:        o.Type,
		Version:     o.Version(),
		SpecVersion: o.SpecVersion,
		CreatedBy:   o.String("created_by_ref"),
		Markings:    marks,
		Raw:         []byte(o.Raw),
		SHA256:      hex.EncodeToString(sum[:]),
	}
	so.RedRecipients = ro.RedRecipients
	if rv, ok := o.Props["revoked"].(bool); ok {
		so.Revoked = rv
	}
	if ts, ok := o.VersionTime(); ok && so.Version != "" {
		so.VersionSec, so.VersionNsec = ts.Time.Unix(), int64(ts.Time.Nanosecond())
	} else {
		so.Unversioned = true
		so.Version = now.UTC().Format(unversionedLayout)
		so.VersionSec, so.VersionNsec = now.Unix(), int64(now.Nanosecond())
	}
	switch o.Type {
	case "relationship":
		so.SourceRef, so.TargetRef = o.String("source_ref"), o.String("target_ref")
	case "sighting":
		so.SourceRef = o.String("sighting_of_ref")
	}
	return so, nil
}

// assessable warns ("" when there is nothing to say) that an incident
// lacks article5's property-extension with a domain. It is stored and
// assessed all the same (it is valid STIX: assess reads core STIX and the
// Incident Core Extension), but the facts only that extension carries are
// unknown, which usually leaves the tier indeterminate; the warning tells
// the sender.
func assessable(o *stix.Object) string {
	if o.Type != "incident" {
		return ""
	}
	a5, _ := o.Map("extensions")[article5.ExtensionID].(map[string]any)
	switch a5["domain"] {
	case "cyber", "space", "electromagnetic":
		return ""
	}
	return "stored and assessed on core STIX and the Incident Core Extension alone: without article5's property-extension (" + article5.ExtensionID + ") and its domain (cyber, space or electromagnetic), the facts only that extension carries (domain, casualties, military target, …) are unknown"
}
