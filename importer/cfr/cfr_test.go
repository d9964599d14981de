package cfr_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"go/format"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"article5"
	"article5/importer"
	"article5/importer/cfr"
	"article5/stix"
)

const a5 = article5.ExtensionID
const core = article5.IncidentCoreID

// dataFile is the real export, relative to the package directory.
var dataFile = filepath.Join("..", "..", "..", "shared", "data", "cfr", "cyber-operations-incidents.csv")

func readData(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(dataFile)
	if err != nil {
		t.Fatalf("the real CFR file is required: %v", err)
	}
	return data
}

type result struct {
	rep  *importer.Report
	out  []byte
	objs map[string]map[string]any
}

func run(t *testing.T, in []byte) result {
	t.Helper()
	var out bytes.Buffer
	rep, err := cfr.Import(context.Background(), "cfr.csv", bytes.NewReader(in), &out)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	var b struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(out.Bytes(), &b); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	objs := map[string]map[string]any{}
	for _, o := range b.Objects {
		objs[o["id"].(string)] = o
	}
	return result{rep: rep, out: out.Bytes(), objs: objs}
}

var (
	realOnce sync.Once
	realRes  result
)

// real imports the real file once for the tests that only read the result.
func realImport(t *testing.T) result {
	t.Helper()
	data := readData(t)
	realOnce.Do(func() { realRes = run(t, data) })
	if realRes.rep == nil {
		t.Fatal("real import failed")
	}
	return realRes
}

