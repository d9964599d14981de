package sqlite_test

import (
	"testing"

	"article5/storetest"
)

func TestDoctrineAudit(t *testing.T) { storetest.RunDoctrineAudit(t, storetest.SQLite, openAudit) }
