package geo

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"

	"article5"
)

// TerritorialSeaM is the breadth of Japan's territorial sea in metres:
// 12 nautical miles of 1,852 m (Act on the Territorial Sea and the
// Contiguous Zone, Act No. 30 of 1977, Art. 1).
const TerritorialSeaM = 12 * 1852

// SpecifiedStraitSeaM is the breadth of the territorial sea in the five
// specified straits in metres: 3 nautical miles (Act No. 30 of 1977,
// Supplementary Provisions para. 2).
const SpecifiedStraitSeaM = 3 * 1852

// limitSearchM is how far Decide looks for the nearest limit of the
// territory when the location has no larger precision; beyond it the
// distance is reported as not computed (0).
const limitSearchM = 60000

//go:embed territory.geojson
var territoryGeoJSON []byte

//go:embed us_facilities.json
var facilitiesJSON []byte

// Location is the geographic part of a STIX 2.1 `location` object (STIX 2.1
// §4.9): optional coordinates and the administrative fields. Latitude and
// Longitude are WGS 84 degrees and must come together; Precision is the
// STIX `precision` in metres (nil = unknown, treated as exact). Region is a
// STIX region-ov value (e.g. "eastern-asia"), Country an ISO 3166-1 alpha-2
// code (a country name such as "Japan" is accepted too), AdministrativeArea
// free text or ISO 3166-2 (e.g. "JP-47" or "Okinawa"), City free text. ID
// is the STIX id, used only in messages.
type Location struct {
	ID                  string   // STIX id, for messages
	Latitude, Longitude *float64 // WGS 84 degrees
	Precision           *float64 // metres (STIX `precision`); nil = unknown
	Region              string   // STIX region-ov, e.g. "eastern-asia"
	Country             string   // ISO 3166-1 alpha-2 (or an English name)
	AdministrativeArea  string   // free text or ISO 3166-2, e.g. "JP-47", "Okinawa"
	City                string   // free text
}

// Decision is the scope of one location with its basis. Scope is in, out or
// uncertain (never space-consultative: space is decided by object id, not
// here). Basis is one sentence a legal adviser can read; Place a short name
// of where the point lies ("land", "territorial sea", "specified strait
// (Tsugaru)", "Senkaku Islands", "Northern Territories (administered by
// Russia)", "high seas / EEZ", "foreign territory", …). DistanceToLimitM is
// the distance in metres from the point to the nearest limit of the
// territory (0 if not computed: no coordinates, or no limit within 60 km
// and within the precision). Facility is the U.S. facility whose
// approximate circle holds the point, or nil.
type Decision struct {
	Scope            article5.Scope // in, out or uncertain
	Basis            string         // one readable sentence with the reason
	Place            string         // short name of where the point lies
	DistanceToLimitM float64        // metres to the nearest territorial limit; 0 if not computed
	Facility         *Facility      // the U.S. facility the point lies in, or nil
}

// Facility is one facility or area of U.S. forces in Japan, approximated as
// a circle: centre Latitude/Longitude (WGS 84 degrees) and RadiusM
// (metres). Service is the U.S. service that uses it ("U.S. Air Force",
// …), Prefecture the Japanese prefecture, Source the official list and
// public page it is taken from (see us_facilities.json).
type Facility struct {
	Name, Service, Prefecture    string
	Latitude, Longitude, RadiusM float64
	Source                       string
}

// Jurisdiction decides scope against the embedded, generated territory
// (territory.geojson) and the embedded list of U.S. facilities. It is
// immutable and safe for concurrent use.
type Jurisdiction struct {
	territory *gridIndex // land + territorial sea under Japan's administration
	land      *gridIndex // land (low-water line as drawn by the base data)
	straits   []area     // the five specified straits
	excluded  []area     // claimed but not administered (Northern Territories, Takeshima)
	foreign   []area     // foreign land + 12 nm, labels only
	region    orb.Bound  // where the foreign layer is complete
	islands   []island   // explicit island entries
	fac       []Facility
}

type area struct {
	name, label, adminBy string
	mp                   orb.MultiPolygon
	bound                orb.Bound
}

