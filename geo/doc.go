// Package geo decides whether a location lies in "the territories under the
// administration of Japan" (Treaty of Mutual Cooperation and Security
// between Japan and the United States of America, 1960, Article V), and
// whether it lies in a facility or area of U.S. forces in Japan.
//
// The territory is land, the territorial sea and the airspace above both:
// 12 nautical miles (22,224 m) from the baselines, but only 3 nautical
// miles (5,556 m) in the five specified straits (Sōya, Tsugaru, Tsushima
// East and West Channels, Ōsumi) of the Act on the Territorial Sea and the
// Contiguous Zone (Act No. 30 of 1977, Supplementary Provisions para. 2).
// What counts is administration, not claims: the Northern Territories
// (administered by Russia) and Takeshima (administered by the Republic of
// Korea) are outside; the Senkaku Islands, Okinotorishima and
// Minamitorishima are inside. Airspace has no altitude limit here, and space
// is never decided by geometry: the caller handles space objects by their
// COSPAR/NORAD id.
//
// The boundary data are generated, not hand-drawn: geo/gen/generate.js
// buffers Natural Earth 10m coastlines (public domain) and applies the
// explicit, sourced entries listed in PROVENANCE.md; the output,
// territory.geojson, and the hand-written us_facilities.json are embedded
// with go:embed. Distances are in metres, coordinates in WGS 84 degrees.
// Coastline generalisation and the simplification tolerance (about 100 m)
// limit accuracy to a few hundred metres; a location whose precision circle
// crosses the limit is reported as uncertain, never guessed.
package geo
