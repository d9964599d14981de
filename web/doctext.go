package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"
	"sort"
	"strings"

	"article5"

	"github.com/goccy/go-yaml"
)

// DocCatalogue is the Japanese rendering of the built-in doctrines' own
// texts (messages/doctrine.ja.json): "id@version" → English text exactly
// as the doctrine writes it → Japanese. The English stays the text that is
// signed (the doctrine file's sha256 is pinned in every record); the
// Japanese is shown beside it on Japanese pages.
type DocCatalogue map[string]map[string]string

// docTextKeys are the doctrine file's keys whose string values are prose
// a page shows (titles, reasons, questions, …). Sources stay as written.
var docTextKeys = map[string]bool{
	"title": true, "description": true, "reason": true, "reason_met": true, "reason_not_met": true,
	"question": true, "record_as": true, "text": true, "why": true, "says": true, "because": true,
	"rebuttal": true,
}

// DoctrineTexts returns the prose of a doctrine's source (the values of
// docTextKeys, each once, sorted); description folded to one line as
// YAML reads it. EINVALID if src is not YAML.
func DoctrineTexts(src []byte) ([]string, error) {
	var root any
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, article5.Invalid("doctrine texts: not YAML: " + err.Error())
	}
	set := map[string]bool{}
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 32 {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && docTextKeys[k] {
					set[strings.TrimSpace(s)] = true
					continue
				}
				walk(e, depth+1)
			}
		case []any:
			for _, e := range x {
				walk(e, depth+1)
			}
		}
	}
	walk(root, 0)
	out := make([]string, 0, len(set))
	for s := range set {
		if s != "" {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out, nil
}

var docCatalogue = mustDocCatalogue()

// DoctrineMessages returns the embedded messages/doctrine.ja.json.
func DoctrineMessages() (DocCatalogue, error) {
	b, err := messageFS.ReadFile("messages/doctrine.ja.json")
	if err != nil {
		return nil, fmt.Errorf("web: doctrine messages: %w", err)
	}
	var f struct {
		Doctrines DocCatalogue `json:"doctrines"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("web: messages/doctrine.ja.json: %w", err)
	}
	return f.Doctrines, nil
}

func mustDocCatalogue() *docTexts {
	c, err := DoctrineMessages()
	if err != nil {
		panic(err)
	}
	return newDocTexts(c)
}

// docTexts looks doctrine texts up: exact texts, and the probe texts of
// changes_if, whose {value} and {current} are filled in when assessed.
type docTexts struct {
	exact  map[string]map[string]string // "id@version" → en → ja
	byID   map[string]string            // id → "id@version" of the built-in doctrine (the catalogue's)
	probes map[string][]probeText
}

type probeText struct {
	re *regexp.Regexp // the English template, {value} and {current} as groups
	ja string         // the Japanese template
}

var tierSuffix = regexp.MustCompile(`^(.*): [a-z]+(?:-[a-z]+)*$`)

var probeHole = regexp.MustCompile(`\{(value|current)\}`)

func newDocTexts(c DocCatalogue) *docTexts {
	t := &docTexts{exact: c, byID: map[string]string{}, probes: map[string][]probeText{}}
	for key, m := range c {
		// The catalogue holds the built-in doctrines, one version each
		// (TestDoctrineCatalogue).
		if id, _, ok := strings.Cut(key, "@"); ok {
			t.byID[id] = key
		}
		for en, ja := range m {
			if !probeHole.MatchString(en) {
				continue
			}
			// "{value}" → (?P<value>.+?): the template's literal text around it.
			parts := probeHole.Split(en, -1)
			holes := probeHole.FindAllStringSubmatch(en, -1)
			var b strings.Builder
			b.WriteString("^")
			for i, p := range parts {
				b.WriteString(regexp.QuoteMeta(p))
				if i < len(holes) {
					b.WriteString("(?P<" + holes[i][1] + ">.+?)")
				}
			}
			b.WriteString("$")
			re, err := regexp.Compile(b.String())
			if err != nil || strings.Count(en, "{value}") > 1 || strings.Count(en, "{current}") > 1 {
				continue
			}
			t.probes[key] = append(t.probes[key], probeText{re: re, ja: ja})
		}
	}
	return t
}

// lookup returns the Japanese of text under the doctrine key, or "".
func (t *docTexts) lookup(key, text string) string {
	m := t.exact[key]
	if m == nil {
		return ""
	}
	if ja := m[strings.TrimSpace(text)]; ja != "" {
		return ja
	}
	// A changes_if condition ends in the tier it leads to, which the page
	// shows beside it as a finding: "…: below-threshold".
	if c := tierSuffix.FindStringSubmatch(text); c != nil {
		text = c[1]
	}
	// A presumption's rebuttal probed: "if <rebuttal> (now presumed)".
	if r, ok := strings.CutPrefix(text, "if "); ok {
		if r, ok := strings.CutSuffix(r, " (now presumed)"); ok {
			if ja := m[r]; ja != "" {
				return ja + "（現在は推定）"
			}
		}
	}
	for _, p := range t.probes[key] {
		sub := p.re.FindStringSubmatch(text)
		if sub == nil {
			continue
		}
		out, ok := p.ja, true
		for i, name := range p.re.SubexpNames() {
			if name == "" {
				continue
			}
			v, vok := jaValue(sub[i])
			ok = ok && vok
			out = strings.ReplaceAll(out, "{"+name+"}", v)
		}
		if ok {
			return out
		}
	}
	return ""
}

// keysOf returns the catalogue keys a doctrine reference may use: a
// DoctrineRef its own id@version; an id, or ids, the built-in doctrine's.
func (t *docTexts) keysOf(doc any) []string {
	switch x := doc.(type) {
	case article5.DoctrineRef:
		return []string{x.ID + "@" + x.Version}
	case *article5.DoctrineRef:
		if x != nil {
			return []string{x.ID + "@" + x.Version}
		}
	case string:
		return []string{t.byID[x]}
	case []string:
		var ks []string
		for _, id := range x {
			ks = append(ks, t.byID[id])
		}
		return ks
	}
	return nil
}

// DocText renders a doctrine's own text (a reason, question, presumption,
// changes_if condition, title) for the page: on a Japanese page, the
// Japanese rendering of a built-in doctrine's text (lang="ja"), followed by
// a marker 原文 whose title is the English original, the text that is
// signed; otherwise, and for a text with no rendering (an uploaded
// doctrine version), the English as the doctrine writes it, marked
// lang="en". doc is an article5.DoctrineRef, a doctrine id or a list of
// ids (a merged checklist item's).
func (v *view) DocText(doc any, text string) template.HTML {
	if v.Lang == "ja" {
		for _, k := range docCatalogue.keysOf(doc) {
			ja := v.docJa(k, text)
			if ja == "" {
				// A reason article5 composes around the doctrine's texts.
				ja, _ = v.composedJa([]string{k}, text, 0)
			}
			if ja != "" {
				return template.HTML(`<span class="doctext" lang="ja">` + jaMarkup(ja) + `</span> <span class="original" lang="en" translate="no" tabindex="0" title="` +
					template.HTMLEscapeString(text) + `"><span lang="ja">` + template.HTMLEscapeString(v.T("doctext.original")) + `</span></span>`)
			}
		}
	}
	return template.HTML(`<span lang="en" translate="no">` + template.HTMLEscapeString(text) + `</span>`)
}

