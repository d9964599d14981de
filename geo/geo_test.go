package geo_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"article5"
	"article5/geo"
)

func f(v float64) *float64 { return &v }

func at(lat, lon float64) geo.Location {
	return geo.Location{ID: "location--test", Latitude: f(lat), Longitude: f(lon)}
}

func atWithin(lat, lon, precision float64) geo.Location {
	l := at(lat, lon)
	l.Precision = f(precision)
	return l
}

// TestDecide checks hand-picked points whose answer is known from the law
// and the map, with the reason the decision must give.
func TestDecide(t *testing.T) {
	j := geo.Default()
	tests := []struct {
		name     string
		loc      geo.Location
		scope    article5.Scope
		place    string // exact Place, "" = not checked
		basis    string // substring of Basis
		facility string // substring of Facility.Name, "" = no facility
	}{
		{"Tokyo Station is on land", at(35.6812, 139.7671), article5.ScopeIn, "land", "lies on land", ""},
		{"Naha is on land", at(26.2124, 127.6809), article5.ScopeIn, "land", "lies on land", ""},
		{"Uotsuri-shima in the Senkakus is in", at(25.7453, 123.4850), article5.ScopeIn, "Senkaku Islands", "Uotsuri-shima", ""},
		{"5 nm west of Uotsuri-shima is territorial sea", at(25.7453, 123.3816), article5.ScopeIn, "Senkaku Islands", "territorial sea (12 nm)", ""},
		{"20 nm west of Uotsuri-shima is beyond the territorial sea", at(25.7453, 123.1040), article5.ScopeOut, "high seas / EEZ", "beyond the limit", ""},
		{"Kunashiri is administered by Russia", at(44.0, 145.8), article5.ScopeOut, "Northern Territories (administered by Russia)", "administered by Russia", ""},
		{"Shikotan is administered by Russia", at(43.80, 146.75), article5.ScopeOut, "Northern Territories (administered by Russia)", "administered by Russia", ""},
		{"Takeshima is administered by the Republic of Korea", at(37.24, 131.87), article5.ScopeOut, "Takeshima (administered by the Republic of Korea)", "administered by the Republic of Korea", ""},
		{"Seoul is foreign territory", at(37.5665, 126.9780), article5.ScopeOut, "foreign territory", "South Korea", ""},
		{"mid Tsugaru Strait about 6 nm from shore is beyond the 3 nm strait sea", at(41.40, 140.70), article5.ScopeOut, "specified strait (Tsugaru)", "beyond the 3 nm territorial sea of a specified strait", ""},
		{"2 nm off Tappi-misaki is strait territorial sea", at(41.290, 140.345), article5.ScopeIn, "territorial sea (specified strait, Tsugaru)", "within the 3 nm territorial sea", ""},
		{"10 nm off the Pacific coast of Chiba is territorial sea", at(35.35, 140.62), article5.ScopeIn, "territorial sea", "territorial sea (12 nm)", ""},
		{"20 nm off Chiba is beyond the territorial sea", at(35.27, 140.82), article5.ScopeOut, "high seas / EEZ", "beyond the limit", ""},
		{"Okinotorishima is in", at(20.4225, 136.0833), article5.ScopeIn, "Okinotorishima", "Okinotorishima", ""},
		{"Minamitorishima is in", at(24.2867, 153.9806), article5.ScopeIn, "Minamitorishima", "", ""},
		{"Kadena Air Base is in and a U.S. facility", at(26.3556, 127.7675), article5.ScopeIn, "land", "Kadena Air Base", "Kadena"},
		{"Yokosuka naval base is in and a U.S. facility", at(35.2900, 139.6600), article5.ScopeIn, "", "Fleet Activities Yokosuka", "Yokosuka"},
		{"Nemuro Strait on Hokkaido's side of the median line is in", at(43.80, 145.22), article5.ScopeIn, "territorial sea", "territorial sea (12 nm)", ""},
		{"Nemuro Strait on Kunashiri's side of the median line is out", at(43.80, 145.38), article5.ScopeOut, "Northern Territories (administered by Russia)", "", ""},
		{"Tsushima West Channel 9 nm off Tsushima is beyond the 3 nm strait sea", at(34.55, 129.10), article5.ScopeOut, "specified strait (Tsushima West Channel)", "beyond the 3 nm", ""},
		{"the Pacific far from anything is high seas", at(30.0, 150.0), article5.ScopeOut, "high seas / EEZ", "more than 60.0 km", ""},
		{"London is far outside the mapped region", at(51.5, -0.12), article5.ScopeOut, "foreign territory or high seas", "outside the mapped region", ""},

		{"an ocean point whose precision straddles the limit is uncertain", atWithin(35.27, 140.82, 30000), article5.ScopeUncertain, "high seas / EEZ", "straddles the limit", ""},
		{"a point 200 m beyond the limit without precision is out, flagged as taken exact", at(35.40, 140.65), article5.ScopeOut, "high seas / EEZ", "precision is not given", ""},
		{"an exact point on the same spot is out", atWithin(35.27, 140.82, 0), article5.ScopeOut, "high seas / EEZ", "", ""},
		{"an inland point with small precision is in", atWithin(35.6812, 139.7671, 500), article5.ScopeIn, "land", "", ""},
		{"a facility point with large precision says it may lie outside", atWithin(35.2900, 139.6600, 3000), article5.ScopeIn, "", "may lie outside the facility", "Yokosuka"},

		{"country JP without coordinates is in", geo.Location{Country: "JP"}, article5.ScopeIn, "", "country-level location JP", ""},
		{"country jp in lower case is in", geo.Location{Country: "jp"}, article5.ScopeIn, "", "country-level location JP", ""},
		{"country name Japan is in", geo.Location{Country: "Japan"}, article5.ScopeIn, "", "Japan's administered territory is assumed", ""},
		{"country RU is out", geo.Location{Country: "RU"}, article5.ScopeOut, "foreign territory", "not Japan", ""},
		{"JP with city Kunashiri is out", geo.Location{Country: "JP", City: "Kunashiri"}, article5.ScopeOut, "Northern Territories (administered by Russia)", "administered by Russia", ""},
		{"JP with area Takeshima is out", geo.Location{Country: "JP", AdministrativeArea: "Shimane", City: "Takeshima"}, article5.ScopeOut, "Takeshima (administered by the Republic of Korea)", "", ""},
		{"Takeshima of Kagoshima is in", geo.Location{Country: "JP", AdministrativeArea: "Kagoshima", City: "Takeshima"}, article5.ScopeIn, "", "country-level", ""},
		{"Senkaku named under another country is in", geo.Location{Country: "CN", AdministrativeArea: "Diaoyu Islands"}, article5.ScopeIn, "Senkaku Islands", "administered by Japan", ""},
		{"ISO 3166-2 JP-47 alone is in", geo.Location{AdministrativeArea: "JP-47"}, article5.ScopeIn, "", "country-level", ""},
		{"region eastern-asia alone is uncertain", geo.Location{Region: "eastern-asia"}, article5.ScopeUncertain, "", "includes Japan", ""},
		{"region western-europe alone is out", geo.Location{Region: "western-europe"}, article5.ScopeOut, "", "does not include Japan", ""},
		{"nothing at all is uncertain", geo.Location{ID: "location--empty"}, article5.ScopeUncertain, "unknown", "no location given", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := j.Decide(tc.loc)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if d.Scope != tc.scope {
				t.Errorf("scope = %s, want %s (basis: %s)", d.Scope, tc.scope, d.Basis)
			}
			if tc.place != "" && d.Place != tc.place {
				t.Errorf("place = %q, want %q (basis: %s)", d.Place, tc.place, d.Basis)
			}
			if !strings.Contains(d.Basis, tc.basis) {
				t.Errorf("basis = %q, want it to contain %q", d.Basis, tc.basis)
			}
			switch {
			case tc.facility == "" && d.Facility != nil:
				t.Errorf("facility = %q, want none", d.Facility.Name)
			case tc.facility != "" && (d.Facility == nil || !strings.Contains(d.Facility.Name, tc.facility)):
				t.Errorf("facility = %+v, want %q", d.Facility, tc.facility)
			}
			if d.Scope == article5.ScopeSpaceConsultative {
				t.Errorf("geometry must never decide space-consultative")
			}
		})
	}
}

