package api

import (
	"encoding/json"
	"net/http"
	"time"

	"article5"
)

// keyJSON is an approver key as the API shows it: never the sealed key.
type keyJSON struct {
	KeyID       string          `json:"key_id"`
	UserID      string          `json:"user_id"`
	Party       article5.Party  `json:"party"`
	Certificate json.RawMessage `json:"certificate"`
	Revocation  json.RawMessage `json:"revocation,omitempty"`
	Created     time.Time       `json:"created"`
}

func viewKey(k *article5.ApproverKey) keyJSON {
	v := keyJSON{KeyID: k.KeyID, UserID: k.UserID, Party: k.Party, Certificate: k.Certificate, Created: k.Created}
	if k.Revocation != nil {
		v.Revocation = k.Revocation
	}
	return v
}

// userForKeys finds the user of the path and checks that the caller may
// manage that user's keys (manage-keys, admin of the user's Party): 403
// for a caller who may manage no one's keys; a user of another Party
// answers 404 exactly as an id that does not exist.
func (s *server) userForKeys(r *http.Request) (*article5.User, error) {
	p, err := principalOf(r)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeFor(r, article5.ActionManageKeys, p.authz.Party); err != nil {
		return nil, err // no one's keys are this caller's to manage
	}
	u, err := s.n.Store.FindUserByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, notFoundAs(err, "no such user")
	}
	if err := s.authorizeFor(r, article5.ActionManageKeys, u.Party); err != nil {
		// Another party's user answers as an id that does not exist.
		return nil, article5.Errorf(article5.ENOTFOUND, "no such user")
	}
	return u, nil
}

// postKey registers an approver's signing key: {"sealed_key": <the .key
// file>, "certificate": <the .cert file>}. 201 with the key.
func (s *server) postKey(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userForKeys(r)
	if err != nil {
		return err
	}
	var in struct {
		SealedKey   json.RawMessage `json:"sealed_key"`
		Certificate json.RawMessage `json:"certificate"`
	}
	if err := decodeBody(w, r, maxConsultBody, &in, `{"sealed_key":{…},"certificate":{…}}`); err != nil {
		return err
	}
	if len(in.SealedKey) == 0 || len(in.Certificate) == 0 {
		return article5.Invalid("sealed_key and certificate are required",
			article5.Detail{Pointer: "/sealed_key", Message: "the key file from article5 key new"},
			article5.Detail{Pointer: "/certificate", Message: "the certificate from article5 party certify"})
	}
	k, err := s.n.RegisterApproverKey(r.Context(), u, in.SealedKey, in.Certificate)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewKey(k))
	return nil
}

// listKeys lists a user's approver keys, newest first.
func (s *server) listKeys(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userForKeys(r)
	if err != nil {
		return err
	}
	keys, err := s.n.Store.FindApproverKeys(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := make([]keyJSON, len(keys))
	for i, k := range keys {
		out[i] = viewKey(k)
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})
	return nil
}

// postRevocation records a root-signed revocation of an approver key: the
// body is the revocation file from `article5 party revoke`.
func (s *server) postRevocation(w http.ResponseWriter, r *http.Request) error {
	k, err := s.n.Store.FindApproverKey(r.Context(), r.PathValue("key"))
	if err != nil {
		return notFoundAs(err, "no such key")
	}
	if err := s.authorizeFor(r, article5.ActionManageKeys, k.Party); err != nil {
		return err
	}
	var raw json.RawMessage
	if err := decodeBody(w, r, maxConsultBody, &raw, "(a revocation from article5 party revoke)"); err != nil {
		return err
	}
	if _, err := s.n.RevokeApproverKey(r.Context(), raw); err != nil {
		return err
	}
	k, err = s.n.Store.FindApproverKey(r.Context(), k.KeyID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewKey(k))
	return nil
}
