package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"article5"
	"article5/assess"
	"article5/stix"
)

// Bounds of a search: at most searchCases cases are listed, and at most
// searchScan incidents (the most recently added) are scanned for the text.
const (
	searchCases = 100
	searchScan  = 5000
	searchShown = 100
	// searchInitiatorCases is how many cases (most recently updated
	// first) are searched for an initiator.
	searchInitiatorCases = 1000
)

// searchData is the search page's data.
type searchData struct {
	Q, From, To string
	Tier        article5.Tier
	Scope       article5.Scope
	Sector      string // an incident's critical-infrastructure sector (either list)
	Party       string // an incident's affected Party: JP or US
	// Initiator is text in the id or name of an actor or State an
	// incident of the case is attributed to (under any doctrine).
	Initiator string
	// InitiatorScanned is how many cases were searched for the
	// initiator; InitiatorCapped: there were more.
	InitiatorScanned int
	InitiatorCapped  bool
	// LiveURL and LiveTypes: the results follow the event stream
	// (static/live.js).
	LiveURL, LiveTypes string
	Sectors            []string
	Tiers              []article5.Tier
	Scopes             []article5.Scope
	Doctrine           string
	Cases              []*article5.CaseSummary
	Incidents          []recentIncident
	Scanned            int
	Capped             bool
	Errors             map[string]string // field → message key
	Searched           bool
}

