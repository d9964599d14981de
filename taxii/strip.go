package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"

	"article5"
	"article5/node"
)

// LocalRecipient reports whether a red_recipients name is local to this
// node: anything but a STIX identity id (a user or token id, or any other
// name). Such a name means nothing on another node and never leaves it.
func LocalRecipient(name string) bool { return !strings.HasPrefix(name, "identity--") }

// StripLocalRecipients returns raw without the node-local names of its
// red_recipients (extensions[article5.ExtensionID].red_recipients, see
// LocalRecipient), and whether it changed anything. When no name is left
// the property is removed, and the extension too when nothing but its
// extension_type is left. The result is another serialisation of the
// object, with another content hash (its sha256 of canonical JSON): a
// partner that holds it holds that content, and an evidence digest over it
// differs from this node's (docs/federation.md). Numbers are kept as
// written. Malformed input is returned unchanged.
func StripLocalRecipients(raw []byte) ([]byte, bool) {
	red := article5.RedRecipientsOf(raw)
	if !slices.ContainsFunc(red, LocalRecipient) {
		return raw, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var o map[string]any
	if err := dec.Decode(&o); err != nil {
		return raw, false
	}
	exts, _ := o["extensions"].(map[string]any)
	ext, _ := exts[article5.ExtensionID].(map[string]any)
	list, _ := ext["red_recipients"].([]any)
	if ext == nil || list == nil {
		return raw, false
	}
	kept := []any{}
	for _, v := range list {
		if s, ok := v.(string); ok && !LocalRecipient(s) {
			kept = append(kept, s)
		}
	}
	if len(kept) > 0 {
		ext["red_recipients"] = kept
	} else {
		delete(ext, "red_recipients")
		if len(ext) == 0 || (len(ext) == 1 && ext["extension_type"] != nil) {
			delete(exts, article5.ExtensionID)
			if len(exts) == 0 {
				delete(o, "extensions")
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(o); err != nil {
		return raw, false
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), true
}

// PartnerOf returns the partner that principal p stands for on this node,
// or nil: a principal whose organisation is one a partner speaks for
// (article5.Partner.SpeaksFor). Node-local names are stripped from what
// such a principal reads.
func PartnerOf(ctx context.Context, n *node.Node, p article5.Principal) (*article5.Partner, error) {
	if p.Org == "" {
		return nil, nil
	}
	ps, err := n.Store.FindPartners(ctx)
	if err != nil {
		return nil, err
	}
	for _, x := range ps {
		if slices.Contains(x.SpeaksFor, p.Org) {
			return x, nil
		}
	}
	return nil, nil
}

// partnerNode returns the partner whose node principal p is, or nil: an
// API token (not a user) of the partner node's own organisation
// (article5.Partner.Org), the credential its operator made for it. What it
// posts is ingested with the partner's speaks-for, the clock bound of a
// sync, and its conflicting versions held apart (docs/federation.md).
func partnerNode(ctx context.Context, n *node.Node, p article5.Principal) (*article5.Partner, error) {
	if !strings.HasPrefix(p.ID, "token--") || p.Org == "" {
		return nil, nil
	}
	ps, err := n.Store.FindPartners(ctx)
	if err != nil {
		return nil, err
	}
	for _, x := range ps {
		if x.Org() == p.Org {
			return x, nil
		}
	}
	return nil, nil
}