// synth builds a CSV with the real header from rows of column → value;
// Title defaults to "Op N", Date to 1/2/2020.
func synth(rows ...map[string]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(cfr.Columns)
	for i, r := range rows {
		rec := make([]string, len(cfr.Columns))
		for j, c := range cfr.Columns {
			rec[j] = r[c]
		}
		if _, ok := r["Title"]; !ok {
			rec[0] = "Op " + strconv.Itoa(i+1)
		}
		if _, ok := r["Date"]; !ok {
			rec[1] = "1/2/2020"
		}
		w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

func (r result) incident(t *testing.T, row int) map[string]any {
	t.Helper()
	o := r.objs[cfr.IncidentID(row)]
	if o == nil {
		t.Fatalf("no incident for row %d", row)
	}
	return o
}

func ext(o map[string]any, id string) map[string]any {
	e, _ := o["extensions"].(map[string]any)
	m, _ := e[id].(map[string]any)
	return m
}

// rels returns the relationships of a type from a source.
func (r result) rels(typ, source string) []map[string]any {
	var out []map[string]any
	for _, o := range r.objs {
		if o["type"] == "relationship" && o["relationship_type"] == typ && o["source_ref"] == source {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b map[string]any) int {
		return strings.Compare(a["target_ref"].(string), b["target_ref"].(string))
	})
	return out
}

func basis(rel map[string]any) string {
	v, _ := ext(rel, a5)["legal_basis"].(string)
	return v
}

func conf(rel map[string]any) int {
	f, _ := rel["confidence"].(float64)
	return int(f)
}

// 1. The real file.
func TestImportRealFile(t *testing.T) {
	r := realImport(t)
	if r.rep.Rows != 768 {
		t.Fatalf("rows read = %d, want 768", r.rep.Rows)
	}
	if r.rep.Imported+len(r.rep.Rejected) != 768 {
		t.Errorf("imported %d + rejected %d != 768", r.rep.Imported, len(r.rep.Rejected))
	}
	incidents := 0
	for _, o := range r.objs {
		if o["type"] == "incident" {
			incidents++
		}
	}
	if incidents != r.rep.Imported || incidents != 761 {
		t.Errorf("%d incidents in the bundle, %d reported imported, want 761", incidents, r.rep.Imported)
	}
	rejected := map[int]bool{}
	for _, rj := range r.rep.Rejected {
		if rj.Reason == "" || !strings.Contains(rj.Reason, "column ") {
			t.Errorf("row %d rejected without a reason naming the column: %q", rj.Row, rj.Reason)
		}
		rejected[rj.Row] = true
	}
	// The seven rows whose cells are shifted into other columns.
	for _, n := range []int{112, 127, 208, 239, 262, 333, 479} {
		if !rejected[n] {
			t.Errorf("row %d (columns shifted) not rejected", n)
		}
	}
	for n := 1; n <= 768; n++ {
		o := r.objs[cfr.IncidentID(n)]
		if (o == nil) != rejected[n] {
			t.Errorf("row %d: incident %v, rejected %v", n, o != nil, rejected[n])
			continue
		}
		if o != nil {
			refs := o["external_references"].([]any)
			first := refs[0].(map[string]any)
			if first["source_name"] != "CFR Cyber Operations Tracker" || first["external_id"] != "row "+strconv.Itoa(n) {
				t.Errorf("row %d: first reference %v", n, first)
			}
			if o["created_by_ref"] != cfr.DatasetIdentity || o["created"] != cfr.Timestamp || o["modified"] != cfr.Timestamp {
				t.Errorf("row %d: created_by_ref/timestamps %v %v %v", n, o["created_by_ref"], o["created"], o["modified"])
			}
		}
	}
	if r.objs[cfr.DatasetIdentity] == nil {
		t.Error("dataset identity missing")
	}

	b, err := stix.Parse(r.out)
	if err != nil {
		t.Fatalf("stix.Parse: %v", err)
	}
	if err := stix.Validate(b).Err(); err != nil {
		t.Fatalf("stix.Validate: %v", err)
	}

	// Re-import: byte-identical.
	var again bytes.Buffer
	if _, err := cfr.Import(context.Background(), "cfr.csv", bytes.NewReader(readData(t)), &again); err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(again.Bytes()) != sha256.Sum256(r.out) {
		t.Error("re-import is not byte-identical")
	}
	var rep bytes.Buffer
	r.rep.Write(&rep)
	t.Logf("report:\n%s", rep.String())
}

// 2. Each mapping table on synthetic rows; unknown values are counted.

func TestTypeTable(t *testing.T) {
	want := map[string][2]string{ // Type → operation_type, determination
		"Espionage":         {"espionage", "suspected"},
		"Sabotage":          {"disruption", "successful-attempt"},
		"Denial of service": {"disruption", "successful-attempt"},
		"Data destruction":  {"destruction", "successful-attempt"},
		"Defacement":        {"influence", "successful-attempt"},
		"Doxing":            {"influence", "successful-attempt"},
		"Financial Theft":   {"", "successful-attempt"},
		"":                  {"", "suspected"},
		"Cyberwar":          {"", "suspected"}, // not in the table
	}
	for k := range cfr.TypeTable {
		if _, ok := want[k]; !ok {
			t.Errorf("table row %q not covered", k)
		}
	}
	var rows []map[string]string
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		rows = append(rows, map[string]string{"Type": k})
	}
	r := run(t, synth(rows...))
	for i, k := range keys {
		inc := r.incident(t, i+1)
		op, _ := ext(inc, a5)["operation_type"].(string)
		det := ext(inc, core)["determination"]
		if op != want[k][0] || det != want[k][1] {
			t.Errorf("Type %q: operation_type %q determination %v, want %v", k, op, det, want[k])
		}
		if _, ok := ext(inc, a5)["operation_type"]; want[k][0] == "" && ok {
			t.Errorf("Type %q: operation_type present", k)
		}
	}
	if r.rep.Unmapped["Type"]["Cyberwar"] != 1 {
		t.Errorf("unknown Type not counted: %v", r.rep.Unmapped)
	}
	if r.rep.Notes["Type Financial Theft: no operation_type (not in article5's closed list)"] != 1 || r.rep.Notes["Type empty: no operation_type"] != 1 {
		t.Errorf("notes: %v", r.rep.Notes)
	}
}

func TestCategoryTable(t *testing.T) {
	tests := []struct {
		cat      string
		sectors  []string
		military bool
	}{
		{"Government", []string{"government-national"}, false},
		{"Military", []string{"defense"}, true},
		{"Private sector", nil, false},
		{"Civil society", []string{"non-profit"}, false},
		{"Government, Military, Civil society", []string{"defense", "government-national", "non-profit"}, true},
		{"Aliens", nil, false}, // not in the table
	}
	covered := map[string]bool{}
	var rows []map[string]string
	for _, tc := range tests {
		covered[tc.cat] = true
		rows = append(rows, map[string]string{"Category": tc.cat, "Victims": "victims " + tc.cat})
	}
	for k := range cfr.CategoryTable {
		if !covered[k] {
			t.Errorf("table row %q not covered", k)
		}
	}
	r := run(t, synth(rows...))
	for i, tc := range tests {
		id := cfr.IncidentID(i + 1)
		tg := r.rels("targets", id)
		if len(tg) != 1 {
			t.Fatalf("%q: %d targets", tc.cat, len(tg))
		}
		v := r.objs[tg[0]["target_ref"].(string)]
		var got []string
		if s, ok := v["sectors"].([]any); ok {
			for _, x := range s {
				got = append(got, x.(string))
			}
		}
		if !slices.Equal(got, tc.sectors) || v["name"] != "victims "+tc.cat || v["identity_class"] != "class" {
			t.Errorf("%q: victims %v", tc.cat, v)
		}
		mt, ok := ext(r.incident(t, i+1), a5)["military_target"]
		if tc.military != ok || (ok && mt != true) {
			t.Errorf("%q: military_target %v %v (must be true or absent, never false)", tc.cat, mt, ok)
		}
	}
	if r.rep.Unmapped["Category"]["Aliens"] != 1 {
		t.Errorf("unknown Category not counted: %v", r.rep.Unmapped)
	}
	if r.rep.Notes["Category Private sector: no STIX sector (no generic private sector in industry-sector-ov)"] != 1 {
		t.Errorf("notes: %v", r.rep.Notes)
	}
}

func TestResponseTable(t *testing.T) {
	want := map[string]struct {
		status string
		conf   int
	}{
		"":                 {"open", 50},
		"Unknown":          {"open", 50},
		"Denial":           {"open", 50},
		"Confirmation":     {"closed", 85},
		"Criminal charges": {"closed", 80},
		"Indictment":       {"closed", 80},
		"Sanctions":        {"closed", 80},
		"Denouncement":     {"closed", 80},
		"Hack Back":        {"open", 50},
		"Shrug":            {"open", 50}, // not in the table
	}
	for k := range cfr.ResponseTable {
		if _, ok := want[k]; !ok {
			t.Errorf("table row %q not covered", k)
		}
	}
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var rows []map[string]string
	for _, k := range keys {
		rows = append(rows, map[string]string{"Response": k + "   https://example.org/response", "Sponsor": "China"})
	}
	r := run(t, synth(rows...))
	china := importer.ID("identity", "state", "CN")
	for i, k := range keys {
		id := cfr.IncidentID(i + 1)
		inc := r.incident(t, i+1)
		if st := ext(inc, core)["investigation_status"]; st != want[k].status {
			t.Errorf("Response %q: investigation_status %v", k, st)
		}
		at := r.rels("attributed-to", id)
		if len(at) != 1 || at[0]["target_ref"] != china || conf(at[0]) != want[k].conf || basis(at[0]) != "state-instructions-direction-control" {
			t.Errorf("Response %q: attribution %v", k, at)
		}
		refs := inc["external_references"].([]any)
		last := refs[len(refs)-1].(map[string]any)
		if last["source_name"] != "cfr-response" || last["url"] != "https://example.org/response" {
			t.Errorf("Response %q: URL not kept: %v", k, refs)
		}
	}
	if r.rep.Unmapped["Response"]["Shrug"] != 1 {
		t.Errorf("unknown Response not counted: %v", r.rep.Unmapped)
	}
}

func TestPrefixTable(t *testing.T) {
	for i := range cfr.PrefixTable {
		prefix, c, assoc := cfr.PrefixOf(i)
		a := cfr.ParseAffiliation(prefix + " Zebra Panda.")
		switch {
		case assoc && a.Kind != cfr.KindAssociated:
			t.Errorf("%q: kind %v, want associated", prefix, a.Kind)
		case !assoc && (a.Kind != cfr.KindActor || a.Name != "Zebra Panda" || a.Confidence != c):
			// An earlier, shorter prefix must not shadow a later one.
			t.Errorf("%q: %+v, want actor Zebra Panda at %d", prefix, a, c)
		}
	}
	tests := []struct {
		in   string
		want cfr.Affiliation
	}{
		{"", cfr.Affiliation{Kind: cfr.KindNone}},
		{"Unknown", cfr.Affiliation{Kind: cfr.KindUnknown}},
		{"APT 28", cfr.Affiliation{Kind: cfr.KindActor, Name: "APT 28", Confidence: 60}},
		{"Believed to be the work of?APT 28", cfr.Affiliation{Kind: cfr.KindActor, Name: "APT 28", Confidence: 40}},
		{"Lazarus Group?", cfr.Affiliation{Kind: cfr.KindActor, Name: "Lazarus Group", Confidence: 60}},
		{"Fancy Bear, APT 28", cfr.Affiliation{Kind: cfr.KindActor, Name: "Fancy Bear", Confidence: 60}},
		{"Believed to be the work of the Lazarus Group.", cfr.Affiliation{Kind: cfr.KindActor, Name: "Lazarus Group", Confidence: 40}},
		{"Believed to be the work of China's government", cfr.Affiliation{Kind: cfr.KindGovernment, Confidence: 40}},
		{"Government of Saudi Arabia", cfr.Affiliation{Kind: cfr.KindGovernment, Confidence: 60}},
		{"Russia", cfr.Affiliation{Kind: cfr.KindState, Confidence: 60}},
		{"Suspected to be the work of Chinese military hackers.", cfr.Affiliation{Kind: cfr.KindState, Confidence: 40}},
		{"Possibly linked to OilRig", cfr.Affiliation{Kind: cfr.KindAssociated}},
		{"A variant of Lucky Cat for Mac computers", cfr.Affiliation{Kind: cfr.KindUnparsed}},
	}
	for _, tc := range tests {
		if got := cfr.ParseAffiliation(tc.in); got != tc.want {
			t.Errorf("%q: %+v, want %+v", tc.in, got, tc.want)
		}
	}
	for i := range cfr.OrganTerms {
		term, exact := cfr.OrganTermOf(i)
		name := term
		if !exact {
			name = "Northern " + term
		}
		if a := cfr.ParseAffiliation(strings.ToUpper(name[:1]) + name[1:]); a.Kind != cfr.KindGovernment {
			t.Errorf("organ term %q: %+v", term, a)
		}
	}
	for from, to := range cfr.ActorAlias {
		if a := cfr.ParseAffiliation(from); a.Kind != cfr.KindActor || a.Name != to {
			t.Errorf("alias %q: %+v, want %q", from, a, to)
		}
	}
}

// TestAttribution covers the attribution paths on synthetic rows. The link
// to the suspected sponsor State runs from the incident (this record's
// coding), never from the shared actor, so one row's sponsor cannot leak
// into another row naming the same actor.
func TestAttribution(t *testing.T) {
	rows := []map[string]string{
		{"Affiliations": "Believed to be the work of Zebra Panda", "Sponsor": "China", "Response": "Confirmation"}, // 1
		{"Affiliations": "", "Sponsor": "Korea (Democratic People's Republic of)"},                                 // 2
		{"Affiliations": "", "Sponsor": ""},            // 3
		{"Affiliations": "Zebra Panda", "Sponsor": ""}, // 4
		{"Affiliations": "Believed to be the work of the Iranian government.", "Sponsor": "Iran (Islamic Republic of)"}, // 5
		{"Affiliations": "Possibly linked to OilRig", "Sponsor": "Palestine, State of"},                                 // 6
		{"Affiliations": "Zebra Panda", "Sponsor": "Atlantis, China"},                                                   // 7
		{"Affiliations": "Zebra Panda", "Sponsor": "Russian Federation"},                                                // 8
	}
	r := run(t, synth(rows...))
	state := func(iso string) string { return importer.ID("identity", "state", iso) }
	actor := importer.ID("threat-actor", "zebra panda")

	at := r.rels("attributed-to", cfr.IncidentID(1))
	if len(at) != 2 {
		t.Fatalf("row 1: want an actor link and a State link, got %v", at)
	}
	for _, rel := range at {
		switch rel["target_ref"] {
		case actor:
			if conf(rel) != 85 || basis(rel) != "unknown" {
				t.Errorf("row 1 actor link: %v", rel)
			}
		case state("CN"):
			if conf(rel) != 50 || basis(rel) != "state-instructions-direction-control" {
				t.Errorf("row 1 State link: %v", rel)
			}
		default:
			t.Errorf("row 1 unexpected link: %v", rel)
		}
	}
	if sr := r.rels("attributed-to", actor); len(sr) != 0 {
		t.Errorf("the shared actor carries State links, which would leak between rows: %v", sr)
	}
	for _, rel := range r.rels("attributed-to", cfr.IncidentID(8)) {
		if rel["target_ref"] == state("CN") {
			t.Errorf("row 8 (Sponsor Russia) is linked to China from another row: %v", rel)
		}
	}
	if ta := r.objs[actor]; ta["name"] != "Zebra Panda" {
		t.Errorf("actor: %v", ta)
	}
	cn := r.objs[state("CN")]
	if cn["name"] != "Government of China" || cn["identity_class"] != "organization" || !slices.Equal(cn["sectors"].([]any), []any{"government-national"}) {
		t.Errorf("State: %v", cn)
	}
	if at := r.rels("attributed-to", cfr.IncidentID(2)); len(at) != 1 || at[0]["target_ref"] != state("KP") || basis(at[0]) != "state-instructions-direction-control" {
		t.Errorf("row 2 (Sponsor only): %v", at)
	}
	if r.objs[state("KP")]["name"] != "Government of North Korea" {
		t.Errorf("KP name: %v", r.objs[state("KP")]["name"])
	}
	if at := r.rels("attributed-to", cfr.IncidentID(3)); len(at) != 0 {
		t.Errorf("row 3 (nothing coded): %v", at)
	}
	if at := r.rels("attributed-to", cfr.IncidentID(4)); len(at) != 1 || at[0]["target_ref"] != actor || conf(at[0]) != 60 {
		t.Errorf("row 4: %v", at)
	}
	if at := r.rels("attributed-to", cfr.IncidentID(5)); len(at) != 1 || at[0]["target_ref"] != state("IR") || basis(at[0]) != "state-organ" || conf(at[0]) != 40 {
		t.Errorf("row 5 (government): %v", at)
	}
	if at := r.rels("attributed-to", cfr.IncidentID(6)); len(at) != 1 || at[0]["target_ref"] != state("PS") || basis(at[0]) != "state-instructions-direction-control" {
		t.Errorf("row 6 (associated only): %v", at)
	}
	if r.rep.Unmapped["Sponsor"]["Atlantis"] != 1 {
		t.Errorf("unknown Sponsor not counted: %v", r.rep.Unmapped)
	}
	us := run(t, synth(map[string]string{"Sponsor": "United States"}, map[string]string{"Sponsor": "Japan", "Victims": "Japanese firms"}))
	if us.objs[state("US")]["name"] != "Government of the United States" {
		t.Errorf("US name: %v", us.objs[state("US")]["name"])
	}
	if us.rep.Notes["Sponsor JP also named in Victims (domestic operation or miscoded Sponsor)"] != 1 {
		t.Errorf("Sponsor also a victim country not noted: %v", us.rep.Notes)
	}
}

func TestCountryTables(t *testing.T) {
	for name, iso := range cfr.CountryAlias {
		if got := cfr.FindCountries("Victims in " + name + ", mostly"); !slices.Equal(got, []string{iso}) {
			t.Errorf("alias %q: %v, want %s", name, got, iso)
		}
	}
	for iso, name := range cfr.DisplayName {
		if cfr.CountryName(iso) != name {
			t.Errorf("display %s: %q", iso, cfr.CountryName(iso))
		}
	}
	tests := []struct {
		in   string
		want []string
	}{
		{"Experts and think tanks in the United States, Japan, and South Korea", []string{"JP", "KR", "US"}},
		{"Japan, Korea (Republic of), Russian Federation, China, Mitsubishi Group", []string{"CN", "JP", "KR", "RU"}},
		{"Iran (Islamic Republic of)", []string{"IR"}},
		{"Korea (Democratic People's Republic of)", []string{"KP"}},
		{"Papua New Guinea", []string{"PG"}},
		{"Japan-linked companies and managed service providers abroad", nil},
		{"Japanese defense contractors", []string{"JP"}},
		{"Companies in New Jersey", nil},
		{"Usual suspects; a japan office", nil}, // case-sensitive, whole word
		{"Japan Pension Service", []string{"JP"}},
	}
	for _, tc := range tests {
		if got := cfr.FindCountries(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.in, got, tc.want)
		}
	}
	// Located-at on a synthetic row, and location objects.
	r := run(t, synth(map[string]string{"Victims": "Ministries in Japan and Taiwan"}))
	la := r.rels("located-at", cfr.IncidentID(1))
	if len(la) != 2 {
		t.Fatalf("located-at: %v", la)
	}
	jp := r.objs[importer.ID("location", "country", "JP")]
	tw := r.objs[importer.ID("location", "country", "TW")]
	if jp["country"] != "JP" || jp["name"] != "Japan" || tw["name"] != "Taiwan" {
		t.Errorf("locations: %v %v", jp, tw)
	}
}

