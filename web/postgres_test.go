package web_test

import (
	"os"
	"strings"
	"testing"
)

// TestPagesOnPostgres: on PostgreSQL a user logs in with the password
// form (the login throttle's keys hold NUL separators, which PostgreSQL's
// text refuses unless the store escapes them), and the case page shows
// its verified audit trail. Skipped without ARTICLE5_TEST_POSTGRES.
func TestPagesOnPostgres(t *testing.T) {
	if os.Getenv("ARTICLE5_TEST_POSTGRES") == "" {
		t.Skip("ARTICLE5_TEST_POSTGRES is not set")
	}
	e := envOn(t, openBenchStore(t, "postgres"), jpOrg)
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	c := e.client(t, "en")
	c.MustLogin(t, "jp-analyst")
	p := c.get(t, "/cases/grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41")
	n := len(entryRow.FindAllString(p.body, -1))
	if p.status != 200 || n == 0 || !strings.Contains(p.body, "entries verified") || strings.Contains(p.body, "not verified") {
		t.Errorf("case page on PostgreSQL: %d, %d trail entries", p.status, n)
	}
	if d := c.get(t, "/"); d.status != 200 {
		t.Errorf("dashboard on PostgreSQL: %d", d.status)
	}
}
