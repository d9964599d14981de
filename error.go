package article5

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes: the closed set every article5 error carries. Adapters map
// them to transport status once, at the edge (HTTP status, CLI exit code).
const (
	EINVALID      = "invalid"      // the input breaks a rule; the caller must change it
	ENOTFOUND     = "not_found"    // the named thing does not exist (or is not visible)
	ECONFLICT     = "conflict"     // the input contradicts what is already held
	EFORBIDDEN    = "forbidden"    // the caller is known but may not do this
	EUNAUTHORIZED = "unauthorized" // the caller is not authenticated
	EINTERNAL     = "internal"     // a fault of article5 or its environment
)

// Error is article5's one application error. Message is safe to show to
// any client; Err carries the internal cause for logs only. Details lists
// the precise places at fault (object id, JSON pointer, expectation) when
// the error is about input.
type Error struct {
	Code    string   // one of EINVALID … EINTERNAL
	Message string   // safe, human-readable, lowercase start not required
	Details []Detail // per-object faults, in input order; may be empty
	Err     error    // internal cause, never shown to clients
}

// Detail names one fault in an input: the STIX object (or file, row) it is
// in, the JSON pointer (RFC 6901) of the property, and what was expected.
type Detail struct {
	Object  string `json:"object,omitempty"`  // STIX id, file name or "row N"
	Pointer string `json:"pointer,omitempty"` // RFC 6901 pointer into the object, "" for the whole object
	Message string `json:"message"`           // what is wrong and what was expected
	Line    int    `json:"line,omitempty"`    // 1-based source line where known (YAML, CSV)
}

// String renders the detail as "object pointer: message".
func (d Detail) String() string {
	var b strings.Builder
	if d.Object != "" {
		b.WriteString(d.Object)
	}
	if d.Line > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "line %d", d.Line)
	}
	if d.Pointer != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(d.Pointer)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Full is the message and every detail, one a line, never Err: what a
// command line prints, where Error stops after ten details.
func (e *Error) Full() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, d := range e.Details {
		b.WriteString("\n  ")
		b.WriteString(d.String())
	}
	return b.String()
}

// Error implements error. It includes the message and the first details,
// never Err.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for i, d := range e.Details {
		if i == 10 {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Details)-10)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(d.String())
	}
	return b.String()
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, &Error{Code: ENOTFOUND}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errorf returns an *Error with the given code and formatted safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error with details.
func Invalid(message string, details ...Detail) *Error {
	return &Error{Code: EINVALID, Message: message, Details: details}
}

// Internal wraps an internal cause; the message shown is generic.
func Internal(op string, err error) *Error {
	return &Error{Code: EINTERNAL, Message: "internal error", Err: fmt.Errorf("%s: %w", op, err)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of the first *Error in err's
// chain, or "internal error" for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}