func TestDates(t *testing.T) {
	r := run(t, synth(
		map[string]string{"Date": "3/7/2022"},
		map[string]string{"Date": ""},
		map[string]string{"Date": "13/45/2022"},
		map[string]string{"Date": "2022-03-07"},
		map[string]string{"Title": "Same", "Date": "1/1/2020"},
		map[string]string{"Title": "Same", "Date": "1/1/2020"},
		map[string]string{"Title": "  "},
	))
	if fs := ext(r.incident(t, 1), a5)["first_seen"]; fs != "2022-03-07T00:00:00Z" {
		t.Errorf("first_seen %v", fs)
	}
	if _, ok := ext(r.incident(t, 2), a5)["first_seen"]; ok {
		t.Error("empty Date gave first_seen")
	}
	if r.rep.Notes["Date empty: no first_seen"] != 1 {
		t.Errorf("notes %v", r.rep.Notes)
	}
	if len(r.rep.Rejected) != 3 || r.rep.Rejected[0].Row != 3 || r.rep.Rejected[1].Row != 4 || r.rep.Rejected[2].Row != 7 ||
		!strings.Contains(r.rep.Rejected[0].Reason, "column Date") || !strings.Contains(r.rep.Rejected[2].Reason, "column Title") {
		t.Errorf("rejected %+v", r.rep.Rejected)
	}
	if r.objs[cfr.IncidentID(3)] != nil || r.objs[importer.ID("identity", "cfr", cfr.Version, "victims", "3")] != nil {
		t.Error("a rejected row left objects behind")
	}
	if r.objs[cfr.IncidentID(5)] == nil || r.objs[cfr.IncidentID(6)] == nil || r.rep.Notes["row 6: repeated (Title, Date) with row 5"] != 1 {
		t.Errorf("repeated rows: %v", r.rep.Notes)
	}
	if r.rep.Rows != 7 || r.rep.Imported != 4 {
		t.Errorf("rows %d imported %d", r.rep.Rows, r.rep.Imported)
	}
}

