package eurepoc_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"article5"
	"article5/assess"
	"article5/doctrine"
	"article5/importer/eurepoc"
	"article5/stix"
)

const dataPath = "../../../shared/data/eurepoc/EuRepoC_Global_Database_1.1.csv"

// MustReal reads the real EuRepoC file; the test fails if it is missing.
func MustReal(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.FromSlash(dataPath))
	if err != nil {
		tb.Fatalf("real data missing (../shared beside the checkout): %v", err)
	}
	return data
}

// MustImport imports CSV bytes and returns the bundle bytes and report text.
func MustImport(tb testing.TB, data []byte) ([]byte, string) {
	tb.Helper()
	var out, rep bytes.Buffer
	r, err := eurepoc.Import(context.Background(), "eurepoc.csv", bytes.NewReader(data), &out)
	if err != nil {
		tb.Fatal(err)
	}
	r.Write(&rep)
	return out.Bytes(), rep.String()
}

func TestImportRealFile(t *testing.T) {
	data := MustReal(t)
	out, rep := MustImport(t, data)
	if !strings.Contains(rep, "1643 rows read, 1643 incidents written, 0 records rejected") {
		t.Errorf("report: %s", rep)
	}
	b, err := stix.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := stix.Validate(b).Err(); err != nil {
		t.Fatalf("import does not validate: %v", err)
	}
	again, _ := MustImport(t, data)
	if sha256.Sum256(out) != sha256.Sum256(again) {
		t.Fatal("re-import is not byte-identical")
	}
	casualties := 0
	for _, o := range b.Objects {
		if ext := o.Map("extensions"); ext != nil {
			if a5, ok := ext[article5.ExtensionID].(map[string]any); ok {
				if _, ok := a5["casualties"]; ok {
					casualties++
				}
			}
		}
	}
	if casualties != 0 {
		t.Errorf("%d incidents carry casualties; EuRepoC codes none (absent, never zero)", casualties)
	}
}

