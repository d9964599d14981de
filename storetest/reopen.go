package storetest

import (
	"testing"

	"article5"
)

// Reopenable is what the audit suites open (the open of RunAudit and
// RunAuditUpgrade): a store opened with open (closed when the test ends);
// an Exec that runs a statement on the store's database behind its back,
// with run, failing the test on an error; and a function that closes the
// store and opens the same database again.
func Reopenable[S article5.Store](tb testing.TB, open func() (S, error), run func(query string) error) (article5.Store, Exec, func() article5.Store) {
	tb.Helper()
	opened := func() article5.Store {
		tb.Helper()
		s, err := open()
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { s.Close() })
		return s
	}
	var s article5.Store = opened()
	exec := func(tb testing.TB, q string) {
		tb.Helper()
		if err := run(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	return s, exec, func() article5.Store {
		s.Close()
		s = opened()
		return s
	}
}

// WithoutReopen is open (an adapter's Reopenable) without its reopen
// function: the open of the suites that never reopen.
func WithoutReopen(open func(t *testing.T) (article5.Store, Exec, func() article5.Store)) func(t *testing.T) (article5.Store, Exec) {
	return func(t *testing.T) (article5.Store, Exec) {
		s, exec, _ := open(t)
		return s, exec
	}
}
