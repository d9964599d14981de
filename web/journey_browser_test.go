package web_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// journeyWords are what each language's pages say at the steps checked.
type journeyWords struct {
	lang, determination, concurredOrDiverged, positionJP, positionUS, tierJP, tierUS, signed string
}

var journeyLangs = []journeyWords{
	// In English the Parties differ (JP armed attack, US use of force):
	// the determination is "diverged".
	{lang: "en", determination: "Determination", concurredOrDiverged: "diverged", positionJP: "Position of JP", positionUS: "Position of US",
		tierJP: "armed attack possible", tierUS: "use of force possible", signed: "signed"},
	// In Japanese both Parties hold the same tier: "concurred" (一致).
	{lang: "ja", determination: "結論", concurredOrDiverged: "一致", positionJP: "JP の立場", positionUS: "US の立場",
		tierJP: "武力攻撃に当たる可能性", tierUS: "武力攻撃に当たる可能性", signed: "署名済み"},
}

// TestBrowserJourneyToJointDetermination follows one incident from intake
// to a joint determination in one Chromium session, logging out and in
// between users, every step through the UI: a JP analyst files an
// incident through the intake form (domain, effects, location by
// coordinates, sectors, attribution), finds its mark on the dashboard map,
// opens the case and requests consultations on the case page; the JP and
// US legal advisers record their Parties' positions; the JP and US
// approvers sign with their passwords re-entered; the case page shows the
// determination and both positions; the brief's PDF (the brief page's PDF
// link, fetched with the browser's session cookie) holds, as text, the
// determination, both positions and the TLP banner. Run in English
// (diverged) and in Japanese (concurred).
func TestBrowserJourneyToJointDetermination(t *testing.T) {
	for _, w := range journeyLangs {
		t.Run(w.lang, func(t *testing.T) { journey(t, w) })
	}
}

