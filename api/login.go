package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"article5"
)

// SessionCookie is the name of the login session cookie. Its value is the
// session secret (32 random bytes, base64url); the store keeps only its
// sha256 (HashToken).
const SessionCookie = "article5_session"

// DefaultSessionTTL is how long a login session lasts by default.
const DefaultSessionTTL = 12 * time.Hour

// Login rate limiting: a user name or a client IP address with
// LoginFailures failed logins within LoginWindow is refused (429) until the
// oldest of them leaves the window. OWASP Authentication Cheat Sheet,
// "Protect Against Automated Attacks".
const (
	LoginFailures = 5
	LoginWindow   = time.Minute
)

// maxLoginBody limits a login request body; maxLoginName a login name (in
// bytes), which also bounds the rate limiter's keys.
const (
	maxLoginBody = 64 << 10
	maxLoginName = 256
)

// loginLimiter counts failed logins per key ("name:<name>", "ip:<addr>")
// in a sliding window.
type loginLimiter struct {
	mu    sync.Mutex
	fails map[string][]time.Time
}

// attempt records a login attempt at now for every key, as a failure
// until succeed says otherwise, and returns 0; or, when a key is already at
// the limit, records nothing and returns how long until it is not. Taking
// the attempt before the password is checked means concurrent guesses
// count too: no more than LoginFailures are checked per window.
func (l *loginLimiter) attempt(now time.Time, keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 100_000 { // bound memory: forget keys with no recent failure
		for k := range l.fails {
			l.recent(k, now)
		}
	}
	var wait time.Duration
	for _, k := range keys {
		ts := l.recent(k, now)
		if len(ts) >= LoginFailures {
			wait = max(wait, ts[len(ts)-LoginFailures].Add(LoginWindow).Sub(now))
		}
	}
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		l.fails[k] = append(l.fails[k], now)
	}
	return 0
}

// recent drops the failures of k outside the window and returns the rest.
// l.mu is held.
func (l *loginLimiter) recent(k string, now time.Time) []time.Time {
	ts := l.fails[k]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-LoginWindow)) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, k)
	} else {
		l.fails[k] = ts
	}
	return ts
}

// succeed undoes the attempt at now for addrKey and forgets every failure
// of nameKey. An address's earlier failures are kept, so that one valid
// account does not reset a guesser's budget.
func (l *loginLimiter) succeed(now time.Time, nameKey, addrKey string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, nameKey)
	ts := l.fails[addrKey]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(now) {
			l.fails[addrKey] = append(ts[:i:i], ts[i+1:]...)
			break
		}
	}
}

// clientIP is the request's peer address without the port. Forwarding
// headers are not trusted: behind a proxy, every client shares the
// proxy's address and its budget.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
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
// logins are rate limited per name and per client address (429).
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
	now := s.now()
	keys := []string{"name:" + in.Name, "ip:" + clientIP(r)}
	if wait := s.limiter.attempt(now, keys...); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
		return &apiError{status: http.StatusTooManyRequests, code: article5.EUNAUTHORIZED,
			msg: "too many failed logins for this name or address; try again later"}
	}
	u, err := s.n.Store.FindUserByName(r.Context(), in.Name)
	switch {
	case article5.ErrorCode(err) == article5.ENOTFOUND:
		CheckPassword(dummyHash(), in.Password)
		return errBadLogin()
	case err != nil:
		return err // counted as a failed attempt: a store fault is no way around the limit
	}
	if !CheckPassword(u.PasswordHash, in.Password) || u.Disabled {
		return errBadLogin()
	}
	s.limiter.succeed(now, keys[0], keys[1])
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
		MaxAge: int(s.opts.SessionTTL / time.Second), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
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
