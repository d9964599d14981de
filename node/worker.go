package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"article5"
	"article5/assess"
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
// none it waits poll (or less, when an ingest records a job). Faults are
// logged and the job is retried after its lease; the worker never stops for
// them.
func (n *Node) RunWorker(ctx context.Context, poll time.Duration) {
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTimer(poll)
	defer t.Stop()
	for ctx.Err() == nil {
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
		}
	}
}

// RunJobOnce claims one job and runs it. It reports false (and no error)
// when there is no job. Running a job again is harmless: an assessment with
// the same hash is saved once. A case whose evidence is invalid is logged
// and skipped; a store fault leaves the job to be retried after its lease.
func (n *Node) RunJobOnce(ctx context.Context) (bool, error) {
	n.docsMu.RLock() // a doctrine change's job is claimed only once it is in force (ChangeDoctrine)
	job, err := n.Store.ClaimJob(ctx, jobLease)
	n.docsMu.RUnlock()
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim job: %w", err)
	}
	cases, err := n.jobCases(ctx, job)
	if err != nil {
		return true, fmt.Errorf("job %s: %w", job.ID, err)
	}
	for _, id := range cases {
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
	if err := n.Store.CompleteJob(ctx, job.ID); err != nil {
		return true, fmt.Errorf("complete job %s: %w", job.ID, err)
	}
	n.jobsDone.Add(1)
	n.log().InfoContext(ctx, "job done", "job", job.ID, "cases", len(cases), "attempts", job.Attempts)
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

// jobCases expands a job's cases, "*" meaning every grouping held.
func (n *Node) jobCases(ctx context.Context, job *article5.Job) ([]string, error) {
	var out []string
	for _, c := range job.Cases {
		if c != "*" {
			out = append(out, c)
			continue
		}
		f := article5.ObjectFilter{Types: []string{"grouping"}, Limit: 1000}
		for {
			page, err := n.Store.FindObjects(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, o := range page.Objects {
				out = append(out, o.ID)
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// AssessCase assesses the case (grouping) caseID on the evidence the node
// holds, saves the assessment and returns the events it caused ("assessed",
// "tier-changed"; none when the same assessment was already saved).
// ENOTFOUND if the node holds no such grouping; EINVALID if the evidence
// cannot be assessed.
func (n *Node) AssessCase(ctx context.Context, caseID string) ([]article5.Event, error) {
	objs, err := n.caseEvidence(ctx, caseID, &relIndex{})
	if err != nil {
		return nil, err
	}
	b, err := bundleOf(caseID, objs)
	if err != nil {
		return nil, err
	}
	ev, err := assess.NewEvidence(b)
	if err != nil {
		return nil, err
	}
	rep, err := assess.AssessEvidence(ctx, assess.Options{Doctrines: n.InForce()}, ev)
	if err != nil {
		return nil, err
	}
	if rep.Case != caseID {
		return nil, article5.Errorf(article5.EINVALID, "%s is not a case: its evidence assesses as %s", caseID, rep.Case)
	}
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
	evs, err := n.Store.SaveAssessment(ctx, s, data)
	if err != nil {
		return nil, fmt.Errorf("save assessment of %s: %w", caseID, err)
	}
	if err := n.storeAssessmentObject(ctx, rep, data); err != nil {
		return nil, err
	}
	if len(evs) > 0 {
		// A new assessment: a consultation on the old one re-opens on it.
		if err := n.reopen(ctx, caseID); err != nil {
			return nil, fmt.Errorf("re-open the consultation of %s: %w", caseID, err)
		}
	}
	return evs, nil
}

// storeAssessmentObject keeps the assessment as article5's STIX SDO
// (article5-assessment, extension/schema.json $defs/assessment) beside the
// evidence, so that it travels like any object (and positions can refer to
// it). Its id is the UUIDv5 of (case, assessment hash): one object per
// distinct assessment, stored once, whatever reruns or crashes happen
// between the index and the object.
func (n *Node) storeAssessmentObject(ctx context.Context, rep *article5.Report, report []byte) error {
	id := AssessmentObjectID(rep.Case, rep.Hash)
	if _, err := n.Store.FindObjectVersions(ctx, id); err == nil {
		return nil
	} else if article5.ErrorCode(err) != article5.ENOTFOUND {
		return fmt.Errorf("find %s: %w", id, err)
	}
	ts := n.now().UTC().Format("2006-01-02T15:04:05.000Z")
	obj := map[string]any{
		"type": "article5-assessment", "spec_version": "2.1", "id": id, "created": ts, "modified": ts,
		"created_by_ref": article5.ExtensionCreatorID,
		"case_ref":       rep.Case, "evidence_digest": rep.EvidenceDigest, "assessment_hash": rep.Hash,
		"doctrines": rep.Doctrines, "findings": json.RawMessage(report),
		"extensions": map[string]any{article5.ExtensionID: map[string]any{"extension_type": "new-sdo"}},
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return article5.Internal("encode assessment object", err)
	}
	o, err := stix.ParseObject(raw)
	if err != nil {
		return article5.Internal("parse assessment object", err)
	}
	so, err := storedObject(o, n.now())
	if err != nil {
		return err
	}
	if _, err := n.Store.IngestObjects(ctx, []*article5.StoredObject{so}, nil, true); err != nil {
		return fmt.Errorf("store %s: %w", id, err)
	}
	return nil
}

// caseEvidence loads the evidence of a case: its grouping and object_refs;
// the relationships (and sightings) from those, their targets, and one more
// hop of relationships from the targets (actor → State, identity →
// location); then every object those reference (created_by_ref,
// Incident Core impact_refs, …), twice over. Every stored version of each
// object is included, each parsed back from its exact bytes. Other
// groupings are left out, so the case stays one case.
func (n *Node) caseEvidence(ctx context.Context, caseID string, rels *relIndex) ([]*stix.Object, error) {
	g, err := n.latest(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if g.Type != "grouping" {
		return nil, article5.Errorf(article5.ENOTFOUND, "no such case")
	}
	l := &loader{n: n, objs: map[string][]*stix.Object{}, caseID: caseID}
	if err := l.load(ctx, []string{caseID}); err != nil {
		return nil, err
	}
	front := l.refsOf([]string{caseID}, "object_refs")
	if err := l.load(ctx, front); err != nil {
		return nil, err
	}
	front = append(front, caseID)
	for hop := 0; hop < 2; hop++ {
		from, err := rels.from(ctx, n, front)
		if err != nil {
			return nil, err
		}
		var relIDs, targets []string
		for _, r := range from {
			relIDs = append(relIDs, r.ID)
			if r.TargetRef != "" {
				targets = append(targets, r.TargetRef)
			}
		}
		if err := l.load(ctx, relIDs); err != nil {
			return nil, err
		}
		if err := l.load(ctx, targets); err != nil {
			return nil, err
		}
		front = targets
	}
	for range 2 {
		if err := l.load(ctx, l.refsOf(l.ids(), "")); err != nil {
			return nil, err
		}
	}
	var out []*stix.Object
	for _, id := range l.ids() {
		out = append(out, l.objs[id]...)
	}
	return out, nil
}

// CaseEvidence returns the ids of the objects the node holds as the
// evidence of case caseID (see AssessCase), sorted. ENOTFOUND if the node
// holds no such grouping.
func (n *Node) CaseEvidence(ctx context.Context, caseID string) ([]string, error) {
	return n.caseEvidenceIDs(ctx, caseID, &relIndex{})
}

func (n *Node) caseEvidenceIDs(ctx context.Context, caseID string, rels *relIndex) ([]string, error) {
	objs, err := n.caseEvidence(ctx, caseID, rels)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, o := range objs {
		ids = append(ids, o.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
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

// loader accumulates a case's evidence.
type loader struct {
	n      *Node
	caseID string
	objs   map[string][]*stix.Object // id → versions; nil entry: not held
}

func (l *loader) ids() []string {
	var ids []string
	for id, vs := range l.objs {
		if len(vs) > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// refsOf returns the ids referenced by the latest versions of ids: the
// property prop only, or every reference ("") except marking-definitions.
func (l *loader) refsOf(ids []string, prop string) []string {
	var out []string
	for _, id := range ids {
		vs := l.objs[id]
		for _, o := range vs {
			if prop != "" {
				out = append(out, o.Strings(prop)...)
				continue
			}
			for _, r := range o.Refs() {
				out = append(out, r.ID)
			}
		}
	}
	return out
}

// load fetches every version of the ids not yet loaded.
func (l *loader) load(ctx context.Context, ids []string) error {
	var want []string
	for _, id := range ids {
		if _, done := l.objs[id]; done || id == "" || stixType(id) == "marking-definition" && stix.IsBuiltinMarking(id) {
			continue
		}
		l.objs[id] = nil
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
				o, err := stix.ParseObject(so.Raw)
				if err != nil {
					return article5.Internal("load evidence: parse "+so.ID, err)
				}
				l.objs[so.ID] = append(l.objs[so.ID], o)
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
	}
	return nil
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
