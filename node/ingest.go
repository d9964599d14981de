package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"article5"
	"article5/release"
	"article5/stix"
)

// Ingest validates a STIX bundle and stores its valid objects in one
// transaction with a re-assessment job (Store.IngestObjects). Every object
// with a STIX error (stix.Validate) becomes a Rejection naming its id,
// index and the JSON pointer of the first fault; the others are stored, or
// found unchanged, or rejected by the version rules of
// article5.DecideIngest. With atomic, any rejection refuses the whole
// bundle: nothing is stored and the error is ECONFLICT with a detail per
// rejection.
//
// Malformed JSON fails with EINVALID giving the line and column, as does a
// bundle with no objects or with an error at bundle level. Several versions
// of one id in one bundle are all kept. An object with neither modified nor
// created (SCOs, some marking-definitions) is versioned by the date the
// node adds it (TAXII 2.1 §5.3.1) and is a no-op when its content is held.
func (n *Node) Ingest(ctx context.Context, data []byte, atomic bool) (*article5.IngestResult, error) {
	b, err := stix.Parse(data)
	if err != nil {
		return nil, err
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
	now := n.now()
	var prior, warnings []article5.Rejection
	objs := make([]*article5.StoredObject, 0, len(b.Objects))
	for i, o := range b.Objects {
		if !rep.ObjectValid(i) {
			prior = append(prior, rejection(rep, i, o))
			continue
		}
		so, err := storedObject(o, now)
		if err != nil {
			prior = append(prior, article5.Rejection{ID: o.ID, Index: i, Reason: article5.ErrorMessage(err)})
			continue
		}
		objs = append(objs, so)
		if w := assessable(o); w != "" {
			warnings = append(warnings, article5.Rejection{ID: o.ID, Index: i, Pointer: "/extensions/" + article5.ExtensionID, Reason: w})
		}
	}
	if atomic && len(prior) > 0 {
		return nil, refused(prior, len(b.Objects))
	}
	res, err := n.Store.IngestObjects(ctx, objs, prior, atomic)
	if err != nil {
		return nil, fmt.Errorf("ingest bundle: %w", err)
	}
	res.Warnings = warnings
	if res.Job != "" {
		n.nudge()
	}
	n.log().InfoContext(ctx, "ingest", "accepted", len(res.Accepted), "unchanged", len(res.Unchanged), "rejected", len(res.Rejected), "job", res.Job)
	return res, nil
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
	if rv, ok := o.Props["revoked"].(bool); ok {
		so.Revoked = rv
	}
	if ts, ok := o.VersionTime(); ok && so.Version != "" {
		so.VersionSec, so.VersionNsec = ts.Time.Unix(), int64(ts.Time.Nanosecond())
	} else {
		so.Unversioned = true
		so.Version = now.Format(time.RFC3339Nano)
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

// assessable says why an incident cannot be assessed as it stands ("" when
// it can): it needs article5's property-extension with a domain. The
// object is still stored (it is valid STIX); the warning tells the sender.
func assessable(o *stix.Object) string {
	if o.Type != "incident" {
		return ""
	}
	a5, _ := o.Map("extensions")[article5.ExtensionID].(map[string]any)
	switch a5["domain"] {
	case "cyber", "space", "electromagnetic":
		return ""
	}
	return "stored, but article5 cannot assess this incident: it needs article5's property-extension (" + article5.ExtensionID + ") with domain cyber, space or electromagnetic"
}
