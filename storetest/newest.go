package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"article5"
)

// RunNewestAndAddedTimes checks, on a store seeded by SeedScale with 200
// cases, for the holder's analyst, the RED cases' named organisation and a
// stranger, that a newest-first read (ObjectFilter.Newest) gives the last
// objects of the date-added order in reverse, with no Next, and refuses a
// cursor; and that the store's AddedTimes (when it has it) gives the
// dates added of exactly the objects FindObjects gives, in order, capped
// at its limit.
func RunNewestAndAddedTimes(t *testing.T, s article5.Store) {
	ctx := context.Background()
	SeedScale(t, s, 200, "7e57e57e")
	at, hasAdded := s.(interface {
		AddedTimes(context.Context, article5.ObjectFilter) ([]time.Time, bool, error)
	})
	for _, c := range []struct {
		name string
		a    article5.Audience
	}{{"holder", ScaleHolder}, {"named", ScaleNamedOne}, {"stranger", ScaleStranger}} {
		t.Run(c.name, func(t *testing.T) {
			aud := c.a
			f := article5.ObjectFilter{Types: []string{"incident"}, Limit: 1000, Audience: &aud}
			var all []*article5.StoredObject
			for {
				p, err := s.FindObjects(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, p.Objects...)
				if f.Cursor = p.Next; f.Cursor == "" {
					break
				}
			}
			f.Cursor = ""
			f.Limit, f.Newest = 15, true
			p, err := s.FindObjects(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(all[max(0, len(all)-15):])
			slices.Reverse(want)
			if len(p.Objects) != len(want) || p.Next != "" {
				t.Fatalf("newest: %d objects (next %q), want %d", len(p.Objects), p.Next, len(want))
			}
			for i := range want {
				if p.Objects[i].ID != want[i].ID {
					t.Errorf("newest[%d] = %s, want %s", i, p.Objects[i].ID, want[i].ID)
				}
			}
			if _, err := s.FindObjects(ctx, article5.ObjectFilter{Newest: true, Cursor: "x", Audience: &aud}); article5.ErrorCode(err) != article5.EINVALID {
				t.Errorf("newest with a cursor: %v, want EINVALID", err)
			}
			if !hasAdded {
				return
			}
			f.Newest, f.Limit = false, 0
			times, more, err := at.AddedTimes(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if more || len(times) != len(all) {
				t.Fatalf("added times: %d (more %v), want %d", len(times), more, len(all))
			}
			for i := range all {
				if !times[i].Equal(all[i].Added) {
					t.Fatalf("added[%d] = %v, want %v", i, times[i], all[i].Added)
				}
			}
			if len(all) > 10 {
				f.Limit = 10
				times, more, err = at.AddedTimes(ctx, f)
				if err != nil || !more || len(times) != 10 {
					t.Errorf("added times, limit 10: %d (more %v, %v)", len(times), more, err)
				}
			}
		})
	}
}
