package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"article5/web"
)

// damCase is the case of the dam-control example.
const damCase = "grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41"

// MustPositions takes the dam-control case (ingested by the caller) into
// consultation with both Parties' positions recorded and only Japan's
// signed.
func (e *env) MustPositions(tb testing.TB) {
	tb.Helper()
	path := "/cases/" + damCase
	post := func(name, action string, form url.Values) {
		tb.Helper()
		c := e.client(tb, "en")
		c.MustLogin(tb, name)
		if r := c.do(tb, "POST", path+"/"+action, form); r.status != http.StatusSeeOther {
			tb.Fatalf("%s %s: %d %.300s", name, action, r.status, r.body)
		}
	}
	post("jp-analyst", "open", url.Values{})
	post("jp-analyst", "request", url.Values{})
	post("jp-legal", "position", url.Values{"tier": {"armed-attack-possible"}, "opinion": {"agree"}, "reasons": {"JP-REASONS floodgates opened above a city."}})
	post("us-legal", "position", url.Values{"tier": {"use-of-force-possible"}, "opinion": {"disagree"}, "reasons": {"US-REASONS gravity not yet shown."}})
	post("jp-approver", "sign", url.Values{"password": {password}})
}

// TestBrief: the brief shows the case, the state of consultations, both
// Parties' positions (tier, opinion, reasons, signed or not), both
// doctrines with their factor charts, the map inset, the hash and the
// evidence digest, under a TLP banner at the top and the bottom; the case
// page links to it and to its PDF.
func TestBrief(t *testing.T) {
	e := MustEnv(t)
	e.MustApprovers(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	e.MustPositions(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-observer")
	p := c.get(t, "/cases/"+damCase+"/brief")
	if p.status != http.StatusOK {
		t.Fatalf("brief: %d %.300s", p.status, p.body)
	}
	hash := regexp.MustCompile(`id="brief-hash">([0-9a-f]{64})<`).FindStringSubmatch(p.body)
	for _, want := range []string{
		"Case brief", "Position of JP", "Position of US", "JP-REASONS", "US-REASONS",
		"armed attack possible", "use of force possible", ">signed<", "not signed", "disagree",
		"No determination yet.", "in consultation", "doctrine jp", "doctrine us", `class="chart"`,
		`id="brief-map"`, `class="marker`, "Evidence digest", "JST", "UTC",
		`class="tlp tlp-amber" id="tlp-bottom"`, `href="/cases/` + damCase + `/brief.pdf"`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the brief lacks %q", want)
		}
	}
	if hash == nil {
		t.Errorf("the brief lacks the assessment hash")
	}
	if n := strings.Count(p.body, `<strong>TLP:AMBER</strong>`); n < 3 {
		t.Errorf("TLP banners: %d, want the page's and the brief's top and bottom", n)
	}
	if vb := regexp.MustCompile(`id="brief-map"`).FindString(p.body); vb != "" && strings.Contains(p.body, `viewBox="0 0 640 `) {
		t.Errorf("the map inset is not zoomed on the case's incident")
	}
	cp := c.get(t, "/cases/"+damCase)
	if !strings.Contains(cp.body, `href="/cases/`+damCase+`/brief"`) || !strings.Contains(cp.body, `href="/cases/`+damCase+`/brief.pdf"`) {
		t.Errorf("the case page does not link to the brief and its PDF")
	}
	ja := e.client(t, "ja")
	ja.MustLogin(t, "jp-observer")
	if p := ja.get(t, "/cases/"+damCase+"/brief"); p.status != http.StatusOK || !strings.Contains(p.body, "事案概要") {
		t.Errorf("the Japanese brief: %d", p.status)
	}
}

// TestBriefRedIsMissing: a JP observer asking for the brief (or its PDF)
// of a U.S. TLP:RED case gets exactly what a missing case gets.
func TestBriefRedIsMissing(t *testing.T) {
	e := MustEnv(t)
	e.MustIngest(t, "us-analyst", RedUS(t, "dam-control"))
	us := e.client(t, "en")
	us.MustLogin(t, "us-analyst")
	if p := us.get(t, "/cases/"+damCase+"/brief"); p.status != http.StatusOK || !strings.Contains(p.body, redName) || !strings.Contains(p.body, `class="tlp tlp-red" id="tlp-bottom"`) {
		t.Fatalf("the U.S. analyst's brief of the RED case: %d", p.status)
	}
	const missing = "grouping--00000000-0000-4000-8000-000000000000"
	jp := e.client(t, "en")
	jp.MustLogin(t, "jp-observer")
	for _, suffix := range []string{"/brief", "/brief.pdf"} {
		gone := jp.get(t, "/cases/"+damCase+suffix)
		none := jp.get(t, "/cases/"+missing+suffix)
		goneBody := strings.ReplaceAll(gone.body, damCase, "ID")
		noneBody := strings.ReplaceAll(none.body, missing, "ID")
		if gone.status != http.StatusNotFound || none.status != http.StatusNotFound || goneBody != noneBody {
			t.Errorf("%s: the RED case answers %d, a missing case %d", suffix, gone.status, none.status)
		}
		if strings.Contains(gone.body, redName) {
			t.Errorf("%s: the answer names the RED case", suffix)
		}
	}
}

// TestBriefPDFUnavailable: without Chromium the PDF answers 503 with a
// message saying so, for a case the user may see.
func TestBriefPDFUnavailable(t *testing.T) {
	e := MustEnv(t, web.Options{Chromium: "/nonexistent/chromium"})
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	c := e.client(t, "en")
	c.MustLogin(t, "jp-observer")
	p := c.get(t, "/cases/"+damCase+"/brief.pdf")
	if p.status != http.StatusServiceUnavailable || !strings.Contains(p.body, "Chromium is not available") {
		t.Errorf("brief.pdf without chromium: %d %.300s", p.status, p.body)
	}
}
