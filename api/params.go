package api

import (
	"net/http"
	"strconv"
	"time"

	"article5"
	"article5/stix"
)

// maxLimit is the largest page size a client may ask for.
const maxLimit = 1000

// limitParam reads ?limit: 1…1000, def when absent.
func limitParam(r *http.Request, def int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, article5.Invalid("limit must be an integer from 1 to 1000",
			article5.Detail{Pointer: "?limit", Message: "got " + strconv.Quote(v)})
	}
	return n, nil
}

// timeParam reads a STIX timestamp query parameter; zero when absent.
func timeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	ts, err := stix.ParseTimestamp(v)
	if err != nil {
		return time.Time{}, article5.Invalid(name+" must be a timestamp such as 2024-01-01T00:00:00.000Z",
			article5.Detail{Pointer: "?" + name, Message: article5.ErrorMessage(err)})
	}
	return ts.Time, nil
}

// afterParam returns ?after, an event sequence number (default 0);
// EINVALID if it is not a non-negative integer.
func afterParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("after")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, article5.Invalid("after must be a non-negative event sequence number",
			article5.Detail{Pointer: "?after", Message: "got " + strconv.Quote(v)})
	}
	return n, nil
}