// TestDecideDistances checks the distances reported in decisions against
// the law's figures: the 12 nm limit lies about 22.2 km from the coast.
func TestDecideDistances(t *testing.T) {
	j := geo.Default()
	t.Run("a point just inside the 12 nm sea is close to the limit", func(t *testing.T) {
		d, _ := j.Decide(at(35.35, 140.62))
		if d.DistanceToLimitM <= 0 || d.DistanceToLimitM > 6000 {
			t.Errorf("distance to limit = %.0f m, want (0, 6000]", d.DistanceToLimitM)
		}
	})
	t.Run("an inland point is far from the limit", func(t *testing.T) {
		d, _ := j.Decide(at(36.2, 138.25)) // Nagano, about 80 km from the sea
		if d.DistanceToLimitM != 0 {
			t.Errorf("distance to limit = %.0f m, want 0 (not computed beyond 60 km)", d.DistanceToLimitM)
		}
	})
	t.Run("a straddling decision reports the distance it used", func(t *testing.T) {
		d, _ := j.Decide(atWithin(35.27, 140.82, 30000))
		if d.DistanceToLimitM <= 0 || d.DistanceToLimitM >= 30000 {
			t.Errorf("distance to limit = %.0f m, want (0, 30000)", d.DistanceToLimitM)
		}
	})
	t.Run("a precision larger than the search radius still finds the limit", func(t *testing.T) {
		d, _ := j.Decide(atWithin(36.2, 138.25, 200000))
		if d.Scope != article5.ScopeUncertain || d.DistanceToLimitM < 60000 {
			t.Errorf("got %s at %.0f m, want uncertain beyond 60 km", d.Scope, d.DistanceToLimitM)
		}
	})
}

