package web_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"article5/doctrine"
)

// TestBrowserAdmin: a JP administrator creates a user, a token and a
// webhook through the forms (each secret shown once), puts a jp doctrine
// with a fault and sees the fault next to its line, then a good one, and
// compares it with the built-in version; every page passes axe-core and
// reports no CSP violation.
func TestBrowserAdmin(t *testing.T) {
	e := MustEnv(t)
	e.MustAdmins(t)
	b := MustBrowser(t, e)
	b.setLang("en")
	b.login("jp-admin")
	if n := get(b, "find the administration link", chromedp.Evaluate[int](`document.querySelectorAll('header nav a[href="/admin/users"]').length`)); n != 1 {
		t.Errorf("the navigation has %d links to the administration", n)
	}
	b.visit("admin-users", "/admin/users")
	b.run("create a user",
		chromedp.SendKeys(chromedp.CSS("#u-name"), "kenji"),
		chromedp.SendKeys(chromedp.CSS("#u-password"), "a long enough password"),
		chromedp.Click(chromedp.CSS(`#user-form input[name="roles"][value="analyst"]`)),
		chromedp.Click(chromedp.CSS("#user-create")),
		chromedp.WaitVisible(chromedp.CSS("#admin-flash")))
	b.settled("admin-user-created")
	if users := get(b, "read the users", chromedp.Text(chromedp.CSS("#users"))); !strings.Contains(users, "kenji") {
		t.Errorf("the new user is not listed: %q", users)
	}
	if u := e.mustUser(t, "kenji"); len(u.Roles) != 1 || u.Roles[0] != "analyst" {
		t.Errorf("stored %+v", u)
	}

	b.visit("admin-tokens", "/admin/tokens")
	b.run("create a token", chromedp.SendKeys(chromedp.CSS("#t-name"), "feed"),
		chromedp.Click(chromedp.CSS("#token-create")), chromedp.WaitVisible(chromedp.CSS("#token-secret")))
	b.settled("admin-token-created")

	b.visit("admin-webhooks", "/admin/webhooks")
	b.run("add a webhook", chromedp.SendKeys(chromedp.CSS("#w-url"), "https://93.184.216.34/hook"),
		chromedp.Click(chromedp.CSS("#webhook-create")), chromedp.WaitVisible(chromedp.CSS("#webhook-secret")))
	b.settled("admin-webhook-added")

	b.visit("doctrines", "/doctrines")
	b.visit("doctrine-jp", "/doctrines/jp")
	src, line := brokenDoctrine(t)
	b.run("put a doctrine with a fault",
		chromedp.SetValue(chromedp.CSS("#d-source"), src),
		chromedp.Click(chromedp.CSS("#doctrine-upload")),
		chromedp.WaitVisible(chromedp.CSS("#doctrine-errors")))
	b.settled("doctrine-fault")
	fault := get(b, "read the fault by its line", chromedp.Text(chromedp.CSS("#L"+strconv.Itoa(line)+" .fault")))
	if !strings.Contains(fault, "line "+strconv.Itoa(line)) || !strings.Contains(fault, "unknown field") {
		t.Errorf("next to line %d: %q", line, fault)
	}
	if !get(b, "the text is kept", chromedp.Evaluate[bool](`document.getElementById('d-source').value.includes('no_such_property')`)) {
		t.Errorf("the text sent is not in the form again")
	}
	good, _ := doctrine.DefaultSource("jp")
	newer := regexp.MustCompile(`(?m)^version: "([^"]*)"`).ReplaceAllString(string(good), `version: "$1-b"`)
	b.run("put a good doctrine",
		chromedp.SetValue(chromedp.CSS("#d-source"), newer),
		chromedp.Click(chromedp.CSS("#doctrine-upload")),
		chromedp.WaitVisible(chromedp.CSS("#admin-flash")))
	b.settled("doctrine-stored")
	b.run("compare with the built-in version",
		chromedp.SetValue(chromedp.CSS("#d-from"), "builtin"),
		chromedp.SetValue(chromedp.CSS("#d-to"), "1"),
		chromedp.Click(chromedp.CSS("#diff-submit")),
		chromedp.WaitVisible(chromedp.CSS("#diff")))
	b.settled("doctrine-diff")
	if added := get(b, "read the diff", chromedp.Text(chromedp.CSS("#diff tr.d-add"))); !strings.Contains(added, `-b"`) {
		t.Errorf("the diff's added line: %q", added)
	}
}

// adminLatin are the words the administration pages may show in Latin
// letters in Japanese beside allowedLatin: names of standards and formats.
var adminLatin = map[string]bool{"YAML": true, "URL": true, "http": true, "https": true}

