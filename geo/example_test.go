package geo_test

import (
	"fmt"

	"article5/geo"
)

// ExampleJurisdiction_Decide decides a point in the middle of the Tsugaru
// Strait, a specified strait where the territorial sea is only 3 nm wide.
func ExampleJurisdiction_Decide() {
	lat, lon := 41.40, 140.70
	d, err := geo.Default().Decide(geo.Location{ID: "location--1", Latitude: &lat, Longitude: &lon})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Scope, "|", d.Place)
	fmt.Println(d.Basis)
	// Output:
	// out | specified strait (Tsugaru)
	// point lies in the Tsugaru Strait 10.8 km from shore, beyond the 3 nm territorial sea of a specified strait (Territorial Sea Act 1977, Supplementary Provisions): outside the territories under the administration of Japan
}

// ExampleJurisdiction_Decide_countryOnly decides a location that names only
// a country.
func ExampleJurisdiction_Decide_countryOnly() {
	d, _ := geo.Default().Decide(geo.Location{Country: "JP"})
	fmt.Println(d.Scope, "|", d.Basis)
	// Output:
	// in | country-level location JP: Japan's administered territory is assumed (Northern Territories and Takeshima excluded)
}
