package web

import (
	"context"
	"strings"
	"testing"

	"article5"
	"article5/assess"
	"article5/doctrine"
	"article5/examples"
	"article5/stix"
)

// TestDocTextUntranslated: a text no catalogue entry renders (another
// version of a doctrine, an uploaded doctrine, a text changed since) stays
// English, lang="en", on a Japanese page; a built-in text is Japanese; an
// identifier in `…` is code; a probe's filled-in values are rendered.
func TestDocTextUntranslated(t *testing.T) {
	v := &view{loc: &locale{lang: "ja", m: catalogue["ja"]}, Lang: "ja"}
	title := "Japan: the Nicaragua gap; armed attack = extremely serious damage on a par with a physical attack, organised and planned"
	var jpKey string
	for k := range docCatalogue.exact {
		if strings.HasPrefix(k, "jp@") {
			jpKey = k
		}
	}
	ver := strings.TrimPrefix(jpKey, "jp@")
	for _, tc := range []struct {
		doc       any
		text      string
		want, not string
	}{
		{article5.DoctrineRef{ID: "jp", Version: ver}, title, `lang="ja">日本: ニカラグア・ギャップ`, `lang="en" translate="no">Japan`},
		{article5.DoctrineRef{ID: "jp", Version: ver + "-uploaded"}, title, `<span lang="en" translate="no">Japan: the Nicaragua gap`, "doctext"},
		{"jp", "A reason an uploaded doctrine wrote.", `<span lang="en" translate="no">A reason an uploaded doctrine wrote.</span>`, "doctext"},
		{[]string{"us", "jp"}, "Was the operation organised and planned?", "作戦は組織的かつ計画的に行われたか。", `lang="en" translate="no">Was`},
		{"jp", "article5 extension consent", `<code translate="no">article5</code>拡張<code translate="no">consent</code>`, ""},
		{"jp", "if at least 5 deaths were confirmed as a direct result (confirmed direct deaths now: none)", "仮に直接の結果として5人以上の死者が確認されたとすれば（確認された直接の死者の現在数: なし）", ""},
		{"jp", "if the effects lasted 72 hours (now: 12.5 hours)", "仮に効果が72時間続いたとすれば（現在: 12.5時間）", ""},
		{"jp", "if the effects lasted a fortnight (now: 12.5 hours)", `<span lang="en" translate="no">if the effects lasted a fortnight`, "doctext"},
		{"jp", "if the conduct were shown to be an accident (now presumed): below-threshold", "行為が事故であったことが示された場合（現在は推定）", ""},
		{"jp", "Not established: what kind of operation it was (espionage, probing, influence, disruption or destruction); it decides whether the operation can be a use of force at all. A below-threshold finding needs it; on the known facts the tier would be below-threshold.",
			"立証されていない: 作戦の種類（諜報、探索、影響工作、妨害又は破壊）。作戦がそもそも武力の行使となり得るかを決める。閾値未満との認定にはこれを要する。既知の事実に基づけば、段階は「" + v.T("tier.below-threshold") + "」となる。", ""},
	} {
		got := string(v.DocText(tc.doc, tc.text))
		if !strings.Contains(got, tc.want) || (tc.not != "" && strings.Contains(got, tc.not)) {
			t.Errorf("DocText(%v, %q) = %s; want %s", tc.doc, tc.text, got, tc.want)
		}
	}
	en := &view{loc: &locale{lang: "en", m: catalogue["en"]}, Lang: "en"}
	if got := string(en.DocText("jp", title)); got != `<span lang="en" translate="no">`+strings.ReplaceAll(title, "&", "&amp;")+`</span>` {
		t.Errorf("English page: %s", got)
	}
}

// TestDocTextExamples: every doctrine text the built-in doctrines write
// when they assess the examples — tier, factor and criterion reasons,
// self-defence, presumptions, every changes_if condition with its values
// filled in, checklist questions, and the tier reasons article5 composes
// around them — has its Japanese rendering.
func TestDocTextExamples(t *testing.T) {
	var docs []*doctrine.Doctrine
	for _, id := range doctrine.DefaultIDs {
		d, err := doctrine.Default(id)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	v := &view{loc: &locale{lang: "ja", m: catalogue["ja"]}, Lang: "ja"}
	seen := 0
	for _, name := range examples.Names() {
		raw, err := examples.Read(name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := stix.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep, err := assess.Assess(context.Background(), assess.Options{Doctrines: docs, Workers: 1}, b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		check := func(doc any, text string) {
			t.Helper()
			if text == "" {
				return
			}
			seen++
			if !strings.Contains(string(v.DocText(doc, text)), `class="doctext"`) {
				t.Errorf("%s: no Japanese for %q", name, text)
			}
		}
		each := func(as map[string]*article5.DoctrineAssessment) {
			for _, a := range as {
				d := a.Doctrine
				check(d, a.TierRule.Reason) // composed around facts for a needed fact or incidents taken together
				check(d, a.SelfDefenceReason)
				for _, f := range a.UseOfForce.Factors {
					check(d, f.Reasons)
				}
				for _, c := range a.ArmedAttack.Criteria {
					check(d, c.Reasons)
				}
				for _, p := range a.Presumptions {
					check(d, p.Statement)
					check(d, p.Because)
					check(d, p.Rebuttal)
				}
				for _, c := range a.ChangesIf {
					check(d, c.Text)
				}
				for _, c := range a.Checklist {
					check(d, c.Question)
				}
			}
		}
		each(rep.Assessments)
		for _, inc := range rep.Incidents {
			each(inc.Assessments)
			for _, c := range inc.Checklist {
				check(c.Doctrines, c.Question)
			}
		}
	}
	if seen < 500 {
		t.Errorf("only %d texts checked", seen)
	}
}
