package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/simplify"

	"article5"
	"article5/geo"
)

// The map of Japan and its surroundings: an equirectangular projection of
// mapBound scaled by the cosine of 35°N, mapWidth pixels wide, drawn as SVG
// from the geo package's own data (territory.geojson, us_facilities.json),
// simplified to mapTolerance degrees (about one pixel).
var mapBound = orb.Bound{Min: orb.Point{122, 20}, Max: orb.Point{154.5, 46.5}}

const (
	mapWidth     = 640.0
	mapTolerance = 0.03
)

var (
	mapScaleX = mapWidth / (mapBound.Max[0] - mapBound.Min[0])
	mapScaleY = mapScaleX / math.Cos(35*math.Pi/180)
	mapHeight = math.Round((mapBound.Max[1] - mapBound.Min[1]) * mapScaleY)
)

// project returns the SVG coordinates of a WGS 84 point.
func project(p orb.Point) (x, y float64) {
	return (p[0] - mapBound.Min[0]) * mapScaleX, (mapBound.Max[1] - p[1]) * mapScaleY
}

// baseMap is the drawn geometry, shared by every page.
type baseMap struct {
	Width, Height float64
	Foreign       template.HTMLAttr // d="…"
	Territory     template.HTMLAttr
	Land          template.HTMLAttr
	// Excluded are the Northern Territories and Takeshima: territory of
	// Japan not under its administration, each with a label anchor.
	Excluded   []excludedArea
	Facilities []facilityMark
}

type excludedArea struct {
	Key        string // message key of the name: map.northern, map.takeshima
	D          template.HTMLAttr
	X, Y       float64 // marker centre
	LX, LY     float64 // label position
	LabelRight bool    // the label ends at LX (text-anchor end)
}

type facilityMark struct {
	Name string
	X, Y float64
}

var (
	baseOnce sync.Once
	base     *baseMap
)

// theBaseMap builds the base map once.
func theBaseMap() *baseMap {
	baseOnce.Do(func() {
		b, err := buildBaseMap()
		if err != nil {
			panic("web: base map: " + err.Error())
		}
		base = b
	})
	return base
}

func buildBaseMap() (*baseMap, error) {
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(geo.TerritoryGeoJSON(), &fc); err != nil {
		return nil, err
	}
	b := &baseMap{Width: mapWidth, Height: mapHeight}
	var foreign, territory, land strings.Builder
	for _, f := range fc.Features {
		layer, _ := f.Properties["layer"].(string)
		name, _ := f.Properties["name"].(string)
		var g orb.MultiPolygon
		switch f.Geometry.Type {
		case "Polygon":
			var p [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			g = orb.MultiPolygon{polygon(p)}
		case "MultiPolygon":
			var mp [][][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &mp); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			for _, p := range mp {
				g = append(g, polygon(p))
			}
		default:
			continue
		}
		switch layer {
		case "foreign":
			foreign.WriteString(pathData(g))
		case "territory":
			territory.WriteString(pathData(g))
		case "land":
			land.WriteString(pathData(g))
		case "excluded":
			ex := excludedArea{D: template.HTMLAttr(`d="` + pathData(g) + `"`)}
			c := g.Bound().Center()
			ex.X, ex.Y = project(c)
			switch name {
			case "Northern Territories":
				// Below the islands, ending at the map's right edge: over
				// the Pacific, clear of Hokkaido in either language.
				ex.Key, ex.LX, ex.LY, ex.LabelRight = "map.northern", mapWidth-6, ex.Y+46, true
			case "Takeshima":
				ex.Key, ex.LX, ex.LY, ex.LabelRight = "map.takeshima", ex.X+10, ex.Y-16, false
			default:
				return nil, fmt.Errorf("unknown excluded area %q", name)
			}
			b.Excluded = append(b.Excluded, ex)
		}
	}
	if len(b.Excluded) != 2 {
		return nil, fmt.Errorf("%d excluded areas, want the Northern Territories and Takeshima", len(b.Excluded))
	}
	b.Foreign = template.HTMLAttr(`d="` + foreign.String() + `"`)
	b.Territory = template.HTMLAttr(`d="` + territory.String() + `"`)
	b.Land = template.HTMLAttr(`d="` + land.String() + `"`)
	for _, fa := range geo.Default().Facilities() {
		x, y := project(orb.Point{fa.Longitude, fa.Latitude})
		b.Facilities = append(b.Facilities, facilityMark{Name: fa.Name, X: round1(x), Y: round1(y)})
	}
	return b, nil
}

func polygon(p [][][2]float64) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, ring := range p {
		out[i] = make(orb.Ring, len(ring))
		for j, pt := range ring {
			out[i][j] = orb.Point(pt)
		}
	}
	return out
}

// pathData returns the SVG path data of a polygon or multipolygon, clipped
// to the map and simplified; rings that shrink below a triangle are left
// out.
func pathData(g orb.Geometry) string {
	g = clip.Geometry(mapBound.Pad(1), g)
	if g == nil {
		return ""
	}
	g = simplify.DouglasPeucker(mapTolerance).Simplify(orb.Clone(g))
	var polys []orb.Polygon
	switch v := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{v}
	case orb.MultiPolygon:
		polys = v
	}
	var sb strings.Builder
	for _, p := range polys {
		for _, ring := range p {
			if len(ring) < 4 {
				continue
			}
			for i, pt := range ring {
				x, y := project(pt)
				if i == 0 {
					sb.WriteByte('M')
				} else {
					sb.WriteByte('L')
				}
				sb.WriteString(strconv.FormatFloat(round1(x), 'f', -1, 64))
				sb.WriteByte(' ')
				sb.WriteString(strconv.FormatFloat(round1(y), 'f', -1, 64))
			}
			sb.WriteByte('Z')
		}
	}
	return sb.String()
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// mapMarker is one incident location on the map.
type mapMarker struct {
	N        int // number written in the marker, also in the list below the map
	X, Y     float64
	Tier     article5.Tier
	Name     string
	Incident string
	Case     string
}

// markerAt returns a marker at WGS 84 lat, lon, or false outside the map.
func markerAt(lat, lon float64) (x, y float64, ok bool) {
	p := orb.Point{lon, lat}
	if !mapBound.Contains(p) {
		return 0, 0, false
	}
	x, y = project(p)
	return round1(x), round1(y), true
}
