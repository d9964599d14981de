package web

import (
	"context"
	"html/template"
	"regexp"
	"strings"
	"testing"

	"article5"
	"article5/assess"
	"article5/doctrine"
	"article5/examples"
	"article5/stix"
)

// TestComposedExamples: every sentence article5 composes that the Japanese
// case page shows for the examples assessed by both built-in doctrines —
// the scope's basis (case and incidents), the differences between the
// doctrines, the cumulative finding, the attribution — has its Japanese
// rendering, with the English as the 原文 marker's title.
func TestComposedExamples(t *testing.T) {
	var docs []*doctrine.Doctrine
	var ids []string
	for _, id := range doctrine.DefaultIDs {
		d, err := doctrine.Default(id)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
		ids = append(ids, id)
	}
	v := &view{loc: &locale{lang: "ja", m: catalogue["ja"]}, Lang: "ja"}
	seen := map[string]bool{}
	for _, name := range examples.Names() {
		raw, err := examples.Read(name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := stix.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep, err := assess.Assess(context.Background(), assess.Options{Doctrines: docs, Workers: 1}, b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		check := func(got template.HTML, text string) {
			t.Helper()
			if text == "" {
				return
			}
			seen[text] = true
			s := string(got)
			if !strings.Contains(s, `lang="ja">`) || !strings.Contains(s, `title="`+template.HTMLEscapeString(text)+`"`) || strings.Contains(s, "{") {
				t.Errorf("%s: no Japanese for %q: %s", name, text, s)
			}
			for _, bad := range []string{"武力攻撃事態", "存立危機事態"} {
				if strings.Contains(s, bad) {
					t.Errorf("%s: %q rendered with %s", name, text, bad)
				}
			}
		}
		check(v.Composed(nil, rep.Scope.Basis), rep.Scope.Basis)
		for _, inc := range rep.Incidents {
			check(v.Composed(nil, inc.Scope.Basis), inc.Scope.Basis)
		}
		for _, dv := range rep.Divergence {
			check(v.Composed(ids, dv.Why), dv.Why)
		}
		for _, a := range rep.Assessments {
			if a.Cumulative != nil && a.Cumulative.Enabled {
				check(v.DocText(a.Doctrine, a.Cumulative.Reason), a.Cumulative.Reason)
			}
			check(v.DocText(a.Doctrine, a.TierRule.Reason), a.TierRule.Reason)
			check(v.DocText(a.Doctrine, a.Attribution.Reason), a.Attribution.Reason)
		}
	}
	if len(seen) < 20 {
		t.Errorf("only %d composed sentences checked", len(seen))
	}
}

// TestComposedUnknown: a composed sentence no pattern renders (a new
// wording, a place article5 does not know the words for) stays English,
// lang="en", on a Japanese page; the English page always shows the
// English; a part that cannot be rendered leaves the whole sentence English.
func TestComposedUnknown(t *testing.T) {
	v := &view{loc: &locale{lang: "ja", m: catalogue["ja"]}, Lang: "ja"}
	for _, tc := range []struct {
		doc       any
		text      string
		want, not string
	}{
		{nil, "a basis article5 may write one day", `<span lang="en" translate="no">a basis article5 may write one day</span>`, "composed"},
		{nil, "point lies on land (Natural Earth 10m coastline, de-facto administration): inside the territories under the administration of Japan; something new", `<span lang="en" translate="no">point lies`, "composed"},
		{[]string{"jp", "us"}, "jp finds indeterminate — A reason an uploaded doctrine wrote (its source); us finds below-threshold — Another (source)", `<span lang="en" translate="no">jp finds`, "composed"},
		{"jp", "The whether the moon is full is unknown and decides the tier. On the known facts the tier would be below-threshold; it would be armed-attack-possible if the moon were full (now: unknown).", `<span lang="en" translate="no">The whether`, "doctext"},
		{nil, "point lies on land (Natural Earth 10m coastline, de-facto administration): inside the territories under the administration of Japan; the U.S. is an affected Party",
			`lang="ja">地点は陸上にある（Natural Earth 10m の海岸線、事実上の施政）: 日本国の施政の下にある領域内。米国は影響を受けた締約国である</span>`, ""},
		{"jp", "3 incidents attributed to Group H between 2026-02-02T21:00:00Z and 2026-04-27T19:45:00Z, taken together: armed-attack-possible (a reason nobody wrote)", `<span lang="en" translate="no">3 incidents`, "doctext"},
	} {
		var got string
		if _, ok := tc.doc.(article5.DoctrineRef); ok || tc.doc == "jp" {
			got = string(v.DocText(tc.doc, tc.text))
		} else {
			got = string(v.Composed(tc.doc, tc.text))
		}
		if !strings.Contains(got, tc.want) || (tc.not != "" && strings.Contains(got, tc.not)) {
			t.Errorf("%q = %s; want %s", tc.text, got, tc.want)
		}
	}
	en := &view{loc: &locale{lang: "en", m: catalogue["en"]}, Lang: "en"}
	basis := "point lies on land (Natural Earth 10m coastline, de-facto administration): inside the territories under the administration of Japan"
	if got := string(en.Composed(nil, basis)); got != `<span lang="en" translate="no">`+basis+`</span>` {
		t.Errorf("English page: %s", got)
	}
}

// TestComposedCatalogue: every pattern compiles, every {name} of its
// Japanese is one of its parts and every part is used, and the Japanese
// uses the glossary's terms where the English does; never 武力攻撃事態 or
// 存立危機事態.
func TestComposedCatalogue(t *testing.T) {
	ps, err := ComposedPatterns()
	if err != nil {
		t.Fatal(err)
	}
	terms, err := Glossary()
	if err != nil {
		t.Fatal(err)
	}
	holes := regexp.MustCompile(`\{([a-z0-9]+)\}`)
	for _, p := range ps {
		en, ja := p[0], p[1]
		if !strings.HasPrefix(en, "label:") {
			re, err := regexp.Compile(en)
			if err != nil {
				t.Errorf("%q: %v", en, err)
				continue
			}
			parts := map[string]bool{}
			for _, n := range re.SubexpNames() {
				if n != "" {
					parts[n] = true
					if !strings.Contains(ja, "{"+n+"}") {
						t.Errorf("%q: part %s not in %q", en, n, ja)
					}
				}
			}
			for _, h := range holes.FindAllStringSubmatch(ja, -1) {
				if !parts[h[1]] {
					t.Errorf("%q: {%s} is not a part", ja, h[1])
				}
			}
		}
		plain := strings.ReplaceAll(en, `\`, "")
		for _, g := range terms {
			if strings.Contains(strings.ToLower(plain), strings.ToLower(g.EN)) && !strings.Contains(ja, g.JA) {
				t.Errorf("%q uses %q but %q does not use %q (glossary)", en, g.EN, ja, g.JA)
			}
		}
		for _, bad := range []string{"武力攻撃事態", "存立危機事態"} {
			if strings.Contains(ja, bad) {
				t.Errorf("%q: never %s", ja, bad)
			}
		}
	}
}

// TestComposedPlaces: bases of the scope the examples do not produce — a
// place claimed by Japan but administered by another State, Article IV
// presumed in the Far East, a point near the limit without a precision, a
// facility its precision reaches beyond — are rendered in Japanese.
func TestComposedPlaces(t *testing.T) {
	v := &view{loc: &locale{lang: "ja", m: catalogue["ja"]}, Lang: "ja"}
	for text, want := range map[string]string{
		`location names Takeshima (city "Okinoshima"): claimed by Japan but administered by the Republic of Korea, so outside the territories under the administration of Japan`: `所在地は竹島を指す（city &#34;Okinoshima&#34;）: 日本国が領有を主張しているが大韓民国が施政を行っているため、日本国の施政の下にある領域外`,
		"point lies 3.3 km beyond the limit of Japan's territorial sea, in the high seas or an exclusive economic zone: outside the territories under the administration of Japan; Article IV presumed: the place lies in the Far East (north of the Philippines, Japan and its surroundings, including the areas under the control of the Republic of Korea and of Taiwan; Government of Japan, unified view on the Far East of the Treaty (House of Representatives, 26 February 1960), as article5 draws it); rebutted if an analyst states that neither the security of Japan nor peace and security in the Far East is threatened": "地点は日本国の領海の限界から3.3 km外側の公海又は排他的経済水域にある: 日本国の施政の下にある領域外。第4条を推定する",
		"point lies in the Tsugaru Strait 5.0 km from the low-water line, within the 3 nm territorial sea of a specified strait (Territorial Sea Act 1977, Supplementary Provisions): inside the territories under the administration of Japan":                                                                                                                                                             "特定海域の3海里の領海内にある",
		"point lies in the Northern Territories (Etorofu, Kunashiri, Shikotan, Habomai islands, land or 12 nm sea), claimed by Japan but administered by Russia: outside the territories under the administration of Japan":                                                                                                                                                                                 "北方領土（択捉島",
		"point lies on land (Natural Earth 10m coastline, de-facto administration): inside the territories under the administration of Japan; the point lies 657 m from the limit and its precision is not given, so it is taken as exact":                                                                                                                                                                  "精度が示されていないため",
		"point lies on land (Natural Earth 10m coastline, de-facto administration): inside the territories under the administration of Japan; it lies 1.2 km from the centre of Kadena Air Base (U.S. Air Force, Okinawa Prefecture), a facility of U.S. forces in Japan (approximate radius 2.0 km), but the precision of 5.0 km reaches beyond that radius, so the incident may lie outside the facility": "施設及び区域の外にある可能性がある",
	} {
		got := string(v.Composed(nil, text))
		if !strings.Contains(got, `class="composed" lang="ja">`) || !strings.Contains(got, want) {
			t.Errorf("%q = %s; want %s", text, got, want)
		}
	}
}
