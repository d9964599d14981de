package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"article5"
)

// SessionCookie is the name of the login session cookie. Its value is the
// session secret (32 random bytes, base64url); the store keeps only its
// sha256 (HashToken).
const SessionCookie = "article5_session"

// DefaultSessionTTL is how long a login session lasts by default.
const DefaultSessionTTL = 12 * time.Hour

// Login throttling: failed logins slow the client that makes them without
// locking the account's owner out (OWASP Authentication Cheat Sheet,
// "Protect Against Automated Attacks" and "Account Lockout"; OWASP "Slow
// Brute Force Attack Mitigation: Device Cookies"). docs/security-login.md
// gives the scheme and its reasons.
//
//   - Per name and client (a known device of the name, else the client
//     address): LoginFreeFailures failures are free; after that, each
//     further attempt waits LoginBackoffBase, doubling with every failure
//     up to LoginBackoffMax. A pair's failures are forgotten after
//     LoginForget without an attempt, or at its first success.
//   - Per name, for clients that are not a known device of it: at most
//     LoginNameCeiling failures per LoginCeilingWindow (a token bucket).
//   - Per client address, for clients that are not a known device of the
//     name they try: at most LoginAddressCeiling failures per
//     LoginCeilingWindow, whatever the names (password spraying).
//
// A known device presents a device cookie (DeviceCookie) that the node set
// at an earlier successful login as that name; it is held only to its own
// backoff, so no one else's failures can refuse it.
const (
	// LoginFreeFailures is how many failed logins a (name, client) pair
	// makes before it waits.
	LoginFreeFailures = 5
	// LoginBackoffBase is a pair's wait after its LoginFreeFailures-th
	// failure; each further failure doubles it.
	LoginBackoffBase = time.Second
	// LoginBackoffMax caps a pair's wait.
	LoginBackoffMax = 15 * time.Minute
	// LoginForget is how long a pair goes without an attempt before its
	// failures are forgotten.
	LoginForget = 24 * time.Hour
	// LoginNameCeiling is how many failures per LoginCeilingWindow one name
	// takes from clients that are not a known device of it.
	LoginNameCeiling = 100
	// LoginAddressCeiling is how many failures per LoginCeilingWindow one
	// client address makes, whatever the names, except as a known device.
	LoginAddressCeiling = 100
	// LoginCeilingWindow is the window of the two ceilings; their tokens
	// come back one every window/ceiling (36 s).
	LoginCeilingWindow = time.Hour
)

// DeviceCookie is the name of the login device cookie: proof that the
// browser or program holding it logged in successfully as one name
// before. Its value is "<device id>.<issued, unix seconds>.<name,
// base64url>.<HMAC-SHA256 under Options.DeviceKey, base64url>"; it is
// scoped to the login path and valid for DeviceCookieTTL from issue. A new
// one is set at every successful login.
const DeviceCookie = "article5_device"

// DeviceCookieTTL is how long a device cookie proves a known device.
const DeviceCookieTTL = 90 * 24 * time.Hour

// maxLoginBody limits a login request body; maxLoginName a login name (in
// bytes), which also bounds the rate limiter's keys.
const (
	maxLoginBody = 64 << 10
	maxLoginName = 256
)

// loginLimiter is login throttling: backoff per (name, client) and token
// buckets per name and per address, their state kept in the store
// (article5.ClusterService.UpdateLimits), so that every serve process of
// the node counts the same failures, each state forgotten once it is
// back to nothing (a pair LoginForget after its last failure, a bucket
// once full again). Its methods are safe for concurrent use.
type loginLimiter struct {
	store article5.ClusterService
}

// loginClient is who makes a login attempt: a known device of the name
// (device, the id of a valid device cookie), or else an address (addr,
// clientKey).
type loginClient struct {
	device string
	addr   string
}

// loginTicket names what an attempt counted, for succeed to undo.
type loginTicket struct {
	pair, name, addr string // "" when not counted
}

// The store keys of a ticket's states.
func (t loginTicket) keys() (pair, name, addr string, all []string) {
	pair = "pair\x00" + t.pair
	all = []string{pair}
	if t.name != "" {
		name = "name\x00" + t.name
		all = append(all, name)
	}
	if t.addr != "" {
		addr = "addr\x00" + t.addr
		all = append(all, addr)
	}
	return pair, name, addr, all
}

// attempt takes a login attempt at now for name by c: it returns how long
// c must wait, having counted nothing, or 0 having counted the attempt as
// a failure (until succeed says otherwise). Counting before the password
// is checked means concurrent guesses count too, in any process.
func (l *loginLimiter) attempt(ctx context.Context, now time.Time, name string, c loginClient) (loginTicket, time.Duration, error) {
	t := loginTicket{pair: "device\x00" + c.device}
	if c.device == "" {
		t = loginTicket{pair: "addr\x00" + c.addr + "\x00" + name, name: name, addr: c.addr}
	}
	return l.take(ctx, now, t)
}

