package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"article5/stix"
)

// effectsForm is the incident a user filed: start 12-01 and end 12-05
// (JST), electric power, a State organ at confidence 80; with effects
// when effects is true.
func effectsForm(name string, effects bool) url.Values {
	f := url.Values{"name": {name}, "domain": {"cyber"}, "party_jp": {"1"},
		"start": {"2026-12-01T09:00"}, "end": {"2026-12-05T09:00"}, "lat": {"43.06"}, "lon": {"141.35"},
		"sector_jp": {"electric-power"}, "operation": {"destruction"}, "activity": {"ended"},
		"actor": {"Unit X"}, "legal_basis": {"state-organ"}, "confidence": {"80"}, "state_name": {"State X"},
		"tlp": {"AMBER"}, "action": {"file"}}
	if effects {
		for k, v := range map[string]string{"deaths": "0", "deaths_suspected": "3", "deaths_indirect": "2", "injuries": "14",
			"injuries_suspected": "1", "people_affected": "450000", "physical_damage": "damaged-nonfunctional", "asset_type": "private-infrastructure",
			"availability_loss": "100", "recoverability": "supplemented", "economic_loss": "2000000000",
			"currency": "JPY", "conversion_rate": "0.0067", "organised": "true"} {
			f.Set(k, v)
		}
	}
	return f
}

// mustFile files form and returns the case id.
func mustFile(t *testing.T, c *client, form url.Values) string {
	t.Helper()
	p := c.do(t, "POST", "/incidents/new", form)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/cases/grouping--") {
		t.Fatalf("file: %d %s %.800s", p.status, p.header.Get("Location"), p.body)
	}
	return strings.TrimSuffix(strings.TrimPrefix(p.header.Get("Location"), "/cases/"), "?done=filed")
}

// caseAssessment is the part of GET /api/v1/cases/{id}/assessment the
// tests read.
type caseAssessment struct {
	Assessments map[string]struct {
		Tier    string   `json:"tier"`
		Unknown []string `json:"unknown_facts"`
	} `json:"assessments"`
}

func mustAssessment(t *testing.T, c *client, caseID string) caseAssessment {
	t.Helper()
	a := c.get(t, "/api/v1/cases/"+caseID+"/assessment")
	var r caseAssessment
	if a.status != 200 || json.Unmarshal([]byte(a.body), &r) != nil || len(r.Assessments) == 0 {
		t.Fatalf("assessment of %s: %d %.300s", caseID, a.status, a.body)
	}
	return r
}

// mustObject returns the stored STIX object id as the API gives it.
func mustObject(t *testing.T, c *client, id string) map[string]any {
	t.Helper()
	a := c.get(t, "/api/v1/objects/"+id)
	var objs []map[string]any
	if a.status != 200 || json.Unmarshal([]byte(a.body), &objs) != nil || len(objs) != 1 {
		t.Fatalf("object %s: %d %.300s", id, a.status, a.body)
	}
	return objs[0]
}

