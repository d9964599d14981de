package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"article5"
	"article5/assess"
	"article5/doctrine"
	"article5/release"
	"article5/stix"
)

// jobLease is how long a claimed job is the worker's before another may
// take it over.
const jobLease = 20 * time.Second

// maxAttempts is how many times a job is tried before a case that keeps
// failing is given up (logged) so that the job completes.
const maxAttempts = 5

// RunWorker runs re-assessment jobs until ctx is done: it claims a job,
// re-assesses the job's cases and completes it, then the next; when there is
// none it waits poll (or less, when a case is queued, by this process or,
// on PostgreSQL, another). Faults are logged and the job is retried after
// its lease; the worker never stops for them. Several processes may run
// workers on one store: each case is leased to one job at a time (jobLease),
// and a job whose process died is taken over once its lease expires.
func (n *Node) RunWorker(ctx context.Context, poll time.Duration) {
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTimer(poll)
	defer t.Stop()
	for ctx.Err() == nil {
		queued := n.Store.Changes(article5.TopicJobs) // before the claim: a case queued after it is not missed
		did, err := n.RunJobOnce(ctx)
		if err != nil && ctx.Err() == nil {
			n.log().ErrorContext(ctx, "worker", "err", err)
		}
		if did && err == nil {
			continue
		}
		t.Reset(poll)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-n.wakeup():
		case <-queued:
		}
	}
}

// jobBatch is how many queued cases the worker claims at once.
const jobBatch = 16

// RunJobOnce claims a batch of queued cases and re-assesses them. It
// reports false (and no error) when none is due. Running a case again is
// harmless: an assessment with the same hash is saved once. A case whose
// evidence is invalid is logged and skipped; a store fault leaves the
// batch to be retried after its lease.
func (n *Node) RunJobOnce(ctx context.Context) (bool, error) {
	n.docsMu.RLock() // a doctrine change's job is claimed only once it is in force (ChangeDoctrine)
	job, err := n.Store.ClaimJob(ctx, jobLease, jobBatch)
	n.docsMu.RUnlock()
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim job: %w", err)
	}
	n.log().InfoContext(ctx, "job claimed", "job", job.ID, "cases", job.Cases, "attempts", job.Attempts, "holder", n.HolderID())
	// The claim saw the job, so it sees a doctrine saved with it (by any
	// process): the cases are assessed under the doctrines in force now.
	if err := n.SyncDoctrines(ctx); err != nil {
		return true, fmt.Errorf("job %s: %w", job.ID, err)
	}
	for _, id := range job.Cases {
		evs, err := n.safeAssess(ctx, id)
		if err != nil && job.Attempts >= maxAttempts && ctx.Err() == nil {
			n.log().ErrorContext(ctx, "case given up", "job", job.ID, "case", id, "attempts", job.Attempts, "err", err)
			continue
		}
		switch article5.ErrorCode(err) {
		case "":
			for _, e := range evs {
				n.log().InfoContext(ctx, "event", "type", e.Type, "case", e.Case, "doctrine", e.Doctrine, "from", e.From, "to", e.To, "hash", e.Hash, "seq", e.Seq)
			}
		case article5.EINVALID, article5.ENOTFOUND:
			n.log().WarnContext(ctx, "case not assessed", "job", job.ID, "case", id, "err", err)
		default:
			return true, fmt.Errorf("job %s: %w", job.ID, err)
		}
	}
	// Logged before the completion commits, so that a claim of the same
	// cases by another worker, which can only follow that commit, is
	// logged after it: the log's claimed…done spans of a case never
	// overlap unless two workers ran it at once.
	n.log().InfoContext(ctx, "job done", "job", job.ID, "cases", job.Cases, "attempts", job.Attempts, "holder", n.HolderID())
	if err := n.Store.CompleteJob(ctx, job); err != nil {
		return true, fmt.Errorf("complete job %s: %w", job.ID, err)
	}
	n.jobsDone.Add(1)
	return true, nil
}

