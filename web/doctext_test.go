package web_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"html"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"article5/doctrine"
	"article5/web"
)

var update = flag.Bool("update", false, "rewrite messages/doctrine.ja.json: add the built-in doctrines' new texts (empty) and drop stale ones")

// TestDoctrineCatalogue: every text of every built-in doctrine has a
// Japanese rendering in messages/doctrine.ja.json under its id@version, no
// rendering is stale (a text or version the doctrine no longer has), and
// every rendering uses the glossary's Japanese for the glossary's terms.
// With -update the file is rewritten: new texts are added empty (a
// rendering of the same English under an older version is carried over),
// stale ones dropped.
func TestDoctrineCatalogue(t *testing.T) {
	cat, err := web.DoctrineMessages()
	if err != nil {
		t.Fatal(err)
	}
	want := web.DocCatalogue{}
	for _, id := range doctrine.DefaultIDs {
		d, err := doctrine.Default(id)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := web.DoctrineTexts(d.Source)
		if err != nil {
			t.Fatal(err)
		}
		if len(texts) < 50 {
			t.Fatalf("doctrine %s: only %d texts found", id, len(texts))
		}
		key := id + "@" + d.Version
		m := map[string]string{}
		for _, en := range texts {
			m[en] = cat[key][en]
			if m[en] == "" { // carried over from an older version
				for k, old := range cat {
					if strings.HasPrefix(k, id+"@") && old[en] != "" {
						m[en] = old[en]
					}
				}
			}
		}
		want[key] = m
	}
	if *update {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		if err := enc.Encode(map[string]any{
			"about":     "Japanese renderings of the built-in doctrines' own texts, by id@version and the English text exactly as the doctrine writes it. The English is what records sign (the doctrine file's sha256); pages show the Japanese beside it. Regenerate the skeleton with go test ./web -run TestDoctrineCatalogue -update.",
			"doctrines": want,
		}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("messages/doctrine.ja.json", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		cat = want
	}
	terms, err := web.Glossary()
	if err != nil {
		t.Fatal(err)
	}
	for key, m := range cat {
		if want[key] == nil {
			t.Errorf("doctrine.ja.json: %s is not a built-in doctrine (stale; run with -update)", key)
			continue
		}
		for en, ja := range m {
			if _, ok := want[key][en]; !ok {
				t.Errorf("doctrine.ja.json: %s: stale text %q (run with -update)", key, en)
			}
			for _, g := range terms {
				if ja != "" && strings.Contains(strings.ToLower(en), strings.ToLower(g.EN)) && !strings.Contains(ja, g.JA) {
					t.Errorf("%s: %q uses %q but %q does not use %q (glossary)", key, en, g.EN, ja, g.JA)
				}
			}
			for _, bad := range []string{"武力攻撃事態", "存立危機事態"} {
				if strings.Contains(ja, bad) {
					t.Errorf("%s: %q: a finding is never %s", key, ja, bad)
				}
			}
			if strings.Count(en, "{value}") != strings.Count(ja, "{value}") || strings.Count(en, "{current}") != strings.Count(ja, "{current}") {
				t.Errorf("%s: %q: the Japanese %q must keep {value} and {current}", key, en, ja)
			}
		}
	}
	for key, m := range want {
		for en := range m {
			if cat[key][en] == "" {
				t.Errorf("doctrine.ja.json: %s: no Japanese for %q", key, en)
			}
		}
	}
}

// TestCaseDoctrineTextJapanese: on a Japanese case page every text of the
// built-in doctrines (tier rule reasons, self-defence, factor and
// criterion reasons, presumptions, changes_if, checklist questions) is
// shown in Japanese, lang="ja", with the signed English original in the
// title of its 原文 marker, and none is left in English; the English page
// shows the English, marked lang="en".
func TestCaseDoctrineTextJapanese(t *testing.T) {
	e := MustEnv(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	cat, err := web.DoctrineMessages()
	if err != nil {
		t.Fatal(err)
	}
	ja := e.client(t, "ja")
	ja.MustLogin(t, "jp-analyst")
	p := ja.get(t, "/cases/"+damCase)
	if p.status != http.StatusOK {
		t.Fatalf("case page: %d", p.status)
	}
	pair := regexp.MustCompile(`<span class="doctext" lang="ja">(.*?)</span> <span class="original" lang="en" translate="no" tabindex="0" title="([^"]*)"><span lang="ja">原文</span></span>`)
	code := regexp.MustCompile(`</?code[^>]*>`)
	all := map[string]string{}
	for _, m := range cat {
		for en, j := range m {
			all[en] = j
		}
	}
	shown := pair.FindAllStringSubmatch(p.body, -1)
	if len(shown) < 20 {
		t.Fatalf("Japanese case page shows %d doctrine texts in Japanese; want the reasons of both doctrines", len(shown))
	}
	for _, m := range shown {
		en, jaText := html.UnescapeString(m[2]), html.UnescapeString(code.ReplaceAllString(m[1], "`"))
		if j, ok := all[en]; ok && j != jaText {
			t.Errorf("%q shown as %q, catalogue says %q", en, jaText, j)
		}
	}
	if n := strings.Count(p.body, `<p class="reason"><span class="doctext" lang="ja">`); n != 2 {
		t.Errorf("tier rule reasons in Japanese: %d, want one per doctrine", n)
	}
	for en := range all {
		if strings.Contains(p.body, `<span lang="en" translate="no">`+html.EscapeString(en)+`</span>`) {
			t.Errorf("Japanese case page leaves %q in English", en)
		}
	}
	if strings.Contains(p.body, `<span lang="en" translate="no">if `) {
		t.Error("Japanese case page leaves a changes_if condition in English")
	}
	for _, want := range []string{"武力", "（現在は推定）"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("Japanese case page lacks %q", want)
		}
	}
	en := e.client(t, "en")
	en.MustLogin(t, "jp-analyst")
	pe := en.get(t, "/cases/"+damCase)
	if strings.Contains(pe.body, `class="doctext"`) || !strings.Contains(pe.body, `<p class="reason"><span lang="en" translate="no">`) {
		t.Errorf("English case page: doctrine texts not shown as written (%.300s)", pe.body)
	}
}
