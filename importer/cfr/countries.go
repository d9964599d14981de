package cfr

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/biter777/countries"
)

// countryByName maps every matchable English name to ISO2: the library's
// name, its part before "(" where unambiguous, and countryAlias.
var countryByName = map[string]string{}

// countryNames are the keys of countryByName, longest first, so that
// "Papua New Guinea" is found before "Guinea".
var countryNames []string

// isoName is the library's English name of each ISO2 code.
var isoName = map[string]string{}

// notMatched are library names never matched in free text: they are
// common words or parts of other names there.
var notMatched = map[string]bool{
	"Jersey": true, // "New Jersey"
}

func init() {
	add := func(name, iso string) {
		if name != "" && !notMatched[name] {
			countryByName[name] = iso
		}
	}
	for _, c := range countries.All() {
		iso := c.Alpha2()
		if len(iso) != 2 {
			continue
		}
		name := c.String()
		isoName[iso] = name
		add(name, iso)
		if i := strings.Index(name, " ("); i > 0 && !ambiguousBase[name[:i]] {
			add(name[:i], iso)
		}
	}
	for name, iso := range countryAlias {
		add(name, iso)
	}
	for name := range countryByName {
		countryNames = append(countryNames, name)
	}
	sort.Slice(countryNames, func(i, j int) bool {
		a, b := countryNames[i], countryNames[j]
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a < b
	})
}

// CountryName is the display name of an ISO2 code.
func CountryName(iso string) string {
	if n, ok := displayName[iso]; ok {
		return n
	}
	if n, ok := isoName[iso]; ok {
		return n
	}
	return iso
}

// FindCountries returns the ISO2 codes of the countries named in a text,
// sorted: whole-word, case-sensitive matches of countryNames, longest first;
// a matched span is not matched again ("South Korea" is not also "Korea").
// A hyphen joins words, so "Japan-linked companies … abroad" places nothing.
func FindCountries(text string) []string {
	if text == "" {
		return nil
	}
	buf := []byte(text)
	found := map[string]bool{}
	for _, name := range countryNames {
		from := 0
		for {
			i := strings.Index(string(buf[from:]), name)
			if i < 0 {
				break
			}
			i += from
			j := i + len(name)
			if boundaryBefore(buf, i) && boundaryAfter(buf, j) {
				found[countryByName[name]] = true
				for k := i; k < j; k++ {
					buf[k] = 0 // consumed
				}
			}
			from = i + 1
		}
	}
	out := make([]string, 0, len(found))
	for iso := range found {
		out = append(out, iso)
	}
	sort.Strings(out)
	return out
}

func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == 0
}

func boundaryBefore(b []byte, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRune(b[:i])
	return !wordRune(r)
}

func boundaryAfter(b []byte, j int) bool {
	if j >= len(b) {
		return true
	}
	r, _ := utf8.DecodeRune(b[j:])
	return !wordRune(r)
}