// notEstablished is the tier rule reason a doctrine composes when a fact a
// below-threshold finding needs is unknown (doctrine/decide.go).
var notEstablished = regexp.MustCompile(`^Not established: (.+?)\.? A below-threshold finding needs it; on the known facts the tier would be ([a-z]+(?:-[a-z]+)*)\.$`)

// docJa is the Japanese of a doctrine text under the catalogue key, or "":
// the catalogue's, or a composed reason built around one.
func (v *view) docJa(key, text string) string {
	if ja := docCatalogue.lookup(key, text); ja != "" {
		return ja
	}
	// A changes_if condition of incidents taken together (assess).
	if rest, ok := strings.CutPrefix(text, "for the incidents taken together, "); ok {
		if ja := docCatalogue.lookup(key, rest); ja != "" {
			return "複数のインシデントを併せてみると、" + ja
		}
	}
	if m := notEstablished.FindStringSubmatch(text); m != nil {
		why := docCatalogue.lookup(key, m[1])
		tier := "tier." + m[2]
		if _, ok := v.loc.m[tier]; why != "" && ok {
			return "立証されていない: " + strings.TrimSuffix(why, "。") + "。閾値未満との認定にはこれを要する。既知の事実に基づけば、段階は「" + v.T(tier) + "」となる。"
		}
	}
	return ""
}