// safeAssess is AssessCase with a panic (a doctrine or engine bug) turned
// into an internal error, so that the worker keeps running.
func (n *Node) safeAssess(ctx context.Context, id string) (evs []article5.Event, err error) {
	defer func() {
		if v := recover(); v != nil {
			evs, err = nil, article5.Internal("assess "+id, fmt.Errorf("panic: %v", v))
		}
	}()
	return n.AssessCase(ctx, id)
}

// AssessCase assesses the case (grouping) caseID on the evidence the node
// holds, saves the assessment and returns the events it caused ("assessed",
// "tier-changed"; none when the same assessment was already saved).
// ENOTFOUND if the node holds no such grouping; EINVALID if the evidence
// cannot be assessed.
func (n *Node) AssessCase(ctx context.Context, caseID string) ([]article5.Event, error) {
	return n.assessCase(ctx, caseID, assessOpts{})
}

// assessOpts are the choices of one assessment of a case.
type assessOpts struct {
	// docs are the doctrines to assess with; nil: on a node with partners,
	// those the case's consultation pins, else those in force.
	docs []*doctrine.Doctrine
	// shared assesses on the evidence every partner may receive, as for a
	// consultation across nodes, even before the case has one.
	shared bool
}

// assessCase is AssessCase with opts.
func (n *Node) assessCase(ctx context.Context, caseID string, opts assessOpts) ([]article5.Event, error) {
	docs := opts.docs
	since, err := n.Store.ObjectWatermark(ctx)
	if err != nil {
		return nil, err
	}
	ev0, err := n.caseEvidence(ctx, caseID, &relIndex{})
	if err != nil {
		return nil, err
	}
	index := article5.CaseIndex{Case: caseID, Evidence: ev0.index, Watched: ev0.watched, Since: since}
	// Until it is assessed, the case is still watched for the objects its
	// evidence names: an incident that arrives later queues it.
	keepIndex := func(err error) error {
		if _, ierr := n.Store.SaveCaseIndex(ctx, index); ierr != nil {
			return fmt.Errorf("index case %s: %w", caseID, ierr)
		}
		return err
	}
	// On a node with partners a case in a consultation is assessed on the
	// evidence every partner may receive (what both Parties' signers can
	// see, and so what both nodes hold), with the doctrine versions the
	// consultation pins (federation.go).
	prs, err := n.partnerRecipients(ctx)
	if err != nil {
		return nil, err
	}
	if len(prs) > 0 {
		pinned, consulted, err := n.pinnedDoctrines(ctx, caseID)
		if err != nil {
			return nil, err
		}
		if consulted || opts.shared {
			ev0.shareWith(n, prs)
		}
		if docs == nil {
			docs = pinned
		}
	}
	if docs == nil {
		docs = n.InForce()
	}
	b, err := bundleOf(caseID, ev0.objs)
	if err != nil {
		return nil, keepIndex(err)
	}
	// The stored canonical hashes spare the digest canonicalising every
	// object again.
	ev, err := assess.NewEvidenceHashed(assess.HashedBundle{Bundle: b, SHA256: ev0.sums})
	if err != nil {
		return nil, keepIndex(err)
	}
	rep, err := assess.AssessEvidence(ctx, assess.Options{Doctrines: docs, Findings: n.findings()}, ev)
	if err != nil {
		return nil, keepIndex(err)
	}
	if rep.Case != caseID {
		return nil, keepIndex(article5.Errorf(article5.EINVALID, "%s is not a case: its evidence assesses as %s", caseID, rep.Case))
	}
	objs := make([]release.Object, len(ev0.latest))
	for i, o := range ev0.latest {
		objs[i] = release.ObjectOfStored(o)
	}
	marking, red := n.Policy.Audience(objs, n.recipientOf(ctx))
	data, err := json.Marshal(rep)
	if err != nil {
		return nil, article5.Internal("encode report", err)
	}
	s := &article5.CaseSummary{
		ID:        rep.Case,
		Name:      rep.CaseName,
		Incidents: len(rep.Incidents),
		Updated:   n.now(),
		Hash:      rep.Hash,
		Tiers:     map[string]article5.Tier{},
		Scope:     rep.Scope.Value,
	}
	for d, a := range rep.Assessments {
		s.Tiers[d] = a.Tier
	}
	// The assessment object is stored before the assessment row: while the
	// row (and the index it is saved with) are the old ones, the new
	// object leaves only with the case, as the old index decides.
	// Its time is that of the latest version of its evidence, never this
	// node's clock: two nodes holding the same evidence make the same
	// object.
	var latest time.Time
	for _, o := range ev0.latest {
		if t := o.VersionTime(); t.After(latest) {
			latest = t
		}
	}
	if err := n.storeAssessmentObject(ctx, rep, data, marking, red, latest); err != nil {
		return nil, err
	}
	evs, err := n.Store.SaveAssessment(ctx, s, data, index)
	if err != nil {
		return nil, fmt.Errorf("save assessment of %s: %w", caseID, err)
	}
	if len(evs) > 0 {
		// A new assessment: a consultation on the old one re-opens on it.
		if err := n.reopen(ctx, caseID); err != nil {
			return nil, fmt.Errorf("re-open the consultation of %s: %w", caseID, err)
		}
		// What a partner sent for this case may apply now (federation.go).
		if fed, err := n.federated(ctx); err != nil {
			return nil, err
		} else if fed {
			if err := n.ReconcileConsultation(ctx, caseID); err != nil {
				return nil, fmt.Errorf("reconcile the consultation of %s: %w", caseID, err)
			}
		}
	}
	return evs, nil
}