// TestIntakeRecordsEffects: the form records the end of the effects, the
// casualties, the damage and the economic loss as an analyst's bundle
// carries them (article5 extension casualties and effects_duration,
// Incident Core impacts with start_time/end_time), so the case's
// assessment no longer lists them as unknown, and the tier follows them.
func TestIntakeRecordsEffects(t *testing.T) {
	e := MustEnv(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-analyst")
	bare := mustAssessment(t, c, mustFile(t, c, effectsForm("Grid wiper, effects not given", false)))
	caseID := mustFile(t, c, effectsForm("Grid wiper with its effects", true))
	full := mustAssessment(t, c, caseID)

	g := mustObject(t, c, caseID)
	refs, _ := g["object_refs"].([]any)
	if len(refs) != 1 {
		t.Fatalf("grouping refs %v", refs)
	}
	inc := mustObject(t, c, refs[0].(string))
	exts, _ := inc["extensions"].(map[string]any)
	a5, _ := exts["extension-definition--7e1ad871-e324-4401-b26f-04600fa74dcd"].(map[string]any)
	core, _ := exts["extension-definition--ef765651-680c-498d-9894-99799f2fa126"].(map[string]any)
	if a5 == nil || core == nil {
		t.Fatalf("incident lacks article5's or Incident Core's extension: %v", inc)
	}
	if a5["effects_duration"] != "days" || a5["last_seen"] != "2026-12-05T00:00:00.000Z" || a5["organised_and_planned"] != true {
		t.Errorf("article5 extension: effects_duration %v last_seen %v organised_and_planned %v", a5["effects_duration"], a5["last_seen"], a5["organised_and_planned"])
	}
	var cas []string
	for _, x := range a5["casualties"].([]any) {
		m := x.(map[string]any)
		cas = append(cas, m["outcome"].(string)+"/"+m["causation"].(string)+"/"+m["status"].(string)+"/"+jsonNum(m["count"]))
	}
	slices.Sort(cas)
	if want := []string{"death/direct/confirmed/0", "death/direct/suspected/3", "death/indirect/confirmed/2",
		"injury/direct/confirmed/14", "injury/direct/suspected/1"}; !slices.Equal(cas, want) {
		t.Errorf("casualties %v, want %v", cas, want)
	}
	if core["recoverability"] != "supplemented" || jsonNum(core["impacted_entity_counts"].(map[string]any)["individual"]) != "450000" {
		t.Errorf("Incident Core extension: %v", core)
	}
	got := map[string]map[string]any{}
	for _, r := range core["impact_refs"].([]any) {
		im := mustObject(t, c, r.(string))
		got[im["impact_category"].(string)] = im
	}
	for _, cat := range []string{"availability", "physical"} {
		im := got[cat]
		if im == nil || im["start_time"] != "2026-12-01T00:00:00.000Z" || im["end_time"] != "2026-12-05T00:00:00.000Z" {
			t.Errorf("%s impact: %v", cat, im)
		}
	}
	sub := func(cat string) map[string]any {
		m, _ := got[cat]["extensions"].(map[string]any)[cat].(map[string]any)
		return m
	}
	if m := sub("availability"); m == nil || jsonNum(m["availability_impact"]) != "100" {
		t.Errorf("availability impact: %v", got["availability"])
	}
	if m := sub("physical"); m == nil || m["impact_type"] != "damaged-nonfunctional" || m["asset_type"] != "private-infrastructure" {
		t.Errorf("physical impact: %v", got["physical"])
	}
	if m := sub("monetary"); m == nil || m["currency"] != "USD" || jsonNum(m["max_amount"]) != "13400000" ||
		m["currency_actual"] != "JPY" || jsonNum(m["conversion_rate"]) != "0.0067" || m["variety"] != "uncategorized" ||
		m["conversion_time"] != "2026-12-01T00:00:00.000Z" {
		t.Errorf("monetary impact: %v", got["monetary"])
	}
	// The Incident Core Extension's required properties, from its
	// vocabularies: an incident just filed is open; one with effects is a
	// successful attempt.
	if core["determination"] != "successful-attempt" || core["investigation_status"] != "open" {
		t.Errorf("Incident Core extension: determination %v, investigation_status %v", core["determination"], core["investigation_status"])
	}
	// What was stored passes article5's own validator without an error.
	stored := []any{g, inc}
	for _, im := range got {
		stored = append(stored, im)
	}
	mustValidSTIX(t, stored)

	recorded := []string{"deaths", "deaths_indirect", "deaths_suspected", "injuries", "injuries_suspected", "duration_hours",
		"effects_duration", "physical_damage", "availability_loss", "people_affected", "economic_loss_usd",
		"recoverability", "organised_and_planned"}
	for doc, a := range full.Assessments {
		for _, f := range recorded {
			if slices.Contains(a.Unknown, f) {
				t.Errorf("%s: %s is still unknown after the form recorded it (unknown: %v)", doc, f, a.Unknown)
			}
		}
		// The start and end alone give the duration class (no impact says
		// what lasted that long); the damage stays unknown.
		bu := bare.Assessments[doc].Unknown
		if !slices.Contains(bu, "physical_damage") || slices.Contains(bu, "effects_duration") {
			t.Errorf("%s: with only a start and an end, the duration class should be known and the damage not: unknown %v", doc, bu)
		}
	}
	// The jp doctrine finds a use of force where a State organ put
	// critical infrastructure out of use for days (Tallinn Manual 2.0,
	// Rule 69; Government of Japan, May 2021); not knowing the effects
	// leaves the tier below that.
	if a := full.Assessments["jp"]; a.Tier == bare.Assessments["jp"].Tier || !strings.Contains(a.Tier, "possible") {
		t.Errorf("jp tier with the effects %q, without %q", a.Tier, bare.Assessments["jp"].Tier)
	}
	t.Logf("tiers: jp %s → %s, us %s → %s", bare.Assessments["jp"].Tier, full.Assessments["jp"].Tier, bare.Assessments["us"].Tier, full.Assessments["us"].Tier)
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestIntakeRefusesBadEffects: a negative count, an end before the start,
// a percent out of range, a foreign currency without a rate and a
// duration class the times contradict are each named beside their field,
// and nothing is stored.
func TestIntakeRefusesBadEffects(t *testing.T) {
	e := MustEnv(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-analyst")
	before := c.get(t, "/api/v1/cases").body
	for field, bad := range map[string]url.Values{
		"deaths":              {"deaths": {"-1"}},
		"injuries_suspected":  {"injuries_suspected": {"2.5"}},
		"end":                 {"end": {"2026-11-30T09:00"}},
		"availability_loss":   {"availability_loss": {"150"}},
		"economic_loss":       {"economic_loss": {"0"}},
		"asset_type":          {"asset_type": {""}},
		"asset_type/none":     {"physical_damage": {"none"}},
		"asset_type/choice":   {"asset_type": {"spaceship"}},
		"lat":                 {"lat": {"NaN"}},
		"conversion_rate/NaN": {"economic_loss": {"1000"}, "currency": {"JPY"}, "conversion_rate": {"NaN"}},
		"economic_loss/NaN":   {"economic_loss": {"NaN"}},
		"conversion_rate":     {"economic_loss": {"1000"}, "currency": {"JPY"}},
		"duration":            {"duration": {"months"}},
		"physical_damage":     {"physical_damage": {"melted"}},
	} {
		t.Run(field, func(t *testing.T) {
			field, _, _ := strings.Cut(field, "/")
			form := effectsForm("Refused effects", true)
			form.Del("conversion_rate")
			form.Set("currency", "USD")
			for k, v := range bad {
				form[k] = v
			}
			p := c.do(t, "POST", "/incidents/new", form)
			if p.status != http.StatusBadRequest {
				t.Fatalf("status %d", p.status)
			}
			if !strings.Contains(p.body, `id="e-`+field+`"`) || !strings.Contains(p.body, `aria-describedby="e-`+field+`"`) {
				t.Errorf("no message beside %s", field)
			}
			if !strings.Contains(p.body, "1 field needs attention.") {
				t.Errorf("another field is refused too")
			}
		})
	}
	if after := c.get(t, "/api/v1/cases").body; after != before {
		t.Errorf("a refused form stored something:\n%s\n%s", before, after)
	}
}

// mustValidSTIX validates objs, as the API gives them, as one bundle with
// stix.Validate: no errors.
func mustValidSTIX(t *testing.T, objs []any) {
	t.Helper()
	data, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--" + uuid.NewString(), "objects": objs})
	if err != nil {
		t.Fatal(err)
	}
	b, err := stix.Parse(data)
	if err != nil {
		t.Fatalf("stored objects do not parse: %v", err)
	}
	for _, is := range stix.Validate(b).Errors() {
		t.Errorf("stored STIX: %s %s %s: %s", is.Object, is.Pointer, is.Code, is.Message)
	}
}

// TestIntakeEconomicLossMessages: each bad economic loss gets its own
// message beside its field — separators, exponent, too large, less than
// a cent once converted, not positive — and a bad rate is refused even
// without an amount; nothing is stored.
func TestIntakeEconomicLossMessages(t *testing.T) {
	e := MustEnv(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-analyst")
	before := c.get(t, "/api/v1/cases").body
	for _, tc := range []struct {
		name, field, want string
		set               map[string]string
	}{
		{"thousands separators", "economic_loss", "Enter the amount in digits only", map[string]string{"economic_loss": "1,000"}},
		{"exponent too large", "economic_loss", "Too large: at most 1000000000000000", map[string]string{"economic_loss": "1e300"}},
		{"beyond float", "economic_loss", "Too large", map[string]string{"economic_loss": "1e400"}},
		{"too large", "economic_loss", "Too large", map[string]string{"economic_loss": "2000000000000000"}},
		{"too large once converted", "economic_loss", "Too large", map[string]string{"economic_loss": "900000000000000", "currency": "JPY", "conversion_rate": "150"}},
		{"small exponent", "economic_loss", "Enter the amount in digits only", map[string]string{"economic_loss": "1e3"}},
		{"tiny", "economic_loss", "Less than one US cent", map[string]string{"economic_loss": "0.001"}},
		{"tiny once converted", "economic_loss", "Less than one US cent", map[string]string{"economic_loss": "1", "currency": "JPY", "conversion_rate": "0.0001"}},
		{"zero", "economic_loss", "Enter an amount greater than 0.", map[string]string{"economic_loss": "0"}},
		{"negative", "economic_loss", "Enter an amount greater than 0.", map[string]string{"economic_loss": "-5"}},
		{"negative rate without amount", "conversion_rate", "Give the exchange rate", map[string]string{"economic_loss": "", "currency": "JPY", "conversion_rate": "-0.0067"}},
		{"rate for US dollars", "conversion_rate", "Leave the rate empty", map[string]string{"conversion_rate": "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := effectsForm("Refused loss", true)
			form.Del("conversion_rate")
			form.Set("currency", "USD")
			for k, v := range tc.set {
				form.Set(k, v)
			}
			p := c.do(t, "POST", "/incidents/new", form)
			if p.status != http.StatusBadRequest {
				t.Fatalf("status %d", p.status)
			}
			if !strings.Contains(p.body, `<span class="field-error" id="e-`+tc.field+`">`+tc.want) {
				t.Errorf("beside %s, want %q; body %.3000s", tc.field, tc.want, p.body[strings.Index(p.body, "<form"):])
			}
			if !strings.Contains(p.body, "1 field needs attention.") {
				t.Errorf("another field is refused too")
			}
		})
	}
	if after := c.get(t, "/api/v1/cases").body; after != before {
		t.Errorf("a refused form stored something")
	}
}

// TestIntakeLossPreview: the preview shows the loss in US dollars as
// amount × rate, so that a rate given the wrong way round (150 yen to the
// dollar instead of 0.0067 dollars to the yen) shows as an absurd sum.
func TestIntakeLossPreview(t *testing.T) {
	e := MustEnv(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-analyst")
	for rate, want := range map[string]string{
		"0.0067": "Economic loss in US dollars: 2,000,000,000 JPY × 0.0067 = 13,400,000 USD",
		"150":    "Economic loss in US dollars: 2,000,000,000 JPY × 150 = 300,000,000,000 USD",
	} {
		form := effectsForm("Loss preview", true)
		form.Set("conversion_rate", rate)
		form.Set("action", "preview")
		p := c.do(t, "POST", "/incidents/new", form)
		if p.status != http.StatusOK || !strings.Contains(p.body, want) {
			t.Errorf("rate %s: %d, want %q in the preview", rate, p.status, want)
		}
	}
}

// TestIntakeConversionTime: the conversion_time of a loss in another
// currency is the start of the incident, the instant in UTC (08:00 JST on
// 1 December is 23:00 UTC on 30 November), not a midnight.
func TestIntakeConversionTime(t *testing.T) {
	e := MustEnv(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-analyst")
	form := effectsForm("Loss at 08:00 JST", true)
	form.Set("start", "2026-12-01T08:00")
	g := mustObject(t, c, mustFile(t, c, form))
	inc := mustObject(t, c, g["object_refs"].([]any)[0].(string))
	core := inc["extensions"].(map[string]any)["extension-definition--ef765651-680c-498d-9894-99799f2fa126"].(map[string]any)
	for _, r := range core["impact_refs"].([]any) {
		im := mustObject(t, c, r.(string))
		if im["impact_category"] != "monetary" {
			continue
		}
		m := im["extensions"].(map[string]any)["monetary"].(map[string]any)
		if m["conversion_time"] != "2026-11-30T23:00:00.000Z" {
			t.Errorf("conversion_time %v, want 2026-11-30T23:00:00.000Z", m["conversion_time"])
		}
		return
	}
	t.Fatalf("no monetary impact: %v", core)
}

// TestIntakeDeterminationSuspected: an incident whose form records no
// effect that happened (damage none, no one hurt) is only suspected, and
// its STIX still passes the validator.
func TestIntakeDeterminationSuspected(t *testing.T) {
	e := MustEnv(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-analyst")
	form := effectsForm("No harm done", false)
	form.Set("physical_damage", "none")
	form.Set("deaths", "0")
	form.Set("recoverability", "not-applicable")
	g := mustObject(t, c, mustFile(t, c, form))
	inc := mustObject(t, c, g["object_refs"].([]any)[0].(string))
	core := inc["extensions"].(map[string]any)["extension-definition--ef765651-680c-498d-9894-99799f2fa126"].(map[string]any)
	if core["determination"] != "suspected" || core["investigation_status"] != "open" {
		t.Errorf("Incident Core extension: %v", core)
	}
	objs := []any{g, inc}
	for _, r := range core["impact_refs"].([]any) {
		objs = append(objs, mustObject(t, c, r.(string)))
	}
	mustValidSTIX(t, objs)
}
