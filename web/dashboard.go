package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"article5"
	"article5/assess"
	"article5/stix"
)

// Bounds of the dashboard's work per request: it reads at most
// dashboardCases cases (most recently updated first), the assessments of
// at most mapCases of them for the map, the consultations of at most
// awaitingCases cases in consultation, and at most recentPages pages of
// the incidents added in the last recentDays days.
const (
	dashboardCases = 1000
	mapCases       = 100
	awaitingCases  = 50
	recentDays     = 90
	recentShown    = 15
	recentPages    = 10 // of 1,000 incidents
)

// dashboardData is the dashboard's data.
type dashboardData struct {
	Doctrine string // the doctrine whose tiers are shown: the user's Party's
	Tiers    []article5.Tier
	States   []article5.CaseState
	// Counts is tier → state → number of open cases; Totals per tier.
	Counts    map[article5.Tier]map[article5.CaseState]int
	Totals    map[article5.Tier]int
	Open      int
	Capped    bool // more than dashboardCases cases: counts cover the first
	Awaiting  []awaiting
	Recent    []recentIncident
	Map       *baseMap
	Markers   []mapMarker
	Unplaced  int // incidents of the mapped cases without coordinates on the map
	MapCapped bool
	// LiveURL is the event stream the page listens to and LiveTypes the
	// event types it reloads on (static/live.js), space-separated.
	LiveURL, LiveTypes string
	// Timeline is the number of incidents added per week over the last
	// recentDays days, oldest week first.
	RecentCapped bool // more than 10,000 incidents in 90 days: the timeline counts the first
	Timeline     []timelineBar
	TimelineMax  int
	TimelineFrom time.Time
}

// timelineBar is one week of the timeline: its start, count and the bar's
// geometry in the chart's SVG units (height 60).
type timelineBar struct {
	From  time.Time
	N     int
	X, Y  int
	H     int
	Label string // "MM-DD" of the week's first day (JST)
}

type awaiting struct {
	Case *article5.CaseSummary
	What string // message key: awaiting.position, awaiting.signature
}

type recentIncident struct {
	ID, Name string
	Added    time.Time
	TLP      string // its marking's level, else the node's default (Unmarked)
	Unmarked bool   // it carries no TLP marking: the node's default applies
}

// incidentRow is the list row of incident p, added at added: its TLP is
// its marking's, else the node's default, said so.
func (h *handler) incidentRow(id string, p *stix.Object, added time.Time) recentIncident {
	row := recentIncident{ID: id, Name: p.String("name"), Added: added, TLP: tlpName(p)}
	if row.TLP == "" {
		row.TLP, row.Unmarked = h.defaultTLP(), true
	}
	return row
}

// stateOrder is the order of consultation states on the dashboard; "" is
// a case whose consultation is not opened.
var stateOrder = []article5.CaseState{"", article5.StateOpen, article5.StateInConsultation, article5.StateConcurred, article5.StateDiverged}

// doctrineOf is the doctrine id whose tier the user's pages lead with: the
// user's Party's default doctrine.
func doctrineOf(u *article5.User) string { return strings.ToLower(string(u.Party)) }

