package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"

	"golang.org/x/text/language"
)

//go:embed messages/*.json
var messageFS embed.FS

// Languages are the languages of the user interface, the default first.
var Languages = []string{"ja", "en"}

// LangCookie remembers the language a user chose (a year, path /).
const LangCookie = "article5_lang"

// Catalogue is the message catalogue: language → key → text (a
// fmt.Sprintf format where the message takes arguments).
type Catalogue map[string]map[string]string

// GlossaryTerm is one legal term in both languages with the official text
// its Japanese rendering comes from (Source).
type GlossaryTerm struct {
	EN     string `json:"en"`
	JA     string `json:"ja"`
	Source string `json:"source"`
	Note   string `json:"note,omitempty"`
}

var (
	catalogue = mustCatalogue()
	matcher   = language.NewMatcher([]language.Tag{language.Japanese, language.English})
)

// Messages returns the embedded catalogue (messages/<lang>.json).
func Messages() (Catalogue, error) {
	c := Catalogue{}
	for _, l := range Languages {
		b, err := messageFS.ReadFile("messages/" + l + ".json")
		if err != nil {
			return nil, fmt.Errorf("web: messages %s: %w", l, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("web: messages/%s.json: %w", l, err)
		}
		c[l] = m
	}
	return c, nil
}

// Glossary returns the embedded glossary of legal terms
// (messages/glossary.json).
func Glossary() ([]GlossaryTerm, error) {
	b, err := messageFS.ReadFile("messages/glossary.json")
	if err != nil {
		return nil, err
	}
	var g struct {
		Terms []GlossaryTerm `json:"terms"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("web: messages/glossary.json: %w", err)
	}
	return g.Terms, nil
}

func mustCatalogue() Catalogue {
	c, err := Messages()
	if err != nil {
		panic(err)
	}
	return c
}

// locale is one request's language.
type locale struct {
	lang string
	m    map[string]string
}

// T returns the text of key, formatted with args; a missing key shows as
// the key itself in brackets (the catalogue tests rule that out).
func (l *locale) T(key string, args ...any) string {
	s, ok := l.m[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// localeOf chooses the language of r: the LangCookie if it names one of
// Languages, else the best match of Accept-Language, else Japanese.
func localeOf(r *http.Request) *locale {
	lang := ""
	if c, err := r.Cookie(LangCookie); err == nil && isLang(c.Value) {
		lang = c.Value
	} else {
		tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
		_, i, conf := matcher.Match(tags...)
		lang = "ja"
		if conf != language.No && i == 1 {
			lang = "en"
		}
	}
	return &locale{lang: lang, m: catalogue[lang]}
}

func isLang(s string) bool { return s == "ja" || s == "en" }

func otherLang(l string) string {
	if l == "ja" {
		return "en"
	}
	return "ja"
}

// langPost switches the language: form field lang, remembered a year in
// LangCookie; back to the form's field back (a local path).
func (h *handler) langPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, err)
		return
	}
	l := r.PostForm.Get("lang")
	if isLang(l) {
		http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, localPath(r.PostForm.Get("back")), http.StatusSeeOther)
}
