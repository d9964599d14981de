package geo_test

import (
	"testing"

	"article5/geo"
)

// TestInFarEast: places inside and outside the area of the Government of
// Japan's unified view of 26 February 1960 (north of the Philippines,
// Japan and its surroundings, including the areas under the control of the
// Republic of Korea and of Taiwan), written from that text and an atlas.
func TestInFarEast(t *testing.T) {
	for _, tc := range []struct {
		name string
		loc  geo.Location
		want bool
	}{
		{"Seoul", at(37.5665, 126.978), true},
		{"Busan", at(35.1796, 129.0756), true},
		{"Taipei", at(25.033, 121.5654), true},
		{"Kinmen (under Taiwan's control, off the mainland)", at(24.45, 118.38), true},
		{"Minamitorishima, Japan's easternmost island", at(24.28, 153.98), true},
		{"Okinotorishima, Japan's southernmost island", at(20.42, 136.08), true},
		{"Naha", at(26.2124, 127.6809), true},
		{"Manila (the Philippines)", at(14.5995, 120.9842), false},
		{"Y'Ami, northernmost island of the Philippines", at(21.1, 121.95), false},
		{"Guam", at(13.4443, 144.7937), false},
		{"Beijing", at(39.9042, 116.4074), false},
		{"Tallinn", at(59.437, 24.7536), false},
		{"Republic of Korea, country only", geo.Location{Country: "KR"}, true},
		{"Taiwan by name, country only", geo.Location{Country: "Taiwan"}, true},
		{"China, country only (partly inside: not placed)", geo.Location{Country: "CN"}, false},
		{"no place at all", geo.Location{}, false},
	} {
		if got := geo.InFarEast(tc.loc); got != tc.want {
			t.Errorf("%s: InFarEast %v, want %v", tc.name, got, tc.want)
		}
	}
}