// findings is the node's FindingsCache, made on first use.
func (n *Node) findings() *assess.FindingsCache {
	n.findingsOnce.Do(func() {
		if n.FindingsCache == nil {
			n.FindingsCache = assess.NewFindingsCache(0)
		}
	})
	return n.FindingsCache
}

// storeAssessmentObject keeps the assessment as article5's STIX SDO
// (article5-assessment, extension/schema.json $defs/assessment) beside the
// evidence, so that it travels like any object (and positions can refer to
// it). Its id is the UUIDv5 of (case, assessment hash): one object per
// distinct assessment, stored once, whatever reruns or crashes happen
// between the index and the object. It carries the audience of its
// evidence (release.Policy.Audience): marking, and at TLP:RED the
// red_recipients every RED piece admits. Its created and modified are at
// (the latest version of its evidence), to the millisecond.
func (n *Node) storeAssessmentObject(ctx context.Context, rep *article5.Report, report []byte, marking string, red []string, at time.Time) error {
	id := AssessmentObjectID(rep.Case, rep.Hash)
	if _, err := n.Store.FindObjectVersions(ctx, id); err == nil {
		return nil
	} else if article5.ErrorCode(err) != article5.ENOTFOUND {
		return fmt.Errorf("find %s: %w", id, err)
	}
	ts := at.UTC().Format("2006-01-02T15:04:05.000Z")
	obj := map[string]any{
		"type": "article5-assessment", "spec_version": "2.1", "id": id, "created": ts, "modified": ts,
		"created_by_ref": article5.ExtensionCreatorID,
		"case_ref":       rep.Case, "evidence_digest": rep.EvidenceDigest, "assessment_hash": rep.Hash,
		"doctrines": rep.Doctrines, "findings": json.RawMessage(report),
		"extensions": map[string]any{article5.ExtensionID: map[string]any{"extension_type": "new-sdo"}},
	}
	markMap(obj, marking, red)
	raw, err := json.Marshal(obj)
	if err != nil {
		return article5.Internal("encode assessment object", err)
	}
	// The node made it, whole: its stored form is written directly, not
	// parsed back (the findings of a large case are large).
	canon, err := stix.CanonicalLarge(raw)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(canon)
	t, err := stix.ParseTimestamp(ts)
	if err != nil {
		return article5.Internal("assessment object time", err)
	}
	so := &article5.StoredObject{ID: id, Type: "article5-assessment", Version: ts, VersionSec: t.Time.Unix(), VersionNsec: int64(t.Time.Nanosecond()),
		SpecVersion: "2.1", CreatedBy: article5.ExtensionCreatorID, Markings: []string{marking}, RedRecipients: red,
		Raw: raw, SHA256: hex.EncodeToString(sum[:]), Submitter: NodePrincipal.ID, SubmitterOrg: NodePrincipal.Org}
	if marking == "" {
		so.Markings = nil
	}
	if _, err := n.Store.IngestObjects(ctx, article5.IngestRequest{Objects: []*article5.StoredObject{so}, Atomic: true}); err != nil {
		return fmt.Errorf("store %s: %w", id, err)
	}
	return nil
}