// attemptKey is attempt for a password re-entry keyed by key alone (the
// sign endpoint: a user's session), with backoff and no ceilings.
func (l *loginLimiter) attemptKey(ctx context.Context, now time.Time, key string) (loginTicket, time.Duration, error) {
	return l.take(ctx, now, loginTicket{pair: key})
}

func (l *loginLimiter) take(ctx context.Context, now time.Time, t loginTicket) (loginTicket, time.Duration, error) {
	pk, nk, ak, keys := t.keys()
	var wait time.Duration
	err := l.store.UpdateLimits(ctx, now, keys, func(st map[string]*article5.LimitState) error {
		wait = 0
		if p := st[pk]; !p.Next.IsZero() {
			wait = max(wait, p.Next.Sub(now))
		}
		if nk != "" {
			wait = max(wait, bucketWait(st[nk], now, LoginCeilingWindow, LoginNameCeiling))
		}
		if ak != "" {
			wait = max(wait, bucketWait(st[ak], now, LoginCeilingWindow, LoginAddressCeiling))
		}
		if wait > 0 {
			return nil // nothing counted
		}
		p := st[pk]
		p.Fails++
		p.Next = now.Add(loginDelay(int(p.Fails)))
		p.Expires = now.Add(LoginForget)
		if nk != "" {
			bucketTake(st[nk], now, LoginCeilingWindow/LoginNameCeiling)
		}
		if ak != "" {
			bucketTake(st[ak], now, LoginCeilingWindow/LoginAddressCeiling)
		}
		return nil
	})
	if err != nil {
		return loginTicket{}, 0, err
	}
	if wait > 0 {
		return loginTicket{}, wait, nil
	}
	return t, 0, nil
}

// succeed undoes a counted attempt that succeeded: the pair's failures
// are forgotten and the attempt's tokens given back. Earlier failures of
// the name and address stay counted, so that a valid login does not reset
// a guesser's ceilings.
func (l *loginLimiter) succeed(ctx context.Context, now time.Time, t loginTicket) error {
	if t.pair == "" {
		return nil
	}
	pk, nk, ak, keys := t.keys()
	return l.store.UpdateLimits(ctx, now, keys, func(st map[string]*article5.LimitState) error {
		*st[pk] = article5.LimitState{}
		if nk != "" {
			bucketGive(st[nk], now, LoginCeilingWindow/LoginNameCeiling)
		}
		if ak != "" {
			bucketGive(st[ak], now, LoginCeilingWindow/LoginAddressCeiling)
		}
		return nil
	})
}

// loginDelay is the wait after fails failures: none for fewer than
// LoginFreeFailures, then LoginBackoffBase doubling, at most
// LoginBackoffMax.
func loginDelay(fails int) time.Duration {
	if fails < LoginFreeFailures {
		return 0
	}
	d := LoginBackoffBase
	for i := LoginFreeFailures; i < fails && d < LoginBackoffMax; i++ {
		d *= 2
	}
	return min(d, LoginBackoffMax)
}

// The buckets are token buckets in the form of the generic cell rate
// algorithm (ITU-T I.371): LimitState.TAT is the theoretical arrival
// time; a bucket of n tokens per window refills one token every window/n.
// A bucket is full once its TAT has passed, and is forgotten then.

// bucketWait is how long until b (n per window) has a token; ≤ 0: now.
func bucketWait(b *article5.LimitState, now time.Time, window time.Duration, n int) time.Duration {
	tat := b.TAT
	if tat.Before(now) {
		tat = now
	}
	return tat.Sub(now) - (window - window/time.Duration(n))
}

// bucketTake spends a token of b, refilled every interval.
func bucketTake(b *article5.LimitState, now time.Time, interval time.Duration) {
	if b.TAT.Before(now) {
		b.TAT = now
	}
	b.TAT = b.TAT.Add(interval)
	b.Expires = b.TAT
}

// bucketGive gives back a token of b, refilled every interval.
func bucketGive(b *article5.LimitState, now time.Time, interval time.Duration) {
	if b.TAT.IsZero() {
		return
	}
	b.TAT = b.TAT.Add(-interval)
	b.Expires = b.TAT
	if !b.TAT.After(now) {
		*b = article5.LimitState{}
	}
}

// ClientAddr returns the address of the client that sent r. It is the
// connection's peer (r.RemoteAddr) unless the peer is in trusted (the
// node's reverse proxies); then X-Forwarded-For (every such header, in
// order) is read from right to left, past the addresses in trusted, and
// the first address not in trusted is the client. Entries left of it are
// ignored: a client can write anything there. An entry that is not an
// address (with or without a port) ends the walk at the trusted hop that
// reported it; a chain of trusted hops only ends at its leftmost.
// IPv4-mapped IPv6 addresses are unmapped and zones dropped. The zero
// Addr if RemoteAddr is not an address (MDN, "X-Forwarded-For", security
// and privacy concerns).
func ClientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok || !inPrefixes(peer, trusted) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			return client
		}
		client = a
		if !inPrefixes(a, trusted) {
			return a
		}
	}
	return client
}

