package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"article5"
)

// Kinds of change recorded in the log. Kind is open: any value matching
// [a-z][a-z0-9-]* is accepted, these are the ones article5 writes.
const (
	KindSTIXObject    = "stix-object"
	KindCase          = "case"
	KindPosition      = "position"
	KindSignature     = "signature"
	KindDetermination = "determination"
	KindUser          = "user"
	KindRole          = "role"
	KindKey           = "key"
	KindDoctrine      = "doctrine"
	KindToken         = "token"
	KindSession       = "session"    // a login session made or ended
	KindQuarantine    = "quarantine" // a version held apart (article5.IngestQuarantine)
	KindCaseIndex     = "case-index" // a case's evidence index written
)

// DigestDeleted is the Digest of an entry recording that its row was
// deleted: after it, Verify expects no row with that ref.
const DigestDeleted = "-"

// Limits on entry fields, in bytes.
const (
	MaxKindLen = 64
	MaxRefLen  = 1024
)

// Entry is one change recorded in the log. See the package comment for its
// leaf data encoding.
type Entry struct {
	Index  int64     // position in the log, from 0; Append assigns it
	Kind   string    // what changed: KindCase, KindSTIXObject, …
	Ref    string    // the covered row, e.g. "objects/<id>/<version>", "cases/<id>"
	Digest string    // lowercase hex SHA-256 of the row's canonical content, or DigestDeleted
	Time   time.Time // when the change was made; encoded as UTC nanoseconds
	// By names who made the change, "<principal>" or "<principal>@<org>"
	// (an API token or user id and its organisation's STIX identity id,
	// article5.PrincipalNode for the node itself); "" when not recorded
	// (entries written before submitters were logged, and changes no
	// principal asked for). It is an optional sixth field of the leaf.
	By string
}

// MaxByLen limits Entry.By, in bytes.
const MaxByLen = 512

// ByOf returns the Entry.By of a principal: "<id>@<org>", "<id>" without
// an organisation, "" without an id.
func ByOf(id, org string) string {
	if id == "" {
		return ""
	}
	if org == "" {
		return id
	}
	return id + "@" + org
}

// ByOrg returns the organisation of e.By ("<principal>@<org>"), "" when
// By names none (article5.PrincipalNode, or no By).
func (e Entry) ByOrg() string {
	_, org, _ := strings.Cut(e.By, "@")
	return org
}

// DisclosedTo reports whether e's leaf data line may be given to a
// recipient of organisation org: its By is the node's own
// (article5.PrincipalNode, with or without an organisation), names no
// organisation (or there is no By), or names org. The line of an entry by
// a principal of another organisation — a user, a token, a partner node as
// registered here — names that principal, which only its own organisation
// is shown (docs/web-ui.md, "Audit trail"); such a recipient is given the
// InclusionProof's Leaf, which checks without the line.
func (e Entry) DisclosedTo(org string) bool {
	principal, o, _ := strings.Cut(e.By, "@")
	return principal == article5.PrincipalNode || o == "" || o == org
}

// Digest returns the lowercase hex SHA-256 of content, the form of
// Entry.Digest. content is the covered row's canonical encoding, which the
// adapter defines per table (e.g. RFC 8785 JSON of the row).
func Digest(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// Validate reports whether e can be encoded: an EINVALID *article5.Error
// naming the field at fault, or nil. Index is not checked.
func (e Entry) Validate() error {
	obj := "entry " + strconv.FormatInt(e.Index, 10)
	bad := func(ptr, msg string) error {
		return article5.Invalid("invalid audit entry", article5.Detail{Object: obj, Pointer: ptr, Message: msg})
	}
	if !validKind(e.Kind) {
		return bad("/kind", fmt.Sprintf("kind %q must match [a-z][a-z0-9-]* and have at most %d bytes", e.Kind, MaxKindLen))
	}
	if !validRef(e.Ref) {
		return bad("/ref", fmt.Sprintf("ref must be 1 to %d bytes of printable ASCII without spaces", MaxRefLen))
	}
	if !validDigest(e.Digest) {
		return bad("/digest", "digest must be 64 lowercase hex digits (SHA-256) or \"-\"")
	}
	if e.By != "" && (len(e.By) > MaxByLen || !validRef(e.By)) {
		return bad("/by", fmt.Sprintf("by must be at most %d bytes of printable ASCII without spaces", MaxByLen))
	}
	if e.Time.IsZero() || e.Time.Year() < 1678 || e.Time.Year() > 2261 {
		return bad("/time", "time must be set and representable as Unix nanoseconds (years 1678-2261)")
	}
	return nil
}

func validKind(s string) bool {
	if s == "" || len(s) > MaxKindLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validRef(s string) bool {
	if s == "" || len(s) > MaxRefLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func validDigest(s string) bool {
	if s == DigestDeleted {
		return true
	}
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Data returns e's leaf data, the line "<index> <kind> <ref> <digest>
// <time-ns>\n", or "<index> <kind> <ref> <digest> <time-ns> <by>\n" when By
// is set (package comment). It does not validate e; Append does.
func (e Entry) Data() []byte {
	return e.appendData(make([]byte, 0, 32+len(e.Kind)+len(e.Ref)+len(e.Digest)))
}

func (e Entry) appendData(b []byte) []byte {
	b = strconv.AppendInt(b, e.Index, 10)
	b = append(b, ' ')
	b = append(b, e.Kind...)
	b = append(b, ' ')
	b = append(b, e.Ref...)
	b = append(b, ' ')
	b = append(b, e.Digest...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, e.Time.UnixNano(), 10)
	if e.By != "" {
		b = append(b, ' ')
		b = append(b, e.By...)
	}
	return append(b, '\n')
}

// RecordHash returns tlog.RecordHash(e.Data()), the leaf hash of e:
// SHA-256(0x00 || data) (RFC 6962 §2.1), hashed in one buffer on the stack
// (Verify hashes every entry).
func (e Entry) RecordHash() tlog.Hash {
	var buf [512]byte
	return sha256.Sum256(e.appendData(append(buf[:0], 0)))
}

// ParseEntry parses leaf data written by Entry.Data. It returns an EINVALID
// *article5.Error if data is not exactly one well-formed line.
func ParseEntry(data []byte) (Entry, error) {
	bad := article5.Invalid("malformed audit entry", article5.Detail{Message: "want \"<index> <kind> <ref> <digest> <time-ns>[ <by>]\\n\""})
	line, ok := bytes.CutSuffix(data, []byte("\n"))
	if !ok || bytes.IndexByte(line, '\n') >= 0 {
		return Entry{}, bad
	}
	f := bytes.Split(line, []byte(" "))
	if len(f) != 5 && len(f) != 6 {
		return Entry{}, bad
	}
	index, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil || index < 0 || strconv.FormatInt(index, 10) != string(f[0]) {
		return Entry{}, bad
	}
	ns, err := strconv.ParseInt(string(f[4]), 10, 64)
	if err != nil || strconv.FormatInt(ns, 10) != string(f[4]) {
		return Entry{}, bad
	}
	e := Entry{Index: index, Kind: string(f[1]), Ref: string(f[2]), Digest: string(f[3]), Time: time.Unix(0, ns).UTC()}
	if len(f) == 6 {
		if len(f[5]) == 0 {
			return Entry{}, bad
		}
		e.By = string(f[5])
	}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	return e, nil
}