func (h *handler) dashboard(w http.ResponseWriter, r *http.Request, me *who) {
	ctx := r.Context()
	aud := me.gate.Audience()
	d := dashboardData{Doctrine: doctrineOf(me.user), Tiers: assess.Tiers, States: stateOrder,
		Counts: map[article5.Tier]map[article5.CaseState]int{}, Totals: map[article5.Tier]int{}, Map: theBaseMap(),
		LiveURL: h.liveURL(ctx, me), LiveTypes: liveTypes}
	for _, t := range assess.Tiers {
		d.Counts[t] = map[article5.CaseState]int{}
	}
	cases, next, err := h.n.Store.FindCases(ctx, article5.CaseFilter{Limit: dashboardCases, Audience: aud})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Capped = next != ""
	tlp := h.tracker()
	var mapped []*article5.CaseSummary
	for _, c := range cases {
		if c.Consultation == article5.StateClosed {
			continue
		}
		t := c.Tiers[d.Doctrine]
		if t == "" {
			t = article5.TierIndeterminate
		}
		d.Counts[t][c.Consultation]++
		d.Totals[t]++
		d.Open++
		if len(mapped) < mapCases {
			mapped = append(mapped, c)
		} else {
			d.MapCapped = true
		}
		if c.Consultation == article5.StateInConsultation && len(d.Awaiting) < awaitingCases {
			if what := h.awaitingMe(ctx, me, c.ID); what != "" {
				d.Awaiting = append(d.Awaiting, awaiting{Case: c, What: what})
			}
		}
	}
	if err := h.mapMarkers(ctx, me, mapped, &d, &tlp); err != nil {
		h.fail(w, r, err)
		return
	}
	// The incidents of the last recentDays days: their dates for the
	// timeline (at most recentPages*1000), the newest recentShown for the
	// list.
	since := h.opts.Now().Add(-recentDays * 24 * time.Hour)
	tl, err := h.timelineOf(ctx, aud, since)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.RecentCapped = tl.capped
	d.timeline(h.opts.Now(), tl.added)
	page, err := h.n.Store.FindObjects(ctx, article5.ObjectFilter{Types: []string{"incident"}, AddedAfter: since, Limit: recentShown, Newest: true, Audience: &aud})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, o := range page.Objects {
		p, err := stix.ParseObject(o.Raw)
		if err != nil {
			continue
		}
		row := h.incidentRow(o.ID, p, o.Added)
		tlp.add(row.TLP)
		d.Recent = append(d.Recent, row)
	}
	h.render(w, r, http.StatusOK, "dashboard", me.user, tlp.banner(), d)
}

// timelineTTL is how long the dashboard's timeline of one audience is
// kept before it is counted again: counting reads the date added of up
// to 10,000 incidents, the dashboard's dearest read.
const timelineTTL = 30 * time.Second

// timelineCache keeps the dates the timeline counts, per audience.
type timelineCache struct {
	mu sync.Mutex
	m  map[article5.Audience]timelineEntry
}

type timelineEntry struct {
	added  []time.Time
	capped bool
	since  time.Time // the window's start when counted
	at     time.Time
}

// timelineOf returns the dates the incidents aud may see were added since
// since (at most recentPages*1000), counted at most timelineTTL ago.
func (h *handler) timelineOf(ctx context.Context, aud article5.Audience, since time.Time) (timelineEntry, error) {
	now := h.opts.Now()
	h.timelines.mu.Lock()
	e, ok := h.timelines.m[aud]
	h.timelines.mu.Unlock()
	if ok && now.Sub(e.at) < timelineTTL && !now.Before(e.at) {
		// Drop what left the window since it was counted.
		i, _ := slices.BinarySearchFunc(e.added, since, func(a, b time.Time) int { return a.Compare(b) })
		e.added = e.added[i:]
		return e, nil
	}
	added, capped, err := h.addedTimes(ctx, article5.ObjectFilter{Types: []string{"incident"}, AddedAfter: since, Limit: recentPages * 1000, Audience: &aud})
	if err != nil {
		return timelineEntry{}, err
	}
	e = timelineEntry{added: added, capped: capped, since: since, at: now}
	h.timelines.mu.Lock()
	if h.timelines.m == nil || len(h.timelines.m) >= 1024 {
		h.timelines.m = map[article5.Audience]timelineEntry{}
	}
	h.timelines.m[aud] = e
	h.timelines.mu.Unlock()
	return e, nil
}

