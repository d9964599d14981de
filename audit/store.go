package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"article5"
)

// Kinds of the covered storage rows that have no Kind constant above.
const (
	KindAssessment = "assessment" // a row of assessments
	KindEvent      = "event"      // a row of events
	KindWebhook    = "webhook"    // a row of webhooks (its subscription columns)
	KindPartner    = "partner"    // a row of partners (a partner node and whom it speaks for)
)

// Store is the transparency log a storage adapter (sqlite, postgres) keeps
// beside the rows it covers. Both adapters implement it; the API and the
// `article5 audit` command reach it by a type assertion on article5.Store.
//
// The covered tables, and the refs of their rows, are:
//
//	objects      "objects/<id>/<version>"   (ObjectDigest)
//	cases        "cases/<id>"               (CaseDigest)
//	assessments  "assessments/<case>/<seq>" (AssessmentDigest)
//	events       "events/<seq>"             (EventDigest)
//	tokens       "tokens/<id>"              (TokenDigest)
//	users        "users/<id>"               (UserDigest)
//	doctrines    "doctrines/<id>/<seq>"     (DoctrineDigest)
//	webhooks     "webhooks/<id>"            (WebhookDigest)
//	partners     "partners/<name>"          (PartnerDigest)
//	consultations  "consultations/<case>"   (ConsultationDigest)
//	approver_keys  "approver_keys/<key id>" (ApproverKeyDigest)
//
// where ids and versions are escaped with url.PathEscape. jobs (operational
// state, re-created by every ingest and consumed by the worker) and sessions
// (operational, expiring) are not covered.
type Store interface {
	// AuditKey returns the node's note verifier key ("<name>+<hash>+<key>").
	AuditKey(ctx context.Context) (string, error)
	// AuditHead returns the newest signed tree head (SignTreeHead's note).
	AuditHead(ctx context.Context) ([]byte, error)
	// AuditHeadAt returns the signed tree head of the log at n entries;
	// ENOTFOUND if no transaction ended at that size.
	AuditHeadAt(ctx context.Context, n int64) ([]byte, error)
	// AuditEntry returns one entry; ENOTFOUND beyond the log.
	AuditEntry(ctx context.Context, index int64) (Entry, error)
	// AuditEntriesByRef returns the entries recording the row ref, oldest
	// first (none: an empty slice).
	AuditEntriesByRef(ctx context.Context, ref string) ([]Entry, error)
	// AuditInclusion proves entry index is in the tree of size entries (0:
	// the newest signed head's size). ENOTFOUND for an entry beyond the
	// log, EINVALID for a size out of range.
	AuditInclusion(ctx context.Context, index, size int64) (*InclusionProof, error)
	// AuditConsistency proves the tree of oldSize entries is a prefix of the
	// tree of newSize entries. EINVALID for sizes out of range.
	AuditConsistency(ctx context.Context, oldSize, newSize int64) (*ConsistencyProof, error)
	// AuditVerify is the routine check: it reads the whole log, its tiles,
	// the newest signed head (checked with the node's verifier key) and
	// every covered row in one snapshot, and runs Verify. Each row's digest
	// is recomputed from its columns; an object version's raw bytes are
	// taken as its raw_sha256 column says (CoveredObject.Digest), except
	// for versions logged before raw_sha256 existed. A head whose
	// signature does not verify is reported as a FaultHeadMismatch.
	AuditVerify(ctx context.Context) (*Report, error)
	// AuditVerifyDeep is AuditVerify that also reads every object
	// version's raw bytes and checks them against raw_sha256 and red: it
	// alone detects an edit of raw bytes that leaves raw_sha256 as it was.
	// It reads and hashes every stored object, so it is slower.
	AuditVerifyDeep(ctx context.Context) (*Report, error)
}

// EmptyTreeHash is the RFC 6962 hash of the empty tree, the hash of a
// TreeHead of 0 entries.
func EmptyTreeHash() tlog.Hash { return emptyTreeHash }

// fields encodes strings unambiguously (each as "<len>:<bytes>,") and
// returns the Digest of the result.
func fields(fs ...string) string {
	e := getEnc()
	defer putEnc(e)
	for _, f := range fs {
		e.str(f)
	}
	return e.digest()
}

