package article5

import (
	"context"
	"time"
)

// Topic names a kind of change a store tells its waiters of
// (ClusterService.Changes).
type Topic string

// The topics of ClusterService.Changes.
const (
	// TopicEvents: events were recorded (the event stream reads on).
	TopicEvents Topic = "events"
	// TopicJobs: cases were queued for re-assessment (the worker claims).
	TopicJobs Topic = "jobs"
)

// LimitState is the stored state of one login throttling key (package
// api): a failure count and the earliest next attempt (a backoff), the
// theoretical arrival time of a token bucket (the generic cell rate
// algorithm), and when the state may be forgotten. The zero LimitState is
// a key with no history.
type LimitState struct {
	Fails   int64
	Next    time.Time // zero: none
	TAT     time.Time // zero: a full bucket
	Expires time.Time // zero: delete the state
}

// ClusterService is what the serve processes of one node share through
// the store, so that several can run on one database (PostgreSQL; SQLite
// has one process, and the same behaviour): leases on background work,
// login throttling, shared keys, and news of changes made by any process.
// docs/scaling-out.md.
type ClusterService interface {
	// AcquireLease takes the lease name for holder, or renews it, until
	// now+ttl by the store's clock, if it is free, expired, or holder's
	// already; it reports whether holder now holds it. A holder that
	// stops renewing loses the lease when it expires.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives up the lease name if holder holds it, so that
	// another process takes it at once.
	ReleaseLease(ctx context.Context, name, holder string) error
	// LeaseHolder returns the holder of lease name and until when; ""
	// and the zero time when no one holds it.
	LeaseHolder(ctx context.Context, name string) (string, time.Time, error)
	// UpdateLimits calls f with the states of keys (a key with no state,
	// or whose state expired by now, has the zero state) inside one
	// transaction that holds every other UpdateLimits off, and stores
	// what f leaves in the map (a state whose Expires is zero or not after
	// now is deleted). States expired by now are swept from time to
	// time, so that what is kept is bounded by the keys used within their
	// expiry. An error from f is returned and nothing is stored.
	UpdateLimits(ctx context.Context, now time.Time, keys []string, f func(states map[string]*LimitState) error) error
	// TakeQuota takes n tokens from the token bucket key (a request or
	// ingest quota: one token each interval, holding at most burst) at
	// now, in one atomic step that every process sees: wait is 0 when
	// they were there (and, with take, they are taken), else how long
	// until they would be (nothing is taken). More than burst is never
	// there: wait is then math.MaxInt64. Buckets full again by now are
	// swept from time to time, so what is kept is bounded by the keys used
	// within a burst's time.
	TakeQuota(ctx context.Context, key string, now time.Time, n int64, interval time.Duration, burst int64, take bool) (wait time.Duration, err error)
	// SharedKey returns the node's 32-byte secret called name (from
	// crypto/rand), making it on first use; every process gets the same.
	SharedKey(ctx context.Context, name string) ([]byte, error)
	// DoctrineGeneration returns a number that grows whenever a doctrine
	// version is saved (by any process): a cheap check of whether the
	// doctrines in force must be read again.
	DoctrineGeneration(ctx context.Context) (int64, error)
	// Changes returns a channel that is closed at the next change of
	// topic committed by any process of the node (PostgreSQL: LISTEN and
	// NOTIFY; SQLite: this process's commits), or when news may have been
	// missed (a lost connection). Take it before reading, then wait on it:
	// a change committed after the read is never missed. It tells of a
	// change, not what changed; waiters read the store again, and still
	// poll now and then.
	Changes(topic Topic) <-chan struct{}
}