// jaMarkup escapes a Japanese rendering; `…` in it is an identifier (a
// STIX property, a tier id), shown as code and never translated.
func jaMarkup(ja string) string {
	parts := strings.Split(ja, "`")
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 && i < len(parts)-1 {
			b.WriteString(`<code translate="no">` + template.HTMLEscapeString(p) + `</code>`)
			continue
		}
		if i%2 == 1 {
			b.WriteString("`")
		}
		b.WriteString(template.HTMLEscapeString(p))
	}
	return b.String()
}

// jaValues are the words article5.FormatValue writes for a fact's value,
// in Japanese.
var jaValues = map[string]string{
	"unknown": "不明", "yes": "はい", "no": "いいえ", "none": "なし",
	"damage that left the objects working":   "物が機能を保った損傷",
	"damage that put the objects out of use": "物を使用不能にした損傷",
	"destruction":                            "破壊",
	"possible modification":                  "改変の可能性",
	"partial modification":                   "部分的な改変",
	"full modification":                      "全面的な改変",
	"possible destruction":                   "破壊の可能性",
	"partial destruction":                    "部分的な破壊",
	"full destruction":                       "全面的な破壊",
	"contained":                              "封じ込め済み",
	"suspected loss":                         "喪失の疑い",
	"loss, exploited":                        "喪失（悪用あり）",
	"confirmed loss":                         "喪失の確認",
	"not applicable":                         "該当なし",
	"regular effort":                         "通常の労力",
	"supplemented resources":                 "追加の資源",
	"extended, outside help":                 "長期、外部の支援",
	"not recoverable":                        "回復不能",
	"probing":                                "探索",
	"espionage":                              "諜報",
	"an influence operation":                 "影響工作",
	"disruptive":                             "妨害的",
	"destructive":                            "破壊的",
	"local":                                  "局地的",
	"regional":                               "地域的",
	"national":                               "全国的",
	"international":                          "国際的",
	"another State":                          "他の国",
	"Japan":                                  "日本国",
	"the United States":                      "アメリカ合衆国",
	"a non-State actor without a State nexus": "国家との関連のない非国家主体",
}

var (
	jaCount  = regexp.MustCompile(`^([0-9][0-9,.]*) (death|deaths|injury|injuries|hour|hours|person|people|incident|incidents|sector|sectors)$`)
	jaNumber = regexp.MustCompile(`^(USD )?[0-9][0-9,.]*(%|/100)?$`)
	jaUnits  = map[string]string{"death": "人", "deaths": "人", "injury": "人", "injuries": "人", "hour": "時間", "hours": "時間",
		"person": "人", "people": "人", "incident": "件", "incidents": "件", "sector": "分野", "sectors": "分野"}
)

// jaValue renders a value as article5.FormatValue writes it in Japanese;
// false if it cannot (the whole text then stays English).
func jaValue(s string) (string, bool) {
	if w, ok := jaValues[s]; ok {
		return w, true
	}
	if m := jaCount.FindStringSubmatch(s); m != nil {
		return m[1] + jaUnits[m[2]], true
	}
	if jaNumber.MatchString(s) {
		return s, true
	}
	return "", false
}
