package sqlite_test

import (
	"testing"

	"article5/storetest"
)

func TestAudienceAudit(t *testing.T) { storetest.RunAudienceAudit(t, openAudit) }