// enc builds the encoding fields hashes in one buffer, so that a digest
// costs one pass of SHA-256 and no allocation but its hex string:
// verifying a log computes one per covered row.
type enc struct{ b []byte }

var encPool = sync.Pool{New: func() any { return &enc{b: make([]byte, 0, 1024)} }}

func getEnc() *enc  { return encPool.Get().(*enc) }
func putEnc(e *enc) { e.b = e.b[:0]; encPool.Put(e) }

// str appends the field s.
func (e *enc) str(s string) {
	e.b = strconv.AppendInt(e.b, int64(len(s)), 10)
	e.b = append(e.b, ':')
	e.b = append(e.b, s...)
	e.b = append(e.b, ',')
}

// num appends the field strconv.FormatInt(n, 10).
func (e *enc) num(n int64) {
	var d [20]byte
	digits := strconv.AppendInt(d[:0], n, 10)
	e.b = strconv.AppendInt(e.b, int64(len(digits)), 10)
	e.b = append(e.b, ':')
	e.b = append(e.b, digits...)
	e.b = append(e.b, ',')
}

// flag appends the field boolStr(v).
func (e *enc) flag(v bool) { e.str(boolStr(v)) }

// lines appends the field strings.Join(ss, "\n").
func (e *enc) lines(ss []string) {
	n := max(len(ss)-1, 0)
	for _, s := range ss {
		n += len(s)
	}
	e.b = strconv.AppendInt(e.b, int64(n), 10)
	e.b = append(e.b, ':')
	for i, s := range ss {
		if i > 0 {
			e.b = append(e.b, '\n')
		}
		e.b = append(e.b, s...)
	}
	e.b = append(e.b, ',')
}

