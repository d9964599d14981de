package sqlstore

import (
	"context"
	"crypto/rand"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"article5"
)

// AcquireLease takes or renews the lease name for holder until
// Now()+ttl; see article5.ClusterService. One statement: an upsert whose
// update applies only when the lease is holder's or has expired, so that
// of two processes racing for a free lease exactly one gets it.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, article5.Errorf(article5.EINVALID, "a lease needs a name, a holder and a positive duration")
	}
	now := db.now()
	n, err := db.drv.Write().Exec(ctx, `INSERT INTO leases (name, holder, lease_until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
		WHERE leases.holder = excluded.holder OR leases.lease_until <= ?`,
		name, holder, now.Add(ttl).UnixNano(), now.UnixNano())
	if err != nil {
		return false, article5.Internal(db.op("acquire lease"), err)
	}
	return n > 0, nil
}

// ReleaseLease gives up the lease name if holder holds it.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := db.drv.Write().Exec(ctx, `UPDATE leases SET lease_until = 0 WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return article5.Internal(db.op("release lease"), err)
	}
	return nil
}

// LeaseHolder returns who holds the lease name and until when ("" when
// no one does, by the store's clock).
func (db *DB) LeaseHolder(ctx context.Context, name string) (string, time.Time, error) {
	var holder string
	var until int64
	err := db.drv.Read().QueryRow(ctx, `SELECT holder, lease_until FROM leases WHERE name = ?`, name).Scan(&holder, &until)
	if isNoRows(err) || err == nil && until <= db.now().UnixNano() {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, article5.Internal(db.op("lease holder"), err)
	}
	return holder, fromNano(until), nil
}

// limitSweep is how often UpdateLimits deletes the expired states.
const limitSweep = time.Minute

// UpdateLimits runs f on the login throttling states of keys under
// LockLimits; see article5.ClusterService.
func (db *DB) UpdateLimits(ctx context.Context, now time.Time, keys []string, f func(map[string]*article5.LimitState) error) error {
	op := db.op("update login limits")
	tx, err := db.begin(ctx, op, LockLimits)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if last := db.limitsSwept.Load(); now.UnixNano()-last >= int64(limitSweep) && db.limitsSwept.CompareAndSwap(last, now.UnixNano()) {
		if _, err := tx.Exec(ctx, `DELETE FROM login_limits WHERE expires <= ?`, now.UnixNano()); err != nil {
			return article5.Internal(op, err)
		}
	}
	states := make(map[string]*article5.LimitState, len(keys))
	before := make(map[string]article5.LimitState, len(keys))
	// The keys are stored escaped (limitKey): PostgreSQL's text takes no
	// NUL, which the callers' keys use as a separator.
	stored := make([]string, len(keys))
	callers := make(map[string]string, len(keys))
	for i, k := range keys {
		states[k] = &article5.LimitState{}
		stored[i] = limitKey(k)
		callers[stored[i]] = k
	}
	in, arg := db.d.In("limit_key", stored)
	err = each(ctx, tx, func(r Row) error {
		var k string
		var fails, next, tat, expires int64
		if err := r.Scan(&k, &fails, &next, &tat, &expires); err != nil {
			return err
		}
		s := article5.LimitState{Fails: fails, Expires: fromNano(expires)}
		if next != 0 {
			s.Next = fromNano(next)
		}
		if tat != 0 {
			s.TAT = fromNano(tat)
		}
		k = callers[k]
		*states[k], before[k] = s, s
		return nil
	}, `SELECT limit_key, fails, next_at, tat, expires FROM login_limits WHERE `+in+` AND expires > ?`, arg, now.UnixNano())
	if err != nil {
		return article5.Internal(op, err)
	}
	if err := f(states); err != nil {
		return err
	}
	for k, s := range states {
		if b, ok := before[k]; ok && b == *s {
			continue
		}
		if s.Expires.IsZero() || !s.Expires.After(now) {
			if _, err := tx.Exec(ctx, `DELETE FROM login_limits WHERE limit_key = ?`, limitKey(k)); err != nil {
				return article5.Internal(op, err)
			}
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO login_limits (limit_key, fails, next_at, tat, expires) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (limit_key) DO UPDATE SET fails = excluded.fails, next_at = excluded.next_at, tat = excluded.tat, expires = excluded.expires`,
			limitKey(k), s.Fails, toNano(s.Next), toNano(s.TAT), s.Expires.UnixNano()); err != nil {
			return article5.Internal(op, err)
		}
	}
	return commit(ctx, op, tx)
}

// limitKey is how a login_limits key is stored: '%' and NUL escaped as
// %25 and %00 (one to one; PostgreSQL's text holds no NUL).
func limitKey(k string) string { return limitEscaper.Replace(k) }

var limitEscaper = strings.NewReplacer("%", "%25", "\x00", "%00")

// SharedKey returns the node's secret called name, making it on first
// use (the first of several processes to insert it wins).
func (db *DB) SharedKey(ctx context.Context, name string) ([]byte, error) {
	op := db.op("shared key")
	var key []byte
	err := db.drv.Read().QueryRow(ctx, `SELECT secret FROM shared_keys WHERE name = ?`, name).Scan(&key)
	if err == nil {
		return key, nil
	}
	if !isNoRows(err) {
		return nil, article5.Internal(op, err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	if _, err := db.drv.Write().Exec(ctx, `INSERT INTO shared_keys (name, secret, created) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		name, b, db.now().UnixNano()); err != nil {
		return nil, article5.Internal(op, err)
	}
	if err := db.drv.Write().QueryRow(ctx, `SELECT secret FROM shared_keys WHERE name = ?`, name).Scan(&key); err != nil {
		return nil, article5.Internal(op, err)
	}
	return key, nil
}

// DoctrineGeneration is the number of doctrine versions stored: versions
// are only ever added.
func (db *DB) DoctrineGeneration(ctx context.Context) (int64, error) {
	var n int64
	if err := db.drv.Read().QueryRow(ctx, `SELECT count(*) FROM doctrines`).Scan(&n); err != nil {
		return 0, article5.Internal(db.op("doctrine generation"), err)
	}
	return n, nil
}

// Changes returns the channel closed at the next change of topic; see
// article5.ClusterService. The first call starts listening to the other
// processes (Driver.Listen) until Close.
func (db *DB) Changes(topic article5.Topic) <-chan struct{} {
	db.listenOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		db.stopListen = cancel
		db.listening.Add(1)
		go func() {
			defer db.listening.Done()
			db.drv.Listen(ctx, func(t string) { db.signals.fire(article5.Topic(t)) })
		}()
	})
	return db.signals.wait(topic)
}

