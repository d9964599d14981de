package article5

import "context"

// AssessedCase is one case for CaseLoader.SaveAssessments: its summary, its
// assessment report (JSON) and its evidence index, as
// CaseService.SaveAssessment takes them.
type AssessedCase struct {
	Summary *CaseSummary
	Report  []byte
	Index   CaseIndex
}

// CaseLoader loads many assessed cases at once: the bulk path for an
// import, or for seeding a store for a benchmark. Both SQL stores have it.
type CaseLoader interface {
	// SaveAssessments stores the first assessment of each case as
	// SaveAssessment would, in one transaction with bulk inserts. The
	// cases must not be held yet (a held one fails the whole batch,
	// EINTERNAL); a case without an id or hash is EINVALID.
	SaveAssessments(ctx context.Context, cases []AssessedCase) error
}
