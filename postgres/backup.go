package postgres

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"article5"
)

// Backup writes a pg_dump archive (custom format, without owners or
// privileges) of the schema the store uses (current_schema(), public by
// default) to path, which must not exist. pg_dump reads one snapshot, so
// the copy is consistent while the node keeps serving. It needs pg_dump on
// PATH, of the server's major version or newer. Errors: EINVALID when path
// exists or pg_dump is missing, EINTERNAL when pg_dump fails (with its
// message).
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return article5.Errorf(article5.EINVALID, "postgres: backup target %s already exists", path)
	}
	var schema string
	if err := db.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return article5.Internal("postgres: backup: current schema", err)
	}
	return runTool(ctx, "pg_dump", db.dsn, "--format=custom", "--no-owner", "--no-privileges",
		"--schema="+quoteIdent(schema), "--file="+path)
}

// Restore loads an archive Backup wrote into the database dsn names, with
// pg_restore in one transaction: the objects of the archive's schema are
// dropped (if they exist) and re-created with the archive's rows, so that
// the schema holds exactly the backup. Stop every node on the database
// first. It needs pg_restore on PATH. Errors: EINVALID when pg_restore is
// missing or dsn is malformed, EINTERNAL when pg_restore fails (with its
// message; nothing is changed then).
func Restore(ctx context.Context, dsn, path string) error {
	return runTool(ctx, "pg_restore", dsn, "--clean", "--if-exists", "--no-owner", "--no-privileges",
		"--single-transaction", "--exit-on-error", path)
}

// runTool runs a PostgreSQL client tool on the database dsn names (given
// as --dbname, its password in PGPASSWORD so that it is not on the
// command line), with args.
func runTool(ctx context.Context, tool, dsn string, args ...string) error {
	bin, err := exec.LookPath(tool)
	if err != nil {
		return article5.Errorf(article5.EINVALID, "postgres: %s not found on PATH: install the PostgreSQL client tools (the server's major version or newer)", tool)
	}
	conn, password, err := libpqDSN(dsn)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"--dbname=" + conn}, args...)...)
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		return article5.Internal("postgres: "+tool, fmt.Errorf("%w: %s", err, msg))
	}
	return nil
}

// libpqParams are the connection parameters libpq (and so pg_dump and
// pg_restore) takes in a URL besides host, port, user, password and the
// database; a URL parameter outside them that is not pgx's own (pool_*,
// …) is a run-time parameter, which libpq takes only inside options.
var libpqParams = map[string]bool{
	"hostaddr": true, "passfile": true, "require_auth": true, "channel_binding": true, "connect_timeout": true,
	"client_encoding": true, "options": true, "application_name": true, "fallback_application_name": true,
	"keepalives": true, "keepalives_idle": true, "keepalives_interval": true, "keepalives_count": true,
	"tcp_user_timeout": true, "gssencmode": true, "sslmode": true, "sslnegotiation": true, "sslcompression": true,
	"sslcert": true, "sslkey": true, "sslpassword": true, "sslcertmode": true, "sslrootcert": true, "sslcrl": true,
	"sslcrldir": true, "sslsni": true, "requirepeer": true, "ssl_min_protocol_version": true,
	"ssl_max_protocol_version": true, "krbsrvname": true, "gsslib": true, "gssdelegation": true, "service": true,
	"target_session_attrs": true, "load_balance_hosts": true, "host": true, "port": true, "dbname": true, "user": true,
}

// pgxParams are parameters only pgx knows (pgxpool's and pgconn's own).
var pgxParams = map[string]bool{
	"pool_max_conns": true, "pool_min_conns": true, "pool_min_idle_conns": true, "pool_max_conn_lifetime": true,
	"pool_max_conn_lifetime_jitter": true, "pool_max_conn_idle_time": true, "pool_health_check_period": true,
	"statement_cache_capacity": true, "description_cache_capacity": true, "default_query_exec_mode": true,
	"min_read_buffer_size": true, "servicefile": true, "krbspn": true, "min_protocol_version": true, "max_protocol_version": true,
}

// libpqDSN returns dsn as libpq takes it, without its password (returned
// apart). A postgres:// URL loses pgx's own parameters, and its run-time
// parameters (search_path, …) move into options as "-c name=value"; any
// other dsn is passed as it is, password included.
func libpqDSN(dsn string) (conn, password string, err error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn, "", nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", article5.Errorf(article5.EINVALID, "postgres: bad database URL: %v", err)
	}
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	out := url.Values{}
	var options []string
	if o := q.Get("options"); o != "" {
		options = append(options, o)
	}
	for k, vs := range q {
		switch {
		case k == "options":
		case libpqParams[k]:
			out[k] = vs
		case pgxParams[k]:
		default:
			for _, v := range vs {
				options = append(options, "-c "+optionEscape(k)+"="+optionEscape(v))
			}
		}
	}
	if len(options) > 0 {
		out.Set("options", strings.Join(options, " "))
	}
	// libpq decodes %XX in a URL but not '+': spaces must be %20.
	u.RawQuery = strings.ReplaceAll(out.Encode(), "+", "%20")
	return u.String(), password, nil
}

// optionEscape escapes spaces and backslashes for libpq's options.
func optionEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, " ", `\ `).Replace(s)
}

// quoteIdent quotes a name for pg_dump's --schema pattern, so that it
// matches that one schema exactly.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