// addedTimes returns when the objects f selects were added, oldest first,
// at most f.Limit of them, and whether more were left out: from the
// store's date-added columns alone when it can (sqlstore.DB.AddedTimes),
// else from pages of objects.
func (h *handler) addedTimes(ctx context.Context, f article5.ObjectFilter) ([]time.Time, bool, error) {
	if s, ok := h.n.Store.(interface {
		AddedTimes(context.Context, article5.ObjectFilter) ([]time.Time, bool, error)
	}); ok {
		return s.AddedTimes(ctx, f)
	}
	var out []time.Time
	limit := f.Limit
	f.Limit = 1000
	for len(out) < limit {
		page, err := h.n.Store.FindObjects(ctx, f)
		if err != nil {
			return nil, false, err
		}
		for _, o := range page.Objects {
			out = append(out, o.Added)
		}
		if f.Cursor = page.Next; f.Cursor == "" {
			return out, false, nil
		}
	}
	return out[:limit], true, nil
}

// awaitingMe says what case id waits for from the user's Party: its
// position (awaiting.position) or the signature of it
// (awaiting.signature); "" for nothing.
func (h *handler) awaitingMe(ctx context.Context, me *who, id string) string {
	c, _, err := h.n.Consultation(ctx, id)
	if err != nil {
		return ""
	}
	p := c.Positions[me.user.Party]
	switch {
	case p == nil:
		return "awaiting.position"
	case p.Signature == nil:
		return "awaiting.signature"
	}
	return ""
}

// mapMarkers places the incidents of cases on the map: each incident's
// locations (from the case's assessment: only locations it rests on),
// read with the user's audience, coloured and labelled by the incident's
// tier under the user's Party's doctrine.
func (h *handler) mapMarkers(ctx context.Context, me *who, cases []*article5.CaseSummary, d *dashboardData, tlp *tlpTracker) error {
	type want struct {
		incident, name, caseID string
		tier                   article5.Tier
	}
	byLoc := map[string][]want{}
	var locIDs []string
	seen := map[string]bool{}
	for _, c := range cases {
		places, err := h.incidentPlaces(ctx, c)
		if err != nil {
			return err
		}
		for _, inc := range places {
			if seen[inc.ID] {
				continue
			}
			seen[inc.ID] = true
			t := inc.Tiers[d.Doctrine]
			if t == "" {
				t = article5.TierIndeterminate
			}
			if len(inc.Locations) == 0 {
				d.Unplaced++
			}
			for _, l := range inc.Locations {
				if _, ok := byLoc[l]; !ok {
					locIDs = append(locIDs, l)
				}
				byLoc[l] = append(byLoc[l], want{inc.ID, inc.Name, c.ID, t})
			}
		}
	}
	if len(locIDs) == 0 {
		return nil
	}
	aud := me.gate.Audience()
	placed := map[string]bool{}
	for chunk := range slices.Chunk(locIDs, 500) {
		page, err := h.n.Store.FindObjects(ctx, article5.ObjectFilter{IDs: chunk, Types: []string{"location"}, Limit: 1000, Audience: &aud})
		if err != nil {
			return err
		}
		for _, o := range page.Objects {
			p, err := stix.ParseObject(o.Raw)
			if err != nil {
				continue
			}
			lat, okLat := float(p, "latitude")
			lon, okLon := float(p, "longitude")
			if !okLat || !okLon {
				continue
			}
			x, y, ok := markerAt(lat, lon)
			if !ok {
				continue
			}
			tlp.add(tlpName(p))
			for _, wnt := range byLoc[o.ID] {
				placed[wnt.incident] = true
				d.Markers = append(d.Markers, mapMarker{N: len(d.Markers) + 1, X: x, Y: y, Tier: wnt.tier,
					Name: wnt.name, Incident: wnt.incident, Case: wnt.caseID})
			}
		}
	}
	for _, ws := range byLoc {
		for _, wnt := range ws {
			if !placed[wnt.incident] {
				d.Unplaced++
				placed[wnt.incident] = true
			}
		}
	}
	return nil
}

