package taxii

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"article5"
	"article5/api"
	"article5/node"
)

// HeadPath is where, under the API root, a node publishes its signed tree
// head for its partners to witness (node.PublishedHead): not a TAXII 2.1
// resource, but served beside them, with the same authentication and
// media type, so that a partner reaches it with the URL and token it
// syncs with.
const HeadPath = "audit/head/"

// getHead serves node.PublishHead: ?old=N asks for the consistency proof
// from a tree of N entries.
func (s *server) getHead(w http.ResponseWriter, r *http.Request, _ *api.Caller) error {
	if err := checkRoot(r); err != nil {
		return err
	}
	old := int64(-1)
	if v := r.URL.Query().Get("old"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return article5.Invalid("old must be a non-negative tree size", article5.Detail{Pointer: "?old", Message: "got " + strconv.Quote(v)})
		}
		old = n
	}
	pub, err := s.n.PublishHead(r.Context(), old)
	if err != nil {
		return err
	}
	writeTAXII(w, http.StatusOK, pub)
	return nil
}

// Head reads what the partner publishes for witnessing (HeadPath), with
// the consistency proof from a tree of old entries (old < 0: none). One
// request, with the client's retries, timeout and response limit.
func (c *Client) Head(ctx context.Context, old int64) (*node.PublishedHead, error) {
	var q url.Values
	if old >= 0 {
		q = url.Values{"old": {strconv.FormatInt(old, 10)}}
	}
	var out node.PublishedHead
	if _, err := c.do(ctx, "GET", HeadPath, q, nil, &out); err != nil {
		return nil, err
	}
	if out.SignedHead == "" {
		return nil, article5.Errorf(article5.EINVALID, "taxii: %s%s answered no signed_head", redact(c.APIRoot), HeadPath)
	}
	return &out, nil
}
