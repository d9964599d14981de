package api

import (
	_ "embed"
	"net/http"
)

// openapiJSON is the OpenAPI 3.1 document of the API; TestOpenAPIMatchesRoutes
// keeps it and Routes in step.
//
//go:embed openapi.json
var openapiJSON []byte

// OpenAPI returns the OpenAPI 3.1 document served at /api/v1/openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openapiJSON...) }

func (s *server) openAPI(w http.ResponseWriter, r *http.Request) error {
	writeRaw(w, http.StatusOK, openapiJSON)
	return nil
}