// notify runs, inside tx, the statement that tells the other processes of
// a change of topic when tx commits (Dialect.Notify).
func (db *DB) notify(ctx context.Context, tx Tx, topic article5.Topic) error {
	if st := db.d.Notify(string(topic)); st != "" {
		if _, err := tx.Exec(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// signals are the channels of Changes: one per topic, closed and replaced
// at each change.
type signals struct {
	mu sync.Mutex
	ch map[article5.Topic]chan struct{}
}

func (s *signals) wait(t article5.Topic) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = map[article5.Topic]chan struct{}{}
	}
	c, ok := s.ch[t]
	if !ok {
		c = make(chan struct{})
		s.ch[t] = c
	}
	return c
}

// fire wakes the waiters of t, or of every topic when t is "".
func (s *signals) fire(t article5.Topic) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, c := range s.ch {
		if t == "" || k == t {
			close(c)
			delete(s.ch, k)
		}
	}
}

// clusterState is the DB's part of the cluster service.
type clusterState struct {
	signals     signals
	listenOnce  sync.Once
	stopListen  context.CancelFunc
	listening   sync.WaitGroup
	limitsSwept atomic.Int64 // unix ns of the last sweep of login_limits
	quotasSwept atomic.Int64 // unix ns of the last sweep of quotas
}

// quotaSweep is how often TakeQuota deletes the buckets full again.
const quotaSweep = time.Minute

// TakeQuota takes n tokens from the bucket key; see
// article5.ClusterService. A take is one statement: an upsert whose update
// applies only when the tokens are there, which moves the bucket's
// theoretical arrival time (tat) on by n intervals, so that of processes
// taking at once none takes what another took. A refusal, or a look
// without take, reads the tat to say how long to wait.
func (db *DB) TakeQuota(ctx context.Context, key string, now time.Time, n int64, interval time.Duration, burst int64, take bool) (time.Duration, error) {
	if key == "" || n < 0 || interval <= 0 || burst <= 0 {
		return 0, article5.Errorf(article5.EINVALID, "a quota needs a key, a positive interval and burst, and a count of at least 0")
	}
	if n > burst {
		return time.Duration(math.MaxInt64), nil
	}
	op := db.op("take quota")
	t, cost, limit := now.UnixNano(), n*int64(interval), burst*int64(interval)
	if last := db.quotasSwept.Load(); t-last >= int64(quotaSweep) && db.quotasSwept.CompareAndSwap(last, t) {
		if _, err := db.drv.Write().Exec(ctx, `DELETE FROM quotas WHERE tat <= ?`, t); err != nil {
			return 0, article5.Internal(op, err)
		}
	}
	if take {
		// A new key's bucket is full: n ≤ burst fits.
		changed, err := db.drv.Write().Exec(ctx, `INSERT INTO quotas (quota_key, tat) VALUES (?, ?)
			ON CONFLICT (quota_key) DO UPDATE SET tat = (CASE WHEN quotas.tat > ? THEN quotas.tat ELSE ? END) + ?
			WHERE (CASE WHEN quotas.tat > ? THEN quotas.tat ELSE ? END) + ? - ? <= ?`,
			key, t+cost, t, t, cost, t, t, cost, t, limit)
		if err != nil {
			return 0, article5.Internal(op, err)
		}
		if changed > 0 {
			return 0, nil
		}
	}
	var tat int64
	err := db.drv.Write().QueryRow(ctx, `SELECT tat FROM quotas WHERE quota_key = ?`, key).Scan(&tat)
	if isNoRows(err) {
		tat, err = 0, nil
	}
	if err != nil {
		return 0, article5.Internal(op, err)
	}
	wait := time.Duration(max(tat, t) + cost - t - limit)
	if take {
		// Refused: the bucket may have filled since, but nothing was taken.
		wait = max(wait, time.Millisecond)
	}
	return max(wait, 0), nil
}