func journey(t *testing.T, w journeyWords) {
	e := MustEnv(t)
	e.MustApprovers(t)
	b := MustBrowser(t, e)
	b.setLang(w.lang)
	text := func(what, sel string) string {
		t.Helper()
		return get(b, what, chromedp.Text(chromedp.CSS(sel)))
	}

	// 1. The JP analyst files an incident through the intake form.
	const name = "Journey grid wiper"
	b.login("jp-analyst")
	b.visit("intake", "/incidents/new")
	// Japan is the affected Party by default for a JP analyst.
	if !get(b, "is Japan affected", chromedp.Evaluate[bool](`document.querySelector('input[name="party_jp"]').checked`)) {
		t.Errorf("the intake form does not mark Japan affected for a JP analyst")
	}
	b.run("fill in the intake form",
		chromedp.SendKeys(chromedp.CSS("#f-name"), name),
		chromedp.SendKeys(chromedp.CSS("#f-description"), "Wiper on the control systems of a regional grid operator."),
		chromedp.Click(chromedp.CSS(`input[name="domain"][value="cyber"]`)),
		chromedp.SetValue(chromedp.CSS("#f-operation"), "destruction"),
		chromedp.SetValue(chromedp.CSS("#f-activity"), "ended"),
		chromedp.SetValue(chromedp.CSS("#f-start"), "2026-11-30T09:00"),
		chromedp.SendKeys(chromedp.CSS("#f-lat"), "35.45"),
		chromedp.SendKeys(chromedp.CSS("#f-lon"), "139.64"),
		chromedp.SendKeys(chromedp.CSS("#f-precision"), "500"),
		chromedp.SetValue(chromedp.CSS("#f-extent"), "regional"),
		chromedp.SendKeys(chromedp.CSS("#f-deaths"), "12"),
		chromedp.SendKeys(chromedp.CSS("#f-injuries"), "40"),
		chromedp.SetValue(chromedp.CSS("#f-sector_jp"), "electric-power"),
		chromedp.SetValue(chromedp.CSS("#f-sector_us"), "energy"),
		chromedp.SetValue(chromedp.CSS("#f-deliberate"), "true"),
		chromedp.SendKeys(chromedp.CSS("#f-actor"), "Unit X"),
		chromedp.SetValue(chromedp.CSS("#f-legal_basis"), "state-organ"),
		chromedp.SendKeys(chromedp.CSS("#f-confidence"), "80"),
		chromedp.SendKeys(chromedp.CSS("#f-state_name"), "State Y"))
	b.settled("intake-filled")
	b.run("preview the tier", chromedp.Click(chromedp.CSS("#preview")), chromedp.WaitVisible(chromedp.CSS("#preview-box .tier")))
	b.settled("intake-preview")
	// The form comes back as filled in, the typed coordinates pinned on
	// the map.
	kept := get(b, "read the form back", chromedp.Evaluate[[]string](`[document.querySelector('input[name="domain"]:checked')?.value,
		String(document.querySelector('input[name="party_jp"]').checked), document.getElementById('f-lat').value, document.getElementById('f-lon').value,
		document.getElementById('f-sector_jp').value, document.getElementById('f-sector_us').value, document.getElementById('f-legal_basis').value,
		String(document.getElementById('pick-pin').classList.contains('hidden'))]`))
	if strings.Join(kept, ",") != "cyber,true,35.45,139.64,electric-power,energy,state-organ,false" {
		t.Fatalf("the previewed form (domain, JP affected, lat, lon, sectors, attribution, pin hidden): %q", kept)
	}
	b.run("file the incident", chromedp.Click(chromedp.CSS("#file")), chromedp.WaitVisible(chromedp.CSS("#h-factors")))
	b.settled("case-filed")
	caseURL := get(b, "read the location", chromedp.Location())
	m := regexp.MustCompile(`/cases/(grouping--[0-9a-f-]{36})`).FindStringSubmatch(caseURL)
	if m == nil {
		t.Fatalf("after filing the browser is at %s, not on a case page", caseURL)
	}
	casePath := "/cases/" + m[1]
	if h := text("read the case page", "main"); !strings.Contains(h, name) {
		t.Fatalf("the case page after filing does not name the incident: %.300q", h)
	}

	// 2. Its mark on the dashboard map.
	b.visit("dashboard", "/")
	marks := get(b, "read the map's marks", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#incident-map a.marker')].map(a => a.getAttribute('href') + ' ' + a.querySelector('title').textContent)`))
	if len(marks) != 1 || marks[0] != casePath+" "+name {
		t.Fatalf("the dashboard map's marks: %q, want one for %s on %s", marks, name, casePath)
	}

	// 3. The analyst opens the case and requests consultations (the case
	// page's buttons), through the mark on the map.
	b.run("follow the mark", chromedp.Click(chromedp.CSS(`#incident-map a.marker circle`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/open"] button`)))
	b.settled("case-from-map")
	b.run("open the case", chromedp.Click(chromedp.CSS(`form[action$="/open"] button`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/request"] button`)))
	b.settled("case-opened")
	b.run("request consultations", chromedp.Click(chromedp.CSS(`form[action$="/request"] button`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form[action$="/request"]`)), chromedp.WaitReady(chromedp.CSS("#consultation")))
	b.settled("case-in-consultation")
	if n := get(b, "is the request still offered", chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/request"], form[action$="/open"]').length`)); n != 0 {
		t.Fatalf("after requesting consultations the case still offers to open or request")
	}
	b.logout()

	// 4. Each Party's legal adviser records its position.
	position := func(user, tier, opinion, reasons, heading string) {
		t.Helper()
		b.login(user)
		b.visit("case-"+user, casePath)
		b.run(user+" records a position",
			chromedp.SetValue(chromedp.CSS("#pos-tier"), tier),
			chromedp.SetValue(chromedp.CSS("#pos-opinion"), opinion),
			chromedp.SendKeys(chromedp.CSS("#pos-reasons"), reasons),
			chromedp.Click(chromedp.CSS(`form[action$="/position"] button`)),
			chromedp.WaitReady(chromedp.CSS(".flash")))
		b.settled("position-" + user)
		got := text("read the positions", "section.consult .side")
		if !strings.Contains(got, heading) || !strings.Contains(got, reasons) {
			t.Fatalf("after %s recorded a position the case page shows: %q", user, got)
		}
		b.logout()
	}
	jpReasons, usReasons := "JP-JOURNEY twelve deaths after the grid was wiped.", "US-JOURNEY attribution to a state organ is not yet settled."
	usTier := "use-of-force-possible"
	if w.concurredOrDiverged != "diverged" {
		usTier = "armed-attack-possible"
	}
	position("jp-legal", "armed-attack-possible", "agree", jpReasons, w.positionJP)
	position("us-legal", usTier, "disagree", usReasons, w.positionUS)

	// 5. Each Party's approver signs, the password entered again.
	signs := func(user, reasons string, last bool) {
		t.Helper()
		b.login(user)
		b.visit("case-"+user, casePath)
		if got := text("read what is signed", "#sign-form"); !strings.Contains(got, reasons) {
			t.Fatalf("%s's sign form does not show its Party's position: %q", user, got)
		}
		b.run(user+" signs",
			chromedp.SendKeys(chromedp.CSS("#sign-password"), password),
			chromedp.Click(chromedp.CSS("#sign-submit")),
			chromedp.WaitReady(chromedp.CSS(".flash")))
		b.settled("signed-" + user)
		if n := get(b, "is the sign form gone", chromedp.Evaluate[int](`document.querySelectorAll('#sign-form').length`)); n != 0 {
			t.Fatalf("%s is still offered to sign after signing", user)
		}
		if !last {
			if n := get(b, "no determination yet", chromedp.Evaluate[int](`document.querySelectorAll('#consultation ~ .determination').length`)); n != 0 {
				t.Fatalf("a determination after one signature only")
			}
			b.logout()
		}
	}
	signs("jp-approver", jpReasons, false)
	signs("us-approver", usReasons, true)

	// 6. The case page shows the joint determination and both positions.
	det := text("read the determination", "section.consult .determination")
	if !strings.Contains(det, w.determination) || !strings.Contains(det, w.concurredOrDiverged) {
		t.Errorf("the case page's determination: %q, want %s: %s", det, w.determination, w.concurredOrDiverged)
	}
	sides := text("read the positions", "section.consult .side")
	for _, want := range []string{w.positionJP, w.positionUS, w.tierJP, w.tierUS, jpReasons, usReasons} {
		if !strings.Contains(sides, want) {
			t.Errorf("the case page's positions lack %q: %q", want, sides)
		}
	}
	if n := strings.Count(sides, w.signed); n < 2 {
		t.Errorf("the case page shows %d signed positions, want both: %q", n, sides)
	}

	// 7. The brief, and its PDF by the brief's PDF link, fetched with the
	// browser's own session cookie.
	b.run("open the brief", chromedp.Click(chromedp.CSS(`a[href="`+casePath+`/brief"]`)), chromedp.WaitVisible(chromedp.CSS("#brief-pdf")))
	b.settled("brief")
	page := text("read the brief", "main")
	for _, want := range []string{w.determination, w.concurredOrDiverged, w.positionJP, w.positionUS, w.tierJP, w.tierUS, jpReasons, usReasons, "TLP:AMBER"} {
		if !strings.Contains(page, want) {
			t.Errorf("the brief page lacks %q", want)
		}
	}
	pdfURL := get(b, "read the PDF link", chromedp.AttributeValue(chromedp.CSS("#brief-pdf"), "href"))
	if pdfURL.Value != casePath+"/brief.pdf" {
		t.Fatalf("the brief's PDF link: %q", pdfURL.Value)
	}
	var cookies []*network.Cookie
	b.run("read the session cookie", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		r, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{e.srv.URL}})
		cookies = r.Cookies
		return err
	}))
	if len(cookies) == 0 {
		t.Fatalf("the browser holds no cookie for %s", e.srv.URL)
	}
	req, err := http.NewRequest("GET", e.srv.URL+pdfURL.Value, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	req.Header.Set("Accept-Language", w.lang)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("GET %s with the browser's cookie: %d %s %.300s", pdfURL.Value, res.StatusCode, res.Header.Get("Content-Type"), pdf)
	}
	pdfPages(t, "the brief's PDF", pdf)
	got := pdfText(t, pdf)
	words := []string{w.determination, w.concurredOrDiverged, w.positionJP, w.positionUS, w.tierJP, w.tierUS}
	if w.lang == "ja" && !japaneseFont() {
		// Without a Japanese font Chromium prints Japanese as empty boxes
		// (docs/operations.md: install fonts-ipafont-gothic; CI does).
		t.Logf("no Japanese font (fc-list :lang=ja): the PDF's Japanese words are not checked, only its Latin text")
		words = nil
	}
	for _, want := range append(words, name, "JP-JOURNEY", "US-JOURNEY", "TLP:AMBER") {
		if !strings.Contains(squash(got), squash(want)) {
			t.Errorf("the PDF's text lacks %q: %.800q", want, squash(got))
		}
	}
}

// japaneseFont reports whether fontconfig knows a font for Japanese.
func japaneseFont() bool {
	out, err := exec.Command("fc-list", ":lang=ja").Output()
	return err == nil && len(bytes.TrimSpace(out)) > 0
}

// squash removes white space: the PDF places words apart, not with spaces.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// pdfText returns the text Chromium wrote into a PDF: it inflates the
// streams, reads each font's ToUnicode map, and decodes the strings shown
// (Tj, TJ) in the content streams under the font selected (Tf). It reads
// what Chromium (Skia) writes, not every PDF: objects not in object
// streams, hex strings; words come out with spaces between glyphs, so
// compare squashed.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	type object struct{ dict, stream []byte }
	objs := map[string]object{}
	objRE := regexp.MustCompile(`(?s)(\d+) 0 obj\s*(.*?)endobj`)
	for _, m := range objRE.FindAllSubmatch(pdf, -1) {
		body := m[2]
		o := object{dict: body}
		if i := bytes.Index(body, []byte("stream")); i >= 0 && bytes.Contains(body[:i], []byte("<<")) {
			o.dict = body[:i]
			s := body[i+len("stream"):]
			s = bytes.TrimPrefix(bytes.TrimPrefix(s, []byte("\r")), []byte("\n"))
			if j := bytes.LastIndex(s, []byte("endstream")); j >= 0 {
				s = s[:j]
			}
			if bytes.Contains(o.dict, []byte("/FlateDecode")) {
				r, err := zlib.NewReader(bytes.NewReader(s))
				if err != nil {
					t.Fatalf("PDF object %s: %v", m[1], err)
				}
				s, _ = io.ReadAll(r) // a stream padded after its end still inflates
			}
			o.stream = s
		}
		objs[string(m[1])] = o
	}
	// Fonts: the font object → its ToUnicode map.
	cmaps := map[string]map[string]string{} // font object → code (hex) → text
	toUni := regexp.MustCompile(`/ToUnicode\s+(\d+) 0 R`)
	for id, o := range objs {
		if m := toUni.FindSubmatch(o.dict); m != nil {
			cmaps[id] = parseCMap(objs[string(m[1])].stream)
		}
	}
	// The fonts of a dictionary's resources (inline or referenced):
	// resource name → ToUnicode map. Names are per page or form.
	ref := regexp.MustCompile(`^\s*(\d+) 0 R`)
	resolve := func(b []byte) []byte {
		if r := ref.FindSubmatch(b); r != nil {
			return objs[string(r[1])].dict
		}
		return b
	}
	fontsOf := func(dict []byte) map[string]map[string]string {
		i := bytes.Index(dict, []byte("/Resources"))
		if i < 0 {
			return nil
		}
		res := resolve(dict[i+len("/Resources"):])
		j := bytes.Index(res, []byte("/Font"))
		if j < 0 {
			return nil
		}
		fd := resolve(res[j+len("/Font"):])
		if k := bytes.Index(fd, []byte(">>")); k >= 0 {
			fd = fd[:k]
		}
		out := map[string]map[string]string{}
		for _, e := range regexp.MustCompile(`/([^\s/<>\[\]()]+)\s+(\d+) 0 R`).FindAllSubmatch(fd, -1) {
			if cm, ok := cmaps[string(e[2])]; ok {
				out[string(e[1])] = cm
			}
		}
		return out
	}
	// A content stream uses its own resources (a form) or its page's.
	streamFonts := map[string]map[string]map[string]string{}
	pageRE := regexp.MustCompile(`/Type\s*/Page[^s]`)
	contents := regexp.MustCompile(`/Contents\s*(\[[^\]]*\]|\d+ 0 R)`)
	for _, o := range objs {
		if !pageRE.Match(o.dict) {
			continue
		}
		f := fontsOf(o.dict)
		if m := contents.FindSubmatch(o.dict); m != nil {
			for _, r := range regexp.MustCompile(`(\d+) 0 R`).FindAllSubmatch(m[1], -1) {
				streamFonts[string(r[1])] = f
			}
		}
	}
	// Content streams: tokens, then the strings shown.
	tok := regexp.MustCompile(`(?s)<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\)|\[|\]|/[^\s/<>\[\]()]+|[-+]?[0-9.]+|[A-Za-z'"*]+`)
	var out strings.Builder
	for id, o := range objs {
		if o.stream == nil || !bytes.Contains(o.stream, []byte("BT")) {
			continue
		}
		fonts := fontsOf(o.dict)
		if fonts == nil {
			fonts = streamFonts[id]
		}
		var font map[string]string
		var stack []string
		for _, tk := range tok.FindAll(o.stream, -1) {
			s := string(tk)
			switch s {
			case "Tf":
				if len(stack) >= 2 {
					font = fonts[strings.TrimPrefix(stack[len(stack)-2], "/")]
				}
			case "Tj", "TJ", "'", `"`:
				for _, a := range stack {
					switch {
					case strings.HasPrefix(a, "<"):
						out.WriteString(decodeShown(font, a))
					case strings.HasPrefix(a, "-") || (a != "" && a[0] >= '0' && a[0] <= '9'):
						if n, err := strconv.ParseFloat(a, 64); err == nil && n < -200 {
							out.WriteByte(' ')
						}
					}
				}
				out.WriteByte(' ')
			case "ET", "Td", "TD", "T*", "Tm":
				out.WriteByte('\n')
			}
			if len(s) > 0 && (s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z' || s == "'" || s == `"`) {
				stack = stack[:0]
			} else {
				stack = append(stack, s)
			}
		}
	}
	return out.String()
}

// decodeShown decodes a hex string shown with font (its ToUnicode map),
// trying the map's code lengths (Chromium uses 2 bytes for its Type0
// fonts, 1 for simple ones).
func decodeShown(font map[string]string, h string) string {
	raw := strings.Join(strings.Fields(strings.Trim(h, "<>")), "")
	raw = strings.ToLower(raw)
	n := 4
	for k := range font {
		n = len(k)
		break
	}
	var b strings.Builder
	for i := 0; i+n <= len(raw); i += n {
		if s, ok := font[raw[i:i+n]]; ok {
			b.WriteString(s)
		} else {
			b.WriteRune('\uFFFD')
		}
	}
	return b.String()
}

// parseCMap reads a ToUnicode CMap's bfchar and bfrange entries: source
// code (lower-case hex) → text.
func parseCMap(s []byte) map[string]string {
	m := map[string]string{}
	hexRE := regexp.MustCompile(`<([0-9A-Fa-f]*)>`)
	utf := func(h string) string {
		b, err := hex.DecodeString(h)
		if err != nil || len(b)%2 != 0 {
			return ""
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return string(utf16.Decode(u))
	}
	for _, sec := range regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`).FindAllSubmatch(s, -1) {
		hs := hexRE.FindAllSubmatch(sec[1], -1)
		for i := 0; i+1 < len(hs); i += 2 {
			m[strings.ToLower(string(hs[i][1]))] = utf(string(hs[i+1][1]))
		}
	}
	line := regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])`)
	for _, sec := range regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`).FindAllSubmatch(s, -1) {
		for _, l := range line.FindAllSubmatch(sec[1], -1) {
			lo, err1 := strconv.ParseUint(string(l[1]), 16, 32)
			hi, err2 := strconv.ParseUint(string(l[2]), 16, 32)
			if err1 != nil || err2 != nil || hi < lo || hi-lo > 0xffff {
				continue
			}
			width := len(l[1])
			dst := string(l[3])
			if strings.HasPrefix(dst, "[") {
				for i, d := range hexRE.FindAllStringSubmatch(dst, -1) {
					m[pad(lo+uint64(i), width)] = utf(d[1])
				}
				continue
			}
			base := []rune(utf(strings.Trim(dst, "<>")))
			if len(base) == 0 {
				continue
			}
			for c := lo; c <= hi; c++ {
				r := append([]rune{}, base...)
				r[len(r)-1] += rune(c - lo)
				m[pad(c, width)] = string(r)
			}
		}
	}
	return m
}

func pad(c uint64, width int) string {
	s := strconv.FormatUint(c, 16)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