// 3. Real-world mess on real rows.
func TestRealMess(t *testing.T) {
	r := realImport(t)
	rows := readRows(t)

	// Empty dates: no first_seen, one note each.
	empty := 0
	for n, rec := range rows {
		if rec["Date"] != "" {
			continue
		}
		empty++
		if inc := r.objs[cfr.IncidentID(n)]; inc != nil {
			if _, ok := ext(inc, a5)["first_seen"]; ok {
				t.Errorf("row %d: empty Date gave first_seen", n)
			}
		}
	}
	if empty != 15 || r.rep.Notes["Date empty: no first_seen"] != 15 {
		t.Errorf("%d empty dates, %d noted", empty, r.rep.Notes["Date empty: no first_seen"])
	}

	// Japan: rows whose Victims name Japan are located in JP.
	jp := importer.ID("location", "country", "JP")
	var japan []int
	for n := 1; n <= len(rows); n++ {
		for _, la := range r.rels("located-at", cfr.IncidentID(n)) {
			if la["target_ref"] == jp {
				japan = append(japan, n)
			}
		}
	}
	for _, n := range []int{82, 157, 272, 476, 606, 637, 642} {
		if !slices.Contains(japan, n) {
			t.Errorf("row %d (Victims %q) not located in JP", n, rows[n]["Victims"])
		}
	}
	if len(japan) != 38 {
		t.Errorf("%d rows located in JP, want 38", len(japan))
	}
	t.Logf("rows located in Japan: %v", japan)
	for _, n := range japan {
		if !strings.Contains(rows[n]["Victims"], "Japan") {
			t.Errorf("row %d located in JP without Japan in Victims: %q", n, rows[n]["Victims"])
		}
	}

	// Row 157 codes Japan as the Sponsor of BlackTech against Japanese
	// companies: kept as coded, flagged.
	if r.rep.Notes["Sponsor JP also named in Victims (domestic operation or miscoded Sponsor)"] != 1 {
		t.Errorf("row 157's Sponsor Japan not flagged: %v", r.rep.Notes)
	}

	// The two repeated (Title, Date) pairs.
	for _, note := range []string{"row 182: repeated (Title, Date) with row 160", "row 234: repeated (Title, Date) with row 224"} {
		if r.rep.Notes[note] != 1 {
			t.Errorf("note %q missing: %v", note, r.rep.Notes)
		}
	}
	for _, n := range []int{160, 182, 224, 234} {
		if r.objs[cfr.IncidentID(n)] == nil {
			t.Errorf("row %d not imported", n)
		}
	}

	// Text is kept as written, lost characters ("?") included.
	garbled := 0
	for n, rec := range rows {
		inc := r.objs[cfr.IncidentID(n)]
		if inc == nil {
			continue
		}
		if inc["name"] != rec["Title"] {
			t.Errorf("row %d: name %q, Title %q", n, inc["name"], rec["Title"])
		}
		if d, _ := inc["description"].(string); d != rec["Description"] {
			t.Errorf("row %d: description changed", n)
		}
		if strings.Contains(rec["Description"], "??") {
			garbled++
		}
	}
	if garbled == 0 || !strings.Contains(r.incident(t, 2)["description"].(string), "malware??as delivered") {
		t.Errorf("garbled text not kept (%d rows with ??)", garbled)
	}
}