// TestDecideInvalid checks that impossible coordinates are rejected with
// EINVALID naming the object and the JSON pointer of the property.
func TestDecideInvalid(t *testing.T) {
	j := geo.Default()
	tests := []struct {
		name    string
		loc     geo.Location
		pointer string
	}{
		{"latitude 91 is beyond the pole", at(91, 139), "/latitude"},
		{"latitude -90.5 is beyond the pole", at(-90.5, 139), "/latitude"},
		{"longitude 181 is beyond the antimeridian", at(35, 181), "/longitude"},
		{"latitude NaN is not a number", at(math.NaN(), 139), "/latitude"},
		{"longitude NaN is not a number", at(35, math.NaN()), "/longitude"},
		{"negative precision is impossible", atWithin(35, 139, -1), "/precision"},
		{"infinite precision is impossible", atWithin(35, 139, math.Inf(1)), "/precision"},
		{"latitude without longitude is incomplete", geo.Location{ID: "location--test", Latitude: f(35)}, "/longitude"},
		{"longitude without latitude is incomplete", geo.Location{ID: "location--test", Longitude: f(139)}, "/latitude"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := j.Decide(tc.loc)
			var e *article5.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *article5.Error", err)
			}
			if e.Code != article5.EINVALID {
				t.Errorf("code = %s, want %s", e.Code, article5.EINVALID)
			}
			found := false
			for _, d := range e.Details {
				if d.Pointer == tc.pointer && d.Object == "location--test" {
					found = true
				}
			}
			if !found {
				t.Errorf("details = %+v, want pointer %s on location--test", e.Details, tc.pointer)
			}
		})
	}
}

