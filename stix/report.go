package stix

import (
	"article5"
	"fmt"
)

// Severity grades an Issue.
type Severity string

// Severities. An error breaks a MUST of STIX 2.1 and makes the object
// invalid; a warning breaks a SHOULD or flags something a recipient should
// know; info is for the record only.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Issue is one finding of Validate.
type Issue struct {
	Severity Severity
	Object   string // the object's id, "objects/N" when it has no usable id, or "bundle"
	Index    int    // the object's index in Bundle.Objects, -1 for the bundle itself
	Pointer  string // RFC 6901 pointer of the property inside the object, "" for the object
	Code     string // stable kebab-case code, e.g. "timestamp-format", "dangling-ref"
	Message  string // what is wrong and what was expected
}

// String renders the issue as "severity object pointer: message [code]".
func (i Issue) String() string {
	return fmt.Sprintf("%s %s %s: %s [%s]", i.Severity, i.Object, i.Pointer, i.Message, i.Code)
}

// Report is the result of Validate: every issue, ordered by object index
// (bundle first), then pointer, then code.
type Report struct {
	Issues []Issue
}

func (r Report) filter(s Severity) []Issue {
	var out []Issue
	for _, i := range r.Issues {
		if i.Severity == s {
			out = append(out, i)
		}
	}
	return out
}

// Errors returns the error-severity issues.
func (r Report) Errors() []Issue { return r.filter(SeverityError) }

// Warnings returns the warning-severity issues.
func (r Report) Warnings() []Issue { return r.filter(SeverityWarning) }

// Infos returns the info-severity issues.
func (r Report) Infos() []Issue { return r.filter(SeverityInfo) }

// ObjectValid reports whether the object at index has no error-severity
// issue. Bundle-level issues do not affect it.
func (r Report) ObjectValid(index int) bool {
	for _, i := range r.Issues {
		if i.Index == index && i.Severity == SeverityError {
			return false
		}
	}
	return true
}

// Err returns nil when the report has no errors, else an *article5.Error
// with code EINVALID whose Details are the error issues (object, pointer,
// message), in report order.
func (r Report) Err() error {
	errs := r.Errors()
	if len(errs) == 0 {
		return nil
	}
	details := make([]article5.Detail, len(errs))
	for k, i := range errs {
		details[k] = article5.Detail{Object: i.Object, Pointer: i.Pointer, Message: i.Message}
	}
	return article5.Invalid(fmt.Sprintf("STIX bundle: %d invalid %s", len(errs), plural(len(errs), "property or object", "properties or objects")), details...)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
