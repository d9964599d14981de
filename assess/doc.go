// Package assess turns STIX 2.1 evidence into an explained Article V
// assessment: it reads each incident's facts (Incident Core Extension,
// impacts, article5's extension, attributed-to, targets and located-at
// relationships), decides scope with package geo, applies every doctrine
// with package doctrine, accumulates related incidents, lists where the
// doctrines diverge, and computes the case id, evidence digest and
// assessment hash of DESIGN.md §5.
package assess