// digest returns the lowercase hex SHA-256 of the encoding.
func (e *enc) digest() string {
	sum := sha256.Sum256(e.b)
	return hex.EncodeToString(sum[:])
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func boolStr(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

// ObjectRef is the ref of one stored object version.
func ObjectRef(id, version string) string {
	return "objects/" + url.PathEscape(id) + "/" + url.PathEscape(version)
}

// ObjectDigest is the digest of a stored object version as ingest logs it
// (from migration 0008 on): ObjectDigestOf(o, its red column, RawSHA256 of
// its raw bytes).
func ObjectDigest(o *article5.StoredObject) string {
	return ObjectDigestOf(o, article5.RedColumn(o.RedRecipients), RawSHA256(o.Raw))
}

// ObjectDigestOf is the digest of a stored object version from its columns
// alone, what the routine AuditVerify recomputes without reading raw: its
// key, instant, date added, indexed columns, markings, canonical sha256
// (RFC 8785), provenance (submitter, its organisation, custodian,
// relayed), red (the red column as stored, article5.RedColumn) and
// rawSHA256, the hex SHA-256 of the raw bytes (objects.raw_sha256), which
// stands for them. Everything but the latest flag, which a later version
// changes, and tlp_rank, which AuditVerify recomputes from the markings.
// Whether the raw bytes still hash to rawSHA256, and red still says what
// raw's red_recipients do, only AuditVerifyDeep checks.
func ObjectDigestOf(o *article5.StoredObject, red, rawSHA256 string) string {
	sum := objectSum(o, red, rawSHA256)
	return hex.EncodeToString(sum[:])
}

// objectSum is ObjectDigestOf as the SHA-256 sum the digest is the hex of.
func objectSum(o *article5.StoredObject, red, rawSHA256 string) [sha256.Size]byte {
	// fields("object/2", o.ID, …), in one buffer.
	e := getEnc()
	defer putEnc(e)
	e.str("object/2")
	e.str(o.ID)
	e.str(o.Version)
	e.num(o.VersionSec)
	e.num(o.VersionNsec)
	e.flag(o.Unversioned)
	e.num(o.Added.Unix())
	e.num(int64(o.Added.Nanosecond()))
	e.str(o.Type)
	e.str(o.SpecVersion)
	e.str(o.CreatedBy)
	e.flag(o.Revoked)
	e.lines(o.Markings)
	e.str(o.SourceRef)
	e.str(o.TargetRef)
	e.str(o.SHA256)
	e.str(o.Submitter)
	e.str(o.SubmitterOrg)
	e.str(o.Custodian)
	e.flag(o.Relayed)
	e.str(red)
	e.str(rawSHA256)
	return sha256.Sum256(e.b)
}

// RawSHA256 returns the lowercase hex SHA-256 of raw, the bytes as stored
// (not their canonical form): the objects.raw_sha256 column.
func RawSHA256(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// LegacyObjectDigest is the digest the log recorded for object versions
// stored before migration 0008 (their raw_sha256 column is empty), and
// still records for quarantine rows: key, instant, date added, indexed
// columns, markings, canonical sha256 and the raw bytes themselves, and,
// for versions stored with a submitter, their provenance: submitter, its
// organisation, custodian, relayed and red recipients. Verifying such a
// row reads and hashes its raw bytes.
func LegacyObjectDigest(o *article5.StoredObject) string {
	sum := legacyObjectSum(o)
	return hex.EncodeToString(sum[:])
}

// legacyObjectSum is LegacyObjectDigest as the SHA-256 sum the digest is
// the hex of.
func legacyObjectSum(o *article5.StoredObject) [sha256.Size]byte {
	// fields(…, string(o.Raw)), without copying the raw bytes: verifying a
	// log hashes every stored object.
	h := sha256.New()
	var num [24]byte
	field := func(f string) {
		b := strconv.AppendInt(num[:0], int64(len(f)), 10)
		b = append(b, ':')
		h.Write(b)
		io.WriteString(h, f)
		h.Write([]byte{','})
	}
	for _, f := range [...]string{"object", o.ID, o.Version, i64(o.VersionSec), i64(o.VersionNsec), boolStr(o.Unversioned),
		i64(o.Added.Unix()), i64(int64(o.Added.Nanosecond())), o.Type, o.SpecVersion, o.CreatedBy, boolStr(o.Revoked),
		strings.Join(o.Markings, "\n"), o.SourceRef, o.TargetRef, o.SHA256} {
		field(f)
	}
	if o.Submitter != "" {
		for _, f := range [...]string{"provenance", o.Submitter, o.SubmitterOrg, o.Custodian, boolStr(o.Relayed), strings.Join(o.RedRecipients, "\n")} {
			field(f)
		}
	}
	b := strconv.AppendInt(num[:0], int64(len(o.Raw)), 10)
	b = append(b, ':')
	h.Write(b)
	h.Write(o.Raw)
	h.Write([]byte{','})
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// CaseRef is the ref of a case row.
func CaseRef(id string) string { return "cases/" + url.PathEscape(id) }

// CaseDigest is the digest of a case row: id, name, incidents, updated
// (UTC ns), the latest assessment's hash, its tiers (sorted by doctrine)
// and scope.
func CaseDigest(c *article5.CaseSummary, updatedNs int64) string {
	ds := make([]string, 0, len(c.Tiers))
	for d := range c.Tiers {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	var tiers strings.Builder
	for _, d := range ds {
		tiers.WriteString(d + "=" + string(c.Tiers[d]) + "\n")
	}
	return fields("case", c.ID, c.Name, i64(int64(c.Incidents)), i64(updatedNs), c.Hash, tiers.String(), string(c.Scope))
}

// AssessmentRef is the ref of an assessments row.
func AssessmentRef(caseID string, seq int64) string {
	return "assessments/" + url.PathEscape(caseID) + "/" + i64(seq)
}

// AssessmentDigest is the digest of an assessments row.
func AssessmentDigest(caseID, hash string, report []byte, savedNs int64) string {
	return fields("assessment", caseID, hash, string(report), i64(savedNs))
}

// EventRef is the ref of an events row.
func EventRef(seq int64) string { return "events/" + i64(seq) }

// EventDigest is the digest of an events row (Seq is in the ref).
func EventDigest(e *article5.Event) string {
	if e.Party == "" && e.Outcome == "" {
		// Events from before migration 0004, and the worker's: the digest
		// they were logged with.
		return fields("event", e.Type, e.Case, e.Doctrine, string(e.From), string(e.To), e.Hash, i64(e.Time.UnixNano()))
	}
	if e.Partner == "" && e.Org == "" {
		return fields("event", e.Type, e.Case, e.Doctrine, string(e.From), string(e.To), e.Hash, i64(e.Time.UnixNano()),
			string(e.Party), string(e.Outcome))
	}
	// Partner events (migration 0014) digest the partner too.
	return fields("event", e.Type, e.Case, e.Doctrine, string(e.From), string(e.To), e.Hash, i64(e.Time.UnixNano()),
		string(e.Party), string(e.Outcome), e.Partner, e.Org)
}

// ConsultationRef is the ref of a consultations row: "consultations/<case>".
func ConsultationRef(caseID string) string { return "consultations/" + url.PathEscape(caseID) }

// ConsultationDigest is the digest of a consultations row: every column.
func ConsultationDigest(c *article5.Consultation) string {
	return fields("consultation", c.Case, string(c.State), i64(c.Version), string(c.Data), i64(c.Updated.UnixNano()))
}

// ApproverKeyRef is the ref of an approver_keys row: "approver_keys/<key id>".
func ApproverKeyRef(keyID string) string { return "approver_keys/" + url.PathEscape(keyID) }

// ApproverKeyDigest is the digest of an approver_keys row: every column,
// the sealed key and the revocation included.
func ApproverKeyDigest(k *article5.ApproverKey) string {
	return fields("approver-key", k.KeyID, k.UserID, string(k.Party), string(k.Sealed), string(k.Certificate),
		string(k.Revocation), i64(k.Created.UnixNano()))
}

// TokenRef is the ref of a tokens row.
func TokenRef(id string) string { return "tokens/" + url.PathEscape(id) }

// TokenDigest is the digest of a tokens row, revoked flag included.
func TokenDigest(t *article5.Token, revoked bool) string {
	return fields("token", t.ID, t.Name, string(t.Party), t.Org, strings.Join(t.Communities, "\n"), t.Hash,
		i64(t.Created.UnixNano()), boolStr(revoked))
}

// UserRef is the ref of a users row: "users/<id>".
func UserRef(id string) string { return "users/" + url.PathEscape(id) }

// UserDigest is the digest of a users row: every column, the password hash
// included, so that a replaced hash is detected.
func UserDigest(u *article5.User) string {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return fields("user", u.ID, u.Name, string(u.Party), strings.Join(roles, "\n"), u.Org,
		strings.Join(u.Communities, "\n"), u.PasswordHash, i64(u.Created.UnixNano()), boolStr(u.Disabled))
}

// WebhookRef is the ref of a webhooks row: "webhooks/<id>".
func WebhookRef(id string) string { return "webhooks/" + url.PathEscape(id) }

// WebhookDigest is the digest of a webhooks row's subscription: id, URL,
// recipient, event types, created, disabled and the hex sha256 of the
// secret (not the secret). The delivery state (cursor, attempts, next
// attempt, last error) is left out: it changes on every delivery.
func WebhookDigest(w *article5.Webhook) string {
	sum := sha256.Sum256([]byte(w.Secret))
	return fields("webhook", w.ID, w.URL, string(w.Party), w.Org, strings.Join(w.Communities, "\n"),
		strings.Join(w.Events, "\n"), i64(w.Created.UnixNano()), boolStr(w.Disabled), hex.EncodeToString(sum[:]))
}

// PartnerRef is the ref of a partners row: "partners/<name>".
func PartnerRef(name string) string { return "partners/" + url.PathEscape(name) }

// PartnerDigest is the digest of a partners row: name, API root, the hex
// sha256 of the CA bundle and of the token (not the token), the
// organisations the partner speaks for (which decide what a sync may
// store in their custody), the collections and created. The cursors are
// operational (partner_cursors) and left out.
func PartnerDigest(p *article5.Partner) string {
	ca := sha256.Sum256(p.CA)
	tok := sha256.Sum256([]byte(p.Token))
	if len(p.ClientCert) > 0 || len(p.ClientKey) > 0 {
		// A client certificate (mutual TLS) is covered too; a row without
		// one keeps the digest it had before the columns existed.
		cert, key := sha256.Sum256(p.ClientCert), sha256.Sum256(p.ClientKey)
		return fields("partner", p.Name, p.APIRoot, hex.EncodeToString(ca[:]), hex.EncodeToString(tok[:]),
			strings.Join(p.SpeaksFor, "\n"), strings.Join(p.Collections, "\n"), i64(p.Created.UnixNano()),
			hex.EncodeToString(cert[:]), hex.EncodeToString(key[:]))
	}
	return fields("partner", p.Name, p.APIRoot, hex.EncodeToString(ca[:]), hex.EncodeToString(tok[:]),
		strings.Join(p.SpeaksFor, "\n"), strings.Join(p.Collections, "\n"), i64(p.Created.UnixNano()))
}

// DoctrineRef is the ref of a doctrines row: "doctrines/<id>/<seq>".
func DoctrineRef(id string, seq int64) string {
	return "doctrines/" + url.PathEscape(id) + "/" + i64(seq)
}

// DoctrineDigest is the digest of a doctrines row: every column, the YAML
// source included.
func DoctrineDigest(v *article5.DoctrineVersion) string {
	return fields("doctrine", v.ID, i64(v.Seq), string(v.Party), v.Version, v.Title, string(v.Source), v.SHA256,
		v.ChangedBy, i64(v.Changed.UnixNano()))
}

// SessionRef is the ref of a sessions row: "sessions/<id>".
func SessionRef(id string) string { return "sessions/" + url.PathEscape(id) }

// SessionDigest is the digest of a sessions row: id, the sha256 of its
// secret, user, created and expires (UTC ns). A session row the log does
// not record is an inserted login (Verify: row-inserted).
func SessionDigest(s *article5.Session, hash string) string {
	return fields("session", s.ID, hash, s.UserID, i64(s.Created.UnixNano()), i64(s.Expires.UnixNano()))
}

// QuarantineRef is the ref of a quarantine row:
// "quarantine/<id>/<version>/<submitter org>/<sha256>".
func QuarantineRef(id, version, org, sha256 string) string {
	return "quarantine/" + url.PathEscape(id) + "/" + url.PathEscape(version) + "/" + url.PathEscape(org) + "/" + url.PathEscape(sha256)
}

// QuarantineDigest is the digest of a quarantine row: LegacyObjectDigest
// of the version it holds (its provenance and raw bytes included; the
// quarantine is small, so every check reads it whole).
func QuarantineDigest(o *article5.StoredObject) string { return LegacyObjectDigest(o) }

// CaseIndexRef is the ref of a case's rows of case_index: "case_index/<case>".
func CaseIndexRef(caseID string) string { return "case_index/" + url.PathEscape(caseID) }

// CaseIndexRow is one row of a case's evidence index.
type CaseIndexRow struct {
	Object   string
	Version  string // "" but for an SCO copy
	Evidence bool
}

// CaseIndexDigest is the digest of all of a case's case_index rows
// (sorted by object, then version): the index decides what the case may
// be released to, so a row added, removed or edited is a fault.
func CaseIndexDigest(caseID string, rows []CaseIndexRow) string {
	rows = append([]CaseIndexRow(nil), rows...)
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Object != rows[j].Object {
			return rows[i].Object < rows[j].Object
		}
		return rows[i].Version < rows[j].Version
	})
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.Object + "\t" + r.Version + "\t" + boolStr(r.Evidence) + "\n")
	}
	return fields("case-index", caseID, b.String())
}

// KindOfRef returns the Kind recorded for a covered ref ("" if the ref is
// not of a covered table).
func KindOfRef(ref string) string {
	table, _, _ := strings.Cut(ref, "/")
	switch table {
	case "objects":
		return KindSTIXObject
	case "cases":
		return KindCase
	case "assessments":
		return KindAssessment
	case "events":
		return KindEvent
	case "tokens":
		return KindToken
	case "users":
		return KindUser
	case "doctrines":
		return KindDoctrine
	case "webhooks":
		return KindWebhook
	case "partners":
		return KindPartner
	case "consultations":
		return KindCase
	case "approver_keys":
		return KindKey
	case "sessions":
		return KindSession
	case "quarantine":
		return KindQuarantine
	case "case_index":
		return KindCaseIndex
	}
	return ""
}

// SplitRef splits a covered ref into its table and unescaped parts:
// "objects/<id>/<version>" gives ("objects", [id, version]).
func SplitRef(ref string) (table string, parts []string) {
	segs := strings.Split(ref, "/")
	for _, s := range segs[1:] {
		u, err := url.PathUnescape(s)
		if err != nil {
			u = s
		}
		parts = append(parts, u)
	}
	return segs[0], parts
}

// GenesisEntries returns the entries that record rows already present when
// a log is started (a store migrated from before the log): one per
// covered ref, in ref order, at time t.
func GenesisEntries(covered map[string]string, t time.Time) []Entry {
	refs := make([]string, 0, len(covered))
	for r := range covered {
		refs = append(refs, r)
	}
	sort.Strings(refs)
	out := make([]Entry, len(refs))
	for i, r := range refs {
		out[i] = Entry{Kind: KindOfRef(r), Ref: r, Digest: covered[r], Time: t}
	}
	return out
}

// CheckStoredHead checks the newest signed head an adapter holds (signed,
// stored in audit_heads at size n; nil if there is none) with the node's
// verifiers, for AuditVerify. It returns the head to verify against and,
// if the head is missing, forged or stored at the wrong size, a
// FaultHeadMismatch. A head that does not verify is still parsed, so the
// rest of the log is checked against what it claims.
func CheckStoredHead(signed []byte, n int64, verifiers note.Verifiers) (TreeHead, *Fault) {
	fault := func(format string, args ...any) *Fault {
		return &Fault{Kind: FaultHeadMismatch, Index: -1, Message: fmt.Sprintf(format, args...)}
	}
	if signed == nil {
		return TreeHead{Hash: emptyTreeHash}, fault("no signed tree head is stored")
	}
	head, err := VerifyTreeHead(signed, verifiers)
	if err != nil {
		text, _, _ := bytes.Cut(signed, []byte("\n\n"))
		head = TreeHead{N: n}
		if t, perr := tlog.ParseTree(append(text, '\n')); perr == nil {
			head = TreeHead{N: t.N, Hash: t.Hash}
		}
		return head, fault("newest signed tree head (stored at %d entries) does not verify with the node's key: %v", n, err)
	}
	if head.N != n {
		return head, fault("signed tree head of %d entries is stored at size %d", head.N, n)
	}
	return head, nil
}

// CoveredObject is an objects row as AuditVerify reads it: the version
// (Raw read only where it is checked) and the columns its digest and the
// release decisions take as stored.
type CoveredObject struct {
	article5.StoredObject
	Rank      int64  // tlp_rank as stored
	Red       string // red as stored (article5.RedColumn)
	RawSHA256 string // raw_sha256 as stored; "" for a version stored before migration 0008
}

// Digest returns the row's digest as AuditVerify compares it with the
// newest entry of its ref: LegacyObjectDigest for a version stored before
// migration 0008 (RawSHA256 "", Raw read), else ObjectDigestOf its
// columns. A column that does not say what the row's other columns do is
// named before the digest, which then matches no entry: tlp_rank must be
// the rank of the markings (article5.MarkingRank), and, where Raw was
// read, red must be raw's red_recipients; with deep, Raw (read for every
// row) must also hash to RawSHA256. The release decisions read tlp_rank
// and red, so an edit to them is an edit to who may read the row. The
// canonical sha256 is not recomputed from Raw: the log vouches for the
// sha256 column as ingest wrote it, and for raw through raw_sha256, so a
// mismatch between them would be a fault of ingest, not an edit.
func (c *CoveredObject) Digest(deep bool) string {
	d := c.RowDigest(deep)
	return d.String()
}

// RowDigest is a covered row's digest as a SHA-256 sum, so that a million
// rows are compared with their entries without a million hex strings.
type RowDigest struct {
	Sum [sha256.Size]byte
	// Bad names, in parentheses, the columns that do not say what the
	// row's others do (see CoveredObject.Digest); "" if none. A digest
	// with Bad set matches no entry.
	Bad string
}

// String returns the digest: the lowercase hex of Sum, after Bad and a
// space if Bad is set.
func (d *RowDigest) String() string {
	h := hex.EncodeToString(d.Sum[:])
	if d.Bad != "" {
		return d.Bad + " " + h
	}
	return h
}

// RowDigest is Digest as a RowDigest.
func (c *CoveredObject) RowDigest(deep bool) RowDigest {
	o := &c.StoredObject
	var bad []string
	if c.Rank != int64(article5.MarkingRank(o.Markings)) {
		bad = append(bad, fmt.Sprintf("tlp_rank %d is not the rank of the markings", c.Rank))
	}
	var d RowDigest
	if c.RawSHA256 == "" {
		d.Sum = legacyObjectSum(o)
	} else {
		d.Sum = objectSum(o, c.Red, c.RawSHA256)
		if deep && RawSHA256(o.Raw) != c.RawSHA256 {
			bad = append(bad, "raw does not hash to raw_sha256")
		}
	}
	if (c.RawSHA256 == "" || deep) && c.Red != article5.RedColumn(article5.RedRecipientsOf(o.Raw)) {
		bad = append(bad, fmt.Sprintf("red %q is not raw's red_recipients", c.Red))
	}
	if len(bad) > 0 {
		d.Bad = "(" + strings.Join(bad, "; ") + ")"
	}
	return d
}

// CoverObjects calls emit with the ref and RowDigest of every objects row the
// scans read (an adapter's loops over its rows, each run on its own
// goroutine), hashing on all CPUs while they read; emit is called from
// one goroutine at a time. A scan calls row for each row and fills in the
// zero CoveredObject it returns; a row is taken when row is called again
// or the scan returns nil. (Rows are handed out in batches, one
// allocation per batch: a million rows are read.) It returns the scans'
// errors.
func CoverObjects(emit func(ref string, d *RowDigest), deep bool, scans ...func(row func() *CoveredObject) error) error {
	type refDigest struct {
		ref string
		d   RowDigest
	}
	const batchSize = 256
	workers := runtime.GOMAXPROCS(0)
	batches := make(chan []CoveredObject, workers)
	results := make(chan []refDigest, workers)
	// Batches done with are handed back to the scans (a million rows
	// would otherwise be a million objects to collect).
	free := make(chan []CoveredObject, 2*workers+len(scans))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range batches {
				r := make([]refDigest, len(b))
				for i := range b {
					c := &b[i]
					r[i] = refDigest{ObjectRef(c.ID, c.Version), c.RowDigest(deep)}
				}
				results <- r
				clear(b)
				select {
				case free <- b[:0]:
				default:
				}
			}
		})
	}
	done := make(chan struct{})
	go func() {
		for r := range results {
			for i := range r {
				emit(r[i].ref, &r[i].d)
			}
		}
		close(done)
	}()
	errs := make([]error, len(scans))
	var readers sync.WaitGroup
	for i, scan := range scans {
		readers.Go(func() {
			batch := make([]CoveredObject, 0, batchSize)
			errs[i] = scan(func() *CoveredObject {
				if len(batch) == batchSize {
					batches <- batch
					select {
					case batch = <-free:
					default:
						batch = make([]CoveredObject, 0, batchSize)
					}
				}
				batch = batch[:len(batch)+1]
				return &batch[len(batch)-1]
			})
			if errs[i] == nil && len(batch) > 0 {
				batches <- batch
			}
		})
	}
	readers.Wait()
	close(batches)
	wg.Wait()
	close(results)
	<-done
	return errors.Join(errs...)
}

// ParseMarkings decodes a stored markings column: a JSON array of marking
// ids, as the adapters write it (SQLite text, or PostgreSQL jsonb read as
// text, which puts a space after each comma). AuditVerify reads every row,
// so the common forms (ids without escapes) are split without
// encoding/json; anything else goes through it. nil if the column is not
// such an array.
func ParseMarkings(s string) []string {
	if s == "[]" {
		return []string{}
	}
	if len(s) >= 4 && s[0] == '[' && s[1] == '"' && s[len(s)-2] == '"' && s[len(s)-1] == ']' && !strings.Contains(s, "\\") {
		parts := strings.Split(s[2:len(s)-2], `"`)
		out := make([]string, 0, (len(parts)+1)/2)
		ok := len(parts)%2 == 1
		for i := 0; ok && i < len(parts); i++ {
			if i%2 == 0 {
				out = append(out, parts[i])
			} else if sep := strings.TrimSpace(parts[i]); sep != "," {
				ok = false
			}
		}
		if ok {
			return out
		}
	}
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil || out == nil {
		return nil
	}
	return out
}
