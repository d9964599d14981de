package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"article5"
)

// briefData is the brief's data: the case as the case page reads it, the
// map inset of its incidents, and when the brief was made.
type briefData struct {
	*caseData
	Inset briefInset
	Made  time.Time
	PDF   bool // rendered for PDF: no link to the PDF
}

// briefInset is the map inset: the dashboard's base map with the case's
// incidents, zoomed on them (ViewBox, in the base map's SVG units).
type briefInset struct {
	Map      *baseMap
	ViewBox  string
	Markers  []mapMarker
	Unplaced int
}

// briefMinSpan is the smallest width of the inset's view, in SVG units of
// the base map (about 4.5° of longitude): a single incident shows its
// surroundings.
const briefMinSpan = 90.0

// inset places the case's incidents (as the dashboard does, tiers under
// the user's Party's doctrine) and zooms on them: their bounding box
// padded by a quarter of briefMinSpan, at least briefMinSpan wide, in the
// base map's proportions, inside the map. Without placed incidents it
// shows the whole map.
func (h *handler) inset(ctx context.Context, me *who, c *article5.CaseSummary, tlp *tlpTracker) (briefInset, error) {
	b := theBaseMap()
	dd := dashboardData{Doctrine: doctrineOf(me.user)}
	if err := h.mapMarkers(ctx, me, []*article5.CaseSummary{c}, &dd, tlp); err != nil {
		return briefInset{}, err
	}
	in := briefInset{Map: b, Markers: dd.Markers, Unplaced: dd.Unplaced, ViewBox: fmt.Sprintf("0 0 %g %g", b.Width, b.Height)}
	if len(dd.Markers) == 0 {
		return in, nil
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, m := range dd.Markers {
		minX, maxX = math.Min(minX, m.X), math.Max(maxX, m.X)
		minY, maxY = math.Min(minY, m.Y), math.Max(maxY, m.Y)
	}
	pad := briefMinSpan / 4
	w := math.Max(maxX-minX+2*pad, briefMinSpan)
	ht := math.Max(maxY-minY+2*pad, w*b.Height/b.Width)
	w = math.Max(w, ht*b.Width/b.Height)
	w, ht = math.Min(w, b.Width), math.Min(ht, b.Height)
	x := math.Min(math.Max((minX+maxX)/2-w/2, 0), b.Width-w)
	y := math.Min(math.Max((minY+maxY)/2-ht/2, 0), b.Height-ht)
	in.ViewBox = fmt.Sprintf("%g %g %g %g", round1(x), round1(y), round1(w), round1(ht))
	return in, nil
}

// brief reads the brief of case id as user me may see it (ENOTFOUND, as
// for a missing case, when the user may not see it), with its TLP banner.
func (h *handler) brief(ctx context.Context, me *who, id string) (*briefData, string, error) {
	d, tlp, err := h.loadCase(ctx, me, id)
	if err != nil {
		return nil, "", err
	}
	in, err := h.inset(ctx, me, d.Case, &tlp)
	if err != nil {
		return nil, "", err
	}
	b := &briefData{caseData: d, Inset: in, Made: h.opts.Now()}
	return b, tlp.banner(), nil
}

// briefPage serves GET /cases/{id}/brief: the printable two-page brief
// (templates/brief.html; static/style.css holds its print stylesheet).
func (h *handler) briefPage(w http.ResponseWriter, r *http.Request, me *who) {
	b, tlp, err := h.brief(r.Context(), me, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "brief", me.user, tlp, b)
}