func (a area) contains(p orb.Point) bool {
	return a.bound.Contains(p) && planar.MultiPolygonContains(a.mp, p)
}

type island struct {
	name, group, prefecture string
	p                       orb.Point
	radiusM                 float64
}

var (
	defaultOnce sync.Once
	defaultJ    *Jurisdiction
)

// Default returns the Jurisdiction of the embedded data. It is built once
// (sync.Once: parsing and indexing take some tens of milliseconds) and is
// cheap afterwards. It panics if the embedded
// data are corrupt, which the package tests rule out.
func Default() *Jurisdiction {
	defaultOnce.Do(func() {
		j, err := load(territoryGeoJSON, facilitiesJSON)
		if err != nil {
			panic("geo: embedded data: " + err.Error())
		}
		defaultJ = j
	})
	return defaultJ
}

// Facilities returns a copy of the embedded list of U.S. facilities and
// areas in Japan, in file order.
func (j *Jurisdiction) Facilities() []Facility {
	return append([]Facility(nil), j.fac...)
}

// geoJSON is the subset of GeoJSON (RFC 7946) that territory.geojson uses:
// Point, Polygon and MultiPolygon features with flat properties.
type geoJSON struct {
	Metadata struct {
		ForeignRegion []float64 `json:"foreign_region"`
	} `json:"metadata"`
	Features []struct {
		Properties map[string]any `json:"properties"`
		Geometry   struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

func str(props map[string]any, key string) string {
	s, _ := props[key].(string)
	return s
}

func load(territory, facilities []byte) (*Jurisdiction, error) {
	var fc geoJSON
	if err := json.Unmarshal(territory, &fc); err != nil {
		return nil, fmt.Errorf("territory.geojson: %w", err)
	}
	j := &Jurisdiction{}
	if r := fc.Metadata.ForeignRegion; len(r) == 4 {
		j.region = orb.Bound{Min: orb.Point{r[0], r[1]}, Max: orb.Point{r[2], r[3]}}
	}
	for _, f := range fc.Features {
		layer := str(f.Properties, "layer")
		name := str(f.Properties, "name")
		switch layer {
		case "territory", "land", "strait", "excluded", "foreign":
			mp, err := multiPolygon(f.Geometry.Type, f.Geometry.Coordinates)
			if err != nil {
				return nil, fmt.Errorf("territory.geojson: layer %s %q: %w", layer, name, err)
			}
			switch layer {
			case "territory":
				j.territory = newGridIndex(mp)
			case "land":
				j.land = newGridIndex(mp)
			default:
				a := area{name: name, label: str(f.Properties, "label"), adminBy: str(f.Properties, "administered_by"), mp: mp, bound: mp.Bound()}
				if a.label == "" {
					a.label = name
				}
				switch layer {
				case "strait":
					j.straits = append(j.straits, a)
				case "excluded":
					j.excluded = append(j.excluded, a)
				default:
					j.foreign = append(j.foreign, a)
				}
			}
		case "island":
			var pt orb.Point
			if f.Geometry.Type != "Point" || json.Unmarshal(f.Geometry.Coordinates, &pt) != nil {
				return nil, fmt.Errorf("territory.geojson: island %q: not a point", name)
			}
			r, _ := f.Properties["radius_m"].(float64)
			j.islands = append(j.islands, island{name: name, group: str(f.Properties, "group"), prefecture: str(f.Properties, "prefecture"), p: pt, radiusM: r})
		}
	}
	if j.territory == nil || j.land == nil || len(j.straits) != 5 {
		return nil, fmt.Errorf("territory.geojson: missing territory, land or strait layers")
	}
	var doc struct {
		Facilities []struct {
			Name       string  `json:"name"`
			Service    string  `json:"service"`
			Prefecture string  `json:"prefecture"`
			Latitude   float64 `json:"latitude"`
			Longitude  float64 `json:"longitude"`
			RadiusM    float64 `json:"radius_m"`
			Source     string  `json:"source"`
		} `json:"facilities"`
	}
	if err := json.Unmarshal(facilities, &doc); err != nil {
		return nil, fmt.Errorf("us_facilities.json: %w", err)
	}
	for _, f := range doc.Facilities {
		j.fac = append(j.fac, Facility{Name: f.Name, Service: f.Service, Prefecture: f.Prefecture,
			Latitude: f.Latitude, Longitude: f.Longitude, RadiusM: f.RadiusM, Source: f.Source})
	}
	return j, nil
}

func multiPolygon(typ string, coords json.RawMessage) (orb.MultiPolygon, error) {
	switch typ {
	case "MultiPolygon":
		var mp orb.MultiPolygon
		err := json.Unmarshal(coords, &mp)
		return mp, err
	case "Polygon":
		var p orb.Polygon
		err := json.Unmarshal(coords, &p)
		return orb.MultiPolygon{p}, err
	}
	return nil, fmt.Errorf("geometry %s is not a polygon", typ)
}

// Decide returns the scope of loc. With coordinates it tests the point
// against the generated territory: inside → in, outside → out, and
// uncertain when the precision circle (radius = Precision metres) crosses
// the territory's limit (distance to the limit < precision); a nil
// Precision is treated as exact, and the basis says so when the point is
// within 1 km of the limit. A point within a facility's circle sets
// Facility, even when the decision is uncertain (the basis then says the
// incident may lie outside the facility). Without coordinates it decides
// from the names: the Senkaku Islands named in AdministrativeArea or City →
// in (whatever the country); a place Japan claims but does not administer
// named there (Kunashiri, Etorofu, Shikotan, Habomai, Northern Territories,
// Takeshima/Dokdo; not the Takeshima of Kagoshima) → out; country JP (any
// case, or "Japan", or an ISO 3166-2 code JP-01…JP-47 alone) → in; another
// country → out; no country but region eastern-asia or asia → uncertain;
// another region → out; nothing at all → uncertain. It returns an *article5.Error with code EINVALID,
// naming loc.ID and the JSON pointer (/latitude, /longitude or /precision),
// for impossible input: |latitude| > 90, |longitude| > 180, NaN or
// infinite values, a negative precision, or one coordinate without the
// other.
func (j *Jurisdiction) Decide(loc Location) (Decision, error) {
	if err := validate(loc); err != nil {
		return Decision{}, err
	}
	if loc.Latitude == nil {
		return decideByName(loc), nil
	}
	return j.decidePoint(orb.Point{*loc.Longitude, *loc.Latitude}, loc.Precision), nil
}

func validate(loc Location) error {
	var ds []article5.Detail
	bad := func(ptr, msg string) {
		ds = append(ds, article5.Detail{Object: loc.ID, Pointer: ptr, Message: msg})
	}
	switch {
	case loc.Latitude != nil && loc.Longitude == nil:
		bad("/longitude", "longitude is required when latitude is given")
	case loc.Latitude == nil && loc.Longitude != nil:
		bad("/latitude", "latitude is required when longitude is given")
	}
	if v := loc.Latitude; v != nil && (math.IsNaN(*v) || math.Abs(*v) > 90) {
		bad("/latitude", fmt.Sprintf("latitude must be a number between -90 and 90 degrees, got %v", *v))
	}
	if v := loc.Longitude; v != nil && (math.IsNaN(*v) || math.Abs(*v) > 180) {
		bad("/longitude", fmt.Sprintf("longitude must be a number between -180 and 180 degrees, got %v", *v))
	}
	if v := loc.Precision; v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0) {
		bad("/precision", fmt.Sprintf("precision must be a finite number of metres >= 0, got %v", *v))
	}
	if len(ds) > 0 {
		return article5.Invalid("location is invalid", ds...)
	}
	return nil
}

func (j *Jurisdiction) decidePoint(p orb.Point, precision *float64) Decision {
	var d Decision
	prec := 0.0
	if precision != nil {
		prec = *precision
	}
	in := j.territory.contains(p)
	dLimit, haveLimit := j.territory.distance(p, math.Max(limitSearchM, prec+1))
	if haveLimit {
		d.DistanceToLimitM = math.Round(dLimit)
	}
	var where string
	var note string
	if in {
		d.Place, where, note = j.describeIn(p)
	} else {
		d.Place, where = j.describeOut(p, haveLimit, dLimit)
	}
	switch {
	case prec > 0 && haveLimit && dLimit < prec:
		d.Scope = article5.ScopeUncertain
		side := "outside"
		if in {
			side = "inside"
		}
		d.Basis = fmt.Sprintf("precision %s straddles the limit of the territories under the administration of Japan (distance to limit %s; the point itself is %s: it %s)%s",
			length(prec), length(dLimit), side, where, note)
	case in:
		d.Scope = article5.ScopeIn
		d.Basis = "point " + where + ": inside the territories under the administration of Japan" + note
	default:
		d.Scope = article5.ScopeOut
		d.Basis = "point " + where + ": outside the territories under the administration of Japan"
	}
	if precision == nil && haveLimit && dLimit < 1000 {
		d.Basis += fmt.Sprintf("; the point lies %s from the limit and its precision is not given, so it is taken as exact", length(dLimit))
	}
	if f, dist := j.facilityAt(p); f != nil {
		d.Facility = f
		d.Basis += fmt.Sprintf("; it lies %s from the centre of %s (%s, %s Prefecture), a facility of U.S. forces in Japan (approximate radius %s)",
			length(dist), f.Name, f.Service, f.Prefecture, length(f.RadiusM))
		if prec > 0 && dist+prec > f.RadiusM {
			d.Basis += fmt.Sprintf(", but the precision of %s reaches beyond that radius, so the incident may lie outside the facility", length(prec))
		}
	}
	return d
}

// specialGroups are the island groups named as the Place of a decision.
var specialGroups = map[string]string{
	"Senkaku Islands": "; the Security Consultative Committee (2019) reconfirmed that Article V applies to the Senkaku Islands",
	"Okinotorishima":  "",
	"Minamitorishima": "",
}

func (j *Jurisdiction) describeIn(p orb.Point) (place, where, note string) {
	isl, islDist := j.islandNear(p)
	if isl != nil {
		if n, ok := specialGroups[isl.group]; ok {
			place, note = isl.group, n
		}
	}
	if j.land.contains(p) {
		if place == "" {
			place = "land"
		}
		if isl != nil && islDist <= isl.radiusM {
			group := isl.group + ", "
			if isl.group == isl.name {
				group = ""
			}
			return place, fmt.Sprintf("lies on %s (%s%s Prefecture; explicit entry, administered by Japan)", isl.name, group, isl.prefecture), note
		}
		return place, "lies on land (Natural Earth 10m coastline, de-facto administration)", note
	}
	if place == "" {
		place = "territorial sea"
	}
	shore, ok := j.land.distance(p, TerritorialSeaM+5000)
	of := ""
	if isl != nil && ok && islDist-isl.radiusM <= shore+500 {
		// The explicit island is the nearest land (within the circle model's slack).
		of = " of " + isl.name
		if isl.group != isl.name {
			of += " (" + isl.group + ")"
		}
	}
	if s := j.straitAt(p); s != nil {
		if place == "territorial sea" {
			place = "territorial sea (specified strait, " + s.name + ")"
		}
		if ok {
			return place, fmt.Sprintf("lies in the %s %s from the low-water line%s, within the 3 nm territorial sea of a specified strait (Territorial Sea Act 1977, Supplementary Provisions)", s.label, length(shore), of), note
		}
		return place, fmt.Sprintf("lies in the %s, within the 3 nm territorial sea of a specified strait (Territorial Sea Act 1977, Supplementary Provisions)", s.label), note
	}
	if ok {
		return place, fmt.Sprintf("lies %s from the low-water line%s, in the territorial sea (12 nm)", length(shore), of), note
	}
	return place, "lies in the territorial sea (12 nm)" + of, note
}

func (j *Jurisdiction) describeOut(p orb.Point, haveLimit bool, dLimit float64) (place, where string) {
	for _, a := range j.excluded {
		if a.contains(p) {
			switch a.name {
			case "Northern Territories":
				return "Northern Territories (administered by Russia)",
					"lies in the Northern Territories (Etorofu, Kunashiri, Shikotan, Habomai islands, land or 12 nm sea), claimed by Japan but administered by Russia"
			default:
				return a.name + " (administered by the " + a.adminBy + ")",
					fmt.Sprintf("lies at or within 12 nm of %s, claimed by Japan but administered by the %s", a.name, a.adminBy)
			}
		}
	}
	if s := j.straitAt(p); s != nil {
		if shore, ok := j.land.distance(p, TerritorialSeaM+5000); ok {
			return "specified strait (" + s.name + ")",
				fmt.Sprintf("lies in the %s %s from shore, beyond the 3 nm territorial sea of a specified strait (Territorial Sea Act 1977, Supplementary Provisions)", s.label, length(shore))
		}
	}
	for _, a := range j.foreign {
		if a.contains(p) {
			return "foreign territory", fmt.Sprintf("lies on or within 12 nm of the coast of %s (Natural Earth 10m, de facto), foreign territory or its territorial sea", a.name)
		}
	}
	if !j.region.Contains(p) {
		return "foreign territory or high seas", fmt.Sprintf("lies far from Japan (outside the mapped region %.0f-%.0f°E, %.0f-%.0f°N)", j.region.Min[0], j.region.Max[0], j.region.Min[1], j.region.Max[1])
	}
	if haveLimit {
		return "high seas / EEZ", fmt.Sprintf("lies %s beyond the limit of Japan's territorial sea, in the high seas or an exclusive economic zone", length(dLimit))
	}
	return "high seas / EEZ", fmt.Sprintf("lies more than %s from Japan's territorial sea, in the high seas or an exclusive economic zone", length(limitSearchM))
}

func (j *Jurisdiction) straitAt(p orb.Point) *area {
	for i := range j.straits {
		if j.straits[i].contains(p) {
			return &j.straits[i]
		}
	}
	return nil
}

// islandNear returns the explicit island nearest p whose 12 nm sea holds p.
func (j *Jurisdiction) islandNear(p orb.Point) (*island, float64) {
	var best *island
	bestD := math.Inf(1)
	for i := range j.islands {
		is := &j.islands[i]
		if math.Abs(is.p[1]-p[1]) > 0.3 || math.Abs(is.p[0]-p[0]) > 0.4 {
			continue
		}
		d := math.Max(0, geo.DistanceHaversine(is.p, p)-is.radiusM)
		if d <= TerritorialSeaM && d < bestD {
			best, bestD = is, d
		}
	}
	if best == nil {
		return nil, 0
	}
	return best, bestD + best.radiusM
}

// facilityAt returns the facility whose circle holds p (the nearest centre
// if several do) and the distance to its centre in metres.
func (j *Jurisdiction) facilityAt(p orb.Point) (*Facility, float64) {
	var best *Facility
	bestD := math.Inf(1)
	for i := range j.fac {
		f := &j.fac[i]
		if math.Abs(f.Latitude-p[1]) > 0.1 || math.Abs(f.Longitude-p[0]) > 0.1 {
			continue
		}
		d := geo.DistanceHaversine(orb.Point{f.Longitude, f.Latitude}, p)
		if d <= f.RadiusM && d < bestD {
			best, bestD = f, d
		}
	}
	if best == nil {
		return nil, 0
	}
	c := *best
	return &c, bestD
}

// length formats metres for a reader: "850 m", "5.1 km".
func length(m float64) string {
	if m < 1000 {
		return fmt.Sprintf("%.0f m", m)
	}
	return fmt.Sprintf("%.1f km", m/1000)
}

// TerritoryGeoJSON returns a copy of the embedded territory.geojson: a
// GeoJSON FeatureCollection (WGS 84 degrees) whose features' "layer"
// property is territory, land, strait, excluded (claimed by Japan, not
// under its administration: the Northern Territories and Takeshima),
// foreign (labels only), island or not-administered (explicit entries as
// points). PROVENANCE.md says how it is made. For drawing maps; scope is
// decided by Jurisdiction.Decide, never from a drawing.
func TerritoryGeoJSON() []byte { return append([]byte(nil), territoryGeoJSON...) }