// TestFacilities checks the embedded list of U.S. facilities: the major
// ones are present, every entry has a source, and each centre is in.
func TestFacilities(t *testing.T) {
	j := geo.Default()
	fs := j.Facilities()
	want := []string{"Misawa", "Yokota", "Camp Zama", "Yokosuka", "Atsugi", "Iwakuni", "Sasebo", "Kadena", "Futenma",
		"Camp Hansen", "Camp Schwab", "Camp Foster", "White Beach", "Torii", "Camp Courtney", "Sagami", "Tsurumi",
		"Akizuki", "Shariki", "Kyogamisaki"}
	for _, w := range want {
		t.Run("list has "+w, func(t *testing.T) {
			for _, fac := range fs {
				if strings.Contains(fac.Name, w) {
					return
				}
			}
			t.Errorf("no facility named %q", w)
		})
	}
	for _, fac := range fs {
		t.Run(fac.Name+" is sourced and inside the territory", func(t *testing.T) {
			if fac.Source == "" || fac.Service == "" || fac.Prefecture == "" || fac.RadiusM <= 0 {
				t.Errorf("incomplete entry %+v", fac)
			}
			d, err := j.Decide(at(fac.Latitude, fac.Longitude))
			if err != nil || d.Scope != article5.ScopeIn {
				t.Errorf("centre decides %s (%v): %s", d.Scope, err, d.Basis)
			}
			if d.Facility == nil || d.Facility.Name != fac.Name {
				t.Errorf("centre is not matched to its own facility: %+v", d.Facility)
			}
		})
	}
	t.Run("Facilities returns a copy", func(t *testing.T) {
		fs[0].Name = "changed"
		if j.Facilities()[0].Name == "changed" {
			t.Error("caller changed the embedded list")
		}
	})
}

// TestDecideConcurrent checks that one Jurisdiction serves many goroutines
// (run with -race) and gives each the same answer.
func TestDecideConcurrent(t *testing.T) {
	j := geo.Default()
	done := make(chan article5.Scope, 8)
	for i := 0; i < 8; i++ {
		go func() {
			var last article5.Scope
			for k := 0; k < 200; k++ {
				d, _ := j.Decide(at(41.40, 140.70))
				last = d.Scope
			}
			done <- last
		}()
	}
	for i := 0; i < 8; i++ {
		if s := <-done; s != article5.ScopeOut {
			t.Errorf("goroutine %d: scope %s, want out", i, s)
		}
	}
}

