package article5

import (
	"bytes"
	"encoding/json"
	"strings"
)

// tlpRanks maps the TLP marking-definitions a node knows without being
// told to their rank, from 0 (clear) to 4 (red): the OASIS TLP 2.0 ids
// (DESIGN.md terms) and the TLP 1.0 ids of STIX 2.1 §7.2.1.4, WHITE as
// clear. package stix names the same ids (stix.TLPOf); a test holds the
// two together.
var tlpRanks = map[string]int{
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": 0, // TLP:CLEAR
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": 1, // TLP:GREEN
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": 2, // TLP:AMBER
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": 3, // TLP:AMBER+STRICT
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": 4, // TLP:RED
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": 0, // TLP 1.0 WHITE
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": 1, // TLP 1.0 GREEN
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": 2, // TLP 1.0 AMBER
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": 4, // TLP 1.0 RED
}

// MarkingRank returns the rank of a version's markings, the integer a
// store keeps beside it to release rows in its queries (Audience): the
// most restrictive TLP among them (0 clear … 4 red; a marking the node
// does not know ranks 4, red), or -1 when there is none (the node's
// default level applies when a recipient is judged).
func MarkingRank(markings []string) int {
	r := -1
	for _, id := range markings {
		k, ok := tlpRanks[id]
		if !ok {
			return 4
		}
		r = max(r, k)
	}
	return r
}

// RedRecipientsOf returns the red_recipients of article5's release
// extension in a raw STIX object (extensions[ExtensionID].red_recipients),
// or nil. Malformed input gives nil: validation is not its job.
func RedRecipientsOf(raw []byte) []string {
	if !bytes.Contains(raw, []byte("red_recipients")) {
		return nil
	}
	var o struct {
		Extensions map[string]json.RawMessage `json:"extensions"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return nil
	}
	var ext struct {
		Red []any `json:"red_recipients"`
	}
	if json.Unmarshal(o.Extensions[ExtensionID], &ext) != nil {
		return nil
	}
	var out []string
	for _, v := range ext.Red {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// RedColumn encodes red recipients as a store keeps them: ",a,b," (","
// for none), so that a query tests a recipient with LIKE '%,<id>,%'.
// Ids are STIX, user or token ids, which hold no comma, '%' or '_'.
func RedColumn(red []string) string {
	if len(red) == 0 {
		return ","
	}
	return "," + strings.Join(red, ",") + ","
}

// ParseRedColumn decodes RedColumn.
func ParseRedColumn(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
