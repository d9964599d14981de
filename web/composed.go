package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"
	"strings"
)

// Composed renders a sentence article5 composes around facts (the basis of
// a scope, a divergence between doctrines, a cumulative finding) for the
// page: on a Japanese page its Japanese rendering through the patterns of
// messages/composed.ja.json (lang="ja"), followed by the 原文 marker whose
// title is the English, the text that is hashed and signed; otherwise, and
// for a sentence no pattern renders, the English, marked lang="en". doc
// gives the doctrines whose own texts the sentence may quote: nil, an id,
// a list of ids or an article5.DoctrineRef.
func (v *view) Composed(doc any, text string) template.HTML {
	if v.Lang == "ja" {
		if ja, ok := v.composedJa(docCatalogue.keysOf(doc), text, 0); ok {
			return template.HTML(`<span class="composed" lang="ja">` + jaMarkup(ja) + `</span> <span class="original" lang="en" translate="no" tabindex="0" title="` +
				template.HTMLEscapeString(text) + `"><span lang="ja">` + template.HTMLEscapeString(v.T("doctext.original")) + `</span></span>`)
		}
	}
	return template.HTML(`<span lang="en" translate="no">` + template.HTMLEscapeString(text) + `</span>`)
}

// composedTexts is messages/composed.ja.json, compiled.
type composedTexts struct {
	labels   map[string]string // a fact's label → Japanese
	patterns []composedPattern
}

type composedPattern struct {
	re *regexp.Regexp // over the English sentence; named parts
	ja string         // Japanese template, {name} for each part
}

var composedCatalogue = mustComposed()

// ComposedPatterns returns the patterns of messages/composed.ja.json as
// English regular expression → Japanese template, in order.
func ComposedPatterns() ([][2]string, error) {
	b, err := messageFS.ReadFile("messages/composed.ja.json")
	if err != nil {
		return nil, fmt.Errorf("web: composed messages: %w", err)
	}
	var f struct {
		Labels   map[string]string `json:"labels"`
		Patterns []struct {
			EN string `json:"en"`
			JA string `json:"ja"`
		} `json:"patterns"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("web: messages/composed.ja.json: %w", err)
	}
	out := make([][2]string, 0, len(f.Patterns)+len(f.Labels))
	for _, p := range f.Patterns {
		out = append(out, [2]string{p.EN, p.JA})
	}
	for en, ja := range f.Labels {
		out = append(out, [2]string{"label:" + en, ja})
	}
	return out, nil
}

func mustComposed() *composedTexts {
	ps, err := ComposedPatterns()
	if err != nil {
		panic(err)
	}
	c := &composedTexts{labels: map[string]string{}}
	for _, p := range ps {
		if l, ok := strings.CutPrefix(p[0], "label:"); ok {
			c.labels[l] = p[1]
			continue
		}
		c.patterns = append(c.patterns, composedPattern{re: regexp.MustCompile(p[0]), ja: p[1]})
	}
	return c
}

var partKind = regexp.MustCompile(`[0-9]+$`)

// composedJa is the Japanese of a composed sentence, false if no pattern
// renders it and all its parts. keys are the catalogue keys of the
// doctrines whose texts it may quote.
func (v *view) composedJa(keys []string, text string, depth int) (string, bool) {
	if depth > 8 || text == "" {
		return "", false
	}
	// The doctrines' sentences of a divergence: "jp finds …; us finds …",
	// "jp: …; us: …", each rendered under its doctrine.
	if pieces := splitDoctrines(text); len(pieces) > 1 {
		var jas []string
		for _, s := range pieces {
			ja, ok := v.composedJa(keys, s, depth+1)
			if !ok {
				break
			}
			jas = append(jas, strings.TrimSuffix(ja, "。"))
		}
		if len(jas) == len(pieces) {
			return strings.Join(jas, "。"), true
		}
	}
	for _, p := range composedCatalogue.patterns {
		sub := p.re.FindStringSubmatch(text)
		if sub == nil {
			continue
		}
		names := p.re.SubexpNames()
		ks := keys
		for i, n := range names {
			if n == "id" {
				ks = docCatalogue.keysOf(sub[i])
			}
		}
		out, ok := p.ja, true
		for i, n := range names {
			if n == "" || !ok {
				continue
			}
			var ja string
			ja, ok = v.composedPart(partKind.ReplaceAllString(n, ""), ks, sub[i], depth)
			out = strings.ReplaceAll(out, "{"+n+"}", ja)
		}
		if ok {
			return out, true
		}
	}
	// Parts joined by "; " (outside parentheses), each rendered.
	pieces := splitTop(text)
	if len(pieces) < 2 {
		return "", false
	}
	var jas []string
	for _, s := range pieces {
		ja, ok := v.composedJa(keys, s, depth+1)
		if !ok {
			return "", false
		}
		jas = append(jas, strings.TrimSuffix(ja, "。"))
	}
	return strings.Join(jas, "。"), true
}

// composedPart renders one named part of a pattern by its kind.
func (v *view) composedPart(kind string, keys []string, s string, depth int) (string, bool) {
	switch kind {
	case "keep":
		return s, true
	case "id":
		return v.T("case.doctrine", s), true
	case "tier":
		if v.Has("tier." + s) {
			return v.T("tier." + s), true
		}
	case "value":
		return jaValue(s)
	case "label":
		l := s
		if l != "" {
			l = strings.ToLower(l[:1]) + l[1:]
		}
		if ja, ok := composedCatalogue.labels[l]; ok {
			return ja, true
		}
		if ja, ok := composedCatalogue.labels[s]; ok {
			return ja, true
		}
	case "state":
		switch s {
		case "unknown":
			return "不明であり", true
		case "not established":
			return "立証されておらず", true
		}
	case "side":
		switch s {
		case "inside":
			return "内側", true
		case "outside":
			return "外側", true
		}
	case "doc":
		for _, k := range keys {
			for _, t := range []string{s, s + "."} {
				if ja := v.docJa(k, t); ja != "" {
					return strings.TrimSuffix(ja, "。"), true
				}
			}
		}
		if ja, ok := v.composedJa(keys, s, depth+1); ok {
			return strings.TrimSuffix(ja, "。"), true
		}
	case "text":
		if ja, ok := v.composedJa(keys, s, depth+1); ok {
			return strings.TrimSuffix(ja, "。"), true
		}
	case "src":
		if ja, ok := v.composedJa(keys, s, depth+1); ok {
			return ja, true
		}
		return s, true
	}
	return "", false
}

// splitTop splits s at each "; " outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ';':
			if depth == 0 && strings.HasPrefix(s[i:], "; ") {
				out = append(out, s[start:i])
				start = i + 2
			}
		}
	}
	return append(out, s[start:])
}

var doctrineStart = regexp.MustCompile(`; ([a-z][a-z0-9-]*)(?: finds |: )`)

// splitDoctrines splits s before each "; <id> finds " or "; <id>: " of a
// built-in doctrine's id.
func splitDoctrines(s string) []string {
	var out []string
	start := 0
	for _, m := range doctrineStart.FindAllStringSubmatchIndex(s, -1) {
		if _, ok := docCatalogue.byID[s[m[2]:m[3]]]; !ok {
			continue
		}
		out = append(out, s[start:m[0]])
		start = m[0] + 2
	}
	return append(out, s[start:])
}