// BenchmarkDecide measures one coordinate decision over a mix of land,
// sea, strait and foreign points.
func BenchmarkDecide(b *testing.B) {
	j := geo.Default()
	locs := []geo.Location{
		at(35.6812, 139.7671), at(26.3556, 127.7675), at(41.40, 140.70), at(35.35, 140.62),
		atWithin(35.27, 140.82, 30000), at(37.5665, 126.9780), at(44.0, 145.8), at(30.0, 150.0),
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := j.Decide(locs[i%len(locs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// ---- Cross-check against GSI's prefecture polygons.
//
// ../shared/data/geo/japan.topojson holds the 47 prefectures of Japan as
// drawn by the Geospatial Information Authority of Japan (Source: Global Map
// Japan, GSI; via dataofjapan/land). GSI draws the territory Japan claims;
// article5 needs the territory Japan administers. Every point inside a GSI
// prefecture polygon must therefore be "in", except the named exceptions
// below, each of which must come out as the exception says.

// gsiException names a place where GSI and the administered territory must
// differ, the reason with its source, and the Place the decision must give.
type gsiException struct {
	name, reason, place string
	contains            func(lat, lon float64) bool
}

var gsiExceptions = []gsiException{
	{
		name:   "Northern Territories",
		reason: "GSI includes Etorofu, Kunashiri, Shikotan and the Habomai islands in Hokkaido (claimed by Japan); they are administered by Russia (MOFA, \"Northern Territories\"; Natural Earth Admin-0 de facto), so outside Article V's territory",
		place:  "Northern Territories (administered by Russia)",
		contains: func(lat, lon float64) bool {
			// Kunashiri and Etorofu lie north-east of the Notsuke peninsula;
			// Shikotan and the Habomai islets east of Nosappu-misaki (145.82°E).
			return (lon >= 145.40 && lat >= 43.62) || (lon >= 145.84 && lat >= 43.2 && lat <= 43.9)
		},
	},
	{
		name:   "Takeshima",
		reason: "GSI may include Takeshima in Shimane (claimed by Japan); it is administered by the Republic of Korea (MOFA, \"Takeshima\"; Natural Earth assigns it to South Korea)",
		place:  "Takeshima (administered by the Republic of Korea)",
		contains: func(lat, lon float64) bool {
			return math.Abs(lat-37.242) < 0.05 && math.Abs(lon-131.866) < 0.05
		},
	},
}

// gsiLandTolerance: the representative point of each prefecture's main
// polygon lies deep inland, so it must lie on Natural Earth land too;
// coastline generalisation (Natural Earth 10m, GSI quantized to about
// 300 m) only matters within a few kilometres of the coast, and the
// territorial sea covers it: a coastal GSI point always falls within 12 nm
// of Natural Earth land.

type topology struct {
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][2]float64 `json:"arcs"`
	Objects map[string]struct {
		Geometries []struct {
			Type       string          `json:"type"`
			Properties map[string]any  `json:"properties"`
			Arcs       json.RawMessage `json:"arcs"`
		} `json:"geometries"`
	} `json:"objects"`
}

type prefecture struct {
	name  string
	id    int
	polys []orb.Polygon
}

// moduleRoot walks up from the working directory to the directory holding
// go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// decodeTopoJSON decodes the Polygon and MultiPolygon geometries of a
// TopoJSON topology (quantized, delta-encoded arcs) into prefectures.
func decodeTopoJSON(t *testing.T, data []byte) []prefecture {
	t.Helper()
	var topo topology
	if err := json.Unmarshal(data, &topo); err != nil {
		t.Fatalf("japan.topojson: %v", err)
	}
	arcs := make([][]orb.Point, len(topo.Arcs))
	for i, arc := range topo.Arcs {
		var x, y float64
		pts := make([]orb.Point, len(arc))
		for k, q := range arc {
			if topo.Transform != nil {
				x, y = x+q[0], y+q[1]
				pts[k] = orb.Point{x*topo.Transform.Scale[0] + topo.Transform.Translate[0], y*topo.Transform.Scale[1] + topo.Transform.Translate[1]}
			} else {
				pts[k] = orb.Point{q[0], q[1]}
			}
		}
		arcs[i] = pts
	}
	ring := func(idx []int) orb.Ring {
		var r orb.Ring
		for n, a := range idx {
			var pts []orb.Point
			if a >= 0 {
				pts = arcs[a]
			} else {
				src := arcs[^a]
				pts = make([]orb.Point, len(src))
				for k := range src {
					pts[k] = src[len(src)-1-k]
				}
			}
			if n > 0 && len(pts) > 0 {
				pts = pts[1:]
			}
			r = append(r, pts...)
		}
		return r
	}
	var out []prefecture
	for _, obj := range topo.Objects {
		for _, g := range obj.Geometries {
			p := prefecture{}
			p.name, _ = g.Properties["nam"].(string)
			if id, ok := g.Properties["id"].(float64); ok {
				p.id = int(id)
			}
			var polys [][][]int
			switch g.Type {
			case "Polygon":
				var one [][]int
				if err := json.Unmarshal(g.Arcs, &one); err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
				polys = [][][]int{one}
			case "MultiPolygon":
				if err := json.Unmarshal(g.Arcs, &polys); err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
			default:
				continue
			}
			for _, rings := range polys {
				var poly orb.Polygon
				for _, idx := range rings {
					poly = append(poly, ring(idx))
				}
				p.polys = append(p.polys, poly)
			}
			out = append(out, p)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].id < out[b].id })
	return out
}

// interiorPoint returns a point well inside poly: the middle of the widest
// interior span on a few horizontal scanlines (even-odd over all rings).
func interiorPoint(poly orb.Polygon) (orb.Point, bool) {
	b := poly.Bound()
	best, bestW := orb.Point{}, 0.0
	for _, frac := range []float64{0.5, 0.3, 0.7, 0.4, 0.6, 0.2, 0.8} {
		y := b.Min[1] + frac*(b.Max[1]-b.Min[1])
		var xs []float64
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				a, c := r[i], r[i+1]
				if (a[1] > y) != (c[1] > y) {
					xs = append(xs, a[0]+(y-a[1])*(c[0]-a[0])/(c[1]-a[1]))
				}
			}
		}
		sort.Float64s(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			if w := xs[i+1] - xs[i]; w > bestW {
				best, bestW = orb.Point{(xs[i] + xs[i+1]) / 2, y}, w
			}
		}
	}
	return best, bestW > 0
}

func ringArea(r orb.Ring) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return math.Abs(a / 2)
}

