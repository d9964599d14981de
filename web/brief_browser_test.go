package web_test

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// pdfPages counts the page objects of a PDF file (Chromium writes them
// uncompressed), after checking its header and trailer.
func pdfPages(t *testing.T, what string, pdf []byte) int {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf[max(0, len(pdf)-1024):], []byte("%%EOF")) {
		t.Fatalf("%s is not a PDF file: %.40q … %q", what, pdf, pdf[max(0, len(pdf)-40):])
	}
	return len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
}

// TestBrowserBriefPDF: the brief loads in the browser without a CSP
// violation or accessibility finding; printed (print media), it shows the
// case's name and the tiers under the TLP banners and hides the page's
// navigation; printed to PDF by the browser it makes two A4 pages;
// and the node's own PDF (GET …/brief.pdf, made by the node's Chromium for
// the caller's session) is a PDF file of two pages.
func TestBrowserBriefPDF(t *testing.T) {
	e := MustEnv(t)
	e.MustApprovers(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	e.MustPositions(t)
	b := MustBrowser(t, e)
	b.login("jp-legal")
	path := "/cases/" + damCase + "/brief"
	b.visit("brief", path)
	name := get(b, "read the case name", chromedp.Evaluate[string](`document.querySelector('#brief-title').innerText`))
	if name == "" {
		t.Fatal("the brief has no case name")
	}
	b.run("emulate print media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	b.screenshot("brief-print")
	text := get(b, "read the printed text", chromedp.Evaluate[string](`document.body.innerText`))
	for _, want := range []string{name, "armed attack possible", "use of force possible", "TLP:AMBER", "US-REASONS", "JP-REASONS"} {
		if !strings.Contains(text, want) {
			t.Errorf("the printed brief lacks %q", want)
		}
	}
	hidden := get(b, "read what print hides", chromedp.Evaluate[[]string](`[getComputedStyle(document.querySelector('header.top')).display,
		getComputedStyle(document.querySelector('#tlp-banner')).display,
		getComputedStyle(document.querySelector('.brief-frame > thead')).display,
		getComputedStyle(document.querySelector('.brief-frame > tfoot')).display,
		getComputedStyle(document.querySelector('.brief-second')).breakBefore]`))
	if strings.Join(hidden, ",") != "none,none,table-header-group,table-footer-group,page" {
		t.Errorf("print styles (header, page banner, brief banners top and bottom, page break): %v", hidden)
	}
	pdf := get(b, "print to PDF", chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	if n := pdfPages(t, "the browser's PDF", pdf); n != 2 {
		t.Errorf("the browser's PDF has %d pages, want 2", n)
	}
	c := e.client(t, "en")
	c.MustLogin(t, "jp-legal")
	r := c.get(t, path+".pdf")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("GET %s.pdf: %d %s %.300s", path, r.status, r.header.Get("Content-Type"), r.body)
	}
	if n := pdfPages(t, "the node's PDF", []byte(r.body)); n != 2 {
		t.Errorf("the node's PDF has %d pages, want 2", n)
	}
}
