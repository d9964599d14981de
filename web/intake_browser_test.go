package web_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFormRecordsEffects: in a real browser, an analyst files the
// incident a new user could not record (start 12-01, end 12-05 JST,
// electric power, a State organ at confidence 80) with its casualties and
// damage. A negative count and an end before the start are named beside
// their fields and nothing is stored; once corrected, the stored STIX
// carries the facts, the case's assessment no longer lists them as
// unknown, and its tier follows them. The Japanese form names the new
// fields in Japanese.
func TestBrowserFormRecordsEffects(t *testing.T) {
	e := MustEnv(t)
	api := e.client(t, "en")
	api.MustLogin(t, "jp-analyst")
	before := api.get(t, "/api/v1/cases").body

	b := MustBrowser(t, e)
	b.setLang("ja")
	b.login("jp-analyst")
	b.visit("intake-ja", "/incidents/new")
	for sel, want := range map[string]string{
		`label[for="f-physical_damage"]`:                           "物理的損害",
		`label[for="f-deaths_indirect"]`:                           "死者数（確認済み、間接）",
		`label[for="f-availability_loss"]`:                         "被害を受けたシステムの機能喪失（パーセント、0～100）",
		`label[for="f-economic_loss"]`:                             "経済的損失（金額）",
		`#f-physical_damage option[value="damaged-nonfunctional"]`: "損傷あり（使用不能）",
		`#l-parties`: "影響を受けた締約国 （必須）",
	} {
		got := get(b, "read "+sel, chromedp.Evaluate[string](`document.querySelector('`+sel+`').textContent.trim()`))
		if got != want {
			t.Errorf("Japanese form %s: %q, want %q", sel, got, want)
		}
	}

	b.setLang("en")
	b.visit("intake", "/incidents/new")
	if l := get(b, "read the language", chromedp.Evaluate[string](`document.documentElement.lang`)); l != "en" {
		t.Fatalf("the form is in %q after asking for English", l)
	}
	set := func(field, v string) chromedp.Action[chromedp.Void] {
		return chromedp.SetValue(chromedp.CSS("#f-"+field), v)
	}
	b.run("fill in the form with mistakes",
		set("name", "Sapporo grid wiper filed in a browser"),
		set("start", "2026-12-01T09:00"),
		set("end", "2026-11-30T09:00"),
		set("lat", "43.06"), set("lon", "141.35"),
		set("deaths", "-1"), set("injuries", "14"), set("deaths_suspected", "3"),
		set("physical_damage", "damaged-nonfunctional"), set("asset_type", "private-infrastructure"), set("availability_loss", "100"),
		set("recoverability", "supplemented"), set("people_affected", "450000"),
		set("economic_loss", "20000000"),
		set("sector_jp", "electric-power"), set("operation", "destruction"),
		set("actor", "Unit X"), set("legal_basis", "state-organ"), set("confidence", "80"), set("state_name", "State X"),
		chromedp.Click(chromedp.CSS("#file")),
		chromedp.WaitVisible(chromedp.CSS("#e-deaths")))
	b.settled("intake-effects-errors")
	for field, want := range map[string]string{"deaths": "Enter a whole number of persons, 0 or more.", "end": "The end is before the start."} {
		got := get(b, "read the message beside "+field, chromedp.Evaluate[[]string](`(() => {
			const f = document.getElementById('f-`+field+`'), m = document.getElementById('e-`+field+`');
			return [m ? m.textContent : '', f.getAttribute('aria-describedby') || '', String(f.parentElement.contains(m))];
		})()`))
		if got[0] != want || got[1] != "e-"+field || got[2] != "true" {
			t.Errorf("beside %s: %q", field, got)
		}
	}
	if n := get(b, "count the messages", chromedp.Evaluate[int](`document.querySelectorAll('.field-error').length`)); n != 2 {
		t.Errorf("%d messages, want 2 (deaths, end)", n)
	}
	if after := api.get(t, "/api/v1/cases").body; after != before {
		t.Fatalf("a refused form stored a case")
	}
	// The form comes back as typed: correct the two fields and file.
	b.run("correct and file",
		set("deaths", "0"), set("end", "2026-12-05T09:00"),
		chromedp.Click(chromedp.CSS("#file")),
		chromedp.WaitVisible(chromedp.CSS("#h-factors")))
	b.settled("case-with-effects")
	loc := get(b, "read the location", chromedp.Location())
	i := strings.Index(loc, "/cases/")
	if i < 0 {
		t.Fatalf("after filing the browser is at %s", loc)
	}
	caseID := strings.TrimSuffix(loc[i+len("/cases/"):], "?done=filed")

	g := mustObject(t, api, caseID)
	inc := mustObject(t, api, g["object_refs"].([]any)[0].(string))
	exts := inc["extensions"].(map[string]any)
	a5 := exts["extension-definition--7e1ad871-e324-4401-b26f-04600fa74dcd"].(map[string]any)
	core, _ := exts["extension-definition--ef765651-680c-498d-9894-99799f2fa126"].(map[string]any)
	if a5["effects_duration"] != "days" || len(a5["casualties"].([]any)) != 3 || core == nil || len(core["impact_refs"].([]any)) != 3 ||
		core["determination"] != "successful-attempt" || core["investigation_status"] != "open" {
		t.Fatalf("stored incident lacks the effects: %v", inc)
	}
	for _, r := range core["impact_refs"].([]any) {
		im := mustObject(t, api, r.(string))
		if im["impact_category"] != "monetary" && im["end_time"] != "2026-12-05T00:00:00.000Z" {
			t.Errorf("%s impact does not end with the effects: %v", im["impact_category"], im)
		}
	}
	a := mustAssessment(t, api, caseID)
	for doc, as := range a.Assessments {
		for _, f := range []string{"deaths", "deaths_suspected", "injuries", "duration_hours", "effects_duration",
			"physical_damage", "availability_loss", "people_affected", "economic_loss_usd", "recoverability"} {
			if slices.Contains(as.Unknown, f) {
				t.Errorf("%s: %s still unknown", doc, f)
			}
		}
		if as.Tier != "use-of-force-possible" {
			t.Errorf("%s: tier %s; a State organ putting an electric grid out of use for four days is a use of force possible", doc, as.Tier)
		}
	}
	// The case page no longer asks for the damage the form recorded.
	changes := get(b, "read what would change the tier", chromedp.Evaluate[string](`Array.from(document.querySelectorAll('.changes')).map(e => e.textContent).join(' ')`))
	if strings.Contains(changes, "physical damage") || strings.Contains(changes, "effects lasted") ||
		!strings.Contains(changes, "(confirmed direct deaths now: none)") || !strings.Contains(changes, "(now: 450,000 people)") {
		t.Errorf("what would change the tier does not follow the recorded damage, duration and casualties: %s", changes)
	}
}