// TestGSICrossCheck samples points inside every GSI prefecture polygon (one
// interior point per polygon, so every island, plus a 0.1° grid) and checks
// the generated territory calls them in, except the named exceptions.
func TestGSICrossCheck(t *testing.T) {
	path := filepath.Join(moduleRoot(t), "..", "shared", "data", "geo", "japan.topojson")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("GSI prefecture data are required for this test (Source: Global Map Japan, GSI): %v", err)
	}
	prefs := decodeTopoJSON(t, data)
	if len(prefs) != 47 {
		t.Fatalf("decoded %d prefectures, want 47", len(prefs))
	}
	j := geo.Default()
	exceptionHits := map[string]int{}
	check := func(t *testing.T, pref prefecture, p orb.Point, what string) {
		t.Helper()
		d, err := j.Decide(at(p[1], p[0]))
		if err != nil {
			t.Fatalf("%s %v: %v", what, p, err)
		}
		for _, ex := range gsiExceptions {
			if ex.contains(p[1], p[0]) {
				exceptionHits[ex.name]++
				if d.Scope != article5.ScopeOut || d.Place != ex.place {
					t.Errorf("%s (%.4f, %.4f) is in GSI's %s but an exception (%s): got %s / %q, want out / %q",
						what, p[1], p[0], pref.name, ex.reason, d.Scope, d.Place, ex.place)
				}
				return
			}
		}
		if d.Scope != article5.ScopeIn {
			t.Errorf("%s (%.4f, %.4f) of GSI's %s: got %s (%s), want in", what, p[1], p[0], pref.name, d.Scope, d.Basis)
		}
	}
	total := 0
	for _, pref := range prefs {
		t.Run(pref.name+" lies in the administered territory", func(t *testing.T) {
			largest, largestArea := -1, 0.0
			for i, poly := range pref.polys {
				if a := ringArea(poly[0]); a > largestArea {
					largest, largestArea = i, a
				}
				p, ok := interiorPoint(poly)
				if !ok {
					continue // degenerate after quantization
				}
				check(t, pref, p, "interior point of island polygon")
				total++
				b := poly.Bound()
				for y := math.Ceil(b.Min[1]*10) / 10; y <= b.Max[1]; y += 0.1 {
					for x := math.Ceil(b.Min[0]*10) / 10; x <= b.Max[0]; x += 0.1 {
						q := orb.Point{x, y}
						if planar.PolygonContains(poly, q) {
							check(t, pref, q, "grid point")
							total++
						}
					}
				}
			}
			// The main polygon's interior point lies deep inland: it must be on
			// Natural Earth land, not only in the territorial sea.
			p, ok := interiorPoint(pref.polys[largest])
			if !ok {
				t.Fatalf("no interior point for the main polygon")
			}
			d, _ := j.Decide(at(p[1], p[0]))
			if d.Place != "land" {
				t.Errorf("main interior point (%.4f, %.4f) of %s: place %q, want land (%s)", p[1], p[0], pref.name, d.Place, d.Basis)
			}
		})
	}
	t.Logf("checked %d GSI points; exception hits: %v", total, exceptionHits)
	t.Run("the Northern Territories exception is exercised", func(t *testing.T) {
		if exceptionHits["Northern Territories"] == 0 {
			t.Error("GSI's Hokkaido no longer reaches the Northern Territories: review the exception")
		}
	})
}
