package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"article5/assess"
	"article5/examples"
)

// eachFiles writes every example to a temporary directory (one file each)
// and returns their paths; fix, if not nil, may change a file's bytes.
func eachFiles(t *testing.T, fix func(name string, data []byte) []byte) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for _, n := range examples.Names() {
		data, err := examples.Read(n)
		if err != nil {
			t.Fatal(err)
		}
		if fix != nil {
			data = fix(n, data)
		}
		p := filepath.Join(dir, n+".json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func runEachCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), ExitCode(err)
}

func TestEachText(t *testing.T) {
	files := eachFiles(t, nil)
	out, errs, code := runEachCLI(t, append([]string{"assess", "--each"}, files...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "RECORD ") || !strings.Contains(lines[0], " JP ") || !strings.Contains(lines[0], " US ") {
		t.Errorf("header %q", lines[0])
	}
	rows := 0
	for _, l := range lines {
		if n := len([]rune(l)); n > tableWidth {
			t.Errorf("line of %d columns: %q", n, l)
		}
		if len(l) > 14 && l[8] == '-' && l[13] == ' ' {
			rows++
		}
	}
	if rows != 16 {
		t.Errorf("%d table rows, want 16\n%s", rows, out)
	}
	if !regexp.MustCompile(`indeterminate +armed-attack-possible +no/no`).MatchString(out) {
		t.Errorf("no row reads jp indeterminate, us armed-attack-possible, self-defence no/no:\n%s", out)
	}
	for _, want := range []string{"e296db0b-ae42 2021-06-01 Volt Typhoon", "SELF-DEF",
		"16 incidents in the evidence, each assessed as its own case: 16 shown, 0 of them not assessed",
		"jp:  6 below-threshold, 6 use-of-force-possible, 1 armed-attack-possible, 3 indeterminate"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q\n%s", want, out)
		}
	}
	// Progress goes to stderr (not a terminal here), never to stdout.
	if strings.Contains(out, "assessed 16/16") || !strings.Contains(errs, "assessed 16/16 incidents\n") {
		t.Errorf("progress: stdout has it %v, stderr %q", strings.Contains(out, "assessed 16/16"), errs)
	}
}

func TestEachFiltersFlags(t *testing.T) {
	files := eachFiles(t, nil)
	out, errs, code := runEachCLI(t, append([]string{"assess", "--each", "--format", "json", "--receiver", "JP",
		"--initiator", "state x", "--from", "2026-02-02", "--to", "2026-03-09", "--scope", "in", "--tier", "use-of-force-possible"}, files...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rows []assess.EachRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	// Hospital waves A (2 February) and B (9 March): --to includes its day.
	if len(rows) != 2 || !strings.Contains(rows[0].Name, "wave A") || !strings.Contains(rows[1].Name, "wave B") {
		t.Errorf("rows %+v", rows)
	}
	for _, r := range rows {
		if r.Assessments["jp"] == nil || r.Assessments["us"] == nil || r.Scope.Value != "in" {
			t.Errorf("row %s lacks findings", r.ID)
		}
	}
}

func TestEachSummary(t *testing.T) {
	files := eachFiles(t, nil)
	out, errs, code := runEachCLI(t, append([]string{"assess", "--each", "--summary"}, files...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"SUMMARY — 16 incidents", "tier \\ scope", "severity (DCID 0-10)",
		"indeterminate: 3, of which turning on character of the operation: 1; whether the conduct is attributable to a State: 1; confidence in the link to the State: 1",
		"indeterminate: 1, of which turning on character of the operation: 1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q\n%s", want, out)
		}
	}
	out, errs, code = runEachCLI(t, append([]string{"assess", "--each", "--summary", "--format", "json"}, files...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var s assess.Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Rows != 16 || len(s.Doctrines) != 2 || s.Doctrines[1].Tiers["armed-attack-possible"] != 3 {
		t.Errorf("summary %+v", s)
	}
	out, errs, code = runEachCLI(t, append([]string{"assess", "--each", "--summary", "--format", "csv"}, files...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+2*4*4 || strings.Join(recs[0], ",") != "doctrine,tier,scope,count" {
		t.Fatalf("%d records, header %v", len(recs), recs[0])
	}
	sum := map[string]int{}
	for _, r := range recs[1:] {
		n, err := strconv.Atoi(r[3])
		if err != nil {
			t.Fatal(err)
		}
		sum[r[0]] += n
	}
	if sum["jp"] != 16 || sum["us"] != 16 {
		t.Errorf("counts add up to %v, want 16 per doctrine", sum)
	}
}

func TestEachCSV(t *testing.T) {
	files := eachFiles(t, nil)
	out, errs, code := runEachCLI(t, append([]string{"assess", "--each", "--format", "csv", "--doctrine", "us,jp"}, files...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := "id,date,name,receivers,initiator,scope,article,us_tier,us_severity,us_priority,jp_tier,jp_severity,jp_priority,reason,error"
	if len(recs) != 17 || strings.Join(recs[0], ",") != want {
		t.Fatalf("%d records, header %v", len(recs), recs[0])
	}
	for _, r := range recs[1:] {
		if !strings.HasPrefix(r[0], "incident--") || r[7] == "" || r[10] == "" || r[14] != "" {
			t.Errorf("record %v", r)
		}
		if _, err := strconv.Atoi(r[8]); err != nil {
			t.Errorf("severity %q", r[8])
		}
		if _, err := strconv.ParseFloat(r[9], 64); err != nil {
			t.Errorf("priority %q", r[9])
		}
	}
}

func TestEachFaultyIncidentCLI(t *testing.T) {
	files := eachFiles(t, func(name string, data []byte) []byte {
		if name != "port-ransomware" {
			return data
		}
		return bytes.Replace(data, []byte(`"domain": "cyber"`), []byte(`"domain": "underwater"`), 1)
	})
	out, errs, code := runEachCLI(t, append([]string{"assess", "--each"}, files...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"NOT ASSESSED: the incident's facts are invalid", "NOT ASSESSED (1)",
		"incident--e60f1fec-0bd8-41c0-bb39-3c883f25ed32", "/domain: expected one of cyber, space, electromagnetic, got underwater",
		"16 shown, 1 of them not assessed", "jp:  5 below-threshold"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q\n%s", want, out)
		}
	}
	out, _, _ = runEachCLI(t, append([]string{"assess", "--each", "--format", "json"}, files...)...)
	var rows []assess.EachRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, r := range rows {
		if r.Err != "" {
			bad++
		}
	}
	if len(rows) != 16 || bad != 1 {
		t.Errorf("%d rows, %d with an error", len(rows), bad)
	}
}

func TestEachUsageErrors(t *testing.T) {
	files := eachFiles(t, nil)[:1]
	for _, args := range [][]string{
		{"--summary"},
		{"--receiver", "JP"},
		{"--tier", "indeterminate"},
		{"--format", "csv"},
		{"--each", "--scope", "inside"},
		{"--each", "--tier", "armed-attack"},
		{"--each", "--from", "2026-1-1"},
		{"--each", "--to", "01/02/2026"},
		{"--each", "--from", "2026-02-01", "--to", "2026-01-01"},
		{"--each", "--format", "yaml"},
	} {
		_, errs, code := runEachCLI(t, append(append([]string{"assess"}, args...), files...)...)
		if code != ExitInvalid || !strings.Contains(errs, "--") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error (2)", args, code, errs)
		}
	}
	// A case (not --each) still refuses several groupings; --each ignores them.
	if _, _, code := runEachCLI(t, "assess", "--format", "json", files[0]); code != ExitOK {
		t.Errorf("plain assess broke: exit %d", code)
	}
}

// TestPlainProgress: without a terminal, a line at most every interval and
// a final line.
func TestPlainProgress(t *testing.T) {
	var b bytes.Buffer
	prog, finish := plainProgress(&b, 20*time.Millisecond)
	prog(0, 100)
	prog(10, 100) // too soon: nothing
	time.Sleep(30 * time.Millisecond)
	prog(50, 100) // printed
	prog(60, 100) // too soon
	prog(100, 100)
	finish()
	want := "assessed 50/100 incidents\nassessed 100/100 incidents\n"
	if b.String() != want {
		t.Errorf("progress lines %q, want %q", b.String(), want)
	}
	b.Reset()
	prog, finish = newProgress(&b) // a buffer is not a terminal
	prog(0, 3)
	prog(3, 3)
	finish()
	if b.String() != "assessed 3/3 incidents\n" {
		t.Errorf("progress on a non-terminal %q", b.String())
	}
}