// parseHop parses "addr", "addr:port", "[v6]" or "[v6]:port", unmapped
// and without zone.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientKey is the limiter's key of a client address: an IPv4 address, or
// an IPv6 address's /64 (one host usually holds a whole /64, RFC 7421).
func clientKey(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is6():
		return netip.PrefixFrom(a, 64).Masked().String()
	default:
		return a.String()
	}
}

// deviceMAC is the HMAC-SHA256 of a device cookie's payload under key.
func deviceMAC(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("article5 login device v1\x00"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// newDeviceCookie returns a new device cookie value for name, issued now.
func newDeviceCookie(key []byte, name string, now time.Time) string {
	id := make([]byte, 16)
	_, _ = rand.Read(id) // crypto/rand.Read never fails (Go 1.24+)
	payload := base64.RawURLEncoding.EncodeToString(id) + "." + strconv.FormatInt(now.Unix(), 10) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(name))
	return payload + "." + base64.RawURLEncoding.EncodeToString(deviceMAC(key, payload))
}

// knownDevice returns the device id of r's device cookie if it is valid
// under key for name at now: its MAC matches, it names name, and it was
// issued less than DeviceCookieTTL ago. "" otherwise.
func knownDevice(r *http.Request, key []byte, name string, now time.Time) string {
	c, err := r.Cookie(DeviceCookie)
	if err != nil {
		return ""
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 {
		return ""
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil || !hmac.Equal(mac, deviceMAC(key, strings.Join(parts[:3], "."))) {
		return ""
	}
	issued, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return ""
	}
	if age := now.Sub(time.Unix(issued, 0)); age >= DeviceCookieTTL || age < -time.Minute {
		return ""
	}
	if n, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil || string(n) != name {
		return ""
	}
	return parts[0]
}

// tooManyAttempts is the 429 of throttled logins and password re-entries,
// with Retry-After in whole seconds, rounded up.
func tooManyAttempts(w http.ResponseWriter, wait time.Duration, msg string) error {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return &apiError{status: http.StatusTooManyRequests, code: article5.EUNAUTHORIZED, msg: fmt.Sprintf("%s; try again in %d s", msg, secs)}
}

// userJSON is a user as the API shows it (never the password hash).
type userJSON struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Party       article5.Party  `json:"party"`
	Roles       []article5.Role `json:"roles"`
	Org         string          `json:"org"`
	Communities []string        `json:"communities"`
	Created     time.Time       `json:"created"`
}

func viewUser(u *article5.User) userJSON {
	v := userJSON{ID: u.ID, Name: u.Name, Party: u.Party, Roles: u.Roles, Org: u.Org, Communities: u.Communities, Created: u.Created}
	if v.Roles == nil {
		v.Roles = []article5.Role{}
	}
	if v.Communities == nil {
		v.Communities = []string{}
	}
	return v
}

// errBadLogin is the one answer to a wrong name, a wrong password or a
// disabled user, so that the answer does not tell which.
func errBadLogin() error {
	return article5.Errorf(article5.EUNAUTHORIZED, "wrong name or password")
}

// login checks {"name","password"} and starts a session: 200 {"user":…}
// with a new session cookie. Every login issues a new random session
// secret; a session the request already carried is ended, so a session id
// planted before login is never the one after it (session fixation, OWASP
// Session Management Cheat Sheet). An unknown name is checked against a
// dummy hash, so it answers in the time a wrong password does. Failed
// logins are throttled (429 with Retry-After; see LoginFreeFailures): per
// name and client, and, for clients that are not a known device of the
// name, per name and per address. A successful login also sets a new
// device cookie (DeviceCookie) that makes this client a known device of
// the name.
func (s *server) login(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLoginBody))
	if err := dec.Decode(&in); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return tooLarge(maxLoginBody)
		}
		if errors.Is(err, io.EOF) {
			return article5.Invalid("the request body must be a JSON object {\"name\",\"password\"}")
		}
		return article5.Invalid("the request body must be a JSON object {\"name\",\"password\"}", article5.Detail{Pointer: "", Message: "not valid JSON"})
	}
	if in.Name == "" || in.Password == "" {
		return article5.Invalid("name and password are required",
			article5.Detail{Pointer: "/name", Message: "a login name"}, article5.Detail{Pointer: "/password", Message: "the password"})
	}
	if len(in.Name) > maxLoginName {
		return article5.Invalid("the login name is too long", article5.Detail{Pointer: "/name", Message: fmt.Sprintf("at most %d bytes", maxLoginName)})
	}
	u, wait, err := s.startSession(w, r, in.Name, in.Password, http.SameSiteStrictMode, "/api/v1/login")
	if wait > 0 {
		return tooManyAttempts(w, wait, "too many failed logins")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"user": viewUser(u)})
	return nil
}

