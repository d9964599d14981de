package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"article5"
)

// errorBody is the one error shape of the API:
//
//	{"error":{"code":"invalid","message":"…","details":[{"object","pointer","message"}]}}
type errorBody struct {
	Error errorObj `json:"error"`
	// Result is the ingest result, on an ingest whose every object was
	// rejected (422).
	Result any `json:"result,omitempty"`
}

type errorObj struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Details []article5.Detail `json:"details,omitempty"`
}

// apiError is an error of the HTTP edge itself, with a status article5's
// codes do not name (408, 413, 415, 422, 429); code is still one of
// article5's. retryAfter, when positive, is sent as Retry-After (seconds).
type apiError struct {
	status     int
	code       string
	msg        string
	details    []article5.Detail
	result     any
	retryAfter int64
}

func (e *apiError) Error() string { return e.msg }

// statusOf maps article5's error codes to HTTP status, once.
func statusOf(code string) int {
	switch code {
	case article5.EINVALID:
		return http.StatusBadRequest
	case article5.ENOTFOUND:
		return http.StatusNotFound
	case article5.ECONFLICT:
		return http.StatusConflict
	case article5.EFORBIDDEN:
		return http.StatusForbidden
	case article5.EUNAUTHORIZED:
		return http.StatusUnauthorized
	default:
		return http.StatusInternalServerError
	}
}

// internalErr wraps a recovered panic value as an internal error.
func internalErr(op string, v any) error {
	return article5.Internal(op, fmt.Errorf("%v", v))
}

// writeError writes err in the error shape. Internal errors (and any error
// that is not article5's) are shown as "internal error" and logged with
// their cause; a client that went away is not logged as a fault.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	body := errorBody{}
	status := 0
	var ae *apiError
	var e *article5.Error
	switch {
	case errors.As(err, &ae):
		status = ae.status
		body.Error = errorObj{Code: ae.code, Message: ae.msg, Details: ae.details}
		body.Result = ae.result
		if ae.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.FormatInt(ae.retryAfter, 10))
		}
	case errors.As(err, &e) && e.Code != article5.EINTERNAL && e.Code != "":
		status = statusOf(e.Code)
		body.Error = errorObj{Code: e.Code, Message: e.Message, Details: e.Details}
	default:
		status = http.StatusInternalServerError
		body.Error = errorObj{Code: article5.EINTERNAL, Message: "internal error"}
		if !errors.Is(err, context.Canceled) {
			s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err.Error())
		}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="article5"`)
	}
	writeJSON(w, status, body)
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	writeRaw(w, status, data)
}

// writeRaw writes JSON bytes with status.
func writeRaw(w http.ResponseWriter, status int, data []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(data)
	_, _ = w.Write([]byte("\n"))
}
