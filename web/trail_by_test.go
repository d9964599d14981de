package web_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"article5"
	"article5/api"
	"article5/audit"
)

// trailRow is one row of a case page's audit trail as shown.
type trailRow struct{ index, kind, ref, by string }

var trailRowHTML = regexp.MustCompile(`<tr id="entry-(\d+)"><td>\d+</td><td>(.*?)<br><code translate="no" class="ref">(.*?)</code></td><td>.*?</td><td><code translate="no">(.*?)</code></td>`)

// trailRows returns the trail rows of a case page.
func trailRows(t *testing.T, body string) []trailRow {
	t.Helper()
	var out []trailRow
	for _, m := range trailRowHTML.FindAllStringSubmatch(between(t, body, `id="trail"`, `</section>`), -1) {
		out = append(out, trailRow{m[1], m[2], m[3], m[4]})
	}
	return out
}

// onEachStore runs f on an env over SQLite, and over PostgreSQL when
// ARTICLE5_TEST_POSTGRES is set.
func onEachStore(t *testing.T, f func(*testing.T, *env)) {
	t.Run("SQLite", func(t *testing.T) { f(t, MustEnv(t)) })
	t.Run("PostgreSQL", func(t *testing.T) {
		if os.Getenv("ARTICLE5_TEST_POSTGRES") == "" {
			t.Skip("ARTICLE5_TEST_POSTGRES is not set")
		}
		f(t, envOn(t, openBenchStore(t, "postgres"), jpOrg))
	})
}

// mustConcludedWithObserver files the dam-control example as the JP
// analyst, concludes its consultation jointly, adds a U.S. observer
// ("us-observer") and returns the case id.
func mustConcludedWithObserver(t *testing.T, e *env) string {
	t.Helper()
	e.MustApprovers(t)
	obs := article5.User{Name: "us-observer", Party: article5.PartyUS, Roles: []article5.Role{article5.RoleObserver}, Org: usOrg, PasswordHash: api.HashPassword(password)}
	if err := e.db.CreateUser(context.Background(), &obs); err != nil {
		t.Fatal(err)
	}
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	const id = "grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41"
	e.MustConclude(t, id, "armed-attack-possible")
	return id
}

// TestCaseTrailBy: after a consultation driven to a joint determination,
// every row of the case's trail names who made the change — each step
// its user, each signed position its own row by its approver, the
// determination the approver whose signature concluded it, what the node
// computed (case row, assessments, evidence index) the node — and a user
// sees the user only within their own organisation: an observer of the
// other Party sees that Party's organisation alone. The log stays intact.
// On SQLite, and on PostgreSQL when ARTICLE5_TEST_POSTGRES is set.
func TestCaseTrailBy(t *testing.T) {
	onEachStore(t, testCaseTrailBy)
}

func testCaseTrailBy(t *testing.T, e *env) {
	ctx := context.Background()
	id := mustConcludedWithObserver(t, e)
	ids := map[string]string{} // user name → id
	for _, name := range []string{"jp-analyst", "jp-legal", "jp-approver", "us-legal", "us-approver"} {
		u, err := e.db.FindUserByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = u.ID
	}
	// What each step is and who made it, in the order they were logged.
	steps := []struct{ kind, user string }{
		{"case or consultation step", "jp-analyst"}, // opened
		{"case or consultation step", "jp-analyst"}, // requested
		{"position recorded", "jp-legal"},
		{"position recorded", "us-legal"},
		{"position signed", "jp-approver"},
		{"position signed", "us-approver"},
		{"determination", "us-approver"},
	}
	for _, v := range []struct{ viewer, org, other string }{{"jp-observer", jpOrg, usOrg}, {"us-observer", usOrg, jpOrg}} {
		c := e.client(t, "en")
		c.MustLogin(t, v.viewer)
		p := c.get(t, "/cases/"+id)
		if p.status != 200 {
			t.Fatalf("%s: case page %d", v.viewer, p.status)
		}
		rows := trailRows(t, p.body)
		var consult []trailRow
		for _, r := range rows {
			switch {
			case r.by == "" || r.by == "—":
				t.Errorf("%s: row %s (%s %s) names nobody", v.viewer, r.index, r.kind, r.ref)
			case r.ref == "consultations/"+id:
				consult = append(consult, r)
			case r.by != article5.PrincipalNode:
				t.Errorf("%s: row %s (%s %s) by %q, want the node", v.viewer, r.index, r.kind, r.ref, r.by)
			}
		}
		if len(consult) != len(steps) {
			t.Fatalf("%s: %d consultation rows %+v, want %d", v.viewer, len(consult), consult, len(steps))
		}
		for i, s := range steps {
			r := consult[i]
			org := usOrg
			if strings.HasPrefix(s.user, "jp-") {
				org = jpOrg
			}
			want := org // another organisation's user: the organisation alone
			if org == v.org {
				want = audit.ByOf(ids[s.user], org)
			}
			if r.kind != s.kind || r.by != want {
				t.Errorf("%s: consultation row %d is %q by %q, want %q by %q (%s)", v.viewer, i, r.kind, r.by, s.kind, want, s.user)
			}
		}
		// No user of the other organisation is named anywhere on the page.
		for name, uid := range ids {
			if !strings.HasPrefix(name, "jp-") == (v.org == jpOrg) && strings.Contains(p.body, uid) {
				t.Errorf("%s: the page names %s (%s) of the other organisation", v.viewer, name, uid)
			}
		}
	}
	rep, err := e.db.(audit.Store).AuditVerifyDeep(ctx)
	if err != nil || !rep.Intact() {
		t.Fatalf("audit verify after the consultation: %v %v", err, rep.Err())
	}
}