// endSession deletes the session whose cookie r carries, if any.
func (s *server) endSession(r *http.Request) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return
	}
	sess, err := s.n.Store.FindSessionByHash(r.Context(), HashToken(c.Value))
	if err != nil {
		return
	}
	if err := s.n.Store.DeleteSession(r.Context(), sess.ID); err != nil {
		s.log.WarnContext(r.Context(), "end session", "err", err.Error())
	}
}

// logout ends the request's session (if any) and clears its cookie: 204.
// It is idempotent.
func (s *server) logout(w http.ResponseWriter, r *http.Request) error {
	s.endSession(r)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// me describes the authenticated caller: {"user":…} for a session,
// {"token":{"id","name","party","org"}} for an API token.
func (s *server) me(w http.ResponseWriter, r *http.Request) error {
	p, ok := r.Context().Value(principalKey).(*principal)
	if !ok {
		return article5.Errorf(article5.EUNAUTHORIZED, "authentication is required")
	}
	if p.user != nil {
		writeJSON(w, http.StatusOK, map[string]any{"user": viewUser(p.user)})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": map[string]any{
		"id": p.token.ID, "name": p.token.Name, "party": p.token.Party, "org": p.token.Org}})
	return nil
}

// startSession checks name and password under the login throttling and, on
// success, replaces the session r carried with a new one whose cookie (with
// sameSite) it sets on w, with a new device cookie scoped to devicePath
// (the login path that reads it). wait > 0: the client
// must wait that long; nothing was checked. Errors: EINVALID for a too long
// name, EUNAUTHORIZED for a wrong name or password (errBadLogin), the
// store's.
// newSession ends the session r carried, if any, and starts one for u,
// setting its cookie (HttpOnly, Secure under TLS, sameSite).
func (s *server) newSession(w http.ResponseWriter, r *http.Request, u *article5.User, sameSite http.SameSite) error {
	now := s.now()
	s.endSession(r)
	secret, hash := NewToken()
	sess := &article5.Session{UserID: u.ID, Created: now, Expires: now.Add(s.opts.SessionTTL)}
	if err := s.n.Store.CreateSession(r.Context(), sess, hash); err != nil {
		return err
	}
	if i, ok := r.Context().Value(infoKey).(*reqInfo); ok {
		i.principal = u.ID
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", Expires: sess.Expires,
		MaxAge: int(s.opts.SessionTTL / time.Second), HttpOnly: true, Secure: r.TLS != nil, SameSite: sameSite})
	return nil
}

func (s *server) startSession(w http.ResponseWriter, r *http.Request, name, password string, sameSite http.SameSite, devicePath string) (*article5.User, time.Duration, error) {
	if name == "" || password == "" {
		return nil, 0, article5.Invalid("name and password are required",
			article5.Detail{Pointer: "/name", Message: "a login name"}, article5.Detail{Pointer: "/password", Message: "the password"})
	}
	if len(name) > maxLoginName {
		return nil, 0, article5.Invalid("the login name is too long", article5.Detail{Pointer: "/name", Message: fmt.Sprintf("at most %d bytes", maxLoginName)})
	}
	now := s.now()
	client := loginClient{device: knownDevice(r, s.opts.DeviceKey, name, now)}
	if client.device == "" {
		client.addr = clientKey(ClientAddr(r, s.opts.TrustedProxies))
	}
	ticket, wait, err := s.limiter.attempt(r.Context(), now, name, client)
	if err != nil {
		return nil, 0, err
	}
	if wait > 0 {
		return nil, wait, nil
	}
	u, err := s.n.Store.FindUserByName(r.Context(), name)
	switch {
	case article5.ErrorCode(err) == article5.ENOTFOUND:
		CheckPassword(dummyHash(), password)
		return nil, 0, errBadLogin()
	case err != nil:
		return nil, 0, err // counted as a failed attempt: a store fault is no way around the limit
	}
	if !CheckPassword(u.PasswordHash, password) || u.Disabled {
		return nil, 0, errBadLogin()
	}
	if err := s.limiter.succeed(r.Context(), now, ticket); err != nil {
		return nil, 0, err
	}
	if err := s.newSession(w, r, u, sameSite); err != nil {
		return nil, 0, err
	}
	http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: newDeviceCookie(s.opts.DeviceKey, name, now), Path: devicePath,
		Expires: now.Add(DeviceCookieTTL), MaxAge: int(DeviceCookieTTL / time.Second), HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode})
	return u, 0, nil
}