// markDerived adds to a STIX object the node made the audience of what it
// derives from: object_marking_refs [marking] and, when red is not empty,
// red_recipients in article5's extension (creating the extension entry as
// a property-extension when the object has none).
func markDerived(raw []byte, marking string, red []string) ([]byte, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, article5.Internal("mark derived object", err)
	}
	markMap(obj, marking, red)
	out, err := json.Marshal(obj)
	if err != nil {
		return nil, article5.Internal("mark derived object", err)
	}
	return out, nil
}

// markMap is markDerived on a decoded object.
func markMap(obj map[string]any, marking string, red []string) {
	if marking != "" {
		obj["object_marking_refs"] = []string{marking}
	}
	if len(red) > 0 {
		exts, _ := obj["extensions"].(map[string]any)
		if exts == nil {
			exts = map[string]any{}
			obj["extensions"] = exts
		}
		ext, _ := exts[article5.ExtensionID].(map[string]any)
		if ext == nil {
			ext = map[string]any{"extension_type": "property-extension"}
			exts[article5.ExtensionID] = ext
		}
		ext["red_recipients"] = red
	}
}

// evidence is what the walk of one case found: the admitted objects (every
// admitted version, parsed from its exact bytes), their stored versions
// (for release decisions), and every id the walk looked up (held or not):
// an object later stored under one of those ids, or a relationship from
// one, may change the case (the re-assessment index).
type evidence struct {
	objs    []*stix.Object
	sums    []string                 // sums[i]: the stored canonical sha256 of objs[i]
	latest  []*article5.StoredObject // the latest admitted version of each admitted id (every admitted copy of an SCO)
	watched []string                 // sorted
	ids     []string                 // admitted ids, sorted
	index   []article5.ObjectRef     // admitted ids; for SCO copies, each admitted version
}

