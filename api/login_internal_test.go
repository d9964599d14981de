package api

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestLoginLimiterBounded: a spray of names and addresses does not grow
// the limiter past its bound, and idle entries are forgotten.
func TestLoginLimiterBounded(t *testing.T) {
	const size = 64
	l := newLoginLimiter(size)
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	for i := range 5000 {
		c := loginClient{addr: clientKey(netip.MustParseAddr(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)))}
		if i%3 == 0 {
			c = loginClient{device: fmt.Sprintf("device%d", i)}
		}
		l.attempt(now, fmt.Sprintf("name%d", i), c)
		l.attemptKey(now, fmt.Sprintf("sign\x00user\x00session%d", i))
	}
	for name, n := range map[string]int{"pairs": l.pairs.len(), "names": l.names.len(), "addresses": l.addrs.len()} {
		if n > size {
			t.Errorf("%s: %d entries, want at most %d", name, n, size)
		}
	}
	l.attempt(now.Add(LoginForget+time.Second), "late", loginClient{addr: "192.0.2.1"})
	if p, n, a := l.pairs.len(), l.names.len(), l.addrs.len(); p != 1 || n != 1 || a != 1 {
		t.Errorf("after %v idle: %d pairs, %d names, %d addresses; want only the new attempt's", LoginForget, p, n, a)
	}
}