// readRows reads the real file with encoding/csv: data row → column → cell.
func readRows(t *testing.T) map[int]map[string]string {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(readData(t)))
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]map[string]string{}
	for i, rec := range recs[1:] {
		m := map[string]string{}
		for j, h := range recs[0] {
			m[h] = rec[j]
		}
		out[i+1] = m
	}
	return out
}

// 4. Bad input: EINVALID naming row and column.
func TestBadInput(t *testing.T) {
	data := readData(t)
	// A cut in the middle of a quoted field: the Description of data row 2
	// ("The Belarusian threat actor UNC1151 …").
	cut := bytes.Index(data, []byte("The Belarusian threat actor"))
	if cut < 0 {
		t.Fatal("row 2 not found")
	}
	nonUTF8 := bytes.Clone(data)
	nonUTF8[cut+4] = 0xff // inside row 2's Description
	tests := []struct {
		name  string
		in    []byte
		wants []string
	}{
		{"wrong header", []byte("Title,Date,Sponsor\nx,1/1/2020,China\n"), []string{"wrong header", "missing column(s) Affiliations"}},
		{"truncated", data[:cut+20], []string{"malformed CSV", "row 2", "column", "truncated"}},
		{"non-UTF-8", nonUTF8, []string{"not UTF-8", "row 2", "column Description"}},
		{"empty", nil, []string{"empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cfr.Import(context.Background(), "cfr.csv", bytes.NewReader(tc.in), io.Discard)
			var e *article5.Error
			if !errors.As(err, &e) || e.Code != article5.EINVALID {
				t.Fatalf("want EINVALID, got %v", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q: %v", w, err)
				}
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cfr.Import(ctx, "cfr.csv", bytes.NewReader(data), io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// 5. Facts CFR does not code stay absent.
func TestFactsStayAbsent(t *testing.T) {
	r := realImport(t)
	for _, absent := range []string{`"impact"`, `"casualties"`, `"critical_infrastructure"`, `"effects_duration"`, `"affected_parties"`, `"impact_refs"`, `"military_target":false`, `"last_seen"`} {
		if bytes.Contains(r.out, []byte(absent)) {
			t.Errorf("output holds %s", absent)
		}
	}
	military := 0
	for _, o := range r.objs {
		if o["type"] == "impact" {
			t.Errorf("impact object %v", o["id"])
		}
		if o["type"] == "incident" && ext(o, a5)["military_target"] == true {
			military++
		}
	}
	if military == 0 {
		t.Error("no incident with military_target although Category codes Military")
	}
}

// 6. gofmt.
func TestGofmt(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := format.Source(src)
		if err != nil || !bytes.Equal(out, src) {
			t.Errorf("%s is not gofmt-ed (%v)", f, err)
		}
	}
}
