package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"article5"
	"article5/api"

	"github.com/spf13/cobra"
)

const loginHelp = `Log in to a node with your name and password; the session is kept in a file (mode 0600)
that the 'case' commands use when no API token is given.

  article5 login --server https://node.example:8405 --name tanaka --password-file pw
  article5 login --session ./tanaka.session --name tanaka     # password from ARTICLE5_PASSWORD
  article5 logout

The session file is --session, else ARTICLE5_SESSION, else article5/session.json in your
user configuration directory. Passwords are read from a file or ARTICLE5_PASSWORD, never flags.`

// sessionFile is what 'article5 login' keeps: the node, the session secret
// and who it is for.
type sessionFile struct {
	Server  string    `json:"server"`
	Secret  string    `json:"session"`
	User    string    `json:"user"`
	Party   string    `json:"party"`
	Roles   []string  `json:"roles"`
	Expires time.Time `json:"expires"`
}

// devices are the login device cookies this machine holds, by server and
// login name: proof to each node that this device logged in as that name
// before, so that others' failed logins for the name cannot slow it. They
// outlive logout (they open nothing by themselves) and are kept beside the
// session file, readable by its owner only.
type devices map[string]map[string]string

// devicesPath is the devices file beside the session file sessionPath.
func devicesPath(sessionPath string) string {
	return filepath.Join(filepath.Dir(sessionPath), "login-devices.json")
}

// loadDevices reads the devices file at path; none (or an unreadable one)
// is no device.
func loadDevices(path string) devices {
	d := devices{}
	if data, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(data, &d)
	}
	return d
}

func (d devices) get(server, name string) string {
	return d[strings.TrimRight(server, "/")][name]
}

func (d devices) set(server, name, cookie string) {
	server = strings.TrimRight(server, "/")
	if d[server] == nil {
		d[server] = map[string]string{}
	}
	d[server][name] = cookie
}

// save writes d to path (mode 0600) whole or not at all.
func (d devices) save(path string) error {
	out, _ := json.MarshalIndent(d, "", "  ")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), 0o600); err != nil {
		return article5.Errorf(article5.EINVALID, "login devices file %s: %v", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return article5.Errorf(article5.EINVALID, "login devices file %s: %v", path, err)
	}
	return nil
}

// defaultSessionPath returns ARTICLE5_SESSION, else
// <user config dir>/article5/session.json.
func defaultSessionPath() string {
	if v := os.Getenv("ARTICLE5_SESSION"); v != "" {
		return v
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "article5-session.json"
	}
	return filepath.Join(dir, "article5", "session.json")
}

// addClientFlags adds --server, --token and --session to cmd and fills c
// before any subcommand runs: the token from --token or ARTICLE5_TOKEN, else
// the session of 'article5 login' (whose server is used when --server and
// ARTICLE5_SERVER are not given).
func addClientFlags(cmd *cobra.Command, c *client) {
	var sessionPath string
	cmd.PersistentFlags().StringVar(&c.server, "server", envOr("ARTICLE5_SERVER", "http://127.0.0.1:8405"), "the node's URL [ARTICLE5_SERVER]")
	cmd.PersistentFlags().StringVar(&c.token, "token", "", "API token (default: $ARTICLE5_TOKEN, never shown)")
	cmd.PersistentFlags().StringVar(&sessionPath, "session", "", "login session file from 'article5 login' [ARTICLE5_SESSION]")
	cmd.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if c.token == "" {
			c.token = os.Getenv("ARTICLE5_TOKEN")
		}
		if c.token != "" {
			return nil
		}
		if sessionPath == "" {
			sessionPath = defaultSessionPath()
		}
		data, err := os.ReadFile(sessionPath)
		if os.IsNotExist(err) {
			return nil // the server will say that a login is needed
		}
		if err != nil {
			return article5.Errorf(article5.EINVALID, "session file %s: %v", sessionPath, err)
		}
		var sf sessionFile
		if err := json.Unmarshal(data, &sf); err != nil {
			return article5.Errorf(article5.EINVALID, "session file %s does not parse: log in again", sessionPath)
		}
		c.session, c.party = sf.Secret, sf.Party
		if !cmd.Flags().Changed("server") && os.Getenv("ARTICLE5_SERVER") == "" && sf.Server != "" {
			c.server = sf.Server
		}
		return nil
	}
}

