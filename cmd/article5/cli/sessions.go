package cli

import (
	"context"
	"log/slog"
	"time"

	"article5"
)

// sweepSessions deletes expired login sessions now and then every period
// until ctx is done, logging how many. Expired sessions are already
// refused (FindSessionByHash); this keeps the table from growing.
func sweepSessions(ctx context.Context, store article5.Store, log *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := store.DeleteExpiredSessions(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.ErrorContext(ctx, "delete expired sessions", "err", err)
		case n > 0:
			log.InfoContext(ctx, "expired sessions deleted", "sessions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