// row builds a one-row EuRepoC CSV from the real header with the given cells
// (others empty), so that each mapping table can be tried alone.
func row(t *testing.T, cells map[string]string) []byte {
	t.Helper()
	data := MustReal(t)
	header, err := csv.NewReader(bytes.NewReader(data)).Read()
	if err != nil {
		t.Fatal(err)
	}
	rec := make([]string, len(header))
	base := map[string]string{"ID": "9001", "name": "synthetic", "start_date": "2020-01-02"}
	for i, h := range header {
		if v, ok := cells[h]; ok {
			rec[i] = v
		} else {
			rec[i] = base[h]
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(header)
	_ = w.Write(rec)
	w.Flush()
	return buf.Bytes()
}

// objects imports one synthetic row and returns its objects by type.
func objects(t *testing.T, cells map[string]string) (map[string][]map[string]any, string) {
	t.Helper()
	out, rep := MustImport(t, row(t, cells))
	var b struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	m := map[string][]map[string]any{}
	for _, o := range b.Objects {
		m[o["type"].(string)] = append(m[o["type"].(string)], o)
	}
	return m, rep
}

func a5(t *testing.T, objs map[string][]map[string]any) map[string]any {
	t.Helper()
	return objs["incident"][0]["extensions"].(map[string]any)[article5.ExtensionID].(map[string]any)
}

func impactSub(objs map[string][]map[string]any, cat, prop string) any {
	for _, o := range objs["impact"] {
		if o["impact_category"] == cat {
			return o["extensions"].(map[string]any)[cat].(map[string]any)[prop]
		}
	}
	return nil
}

// TestMappingTables tries every row of the tables that map effects.
func TestMappingTables(t *testing.T) {
	t.Run("incident_type to operation_type", func(t *testing.T) {
		for _, tc := range []struct{ in, want string }{
			{"Disruption", "disruption"}, {"Ransomware", "disruption"}, {"Data theft", "espionage"},
			{"Data theft & Doxing", "influence"}, {"Hijacking with Misuse", "disruption"}, {"Hijacking without Misuse", "probing"},
			{"Data theft; Disruption", "disruption"},
		} {
			objs, _ := objects(t, map[string]string{"incident_type": tc.in})
			if got := a5(t, objs)["operation_type"]; got != tc.want {
				t.Errorf("%q: operation_type %v, want %s", tc.in, got, tc.want)
			}
		}
	})
	t.Run("MITRE impact to integrity", func(t *testing.T) {
		for _, tc := range []struct{ in, want string }{
			{"Data Destruction", "full-destruction"}, {"Disk Wipe", "full-destruction"}, {"Data Encrypted for Impact", "full-modification"},
			{"Defacement", "partial-modification"}, {"Inhibit System Recovery", "partial-destruction"},
		} {
			objs, _ := objects(t, map[string]string{"MITRE_impact": tc.in})
			if got := impactSub(objs, "integrity", "alteration"); got != tc.want {
				t.Errorf("%q: alteration %v, want %s", tc.in, got, tc.want)
			}
		}
	})
	t.Run("physical effects", func(t *testing.T) {
		objs, _ := objects(t, map[string]string{
			"physical_effects_temporal": "Long lasting effects (> 24h; incident scores 2 points in intensity)",
			"physical_effects_spatial":  "Widespread effects, e.g., affecting different regions of country or a country as a whole (incident scores 2 points in intensity)",
		})
		if got := impactSub(objs, "physical", "impact_type"); got != "damaged-nonfunctional" {
			t.Errorf("impact_type %v", got)
		}
		if got := a5(t, objs)["geographic_extent"]; got != "national" {
			t.Errorf("geographic_extent %v", got)
		}
	})
	t.Run("disruption and functional impact to duration class", func(t *testing.T) {
		for _, tc := range []struct{ disruption, functional, want string }{
			{"Short-term disruption (< 24h; incident scores 1 point in intensity)", "", "hours"},
			{"Long-term disruption (> 24h; incident scores 2 points in intensity)", "", "days"},
			{"Long-term disruption (> 24h; incident scores 2 points in intensity)", "Weeks (< 4 weeks)", "weeks"},
			{"Long-term disruption (> 24h; incident scores 2 points in intensity)", "Months", "months"},
		} {
			objs, _ := objects(t, map[string]string{"disruption": tc.disruption, "functional_impact": tc.functional})
			if got := a5(t, objs)["effects_duration"]; got != tc.want {
				t.Errorf("%q/%q: %v, want %s", tc.disruption, tc.functional, got, tc.want)
			}
		}
	})
	t.Run("data theft", func(t *testing.T) {
		objs, _ := objects(t, map[string]string{"data_theft": "For private / commercial targets: sensitive information (incident scores 2 points in intensity)"})
		if got := impactSub(objs, "confidentiality", "loss_type"); got != "confirmed-loss" {
			t.Errorf("loss_type %v", got)
		}
	})
	t.Run("receivers, sectors and Japan", func(t *testing.T) {
		objs, _ := objects(t, map[string]string{"receiver_country": "['Japan']", "receiver_category": "[['Critical infrastructure']]",
			"receiver_category_subcode": "[['Energy', 'Military']]"})
		ext := a5(t, objs)
		if ext["military_target"] != true || !strings.Contains(toJSON(ext["critical_infrastructure"]), `"jp-nisc"`) {
			t.Errorf("extension %v", toJSON(ext))
		}
		if len(objs["location"]) != 1 || objs["location"][0]["country"] != "JP" {
			t.Errorf("locations %v", toJSON(objs["location"]))
		}
		if got := toJSON(ext["affected_parties"]); got != `["JP"]` {
			t.Errorf("affected_parties %s", got)
		}
	})
	t.Run("attribution: State organ with confidence from the basis", func(t *testing.T) {
		objs, _ := objects(t, map[string]string{"attributed_initiator": "APT 28", "attributed_initiator_country": "Russia",
			"attributed_initiator_category": "State", "attribution_basis": "Attribution by receiver government / state entity; Media-based attribution"})
		incID := objs["incident"][0]["id"]
		bases := map[string]any{}
		for _, r := range objs["relationship"] {
			if r["relationship_type"] != "attributed-to" {
				continue
			}
			if r["source_ref"] != incID {
				t.Errorf("attributed-to from %v: State links must run from the incident (no leak through shared actors)", r["source_ref"])
			}
			if r["confidence"] != float64(80) {
				t.Errorf("confidence %v, want 80 (receiver government)", r["confidence"])
			}
			target := strings.SplitN(r["target_ref"].(string), "--", 2)[0]
			bases[target] = r["extensions"].(map[string]any)[article5.ExtensionID].(map[string]any)["legal_basis"]
		}
		if bases["threat-actor"] != "unknown" || bases["identity"] != "state-organ" {
			t.Errorf("legal bases %v: want the actor link unknown and the State link state-organ", bases)
		}
		if len(objs["threat-actor"]) != 1 || len(objs["identity"]) < 2 {
			t.Errorf("actors %d identities %d", len(objs["threat-actor"]), len(objs["identity"]))
		}
	})
	t.Run("attribution: suggested affiliation is capped", func(t *testing.T) {
		objs, _ := objects(t, map[string]string{"attributed_initiator": "Group", "attributed_initiator_country": "Iran, Islamic Republic of",
			"attributed_initiator_category": "Non-state actor, state-affiliation suggested", "attribution_basis": "Attribution by receiver government / state entity"})
		for _, r := range objs["relationship"] {
			if r["relationship_type"] == "attributed-to" && r["confidence"] != float64(40) {
				t.Errorf("confidence %v, want the cap 40", r["confidence"])
			}
		}
	})
	t.Run("unknown values are counted", func(t *testing.T) {
		_, rep := objects(t, map[string]string{"incident_type": "Teleportation", "receiver_country": "['Atlantis']"})
		if !strings.Contains(rep, `incident_type: "Teleportation" ×1`) || !strings.Contains(rep, `receiver_country: "Atlantis" ×1`) {
			t.Errorf("report: %s", rep)
		}
	})
	t.Run("not available stays absent", func(t *testing.T) {
		objs, _ := objects(t, map[string]string{"disruption": "Not available", "data_theft": "Not available", "hijacking": "Not available"})
		if len(objs["impact"]) != 0 || a5(t, objs)["effects_duration"] != nil {
			t.Errorf("uncoded facts became values: %s", toJSON(objs["impact"]))
		}
	})
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestBadInput: wrong header, truncation inside a quoted field, a non-UTF-8
// byte, a repeated ID.
func TestBadInput(t *testing.T) {
	data := MustReal(t)
	cut := bytes.Index(data[len(data)/2:], []byte(`,"`))
	truncated := data[:len(data)/2+cut+10]
	nonUTF8 := bytes.Replace(data, []byte("Stuxnet"), []byte("Stux\xffnet"), 1)
	tests := []struct {
		name  string
		in    []byte
		wants []string
	}{
		{"wrong header", bytes.Replace(data, []byte("start_date"), []byte("begin_date"), 1), []string{"wrong header", "start_date"}},
		{"truncated", truncated, []string{"row", "malformed"}},
		{"non-UTF-8", nonUTF8, []string{"row", "column name", "UTF-8"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := eurepoc.Import(context.Background(), "eurepoc.csv", bytes.NewReader(tc.in), &bytes.Buffer{})
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
	dup := append(append([]byte(nil), data...), row(t, map[string]string{"ID": "46"})[bytes.IndexByte(row(t, nil), '\n')+1:]...)
	_, rep := MustImport(t, dup)
	if !strings.Contains(rep, "rejected: row 1644 (record 46): column ID: record 46 already imported") {
		t.Errorf("repeated ID not rejected: %s", rep)
	}
}

// TestAcceptance checks the judgement against reality: assessed one by one
// with both doctrines, no real record reaches armed-attack-possible under
// jp; Stuxnet (46) and the Ukraine grid attacks (786, 947) rank in the top
// 2% by severity; NotPetya (1032) and Viasat KA-SAT (1514) in the top 15%.
// Ranks come from coded facts only (no rule keys on names, ids or
// descriptions): rank = 1 + the number of incidents of strictly higher DCID
// severity.
//
// Shamoon (379) is held to what its coding supports, not to its history:
// EuRepoC codes a long-term disruption and misuse of an energy company's
// systems in two countries, but no data destruction (no MITRE impact
// technique, no data corruption), so its coded facts support recoverable
// disruption to widespread intrusion (DCID 2–4). It once ranked in the top
// 4% only because its two receiver countries were read as effects of
// international extent, which they are not (docs/sanity.md).
func TestAcceptance(t *testing.T) {
	out, _ := MustImport(t, MustReal(t))
	b, err := stix.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := assess.NewEvidence(b)
	if err != nil {
		t.Fatal(err)
	}
	incs, err := ev.Incidents(nil)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := assess.CaseFacts(context.Background(), ev, nil, incs, 0)
	if err != nil {
		t.Fatal(err)
	}
	jp, err := doctrine.Default("jp")
	if err != nil {
		t.Fatal(err)
	}
	rid := map[string]string{}
	for _, o := range incs {
		refs, _ := o.Props["external_references"].([]any)
		rid[o.ID] = refs[0].(map[string]any)["external_id"].(string)
	}
	sev := map[string]int{}
	for i, f := range cases.Facts {
		a, err := jp.Evaluate(f)
		if err != nil {
			t.Fatal(err)
		}
		if a.Tier == article5.TierArmedAttackPossible {
			t.Errorf("EuRepoC %s reaches armed-attack-possible under jp: %s", rid[incs[i].ID], a.TierRule.Reason)
		}
		sev[rid[incs[i].ID]] = a.Severity
	}
	all := make([]int, 0, len(sev))
	for _, s := range sev {
		all = append(all, s)
	}
	sort.Ints(all)
	rank := func(id string) int {
		n := 0
		for _, s := range all {
			if s > sev[id] {
				n++
			}
		}
		return n + 1
	}
	for _, c := range []struct {
		id   string
		frac float64
	}{{"46", 0.02}, {"786", 0.02}, {"947", 0.02}, {"1032", 0.15}, {"1514", 0.15}} {
		if r := rank(c.id); float64(r) > c.frac*float64(len(all)) {
			t.Errorf("EuRepoC %s: severity %d ranks %d of %d, not in the top %.0f%%", c.id, sev[c.id], r, len(all), c.frac*100)
		}
	}
	if s := sev["379"]; s < 2 || s > 4 {
		t.Errorf("EuRepoC 379 (Shamoon): severity %d, want 2–4, what its coded effects (disruption and misuse, no destruction) support", s)
	}
}

// synthetic streams the real header and then the real rows over and over
// with fresh IDs, up to n rows, without holding them.
type synthetic struct {
	header []byte
	rows   [][]byte
	n, i   int
	buf    bytes.Buffer
}

func (s *synthetic) Read(p []byte) (int, error) {
	for s.buf.Len() < len(p) && s.i <= s.n {
		if s.i == 0 {
			s.buf.Write(s.header)
		} else {
			r := s.rows[(s.i-1)%len(s.rows)]
			comma := bytes.IndexByte(r, ',')
			s.buf.WriteString(itoa(100000 + s.i))
			s.buf.Write(r[comma:])
		}
		s.i++
	}
	if s.buf.Len() == 0 {
		return 0, io.EOF
	}
	return s.buf.Read(p)
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestMemoryStaysBounded imports 25,000 rows (≈ 55 MB, fifteen times the
// real file) streamed from a generator into a discarding writer, and checks
// that what the import keeps is small: the CSV is streamed, records are
// written as they are mapped, and only shared objects and record ids stay.
func TestMemoryStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 55 MB")
	}
	data := MustReal(t)
	var rows [][]byte
	r := csv.NewReader(bytes.NewReader(data))
	header, _ := r.Read()
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write(rec)
		w.Flush()
		rows = append(rows, b.Bytes())
	}
	var hb bytes.Buffer
	hw := csv.NewWriter(&hb)
	_ = hw.Write(header)
	hw.Flush()
	src := &synthetic{header: hb.Bytes(), rows: rows, n: 25000}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var written countingWriter
	rep, err := eurepoc.Import(context.Background(), "big.csv", src, &written)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if rep.Imported != 25000 {
		t.Fatalf("%d imported", rep.Imported)
	}
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	if grown > 64<<20 {
		t.Errorf("heap grew by %d MB importing %d MB in and %d MB out", grown>>20, 55, written>>20)
	}
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// BenchmarkImportAndAssess imports the whole EuRepoC file and assesses
// every incident on its own with both default doctrines (as `article5
// import eurepoc` followed by `article5 assess --each`), reporting rows/s.
func BenchmarkImportAndAssess(b *testing.B) {
	data := MustReal(b)
	docs := []*doctrine.Doctrine{}
	for _, id := range doctrine.DefaultIDs {
		d, err := doctrine.Default(id)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, d)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var out bytes.Buffer
		if _, err := eurepoc.Import(context.Background(), "eurepoc.csv", bytes.NewReader(data), &out); err != nil {
			b.Fatal(err)
		}
		bundle, err := stix.Parse(out.Bytes())
		if err != nil {
			b.Fatal(err)
		}
		ev, err := assess.NewEvidence(bundle)
		if err != nil {
			b.Fatal(err)
		}
		rows, err := assess.Each(context.Background(), assess.Options{Doctrines: docs}, ev, assess.EachFilter{}, nil)
		if err != nil || len(rows) != 1643 {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
	b.ReportMetric(1643*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestEveryTableRowIsMapped puts every key of every mapping table in its
// column of a synthetic row and checks that the import counts nothing as
// unmapped and rejects nothing: each row of each table is reachable.
func TestEveryTableRowIsMapped(t *testing.T) {
	tables := eurepoc.Tables()
	cols := make([]string, 0, len(tables))
	for c := range tables {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, col := range cols {
		for _, key := range tables[col] {
			cell := key
			switch col {
			case "receiver_country":
				cell = "['" + key + "']"
			case "receiver_category":
				cell = "[['" + key + "']]"
			case "receiver_category_subcode":
				cell = "[['" + key + "']]"
			}
			cells := map[string]string{col: cell}
			if col == "receiver_category_subcode" || col == "receiver_category" {
				cells["receiver_country"] = "['Japan']"
				if col == "receiver_category_subcode" {
					cells["receiver_category"] = "[['Critical infrastructure']]"
				}
			}
			if col == "attributed_initiator_category" || col == "state_responsibility_indicator" || col == "attribution_basis" || col == "attribution_type" {
				cells["attributed_initiator"] = "Some Group"
				cells["attributed_initiator_country"] = "China"
				if col != "attributed_initiator_category" {
					cells["attributed_initiator_category"] = "State"
				}
			}
			_, rep := objects(t, cells)
			if strings.Contains(rep, "unmapped") || !strings.Contains(rep, "0 records rejected") {
				t.Errorf("%s = %q: %s", col, key, rep)
			}
		}
	}
}

// factsOf imports one synthetic row and returns the facts article5 reads
// from it, with the import report.
func factsOf(t *testing.T, cells map[string]string) (*article5.Facts, string) {
	t.Helper()
	out, rep := MustImport(t, row(t, cells))
	b, err := stix.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := stix.Validate(b).Err(); err != nil {
		t.Fatalf("import does not validate: %v", err)
	}
	ev, err := assess.NewEvidence(b)
	if err != nil {
		t.Fatal(err)
	}
	incs, err := ev.Incidents(nil)
	if err != nil || len(incs) != 1 {
		t.Fatalf("%d incidents, %v", len(incs), err)
	}
	cases, err := assess.CaseFacts(context.Background(), ev, nil, incs, 0)
	if err != nil {
		t.Fatal(err)
	}
	return cases.Facts[0], rep
}

// severityOf returns the DCID severity the jp doctrine gives the facts.
func severityOf(t *testing.T, f *article5.Facts) int {
	t.Helper()
	jp, err := doctrine.Default("jp")
	if err != nil {
		t.Fatal(err)
	}
	a, err := jp.Evaluate(f)
	if err != nil {
		t.Fatal(err)
	}
	return a.Severity
}

const (
	longTerm  = "Long-term disruption (> 24h; incident scores 2 points in intensity)"
	shortTerm = "Short-term disruption (< 24h; incident scores 1 point in intensity)"
	theft     = "For private / commercial targets: sensitive information (incident scores 2 points in intensity)"
)

// TestSeverityCauses has one case of its own for each way the import once
// misled DCID severity: effect duration never read, military targets and
// theft from military networks, several receiver countries read as
// international extent, one sector counted on both lists, and losses in
// euros dropped.
func TestSeverityCauses(t *testing.T) {
	t.Run("duration: a ransomware outage of five days gets its effect interval", func(t *testing.T) {
		f, rep := factsOf(t, map[string]string{"incident_type": "Ransomware", "disruption": longTerm,
			"functional_impact": "Days (< 7 days)", "MITRE_impact": "Data Encrypted for Impact",
			"start_date": "2021-05-07", "end_date": "2021-05-12"})
		if d := f.Get(article5.FactDurationHours); !d.Known || d.Value.(float64) != 120 {
			t.Errorf("duration_hours %+v, want 120 (5 days, day fidelity)", d)
		}
		if c := f.Get(article5.FactEffectsDuration); c.Value != "days" {
			t.Errorf("effects_duration %v", c.Value)
		}
		if !strings.Contains(rep, "effect interval written from start_date and end_date ×1") {
			t.Errorf("report: %s", rep)
		}
	})
	t.Run("duration: a campaign's dates are not the length of its effects", func(t *testing.T) {
		f, rep := factsOf(t, map[string]string{"incident_type": "Ransomware", "disruption": longTerm,
			"functional_impact": "Days (< 7 days)", "MITRE_impact": "Data Encrypted for Impact",
			"start_date": "2019-01-01", "end_date": "2021-06-30"})
		if d := f.Get(article5.FactDurationHours); d.Known {
			t.Errorf("duration_hours %v from a two-year span coded as days", d.Value)
		}
		if !strings.Contains(rep, "do not fit the coded duration class") {
			t.Errorf("report: %s", rep)
		}
	})
	t.Run("duration: a short disruption has no interval, only its class", func(t *testing.T) {
		f, _ := factsOf(t, map[string]string{"disruption": shortTerm, "MITRE_impact": "Defacement",
			"start_date": "2021-05-07", "end_date": "2021-05-07"})
		if f.Get(article5.FactDurationHours).Known {
			t.Error("duration_hours set for a disruption coded as under a day")
		}
		if c := f.Get(article5.FactEffectsDuration); c.Value != "hours" {
			t.Errorf("effects_duration %v, want hours", c.Value)
		}
	})
	t.Run("duration: lasting physical effects lengthen a short disruption", func(t *testing.T) {
		f, _ := factsOf(t, map[string]string{"disruption": shortTerm,
			"physical_effects_temporal": "Long lasting effects (> 24h; incident scores 2 points in intensity)"})
		if c := f.Get(article5.FactEffectsDuration); c.Value != "days" {
			t.Errorf("effects_duration %v, want days", c.Value)
		}
	})

	t.Run("military: theft from an armed forces network", func(t *testing.T) {
		cells := map[string]string{"incident_type": "Data theft", "data_theft": theft, "receiver_country": "['Germany']",
			"receiver_category": "[['State institutions / political system']]", "receiver_category_subcode": "[['Military']]"}
		f, _ := factsOf(t, cells)
		if v := f.Get(article5.FactMilitaryTarget); !v.Known || v.Value != true {
			t.Errorf("military_target %+v", v)
		}
		if v := f.Get(article5.FactDataLoss); v.Value != "confirmed-loss" {
			t.Errorf("data_loss %v", v.Value)
		}
		objs, _ := objects(t, cells)
		var mil string
		for _, o := range objs["identity"] {
			if toJSON(o["sectors"]) == `["defense","government-national"]` {
				mil = o["id"].(string)
			}
		}
		conf := false
		for _, o := range objs["impact"] {
			if o["impact_category"] == "confidentiality" {
				conf = true
				if toJSON(o["impacted_refs"]) != `["`+mil+`"]` || mil == "" {
					t.Errorf("the theft does not name the military receiver: impacted_refs %v, receiver %q", o["impacted_refs"], mil)
				}
			}
		}
		if !conf {
			t.Error("no confidentiality impact")
		}
	})
	t.Run("military: known civilian receivers are not a military target; unknown ones stay unknown", func(t *testing.T) {
		for _, tc := range []struct {
			cats, subs string
			want       any // true, false or nil (absent)
		}{
			{"[['Corporate Targets (corporate targets only coded if the respective company is not part of the critical infrastructure definition)', 'Media']]", "[['', '']]", false},
			{"[['Critical infrastructure']]", "[['Defence industry']]", false},
			{"[['State institutions / political system']]", "[['Police']]", false},
			{"[['State institutions / political system']]", "[['']]", nil},
			{"[['State institutions / political system']]", "[['Intelligence agencies']]", nil},
			{"[['International / supranational organization']]", "[['']]", nil},
			{"[['Unknown']]", "[['']]", nil},
		} {
			objs, _ := objects(t, map[string]string{"receiver_country": "['France']", "receiver_category": tc.cats, "receiver_category_subcode": tc.subs})
			if got := a5(t, objs)["military_target"]; got != tc.want {
				t.Errorf("%s / %s: military_target %v, want %v", tc.cats, tc.subs, got, tc.want)
			}
		}
	})

	t.Run("extent: an espionage campaign against several countries is not international", func(t *testing.T) {
		f, rep := factsOf(t, map[string]string{"incident_type": "Data theft", "data_theft": theft,
			"receiver_country":  "['Japan', 'United States', 'Germany']",
			"receiver_category": "[['Science'], ['Science'], ['Science']]", "receiver_category_subcode": "[[''], [''], ['']]"})
		if v := f.Get(article5.FactGeographicExtent); v.Known {
			t.Errorf("geographic_extent %v inferred from the number of receivers", v.Value)
		}
		if s := severityOf(t, f); s != 3 {
			t.Errorf("DCID %d, want 3 (theft of targeted information, not widespread intrusion)", s)
		}
		if !strings.Contains(rep, "several receiver countries: geographic_extent not inferred") {
			t.Errorf("report: %s", rep)
		}
		g, _ := factsOf(t, map[string]string{"physical_effects_temporal": "Short duration (< 24h; incident scores 1 point in intensity)",
			"physical_effects_spatial": "Widespread effects, e.g., affecting different regions of country or a country as a whole (incident scores 2 points in intensity)",
			"receiver_country":         "['Japan', 'United States']"})
		if v := g.Get(article5.FactGeographicExtent); v.Value != "national" {
			t.Errorf("coded physical extent: %v, want national", v.Value)
		}
	})

	t.Run("sectors: one sector on both lists, or in two receivers, counts once", func(t *testing.T) {
		f, _ := factsOf(t, map[string]string{"receiver_country": "['Japan', 'United States']",
			"receiver_category":         "[['Critical infrastructure', 'Critical infrastructure', 'State institutions / political system', 'State institutions / political system'], ['Critical infrastructure', 'Critical infrastructure']]",
			"receiver_category_subcode": "[['Energy', 'Telecommunications', 'Government / ministries', 'Civil service / administration'], ['Energy', 'Space']]"})
		got := f.Get(article5.FactCISectors).Value.([]string)
		want := []string{"jp-nisc:electric-power", "jp-nisc:government-administrative-services", "jp-nisc:information-communication"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("ci_sectors %v, want %v", got, want)
		}
		g, _ := factsOf(t, map[string]string{"receiver_country": "['Japan']", "receiver_category": "[['Critical infrastructure']]",
			"receiver_category_subcode": "[['Energy']]", "disruption": shortTerm, "incident_type": "Disruption"})
		if got := g.Get(article5.FactCISectors).Value.([]string); len(got) != 1 {
			t.Errorf("ci_sectors %v: a Japanese energy company is one sector", got)
		}
		if s := severityOf(t, g); s != 2 {
			t.Errorf("DCID %d, want 2 (recoverable disruption of one sector)", s)
		}
	})

	t.Run("money: a loss in euros is converted at the year's average rate", func(t *testing.T) {
		cells := map[string]string{"economic_impact_exact_value": "11650000.0", "economic_impact_currency": "euro", "start_date": "2020-02-08"}
		f, rep := factsOf(t, cells)
		if v := f.Get(article5.FactEconomicLossUSD); !v.Known || v.Value.(float64) != 13306630 {
			t.Errorf("economic_loss_usd %+v, want 11,650,000 × 1.1422 = 13,306,630", v)
		}
		if !strings.Contains(rep, "loss converted to USD from EUR at the 2020 annual average ×1") {
			t.Errorf("report: %s", rep)
		}
		objs, _ := objects(t, cells)
		m := objs["impact"][0]
		sub := m["extensions"].(map[string]any)["monetary"].(map[string]any)
		if sub["currency"] != "USD" || sub["currency_actual"] != "EUR" || sub["conversion_rate"] != 1.1422 || sub["conversion_time"] != "2020-02-08T00:00:00Z" {
			t.Errorf("monetary %s", toJSON(sub))
		}
		if refs := toJSON(m["external_references"]); !strings.Contains(refs, "EXR.A.USD.EUR.SP00.A") || !strings.Contains(refs, "2020") {
			t.Errorf("the rate's source is not cited: %s", refs)
		}
	})
	t.Run("money: no rate, no conversion, and the report says so", func(t *testing.T) {
		for _, tc := range []struct{ start, note string }{
			{"1998-06-01", "loss not converted to USD: no EUR rate for 1998"},
			{"", "loss not converted to USD: no start_date to date the rate"},
		} {
			f, rep := factsOf(t, map[string]string{"economic_impact_exact_value": "500000.0", "economic_impact_currency": "euro", "start_date": tc.start})
			if f.Get(article5.FactEconomicLossUSD).Known {
				t.Errorf("start %q: a euro amount was counted as dollars", tc.start)
			}
			if !strings.Contains(rep, tc.note) {
				t.Errorf("start %q: report lacks %q: %s", tc.start, tc.note, rep)
			}
		}
	})
}