func newLoginCmd(stdout io.Writer) *cobra.Command {
	var server, name, passFile, sessionPath, format string
	cmd := &cobra.Command{
		Use: "login --name NAME", Short: "Log in to a node; the 'case' commands then act as you", Long: loginHelp, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return usageError{fmt.Errorf("--name is required")}
			}
			pw, err := secret(passFile, "ARTICLE5_PASSWORD", "password")
			if err != nil {
				return err
			}
			if sessionPath == "" {
				sessionPath = defaultSessionPath()
			}
			devices := loadDevices(devicesPath(sessionPath))
			body, _ := json.Marshal(map[string]string{"name": name, "password": string(pw)})
			req, err := http.NewRequest("POST", strings.TrimRight(server, "/")+"/api/v1/login", bytes.NewReader(body))
			if err != nil {
				return usageError{fmt.Errorf("--server %q: %v", server, err)}
			}
			req.Header.Set("Content-Type", "application/json")
			if v := devices.get(server, name); v != "" {
				// This device logged in as name before: the node holds it
				// to its own failures only (docs/security.md, login).
				req.AddCookie(&http.Cookie{Name: api.DeviceCookie, Value: v})
			}
			hc := &http.Client{Timeout: time.Minute}
			resp, err := hc.Do(req)
			if err != nil {
				return article5.Errorf(article5.EINVALID, "cannot reach the article5 server at %s (check --server or ARTICLE5_SERVER): %v", server, err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			if resp.StatusCode != http.StatusOK {
				var e struct {
					Error struct {
						Code    string `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
					return &article5.Error{Code: e.Error.Code, Message: e.Error.Message}
				}
				return article5.Errorf(article5.EINTERNAL, "the server answered %s", resp.Status)
			}
			var me struct {
				User struct {
					ID    string   `json:"id"`
					Name  string   `json:"name"`
					Party string   `json:"party"`
					Roles []string `json:"roles"`
				} `json:"user"`
			}
			if err := json.Unmarshal(data, &me); err != nil {
				return article5.Errorf(article5.EINTERNAL, "the server's answer does not parse: %v", err)
			}
			sf := sessionFile{Server: server, User: me.User.Name, Party: me.User.Party, Roles: me.User.Roles}
			for _, ck := range resp.Cookies() {
				if ck.Name == "article5_session" {
					sf.Secret, sf.Expires = ck.Value, ck.Expires.UTC()
				}
			}
			if sf.Secret == "" {
				return article5.Errorf(article5.EINTERNAL, "the server sent no session cookie")
			}
			if err := os.MkdirAll(filepath.Dir(sessionPath), 0o700); err != nil {
				return article5.Errorf(article5.EINVALID, "session file %s: %v", sessionPath, err)
			}
			for _, ck := range resp.Cookies() {
				if ck.Name == api.DeviceCookie && ck.Value != "" {
					devices.set(server, name, ck.Value)
					if err := devices.save(devicesPath(sessionPath)); err != nil {
						return err
					}
				}
			}
			// The session this file held before ends now: replaced, it
			// could no longer be logged out of.
			if data, err := os.ReadFile(sessionPath); err == nil {
				var old sessionFile
				if json.Unmarshal(data, &old) == nil && old.Secret != "" && old.Secret != sf.Secret {
					oc := &client{http: &http.Client{Timeout: 30 * time.Second}, server: old.Server, session: old.Secret}
					_ = oc.do("POST", "/api/v1/logout", nil, nil) // gone already, or its node unreachable: nothing more to do
				}
			}
			out, _ := json.MarshalIndent(sf, "", "  ")
			tmp := sessionPath + ".tmp"
			if err := os.WriteFile(tmp, append(out, '\n'), 0o600); err != nil {
				return article5.Errorf(article5.EINVALID, "session file %s: %v", sessionPath, err)
			}
			if err := os.Rename(tmp, sessionPath); err != nil {
				return article5.Errorf(article5.EINVALID, "session file %s: %v", sessionPath, err)
			}
			if format == "json" { // the session secret stays in the file
				return writeJSON(stdout, map[string]any{"server": server, "user": sf.User, "party": sf.Party,
					"roles": sf.Roles, "expires": sf.Expires, "session": sessionPath})
			}
			fmt.Fprintf(stdout, "logged in to %s as %s (%s: %s) until %s\nsession: %s\n", server, sf.User, sf.Party,
				strings.Join(sf.Roles, ", "), sf.Expires.Format(time.RFC3339), sessionPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "server", envOr("ARTICLE5_SERVER", "http://127.0.0.1:8405"), "the node's URL [ARTICLE5_SERVER]")
	cmd.Flags().StringVar(&name, "name", "", "your login name")
	cmd.Flags().StringVar(&passFile, "password-file", "", "file holding your password (else ARTICLE5_PASSWORD)")
	cmd.Flags().StringVar(&sessionPath, "session", "", "where to keep the session [ARTICLE5_SESSION]")
	addFormatFlag(cmd, &format)
	return cmd
}

func newLogoutCmd(stdout io.Writer) *cobra.Command {
	c := &client{http: &http.Client{Timeout: time.Minute}}
	var sessionPath string
	cmd := &cobra.Command{
		Use: "logout", Short: "End the login session and delete its file", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if sessionPath == "" {
				sessionPath = defaultSessionPath()
			}
			data, err := os.ReadFile(sessionPath)
			if os.IsNotExist(err) {
				fmt.Fprintln(stdout, "not logged in")
				return nil
			}
			var sf sessionFile
			if err == nil && json.Unmarshal(data, &sf) == nil && sf.Secret != "" {
				c.server, c.session = sf.Server, sf.Secret
				_ = c.do("POST", "/api/v1/logout", nil, nil) // the file goes either way
			}
			if err := os.Remove(sessionPath); err != nil {
				return article5.Errorf(article5.EINVALID, "session file %s: %v", sessionPath, err)
			}
			fmt.Fprintf(stdout, "logged out of %s\n", sf.Server)
			return nil
		},
	}
	cmd.Flags().StringVar(&sessionPath, "session", "", "the session file [ARTICLE5_SESSION]")
	return cmd
}
