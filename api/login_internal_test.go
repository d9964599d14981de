package api

import (
	"context"
	"testing"
	"time"

	"article5/sqlite"
)

// TestLoginLimiterShared: two limiters on one store (two serve processes
// of a node) count the same failures: a guesser that spreads its attempts
// over both waits as if it had used one, and a pair's failures are
// forgotten after LoginForget in both.
func TestLoginLimiterShared(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir()+"/article5.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, b := &loginLimiter{store: db}, &loginLimiter{store: db}
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	c := loginClient{addr: "192.0.2.7"}
	for i := range LoginFreeFailures {
		l := a
		if i%2 == 1 {
			l = b
		}
		if _, wait, err := l.attempt(ctx, now, "aiko", c); err != nil || wait != 0 {
			t.Fatalf("attempt %d: wait %v, err %v; want a free attempt", i+1, wait, err)
		}
	}
	for name, l := range map[string]*loginLimiter{"a": a, "b": b} {
		if _, wait, err := l.attempt(ctx, now, "aiko", c); err != nil || wait <= 0 {
			t.Errorf("process %s after %d failures over both: wait %v, err %v; want a wait", name, LoginFreeFailures, wait, err)
		}
	}
	// Another client of the same name is not slowed.
	if _, wait, err := b.attempt(ctx, now, "aiko", loginClient{addr: "192.0.2.8"}); err != nil || wait != 0 {
		t.Errorf("another address: wait %v, err %v; want none", wait, err)
	}
	later := now.Add(LoginForget + time.Second)
	if _, wait, err := b.attempt(ctx, later, "aiko", c); err != nil || wait != 0 {
		t.Errorf("after %v: wait %v, err %v; want the failures forgotten", LoginForget, wait, err)
	}
	// A success in one process forgets the pair's failures in both.
	var ticket loginTicket
	for range LoginFreeFailures - 1 {
		ticket, _, _ = a.attempt(ctx, later, "ren", c)
	}
	if err := a.succeed(ctx, later, ticket); err != nil {
		t.Fatal(err)
	}
	for range LoginFreeFailures {
		if _, wait, err := b.attempt(ctx, later, "ren", c); err != nil || wait != 0 {
			t.Fatalf("after a success: wait %v, err %v; want the pair's failures forgotten", wait, err)
		}
	}
}
