package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"article5"
	"article5/doctrine"
)

// InForce returns the doctrines in force: Doctrines as set up, with every
// change made since by SetDoctrine or ChangeDoctrine. The slice is shared:
// do not modify it. Safe for concurrent use.
func (n *Node) InForce() []*doctrine.Doctrine {
	if p := n.docs.Load(); p != nil {
		return *p
	}
	return n.Doctrines
}

// Doctrine returns the doctrine in force with id; ENOTFOUND if there is
// none.
func (n *Node) Doctrine(id string) (*doctrine.Doctrine, error) {
	for _, d := range n.InForce() {
		if d.ID == id {
			return d, nil
		}
	}
	return nil, article5.Errorf(article5.ENOTFOUND, "no such doctrine is in force")
}

// SetDoctrine puts d in force in place of the doctrine with the same id
// (or beside the others, at the end, if there is none). It does not store
// d or re-assess any case: ChangeDoctrine does both.
func (n *Node) SetDoctrine(d *doctrine.Doctrine) {
	n.docsMu.Lock()
	defer n.docsMu.Unlock()
	n.setDoctrine(d)
}

// setDoctrine is SetDoctrine with n.docsMu held.
func (n *Node) setDoctrine(d *doctrine.Doctrine) {
	docs := slices.Clone(n.InForce())
	if i := slices.IndexFunc(docs, func(x *doctrine.Doctrine) bool { return x.ID == d.ID }); i >= 0 {
		docs[i] = d
	} else {
		docs = append(docs, d)
	}
	n.docs.Store(&docs)
}

// ChangeDoctrine stores d as the next version of its doctrine (changed by
// the user byUser), with its audit entry and a full re-assessment job in
// one transaction, then puts it in force and wakes the worker, so that
// every case is re-assessed under it. Authorisation is the caller's (the
// owning party's admin: authz.ActionChangeDoctrine). The worker claims no
// job between the store's commit and the swap, so the job always runs
// under d. ECONFLICT (article5.VersionHeld) if d's id and version already
// name another text: a doctrine set up at start or a stored version.
func (n *Node) ChangeDoctrine(ctx context.Context, d *doctrine.Doctrine, byUser string) (*article5.DoctrineVersion, string, error) {
	// A version names one text: the built-in and file doctrines set up
	// at start are checked here (they never change), the stored versions
	// by the store, in the transaction that stores d.
	for _, held := range n.Doctrines {
		if held.ID == d.ID && held.Version == d.Version && held.SHA256 != d.SHA256 {
			return nil, "", fmt.Errorf("change doctrine %s: %w", d.ID, article5.VersionHeld(d.ID, d.Version, held.SHA256))
		}
	}
	v := &article5.DoctrineVersion{ID: d.ID, Party: d.Party, Version: d.Version, Title: d.Title, Source: d.Source,
		ChangedBy: byUser, Changed: n.now()}
	n.docsMu.Lock()
	job, err := n.Store.SaveDoctrine(ctx, v)
	if err == nil {
		n.setDoctrine(d)
	}
	n.docsMu.Unlock()
	if err != nil {
		return nil, "", fmt.Errorf("change doctrine %s: %w", d.ID, err)
	}
	n.log().InfoContext(ctx, "doctrine changed", "doctrine", d.ID, "version", d.Version, "seq", v.Seq,
		"sha256", v.SHA256, "party", d.Party, "by", byUser, "job", job)
	n.nudge()
	return v, job, nil
}

// LoadStoredDoctrines puts in force the latest stored version of every
// doctrine changed through ChangeDoctrine, over the built-in or file
// doctrine of the same id: how a restarted node keeps the doctrines its
// admins set. EINVALID, naming the doctrine, if a stored version no longer
// parses or checks.
func (n *Node) LoadStoredDoctrines(ctx context.Context) error {
	gen, err := n.Store.DoctrineGeneration(ctx)
	if err != nil {
		return fmt.Errorf("load stored doctrines: %w", err)
	}
	vs, err := n.Store.FindDoctrines(ctx)
	if err != nil {
		return fmt.Errorf("load stored doctrines: %w", err)
	}
	n.docsMu.Lock()
	defer n.docsMu.Unlock()
	for _, v := range vs {
		// Held: in force when it was put, it keeps meaning what it meant
		// even where the parameters' ranges now refuse it (a new text is
		// checked as it is put: ParseDoctrine).
		d, err := doctrine.ParseHeld(fmt.Sprintf("stored doctrine %s (version %d)", v.ID, v.Seq), v.Source)
		if err != nil {
			return fmt.Errorf("load stored doctrines: %w", err)
		}
		n.setDoctrine(d)
	}
	n.docGen.Store(gen + 1)
	return nil
}

// SyncDoctrines puts in force the doctrine versions saved since the set in
// force was last read (LoadStoredDoctrines), by this or another serve
// process of the node: one cheap read (Store.DoctrineGeneration) when
// nothing changed. The worker calls it after each claim and the doctrine
// endpoints before they answer, so that a change made through one process
// takes effect in all.
func (n *Node) SyncDoctrines(ctx context.Context) error {
	gen, err := n.Store.DoctrineGeneration(ctx)
	if err != nil {
		return fmt.Errorf("sync doctrines: %w", err)
	}
	if gen+1 == n.docGen.Load() {
		return nil
	}
	return n.LoadStoredDoctrines(ctx)
}

// ParseDoctrine parses and checks a doctrine file put for the doctrine id
// (doctrine.Parse): EINVALID with a detail per fault, naming its line, or
// naming /id when the file's id is not id.
func ParseDoctrine(id string, src []byte) (*doctrine.Doctrine, error) {
	return parseDoctrine(id, src, doctrine.Parse)
}

// parseHeldDoctrine is ParseDoctrine for a doctrine a record or a partner
// names, which was in force when it was used: its values are taken as
// written (doctrine.ParseHeld).
func parseHeldDoctrine(id string, src []byte) (*doctrine.Doctrine, error) {
	return parseDoctrine(id, src, doctrine.ParseHeld)
}

func parseDoctrine(id string, src []byte, parse func(string, []byte) (*doctrine.Doctrine, error)) (*doctrine.Doctrine, error) {
	name := id + ".yaml"
	d, err := parse(name, src)
	if err != nil {
		return nil, err
	}
	if d.ID != id {
		return nil, article5.Invalid("the doctrine's id must be the id it is put as",
			article5.Detail{Object: name, Pointer: "/id", Message: fmt.Sprintf("want %q, got %q", id, d.ID)})
	}
	return d, nil
}

// IsBuiltin reports whether d is exactly the built-in doctrine of its id
// (the same source bytes as doctrine.DefaultSource).
func IsBuiltin(d *doctrine.Doctrine) bool {
	src, err := doctrine.DefaultSource(d.ID)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:]) == d.SHA256
}

// DoctrineInfo describes a doctrine for a listing: its id, version, owning
// party, title, the sha256 and bytes of its source, and whether it is the
// built-in doctrine of its id (IsBuiltin).
type DoctrineInfo struct {
	ID, Version, Title, SHA256 string
	Party                      article5.Party
	Source                     []byte
	Builtin                    bool
}

// Describe returns d's DoctrineInfo.
func Describe(d *doctrine.Doctrine) DoctrineInfo {
	return DoctrineInfo{ID: d.ID, Version: d.Version, Title: d.Title, SHA256: d.SHA256, Party: d.Party, Source: d.Source, Builtin: IsBuiltin(d)}
}
