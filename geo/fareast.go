package geo

import (
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// FarEastSource is the source of the Far East area: the unified view of the
// Government of Japan on the "Far East" of Articles IV and VI of the Treaty
// of Mutual Cooperation and Security, given to the House of Representatives
// on 26 February 1960.
const FarEastSource = "Government of Japan, unified view on the Far East of the Treaty (House of Representatives, 26 February 1960)"

// FarEastDescription is what the unified view says the Far East is, in
// substance: the area north of the Philippines, Japan and its surroundings,
// including the areas under the control of the Republic of Korea and of the
// Republic of China (Taiwan).
const FarEastDescription = "north of the Philippines, Japan and its surroundings, including the areas under the control of the Republic of Korea and of Taiwan"

// farEast is article5's drawing of the unified view's area, in WGS 84
// degrees (longitude, latitude). The view draws no line; these three boxes
// are a coarse, notional rendering of it, not the Government's:
//
//   - Japan and its surroundings: 122–155°E, 20–46°N. It takes in every
//     island Japan administers or claims (Yonaguni 123.0°E; Minamitorishima
//     154.0°E, 24.3°N; Okinotorishima 20.4°N; the Northern Territories to
//     45.6°N) and the seas between them, and with them the coasts facing
//     Japan across those seas (Zhoushan, the tips of the Shandong and
//     Liaodong peninsulas, Primorye, southern Sakhalin).
//   - The Korean Peninsula and the Yellow Sea to 124°E: 124–131°E,
//     33–43°N (the areas under the control of the Republic of Korea, with
//     the rest of the peninsula as Japan's surroundings).
//   - Taiwan, Penghu, Kinmen and Matsu: 118–122.5°E, 21.3–26.5°N
//     (north of Y'Ami, the northernmost island of the Philippines, 21.1°N).
//     Kinmen and Matsu lie off the mainland, so this box also covers a
//     strip of the mainland coast facing them.
//
// A point on a box's edge is inside.
var farEast = orb.MultiPolygon{
	{{{122, 20}, {155, 20}, {155, 46}, {122, 46}, {122, 20}}},
	{{{124, 33}, {131, 33}, {131, 43}, {124, 43}, {124, 33}}},
	{{{118, 21.3}, {122.5, 21.3}, {122.5, 26.5}, {118, 26.5}, {118, 21.3}}},
}

// farEastCountries are the countries or areas whose whole territory lies in
// the unified view's area: Japan, the Republic of Korea, Taiwan.
var farEastCountries = map[string]bool{"JP": true, "KR": true, "TW": true}

// InFarEast reports whether loc lies in the Far East area of the unified
// view of 26 February 1960, as article5 draws it (see FarEastSource): true
// for a point inside one of the boxes, or, without coordinates, for a
// country whose whole territory is in the area (JP, KR, TW). A point with a
// precision counts when its centre is inside. It returns false when the
// location cannot be placed (no coordinates and another or no country): the
// caller treats that as unknown, not as outside.
func InFarEast(loc Location) bool {
	if loc.Latitude != nil && loc.Longitude != nil {
		p := orb.Point{*loc.Longitude, *loc.Latitude}
		for _, poly := range farEast {
			if planar.PolygonContains(poly, p) || onEdge(poly[0], p) {
				return true
			}
		}
		return false
	}
	return farEastCountries[countryCode(loc.Country)]
}

// onEdge reports whether p lies on an edge of the axis-aligned box r.
func onEdge(r orb.Ring, p orb.Point) bool {
	b := r.Bound()
	return b.Contains(p) && (p[0] == b.Min[0] || p[0] == b.Max[0] || p[1] == b.Min[1] || p[1] == b.Max[1])
}

// countryCode is the ISO 3166-1 alpha-2 code of a STIX country value for
// the three Far East countries given by code or by English name.
func countryCode(c string) string {
	switch strings.ToLower(strings.TrimSpace(c)) {
	case "jp", "japan":
		return "JP"
	case "kr", "republic of korea", "south korea", "korea, republic of":
		return "KR"
	case "tw", "taiwan":
		return "TW"
	}
	return ""
}