// TestBrowserAdminJapanese walks the administration pages in Japanese
// (with their refusals, secrets shown once, a doctrine's fault by line
// and a diff) and fails on any word of the interface left in English.
func TestBrowserAdminJapanese(t *testing.T) {
	e := MustEnv(t)
	e.MustAdmins(t)
	b := MustBrowser(t, e)
	b.setLang("ja")
	word := regexp.MustCompile(`[A-Za-z]{3,}`)
	check := func(name string) {
		t.Helper()
		if lang := get(b, "read the language of "+name, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "ja" {
			t.Errorf("%s: html lang=%q", name, lang)
		}
		for _, s := range get(b, "read "+name, chromedp.Evaluate[[]string](untranslatedJS)) {
			for _, w := range word.FindAllString(s, -1) {
				if !allowedLatin[w] && !adminLatin[w] {
					t.Errorf("%s: untranslated %q in %q", name, w, s)
				}
			}
		}
	}
	b.login("jp-admin")
	b.visit("users", "/admin/users")
	check("users")
	b.run("a refused user", chromedp.SendKeys(chromedp.CSS("#u-name"), "健二"), chromedp.SendKeys(chromedp.CSS("#u-password"), "短い"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('u-password').removeAttribute('minlength')`),
		chromedp.Click(chromedp.CSS("#user-create")), chromedp.WaitVisible(chromedp.CSS("#e-password")))
	b.settled("users-refused")
	check("users-refused")
	b.run("save the first user's roles", chromedp.Click(chromedp.CSS(`#users form.roles button`)), chromedp.WaitVisible(chromedp.CSS("#admin-flash")))
	b.settled("users-roles")
	check("users-roles")
	b.visit("keys", "/admin/users/"+e.mustUser(t, "jp-legal").ID+"/keys")
	check("keys")
	b.visit("tokens", "/admin/tokens")
	b.run("create a token", chromedp.SendKeys(chromedp.CSS("#t-name"), "配信用"),
		chromedp.Click(chromedp.CSS("#token-create")), chromedp.WaitVisible(chromedp.CSS("#token-secret")))
	b.settled("token-created")
	check("token-created")
	b.visit("webhooks", "/admin/webhooks")
	b.run("a refused webhook", chromedp.SetValue(chromedp.CSS("#w-url"), "ftp://93.184.216.34/x"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('w-url').type = 'text'`),
		chromedp.Click(chromedp.CSS("#webhook-create")), chromedp.WaitVisible(chromedp.CSS("#e-url")))
	b.settled("webhook-refused")
	check("webhook-refused")
	b.run("add a webhook", chromedp.SetValue(chromedp.CSS("#w-url"), "https://93.184.216.34/hook"),
		chromedp.Click(chromedp.CSS("#webhook-create")), chromedp.WaitVisible(chromedp.CSS("#webhook-secret")))
	b.settled("webhook-added")
	check("webhook-added")
	b.visit("doctrines", "/doctrines")
	check("doctrines")
	b.visit("doctrine", "/doctrines/jp")
	check("doctrine")
	src, _ := brokenDoctrine(t)
	b.run("a doctrine with a fault", chromedp.SetValue(chromedp.CSS("#d-source"), src),
		chromedp.Click(chromedp.CSS("#doctrine-upload")), chromedp.WaitVisible(chromedp.CSS("#doctrine-errors")))
	b.settled("doctrine-fault")
	check("doctrine-fault")
	good, _ := doctrine.DefaultSource("jp")
	newer := regexp.MustCompile(`(?m)^version: "([^"]*)"`).ReplaceAllString(string(good), `version: "9.9.9"`)
	b.run("a good doctrine", chromedp.SetValue(chromedp.CSS("#d-source"), newer),
		chromedp.Click(chromedp.CSS("#doctrine-upload")), chromedp.WaitVisible(chromedp.CSS("#admin-flash")))
	b.settled("doctrine-stored")
	check("doctrine-stored")
	b.visit("doctrine-diff", "/doctrines/jp?from=builtin&to=1")
	check("doctrine-diff")
	b.logout()
	b.login("jp-observer")
	b.visit("users-forbidden", "/admin/users")
	check("users-forbidden")
}

// TestBrowserDoctrineRefusals: in Chromium, a doctrine with a parameter
// out of its range shows the fault next to the line of the value, and
// another text under the version in force shows the refusal next to the
// version line; the text sent stays in the form.
func TestBrowserDoctrineRefusals(t *testing.T) {
	e := MustEnv(t)
	e.MustAdmins(t)
	b := MustBrowser(t, e)
	b.setLang("en")
	b.login("jp-admin")
	b.visit("doctrine-jp", "/doctrines/jp")
	good, _ := doctrine.DefaultSource("jp")
	bad := strings.Replace(string(good), "aa_deaths_direct: 5 ", "aa_deaths_direct: -5 ", 1)
	line := strings.Count(bad[:strings.Index(bad, ": -5")], "\n") + 1
	b.run("put a doctrine with -5 deaths",
		chromedp.SetValue(chromedp.CSS("#d-source"), bad),
		chromedp.Click(chromedp.CSS("#doctrine-upload")),
		chromedp.WaitVisible(chromedp.CSS("#doctrine-errors")))
	b.settled("doctrine-range")
	fault := get(b, "read the fault by its line", chromedp.Text(chromedp.CSS("#L"+strconv.Itoa(line)+" .fault")))
	if !strings.Contains(fault, "line "+strconv.Itoa(line)+", column 21") || !strings.Contains(fault, "aa_deaths_direct = -5: expected a number of persons") {
		t.Errorf("next to line %d: %q", line, fault)
	}
	held := strings.Replace(string(good), "\nparty: JP\n", "\nparty: JP\n# reworded\n", 1)
	vline := strings.Count(held[:strings.Index(held, "\nversion:")+1], "\n") + 1
	b.run("put another text under the version in force",
		chromedp.SetValue(chromedp.CSS("#d-source"), held),
		chromedp.Click(chromedp.CSS("#doctrine-upload")),
		chromedp.WaitVisible(chromedp.CSS("#L"+strconv.Itoa(vline)+" .fault")))
	b.settled("doctrine-held")
	fault = get(b, "read the refusal by the version line", chromedp.Text(chromedp.CSS("#L"+strconv.Itoa(vline)+" .fault")))
	if !strings.Contains(fault, "is already held with other text") || !strings.Contains(fault, "give the new text its own version") {
		t.Errorf("next to line %d: %q", vline, fault)
	}
	if !get(b, "the text is kept", chromedp.Evaluate[bool](`document.getElementById('d-source').value.includes('# reworded')`)) {
		t.Errorf("the text sent is not in the form again")
	}
}
