// Package node holds the services of an article5 node: STIX ingest into the
// store, the re-assessment worker that turns stored evidence into case
// assessments and events, and the release gate every path out of the node
// goes through (DESIGN.md §5). Transports (the JSON API, later TAXII and the
// web UI) are thin adapters over a *Node.
package node

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"article5"
	"article5/doctrine"
	"article5/release"
	"article5/sign"
)

// Node is one article5 node: its store, the doctrines in force, its release
// policy, its log and its clock. The zero Log discards; the zero Now is
// time.Now. A Node is safe for concurrent use once set up.
//
// Doctrines is the set in force at start; it is not changed afterwards.
// Read the set in force with InForce, and change it with SetDoctrine or
// ChangeDoctrine (doctrine.go).
type Node struct {
	Store     article5.Store
	Doctrines []*doctrine.Doctrine
	Policy    release.Policy
	Log       *slog.Logger
	Now       func() time.Time

	// Roots are the Parties' public root keys the node trusts (serve
	// --trust): an approver's signature is accepted only under a key one
	// of them certifies for the approver's Party.
	Roots []sign.PublicRoot
	// Party is the Party whose node this is; the worker acts for it when
	// new evidence re-opens a consultation. "" means JP.
	Party article5.Party
	// Organisations lists, per Party, the STIX identity ids of the
	// organisations whose users that Party's admins may create (serve
	// config "organisations"). An admin may always create users of their
	// own organisation; organisation decides what TLP lets a user see, so
	// no admin may pick one freely.
	Organisations map[article5.Party][]string

	consultMu sync.Mutex // serialises consultation changes (consultation.go)
	wakeOnce  sync.Once
	wake      chan struct{}
	jobsDone  atomic.Int64

	// docs, once set, replaces Doctrines: the set in force after a change
	// (doctrine.go). docsMu orders a change against the worker's claims.
	docs   atomic.Pointer[[]*doctrine.Doctrine]
	docsMu sync.RWMutex
}

// JobsDone returns how many re-assessment jobs this node has completed
// since it started (for metrics).
func (n *Node) JobsDone() int64 { return n.jobsDone.Load() }

func (n *Node) now() time.Time {
	if n.Now == nil {
		return time.Now().UTC()
	}
	return n.Now().UTC()
}

func (n *Node) log() *slog.Logger {
	if n.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return n.Log
}

// wakeup returns the channel that tells the worker a job was recorded.
func (n *Node) wakeup() chan struct{} {
	n.wakeOnce.Do(func() { n.wake = make(chan struct{}, 1) })
	return n.wake
}

// nudge wakes the worker without blocking.
func (n *Node) nudge() {
	select {
	case n.wakeup() <- struct{}{}:
	default:
	}
}