// incidentPlace is what the map needs of one incident of an assessment:
// its name, tier per doctrine and the locations its scope rests on.
type incidentPlace struct {
	ID, Name  string
	Tiers     map[string]article5.Tier
	Locations []string
	// Initiators are the ids and names of the actors and States any
	// doctrine attributes the incident to (search by initiator).
	Initiators []string
}

// placeCache keeps the incidentPlaces of assessments by case id and
// assessment hash (an assessment never changes under its hash), so that
// the dashboard does not decode every report on every request. It is only
// read for a case the user may see, as the report itself would be.
type placeCache struct {
	mu sync.Mutex
	m  map[string][]incidentPlace
}

// maxPlaceCache bounds the cache; when full it starts again empty.
const maxPlaceCache = 4096

// incidentPlaces returns the incidentPlaces of case c's current assessment (none
// when it has none).
func (h *handler) incidentPlaces(ctx context.Context, c *article5.CaseSummary) ([]incidentPlace, error) {
	key := c.ID + "\x00" + c.Hash
	h.places.mu.Lock()
	p, ok := h.places.m[key]
	h.places.mu.Unlock()
	if ok && c.Hash != "" {
		return p, nil
	}
	raw, err := h.n.Store.FindAssessment(ctx, c.ID)
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rep struct {
		Hash      string `json:"hash"`
		Incidents []struct {
			ID    string `json:"id"`
			Name  string `json:"name"`
			Scope struct {
				Locations []struct {
					Location string `json:"location"`
				} `json:"locations"`
			} `json:"scope"`
			Assessments map[string]struct {
				Tier        article5.Tier `json:"tier"`
				Attribution struct {
					Actor, State *article5.Ref
				} `json:"attribution"`
			} `json:"assessments"`
		} `json:"incidents"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		return nil, article5.Internal("web: read assessment of "+c.ID, err)
	}
	p = make([]incidentPlace, 0, len(rep.Incidents))
	for _, inc := range rep.Incidents {
		ip := incidentPlace{ID: inc.ID, Name: inc.Name, Tiers: map[string]article5.Tier{}}
		for d, a := range inc.Assessments {
			ip.Tiers[d] = a.Tier
			for _, r := range []*article5.Ref{a.Attribution.Actor, a.Attribution.State} {
				if r != nil {
					ip.Initiators = append(ip.Initiators, r.ID, r.Name)
				}
			}
		}
		for _, l := range inc.Scope.Locations {
			ip.Locations = append(ip.Locations, l.Location)
		}
		p = append(p, ip)
	}
	if rep.Hash == c.Hash && c.Hash != "" {
		h.places.mu.Lock()
		if len(h.places.m) >= maxPlaceCache {
			h.places.m = map[string][]incidentPlace{}
		}
		h.places.m[key] = p
		h.places.mu.Unlock()
	}
	return p, nil
}

// timeline counts the dates incidents were added per week over the
// last recentDays days ending now: 13 bars of 7 days (the oldest holds the
// window's first 6 days).
func (d *dashboardData) timeline(now time.Time, added []time.Time) {
	const weeks, barW, gap, height = (recentDays + 6) / 7, 36, 6, 60
	from := now.Add(-weeks * 7 * 24 * time.Hour)
	d.TimelineFrom = from
	counts := make([]int, weeks)
	for _, a := range added {
		i := int(a.Sub(from) / (7 * 24 * time.Hour))
		if i >= 0 && i < weeks {
			counts[i]++
		}
	}
	for _, c := range counts {
		d.TimelineMax = max(d.TimelineMax, c)
	}
	for i, c := range counts {
		h := 0
		if d.TimelineMax > 0 {
			h = c * height / d.TimelineMax
		}
		start := from.Add(time.Duration(i) * 7 * 24 * time.Hour)
		d.Timeline = append(d.Timeline, timelineBar{From: start, N: c, X: i * (barW + gap), Y: height - h + 14, H: h,
			Label: start.In(jst).Format("01-02")})
	}
}
