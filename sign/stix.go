package sign

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"article5"

	"github.com/google/uuid"
)

// PositionID returns the deterministic STIX opinion id of a signed
// payload: "opinion--" and the UUIDv5 (article5.Namespace) of its
// canonical JSON, so that both nodes name the same position alike.
func PositionID(p article5.PositionPayload) (string, error) {
	c, err := CanonicalPayload(p)
	if err != nil {
		return "", err
	}
	return "opinion--" + uuid.NewSHA1(uuid.MustParse(article5.Namespace), c).String(), nil
}

// Opinion renders the position as a STIX 2.1 opinion referencing the
// assessment object assessmentRef, with article5's property extension
// (article5.ExtensionID) carrying the signed payload, the base64 signature
// and the certificate. The opinion's explanation is the reasons text; its
// created and modified are the payload's signed_at; its created_by_ref is
// sp.CreatedBy when set. The id is sp.ID, else
// PositionID.
func (sp SignedPosition) Opinion(assessmentRef string) (json.RawMessage, error) {
	if err := ValidatePayload(sp.Payload); err != nil {
		return nil, err
	}
	id := sp.ID
	if id == "" {
		var err error
		if id, err = PositionID(sp.Payload); err != nil {
			return nil, err
		}
	}
	obj := map[string]any{
		"type": "opinion", "spec_version": "2.1", "id": id,
		"created": sp.Payload.SignedAt, "modified": sp.Payload.SignedAt,
		"opinion": sp.Payload.Opinion, "explanation": sp.Reasons,
		"object_refs": []string{assessmentRef},
		"extensions": map[string]any{article5.ExtensionID: map[string]any{
			"extension_type": "property-extension",
			"position":       sp.Payload,
			"signature":      base64.StdEncoding.EncodeToString(sp.Signature),
			"certificate":    sp.Certificate,
		}},
	}
	if sp.CreatedBy != "" {
		obj["created_by_ref"] = sp.CreatedBy
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, article5.Internal("encode opinion", err)
	}
	return b, nil
}

// Object renders the determination as article5's STIX SDO
// article5-determination (extension/schema.json $defs/determination), with
// created and modified set to created (TimeLayout). The id is d.ID, else
// DeterminationID.
func (d Determination) Object(created string) (json.RawMessage, error) {
	id := d.ID
	if id == "" {
		id = DeterminationID(d.Case, d.AssessmentHash)
	}
	obj := map[string]any{
		"type": "article5-determination", "spec_version": "2.1", "id": id, "created": created, "modified": created,
		"created_by_ref": article5.ExtensionCreatorID,
		"case_ref":       d.Case, "assessment_ref": d.AssessmentRef, "assessment_hash": d.AssessmentHash,
		"outcome": d.Outcome, "position_refs": d.PositionRefs, "position_key_ids": d.PositionKeyIDs,
		"extensions": map[string]any{article5.ExtensionID: map[string]any{"extension_type": "new-sdo"}},
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, article5.Internal("encode determination", err)
	}
	return b, nil
}

// DeterminationID returns the deterministic id of the determination on a
// case and assessment hash: "article5-determination--" and the UUIDv5
// (article5.Namespace) of "determination", case and hash, each followed by
// a newline (so its UUID differs from the assessment object's, which
// hashes case and hash alone).
func DeterminationID(caseID, assessmentHash string) string {
	return "article5-determination--" + uuid.NewSHA1(uuid.MustParse(article5.Namespace), []byte("determination\n"+caseID+"\n"+assessmentHash+"\n")).String()
}

// ParseRecord decodes a case record (`article5 case export` output),
// refusing unknown fields and trailing data (EINVALID).
func ParseRecord(data []byte) (*Record, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Record
	if err := dec.Decode(&r); err != nil {
		return nil, &article5.Error{Code: article5.EINVALID, Message: "invalid case record: " + err.Error(), Err: err}
	}
	if dec.More() {
		return nil, article5.Invalid("invalid case record: trailing data after the record")
	}
	return &r, nil
}

// RecordFromBundle reads a case record exported as a STIX 2.1 bundle
// (`article5 case export --format stix`): the article5-assessment, the
// opinions carrying article5's signed-position extension, and the
// article5-determination if any (other objects, such as the grouping, are
// ignored). Reasons are each opinion's explanation. The bundle carries no
// revocations. A bundle without exactly one assessment, or an opinion
// whose extension does not decode, is EINVALID naming the object.
func RecordFromBundle(data []byte) (*Record, error) {
	var b struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil || b.Type != "bundle" {
		return nil, article5.Invalid("not a STIX bundle")
	}
	r := &Record{}
	for i, raw := range b.Objects {
		var head struct {
			Type        string                     `json:"type"`
			ID          string                     `json:"id"`
			CaseRef     string                     `json:"case_ref"`
			Explanation string                     `json:"explanation"`
			Extensions  map[string]json.RawMessage `json:"extensions"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return nil, article5.Invalid("invalid bundle object", article5.Detail{Pointer: fmt.Sprintf("/objects/%d", i), Message: err.Error()})
		}
		where := article5.Detail{Object: head.ID, Pointer: fmt.Sprintf("/objects/%d", i)}
		switch head.Type {
		case "article5-assessment":
			if r.Assessment != nil {
				where.Message = "a record holds one assessment"
				return nil, article5.Invalid("invalid record bundle", where)
			}
			r.Assessment, r.Case = raw, head.CaseRef
		case "opinion":
			ext, ok := head.Extensions[article5.ExtensionID]
			if !ok {
				continue // an opinion that is not a signed position
			}
			var e struct {
				Position    article5.PositionPayload `json:"position"`
				Signature   string                   `json:"signature"`
				Certificate *Certificate             `json:"certificate"`
			}
			if err := json.Unmarshal(ext, &e); err != nil {
				where.Message = "the article5 extension does not decode: " + err.Error()
				return nil, article5.Invalid("invalid record bundle", where)
			}
			sig, err := base64.StdEncoding.DecodeString(e.Signature)
			if err != nil {
				where.Message = "the signature is not base64"
				return nil, article5.Invalid("invalid record bundle", where)
			}
			r.Positions = append(r.Positions, SignedPosition{ID: head.ID, Payload: e.Position, Reasons: head.Explanation, Signature: sig, Certificate: e.Certificate})
		case "article5-determination":
			var d Determination
			if err := json.Unmarshal(raw, &d); err != nil {
				where.Message = err.Error()
				return nil, article5.Invalid("invalid record bundle", where)
			}
			d.ID = head.ID
			r.Determination = &d
		}
	}
	if r.Assessment == nil {
		return nil, article5.Invalid("the bundle holds no article5-assessment: not a case record")
	}
	return r, nil
}