// searchPage searches the cases (name contains q; tier under any doctrine;
// scope) and the incidents (name or description contains q; created
// between from and to, YYYY-MM-DD) the user may see.
func (h *handler) searchPage(w http.ResponseWriter, r *http.Request, me *who) {
	ctx := r.Context()
	q := r.URL.Query()
	d := searchData{Q: strings.TrimSpace(q.Get("q")), From: q.Get("from"), To: q.Get("to"), Tier: article5.Tier(q.Get("tier")),
		Scope: article5.Scope(q.Get("scope")), Sector: q.Get("sector"), Party: q.Get("party"), Initiator: strings.TrimSpace(q.Get("initiator")),
		Sectors: append(append([]string(nil), sectorsJP...), sectorsUS...), Tiers: assess.Tiers, Scopes: assess.Scopes, Doctrine: doctrineOf(me.user), Errors: map[string]string{}}
	d.Searched = d.Q != "" || d.Tier != "" || d.Scope != "" || d.From != "" || d.To != "" || d.Sector != "" || d.Party != "" || d.Initiator != ""
	d.LiveURL, d.LiveTypes = h.liveURL(ctx, me), liveTypes
	if len(d.Initiator) > 200 {
		d.Errors["initiator"] = "search.err.initiator"
	}
	if d.Sector != "" && !slices.Contains(d.Sectors, d.Sector) {
		d.Errors["sector"] = "search.err.sector"
	}
	if d.Party != "" && d.Party != "JP" && d.Party != "US" {
		d.Errors["party"] = "search.err.party"
	}
	if d.Tier != "" && !slices.Contains(assess.Tiers, d.Tier) {
		d.Errors["tier"] = "search.err.tier"
	}
	if d.Scope != "" && !slices.Contains(assess.Scopes, d.Scope) {
		d.Errors["scope"] = "search.err.scope"
	}
	var from, to time.Time
	var err error
	if d.From != "" {
		if from, err = time.Parse(time.DateOnly, d.From); err != nil {
			d.Errors["from"] = "search.err.date"
		}
	}
	if d.To != "" {
		if to, err = time.Parse(time.DateOnly, d.To); err != nil {
			d.Errors["to"] = "search.err.date"
		}
		to = to.Add(24 * time.Hour)
	}
	tlp := h.tracker()
	if !d.Searched || len(d.Errors) > 0 {
		status := http.StatusOK
		if len(d.Errors) > 0 {
			status = http.StatusBadRequest
		}
		h.render(w, r, status, "search", me.user, tlp.banner(), d)
		return
	}
	aud := me.gate.Audience()
	if d.Initiator != "" {
		if err := h.searchInitiator(r, aud, &d); err != nil {
			h.fail(w, r, err)
			return
		}
		h.render(w, r, http.StatusOK, "search", me.user, tlp.banner(), d)
		return
	}
	cases, _, err := h.n.Store.FindCases(ctx, article5.CaseFilter{Query: d.Q, Tier: d.Tier, Limit: searchCases, Audience: aud})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, c := range cases {
		if (d.Scope == "" || c.Scope == d.Scope) && d.Sector == "" && d.Party == "" {
			d.Cases = append(d.Cases, c)
		}
	}
	if d.Tier == "" && d.Scope == "" {
		needle := strings.ToLower(d.Q)
		cursor := ""
		var all []recentIncident
		for d.Scanned < searchScan {
			page, err := h.n.Store.FindObjects(ctx, article5.ObjectFilter{Types: []string{"incident"}, Limit: 1000, Cursor: cursor, Audience: &aud})
			if err != nil {
				h.fail(w, r, err)
				return
			}
			for _, o := range page.Objects {
				d.Scanned++
				p, err := stix.ParseObject(o.Raw)
				if err != nil {
					continue
				}
				if needle != "" && !strings.Contains(strings.ToLower(p.String("name")+"\n"+p.String("description")), needle) {
					continue
				}
				if !incidentMatches(p, d.Sector, d.Party) {
					continue
				}
				if c := p.Created; c != nil && ((!from.IsZero() && c.Time.Before(from)) || (!to.IsZero() && !c.Time.Before(to))) {
					continue
				} else if c == nil && (!from.IsZero() || !to.IsZero()) {
					continue
				}
				all = append(all, h.incidentRow(o.ID, p, o.Added))
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		d.Capped = d.Scanned >= searchScan
		slices.Reverse(all)
		if len(all) > searchShown {
			all = all[:searchShown]
		}
		d.Incidents = all
		for _, i := range d.Incidents {
			tlp.add(i.TLP)
		}
	}
	h.render(w, r, http.StatusOK, "search", me.user, tlp.banner(), d)
}

// searchInitiator lists the cases (name containing d.Q, tier d.Tier,
// scope d.Scope) an incident of which any doctrine attributes to an actor
// or State whose id or name contains d.Initiator (case-insensitive): of
// the searchInitiatorCases most recently updated cases the user may see,
// at most searchCases. The attributions come from each case's current
// assessment (cached by its hash, as the dashboard's map).
func (h *handler) searchInitiator(r *http.Request, aud article5.Audience, d *searchData) error {
	ctx := r.Context()
	needle := strings.ToLower(d.Initiator)
	cursor := ""
	for d.InitiatorScanned < searchInitiatorCases && len(d.Cases) < searchCases {
		page, next, err := h.n.Store.FindCases(ctx, article5.CaseFilter{Query: d.Q, Tier: d.Tier, Limit: min(500, searchInitiatorCases-d.InitiatorScanned), Cursor: cursor, Audience: aud})
		if err != nil {
			return err
		}
		for _, c := range page {
			d.InitiatorScanned++
			if d.Scope != "" && c.Scope != d.Scope {
				continue
			}
			places, err := h.incidentPlaces(ctx, c)
			if err != nil {
				return err
			}
			if initiatedBy(places, needle) && len(d.Cases) < searchCases {
				d.Cases = append(d.Cases, c)
			}
		}
		if cursor = next; cursor == "" {
			return nil
		}
	}
	d.InitiatorCapped = cursor != ""
	return nil
}

// initiatedBy reports whether an incident of places is attributed to an
// actor or State whose id or name contains needle (lower case).
func initiatedBy(places []incidentPlace, needle string) bool {
	for _, p := range places {
		for _, s := range p.Initiators {
			if s != "" && strings.Contains(strings.ToLower(s), needle) {
				return true
			}
		}
	}
	return false
}

// incidentMatches reports whether incident p names sector (on either
// list) and party among its affected Parties, in article5's extension;
// an empty filter matches anything.
func incidentMatches(p *stix.Object, sector, party string) bool {
	if sector == "" && party == "" {
		return true
	}
	ext, _ := p.Map("extensions")[article5.ExtensionID].(map[string]any)
	if ext == nil {
		return false
	}
	if party != "" {
		found := false
		for _, v := range asList(ext["affected_parties"]) {
			if v == party {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	if sector != "" {
		for _, v := range asList(ext["critical_infrastructure"]) {
			if m, ok := v.(map[string]any); ok && m["sector"] == sector {
				return true
			}
		}
		return false
	}
	return true
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
