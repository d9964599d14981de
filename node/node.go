// Package node holds the services of an article5 node: STIX ingest into the
// store, the re-assessment worker that turns stored evidence into case
// assessments and events, and the release gate every path out of the node
// goes through (DESIGN.md §5). Transports (the JSON API, later TAXII and the
// web UI) are thin adapters over a *Node.
package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"article5"
	"article5/assess"
	"article5/cursor"
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
	// Cursors seals the page cursors and event ids the node hands out
	// (package cursor), under the node's secrets (Store.NodeSecrets);
	// LoadCursors sets it from the store, and the first use does when it
	// is nil.
	Cursors   *cursor.Sealer
	cursorsMu sync.Mutex
	// SpeaksFor lists, per organisation (or per user or token id), the
	// organisations it is registered to speak for (serve config
	// "speaks-for"): it may create objects as them (created_by_ref) and add
	// versions to objects in their custody. A national CSIRT relaying for
	// its ministries is the case it is for.
	SpeaksFor map[string][]string
	// MaxCaseIncidents limits the incidents of one case (a grouping's
	// incident object_refs at ingest, and the incidents its evidence holds
	// when assessed); 0: DefaultMaxCaseIncidents.
	MaxCaseIncidents int
	// MaxCaseObjects limits the objects of one case's evidence when it is
	// assessed; 0: DefaultMaxCaseObjects.
	MaxCaseObjects int

	// FindingsCache keeps single incidents' findings between assessments
	// of the worker (assess.FindingsCache): re-assessing a case after a
	// change evaluates only the incidents whose facts, or the doctrines
	// in force, changed. Nil makes one of assess.DefaultFindingsCacheSize
	// incidents on first use.
	FindingsCache *assess.FindingsCache
	findingsOnce  sync.Once

	// Holder names this process among the serve processes of the node,
	// in the leases it takes (the webhook dispatcher's) and in its log;
	// "" makes one on first use (host, process id and 4 random bytes).
	Holder   string
	holderMu sync.Mutex

	webhookLease atomic.Bool // this process held the dispatcher's lease at its last renewal

	consultMu sync.Mutex // serialises consultation changes (consultation.go)
	wakeOnce  sync.Once
	wake      chan struct{}
	jobsDone  atomic.Int64

	// docs, once set, replaces Doctrines: the set in force after a change
	// (doctrine.go). docsMu orders a change against the worker's claims.
	docs   atomic.Pointer[[]*doctrine.Doctrine]
	docsMu sync.RWMutex
	docGen atomic.Int64 // the store's DoctrineGeneration the set in force was read at (+1; 0: never read)
}

// Defaults of the case limits (Node.MaxCaseIncidents, MaxCaseObjects).
const (
	DefaultMaxCaseIncidents = 10_000
	DefaultMaxCaseObjects   = 200_000
)

func (n *Node) maxCaseIncidents() int {
	if n.MaxCaseIncidents > 0 {
		return n.MaxCaseIncidents
	}
	return DefaultMaxCaseIncidents
}

func (n *Node) maxCaseObjects() int {
	if n.MaxCaseObjects > 0 {
		return n.MaxCaseObjects
	}
	return DefaultMaxCaseObjects
}

// LoadCursors sets n.Cursors from the node's secrets in the store (making
// the first one on a new node); a cursor naming a secret this process does
// not hold (another process rotated) reloads them.
func (n *Node) LoadCursors(ctx context.Context) error {
	if n.Store == nil {
		return article5.Errorf(article5.EINTERNAL, "node: no store for the cursor secrets")
	}
	load := func() ([]cursor.Key, error) {
		ss, err := n.Store.NodeSecrets(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		keys := make([]cursor.Key, len(ss))
		for i, s := range ss {
			keys[i] = cursor.Key{ID: s.ID, Secret: s.Secret, Created: s.Created}
		}
		return keys, nil
	}
	keys, err := load()
	if err != nil {
		return err
	}
	c, err := cursor.New(keys, load)
	if err != nil {
		return err
	}
	n.Cursors = c
	return nil
}

// sealer returns n.Cursors, loading it from the store on first use.
func (n *Node) sealer() (*cursor.Sealer, error) {
	n.cursorsMu.Lock()
	defer n.cursorsMu.Unlock()
	if n.Cursors == nil {
		if err := n.LoadCursors(context.Background()); err != nil {
			return nil, err
		}
	}
	return n.Cursors, nil
}

// SealCursor seals a store position (a page cursor) for principal.
// EINTERNAL when the node's secrets cannot be read.
func (n *Node) SealCursor(principal, plain string) (string, error) {
	c, err := n.sealer()
	if err != nil {
		return "", err
	}
	return c.Seal(principal, plain), nil
}

// OpenCursor opens a cursor SealCursor made for principal; EINVALID
// (cursor.ErrMalformed) for anything else.
func (n *Node) OpenCursor(principal, token string) (string, error) {
	c, err := n.sealer()
	if err != nil {
		return "", err
	}
	return c.Open(principal, token)
}

// EventID returns the opaque id of event sequence number seq for the
// principal (or webhook) id: the sequence sealed for it.
func (n *Node) EventID(principal string, seq int64) (string, error) {
	return n.SealCursor(principal, "e1."+strconv.FormatInt(seq, 10))
}

// EventSeq opens an event id EventID made for principal; EINVALID
// (cursor.ErrMalformed) for anything else.
func (n *Node) EventSeq(principal, id string) (int64, error) {
	plain, err := n.OpenCursor(principal, id)
	if err != nil {
		return 0, err
	}
	rest, ok := strings.CutPrefix(plain, "e1.")
	if !ok {
		return 0, cursor.ErrMalformed
	}
	seq, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || seq < 0 {
		return 0, cursor.ErrMalformed
	}
	return seq, nil
}

// HolderID returns n.Holder, making it on first use.
func (n *Node) HolderID() string {
	n.holderMu.Lock()
	defer n.holderMu.Unlock()
	if n.Holder == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
		n.Holder = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	return n.Holder
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
