package geo

import (
	"fmt"
	"strings"

	"article5"
)

// japanNames are the accepted spellings of Japan in Location.Country,
// compared case-insensitively after trimming.
var japanNames = map[string]bool{"jp": true, "jpn": true, "392": true, "japan": true, "日本": true, "nippon": true, "nihon": true}

// notAdministered lists lower-case name fragments of places Japan claims
// but does not administer. A country-level location whose administrative
// area or city contains one of them is out. Sources: MOFA, "Northern
// Territories" and "Takeshima" pages; administration as in Natural Earth
// Admin-0 (de facto).
var notAdministered = []struct{ fragment, place, adminBy string }{
	{"northern territories", "Northern Territories", "Russia"},
	{"北方領土", "Northern Territories", "Russia"},
	{"etorofu", "Northern Territories", "Russia"},
	{"iturup", "Northern Territories", "Russia"},
	{"択捉", "Northern Territories", "Russia"},
	{"kunashir", "Northern Territories", "Russia"}, // Kunashiri, Kunashir
	{"国後", "Northern Territories", "Russia"},
	{"shikotan", "Northern Territories", "Russia"},
	{"色丹", "Northern Territories", "Russia"},
	{"habomai", "Northern Territories", "Russia"},
	{"歯舞", "Northern Territories", "Russia"},
	{"kurilsk", "Northern Territories", "Russia"}, // Kurilsk (Etorofu), Yuzhno-Kurilsk (Kunashiri)
	{"malokurilsk", "Northern Territories", "Russia"},
	{"takeshima", "Takeshima", "Republic of Korea"},
	{"竹島", "Takeshima", "Republic of Korea"},
	{"dokdo", "Takeshima", "Republic of Korea"},
	{"tokdo", "Takeshima", "Republic of Korea"},
	{"独島", "Takeshima", "Republic of Korea"},
	{"liancourt", "Takeshima", "Republic of Korea"},
}

// administeredDisputed lists lower-case name fragments of places Japan
// administers that another State claims: a location naming one is in,
// whatever its country field says (administration, not claims). Source:
// MOFA "Senkaku Islands"; SCC joint statement of 19 April 2019.
var administeredDisputed = []string{"senkaku", "尖閣", "diaoyu", "釣魚", "钓鱼", "tiaoyutai", "uotsuri", "魚釣"}

// kagoshimaHints mark the other, uncontested Takeshima (Mishima
// village, Kagoshima Prefecture), which must not be read as Shimane's.
var kagoshimaHints = []string{"kagoshima", "鹿児島", "jp-46", "mishima", "三島"}

// eastAsiaRegions are STIX region-ov values that contain Japan and other
// States, so they cannot decide scope alone.
var eastAsiaRegions = map[string]bool{"eastern-asia": true, "asia": true}

// decideByName decides a location without coordinates:
//   - names of the Senkaku Islands (any country) → in;
//   - an administrative area or city naming a place Japan claims but does
//     not administer (Kunashiri, Etorofu, Shikotan, Habomai, Northern
//     Territories, Takeshima/Dokdo/Liancourt; not the Takeshima of
//     Kagoshima) → out, whatever the country;
//   - country Japan → in;
//   - an ISO 3166-2 code JP-01…JP-47 without a country counts as Japan;
//   - another country → out;
//   - no country, region eastern-asia or asia → uncertain; another region
//     → out;
//   - nothing at all → uncertain ("no location given").
func decideByName(loc Location) Decision {
	country := strings.TrimSpace(loc.Country)
	area := strings.TrimSpace(loc.AdministrativeArea)
	city := strings.TrimSpace(loc.City)
	names := strings.ToLower(area + " | " + city)
	isJP := japanNames[strings.ToLower(country)]
	if country == "" && isJPSubdivision(area) {
		isJP = true
		country = "JP"
	}
	for _, f := range administeredDisputed {
		if strings.Contains(names, f) {
			return Decision{Scope: article5.ScopeIn, Place: "Senkaku Islands",
				Basis: fmt.Sprintf("location names the Senkaku Islands (%s): administered by Japan, and the Security Consultative Committee (2019) reconfirmed that Article V applies to them; claims by other States do not change administration", quoted(area, city))}
		}
	}
	for _, n := range notAdministered {
		if !strings.Contains(names, n.fragment) {
			continue
		}
		if n.place == "Takeshima" && containsAny(names, kagoshimaHints) {
			continue // Takeshima of Mishima village, Kagoshima: administered by Japan
		}
		return Decision{Scope: article5.ScopeOut, Place: n.place + " (administered by " + theState(n.adminBy) + ")",
			Basis: fmt.Sprintf("location names %s (%s): claimed by Japan but administered by %s, so outside the territories under the administration of Japan", n.place, quoted(area, city), theState(n.adminBy))}
	}
	switch {
	case isJP:
		return Decision{Scope: article5.ScopeIn, Place: "Japan (country level)",
			Basis: fmt.Sprintf("country-level location %s: Japan's administered territory is assumed (Northern Territories and Takeshima excluded)", strings.ToUpper(country))}
	case country != "":
		return Decision{Scope: article5.ScopeOut, Place: "foreign territory",
			Basis: fmt.Sprintf("country-level location %s: not Japan, so outside the territories under the administration of Japan", country)}
	}
	region := strings.ToLower(strings.TrimSpace(loc.Region))
	switch {
	case eastAsiaRegions[region]:
		return Decision{Scope: article5.ScopeUncertain, Place: "region " + region,
			Basis: fmt.Sprintf("region-level location %s includes Japan and other States: scope cannot be decided without coordinates or a country", region)}
	case region != "":
		return Decision{Scope: article5.ScopeOut, Place: "region " + region,
			Basis: fmt.Sprintf("region-level location %s does not include Japan: outside the territories under the administration of Japan", region)}
	case area != "" || city != "":
		return Decision{Scope: article5.ScopeUncertain, Place: "unknown",
			Basis: fmt.Sprintf("location names only %s, without country or coordinates: scope cannot be decided", quoted(area, city))}
	}
	return Decision{Scope: article5.ScopeUncertain, Place: "unknown", Basis: "no location given: no coordinates, country, region, administrative area or city"}
}

func isJPSubdivision(s string) bool {
	s = strings.ToUpper(s)
	if len(s) != 5 || !strings.HasPrefix(s, "JP-") {
		return false
	}
	n := 0
	for _, c := range s[3:] {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n >= 1 && n <= 47
}

func containsAny(s string, fragments []string) bool {
	for _, f := range fragments {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

func theState(s string) string {
	if strings.HasPrefix(s, "Republic") {
		return "the " + s
	}
	return s
}

func quoted(area, city string) string {
	switch {
	case area != "" && city != "":
		return fmt.Sprintf("administrative area %q, city %q", area, city)
	case area != "":
		return fmt.Sprintf("administrative area %q", area)
	default:
		return fmt.Sprintf("city %q", city)
	}
}
