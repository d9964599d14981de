package api

import (
	"context"
	"net/http"
	"time"
)

// healthz reports that the process is up; it touches nothing else.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz reports whether the store answers (Store.Ping): 200, else 503.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := s.n.Store.Ping(ctx); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "err", err.Error())
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorObj{Code: "internal", Message: "the store is not available"}})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}