// caseEvidence walks the evidence of a case: its grouping and object_refs;
// the relationships (and sightings) from those, their targets, and one more
// hop of relationships from the targets (actor → State, identity →
// location); then every object those reference (created_by_ref,
// Incident Core impact_refs, …), twice over. Other groupings are left out,
// so the case stays one case.
//
// A link counts only if its author may read what it links to (the link
// rule, docs/security.md "Case evidence"): a reference from object O
// admits a version of the referenced object only if O's custodian may read
// it (or holds it); a relationship from an object joins only if its own
// custodian may read that object; an SCO (whose id anyone may submit
// content under) joins only in the copies of the referrer's custodian. A
// case thus never draws on an object its author could not see, and no
// organisation changes another's case through an object it cannot read.
//
// EINVALID when the evidence exceeds Node.MaxCaseObjects versions or
// Node.MaxCaseIncidents incidents.
func (n *Node) caseEvidence(ctx context.Context, caseID string, rels *relIndex) (*evidence, error) {
	g, err := n.latest(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if g.Type != "grouping" {
		return nil, article5.Errorf(article5.ENOTFOUND, "no such case")
	}
	l := &loader{n: n, caseID: caseID, held: map[string][]*article5.StoredObject{}, admitted: map[string][]*stix.Object{}, admittedSums: map[string][]string{},
		admittedV: map[string]map[string]*article5.StoredObject{}, limit: n.maxCaseObjects()}
	if err := l.fetch(ctx, []string{caseID}); err != nil {
		return nil, err
	}
	if err := l.admitAll(caseID); err != nil {
		return nil, err
	}
	caseAuthor := l.authorOf(caseID)
	refs := l.refsOf(caseID, "object_refs")
	if err := l.link(ctx, caseAuthor, refs); err != nil {
		return nil, err
	}
	front := append(l.admittedOf(refs), caseID)
	for hop := 0; hop < 2; hop++ {
		from, err := rels.from(ctx, n, front)
		if err != nil {
			return nil, err
		}
		var relIDs []string
		for _, r := range from {
			author := n.authorOf(r)
			ok, err := l.mayLink(ctx, author, r.SourceRef)
			if err != nil {
				return nil, err
			}
			if ok {
				relIDs = append(relIDs, r.ID)
			}
		}
		if err := l.fetch(ctx, relIDs); err != nil {
			return nil, err
		}
		var targets []string
		for _, id := range relIDs {
			if err := l.admitAll(id); err != nil {
				return nil, err
			}
			author := l.authorOf(id)
			for _, t := range l.refsOf(id, "target_ref") {
				if err := l.link(ctx, author, []string{t}); err != nil {
					return nil, err
				}
				targets = append(targets, t)
			}
		}
		front = l.admittedOf(targets)
	}
	for range 2 {
		for _, id := range l.ids() {
			if err := l.link(ctx, l.authorOf(id), l.refsOf(id, "")); err != nil {
				return nil, err
			}
		}
	}
	ev := &evidence{ids: l.ids()}
	incidents := 0
	for _, id := range ev.ids {
		ev.objs = append(ev.objs, l.admitted[id]...)
		ev.sums = append(ev.sums, l.admittedSums[id]...)
		var best *article5.StoredObject
		for _, v := range l.admittedV[id] {
			if best == nil || versionAfterStored(v, best) {
				best = v
			}
		}
		if best.Unversioned {
			// Each SCO copy is its own submitter's: each counts.
			vs := make([]string, 0, len(l.admittedV[id]))
			for v := range l.admittedV[id] {
				vs = append(vs, v)
			}
			slices.Sort(vs)
			for _, v := range vs {
				ev.index = append(ev.index, article5.ObjectRef{ID: id, Version: v})
				ev.latest = append(ev.latest, l.admittedV[id][v])
			}
		} else {
			ev.index = append(ev.index, article5.ObjectRef{ID: id})
			ev.latest = append(ev.latest, best)
		}
		if best.Type == "incident" {
			incidents++
		}
	}
	if lim := n.maxCaseIncidents(); incidents > lim {
		return nil, article5.Errorf(article5.EINVALID, "case %s holds %d incidents, more than the %d a case may hold (serve --max-case-incidents)", caseID, incidents, lim)
	}
	for id := range l.held {
		ev.watched = append(ev.watched, id)
	}
	slices.Sort(ev.watched)
	return ev, nil
}

// CaseEvidence returns the ids of the objects the node holds as the
// evidence of case caseID (see AssessCase), sorted. ENOTFOUND if the node
// holds no such grouping.
func (n *Node) CaseEvidence(ctx context.Context, caseID string) ([]string, error) {
	ev, err := n.caseEvidence(ctx, caseID, &relIndex{})
	if err != nil {
		return nil, err
	}
	return ev.ids, nil
}

// bundleOf wraps the exact bytes of objs in a bundle and parses it back, so
// that the evidence is read exactly as a bundle file of the same objects
// would be.
func bundleOf(caseID string, objs []*stix.Object) (*stix.Bundle, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"type":"bundle","id":"bundle--`)
	buf.WriteString(strings.TrimPrefix(caseID, "grouping--"))
	buf.WriteString(`","objects":[`)
	for i, o := range objs {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(o.Raw)
	}
	buf.WriteString("]}")
	b, err := stix.Parse(buf.Bytes())
	if err != nil {
		return nil, article5.Internal("evidence bundle of "+caseID, err)
	}
	return b, nil
}

// authorOf is the organisation that answers for the links an object makes:
// its custodian, else (versions stored before custody and without
// created_by_ref) the node's own organisation.
func (n *Node) authorOf(o *article5.StoredObject) string {
	if c := article5.CustodianOf(o); c != "" {
		return c
	}
	return n.Policy.Holder
}

// loader accumulates a case's evidence.
type loader struct {
	n            *Node
	caseID       string
	held         map[string][]*article5.StoredObject          // id → every held version; nil: looked up, not held
	admitted     map[string][]*stix.Object                    // id → admitted versions, parsed
	admittedSums map[string][]string                          // id → their stored canonical sha256, in the same order
	admittedV    map[string]map[string]*article5.StoredObject // id → version → admitted stored version
	versions     int                                          // versions fetched
	limit        int                                          // Node.MaxCaseObjects
}

// ids returns the admitted ids, sorted.
func (l *loader) ids() []string {
	ids := make([]string, 0, len(l.admitted))
	for id, vs := range l.admitted {
		if len(vs) > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// admittedOf returns those of ids with an admitted version.
func (l *loader) admittedOf(ids []string) []string {
	var out []string
	for _, id := range ids {
		if len(l.admitted[id]) > 0 {
			out = append(out, id)
		}
	}
	return out
}

// authorOf is Node.authorOf of the latest admitted version of id.
func (l *loader) authorOf(id string) string {
	var best *article5.StoredObject
	for _, v := range l.admittedV[id] {
		if best == nil || versionAfterStored(v, best) {
			best = v
		}
	}
	if best == nil {
		return ""
	}
	return l.n.authorOf(best)
}

// refsOf returns the ids referenced by the admitted versions of id: the
// property prop only, or every reference ("") except marking-definitions.
func (l *loader) refsOf(id, prop string) []string {
	var out []string
	for _, o := range l.admitted[id] {
		if prop != "" {
			if v := o.String(prop); v != "" {
				out = append(out, v)
			}
			out = append(out, o.Strings(prop)...)
			continue
		}
		for _, r := range o.Refs() {
			out = append(out, r.ID)
		}
	}
	return out
}

// mayRead reports whether organisation author may read stored version v:
// it holds it in custody, or the release policy admits the organisation.
func (l *loader) mayRead(author string, v *article5.StoredObject) bool {
	if author == "" || author == article5.CustodianOf(v) {
		return true
	}
	return l.n.Policy.Releasable(release.ObjectOfStored(v), l.n.Policy.OrgRecipient(author)).Allowed
}

// mayLink reports whether a link by author to id counts: the node does not
// hold id, or author may read its latest version.
func (l *loader) mayLink(ctx context.Context, author, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	if err := l.fetch(ctx, []string{id}); err != nil {
		return false, err
	}
	vs := l.held[id]
	if len(vs) == 0 {
		return true, nil
	}
	best := vs[0]
	for _, v := range vs[1:] {
		if versionAfterStored(v, best) {
			best = v
		}
	}
	return l.mayRead(author, best), nil
}

// link fetches ids and admits the versions a link by author may reach:
// an SCO's copies in author's custody; any other object's versions author
// may read.
func (l *loader) link(ctx context.Context, author string, ids []string) error {
	if err := l.fetch(ctx, ids); err != nil {
		return err
	}
	for _, id := range ids {
		for _, v := range l.held[id] {
			if v.Unversioned && author != "" && article5.CustodianOf(v) != author {
				continue
			}
			if !v.Unversioned && !l.mayRead(author, v) {
				continue
			}
			if err := l.admit(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// admitAll admits every held version of id (the case's own grouping; a
// relationship that joined).
func (l *loader) admitAll(id string) error {
	for _, v := range l.held[id] {
		if err := l.admit(v); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) admit(v *article5.StoredObject) error {
	if l.admittedV[v.ID][v.Version] != nil {
		return nil
	}
	o, err := stix.ParseObject(v.Raw)
	if err != nil {
		return article5.Internal("load evidence: parse "+v.ID, err)
	}
	if l.admittedV[v.ID] == nil {
		l.admittedV[v.ID] = map[string]*article5.StoredObject{}
	}
	l.admittedV[v.ID][v.Version] = v
	l.admitted[v.ID] = append(l.admitted[v.ID], o)
	l.admittedSums[v.ID] = append(l.admittedSums[v.ID], v.SHA256)
	return nil
}

// fetch loads every version of the ids not yet looked up.
func (l *loader) fetch(ctx context.Context, ids []string) error {
	var want []string
	for _, id := range ids {
		if _, done := l.held[id]; done || id == "" || stixType(id) == "marking-definition" && stix.IsBuiltinMarking(id) {
			continue
		}
		l.held[id] = nil
		want = append(want, id)
	}
	for len(want) > 0 {
		chunk := want[:min(len(want), 500)]
		want = want[len(chunk):]
		f := article5.ObjectFilter{IDs: chunk, AllVersions: true, Limit: 1000}
		for {
			page, err := l.n.Store.FindObjects(ctx, f)
			if err != nil {
				return fmt.Errorf("load evidence: %w", err)
			}
			for _, so := range page.Objects {
				if so.Type == "grouping" && so.ID != l.caseID {
					continue
				}
				l.held[so.ID] = append(l.held[so.ID], so)
				l.versions++
			}
			if l.versions > l.limit {
				return article5.Errorf(article5.EINVALID, "case %s: its evidence holds more than the %d object versions a case may hold (serve --max-case-objects)", l.caseID, l.limit)
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
	}
	return nil
}

// versionAfterStored reports whether a is a later version than b (latestOf's order).
func versionAfterStored(a, b *article5.StoredObject) bool {
	if a.VersionSec != b.VersionSec {
		return a.VersionSec > b.VersionSec
	}
	if a.VersionNsec != b.VersionNsec {
		return a.VersionNsec > b.VersionNsec
	}
	return versionAfter(a.Version, b.Version)
}

// relIndex caches, for one assessment or one request, the latest
// relationships and sightings by source (sighting_of_ref for sightings),
// querying the store (indexed on source_ref) only for sources not asked
// before.
type relIndex struct {
	bySource map[string][]*article5.StoredObject
}

// from returns the relationships and sightings whose source is one of ids.
func (x *relIndex) from(ctx context.Context, n *Node, ids []string) ([]*article5.StoredObject, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if x.bySource == nil {
		x.bySource = map[string][]*article5.StoredObject{}
	}
	var ask []string
	seen := map[string]bool{}
	for _, id := range ids {
		if _, ok := x.bySource[id]; !ok && !seen[id] {
			seen[id] = true
			ask = append(ask, id)
		}
	}
	for len(ask) > 0 {
		batch := ask
		if len(batch) > 500 {
			batch = ask[:500]
		}
		ask = ask[len(batch):]
		for _, id := range batch {
			x.bySource[id] = nil
		}
		f := article5.ObjectFilter{Types: []string{"relationship", "sighting"}, SourceRefs: batch, Limit: 1000}
		for {
			page, err := n.Store.FindObjects(ctx, f)
			if err != nil {
				return nil, fmt.Errorf("load evidence: %w", err)
			}
			for _, o := range page.Objects {
				x.bySource[o.SourceRef] = append(x.bySource[o.SourceRef], o)
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
	}
	var out []*article5.StoredObject
	done := map[string]bool{}
	for _, id := range ids {
		if done[id] {
			continue
		}
		done[id] = true
		out = append(out, x.bySource[id]...)
	}
	return out, nil
}

// stixType is the type part of a STIX id.
func stixType(id string) string {
	for i := 0; i+1 < len(id); i++ {
		if id[i] == '-' && id[i+1] == '-' {
			return id[:i]
		}
	}
	return ""
}
