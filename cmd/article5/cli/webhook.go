package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"article5"
	"article5/api"
	"article5/node"

	"github.com/spf13/cobra"
)

const webhookHelp = `Manage outbound webhooks. A webhook POSTs the node's events, as JSON, to a URL: by
default tier changes and concluded consultations. Each delivery is signed:

  X-Article5-Event:     the event type (tier-changed)
  X-Article5-Delivery:  the event's opaque id for this webhook (the body's "id"), the same on every retry
  X-Article5-Timestamp: unix seconds
  X-Article5-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

A webhook carries a recipient for TLP release control (a Party, an organisation and
communities, as a token does): an event about a case is sent only if the case may leave
to that recipient. Deliveries are at least once and in order; a failure is retried with
exponential backoff (1 s doubling, at most 1 h, with jitter) from the durable cursor.
Loopback, private, link-local and other special-purpose addresses are refused, at every
delivery on the address dialled, unless "serve --webhook-allow" lists them; "webhook add"
refuses them early (give it the same --webhook-allow).
"article5 serve" delivers them. Creating a webhook is recorded in the node's audit log; the
secret is printed once, on the last line.

  article5 webhook add --data-dir ./node-jp --url https://soc.example.jp/a5 --party JP --org identity--…
  article5 webhook list --data-dir ./node-jp`

func newWebhookCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "webhook", Short: "Manage outbound webhooks (signed event deliveries)", Long: webhookHelp}
	cmd.AddCommand(newWebhookAddCmd(stdout), newWebhookListCmd(stdout))
	return cmd
}

func newWebhookAddCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var url, party, org, format string
	var events, communities []string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a webhook and print its secret (last line)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			p, err := partyOf(party)
			if err != nil {
				return err
			}
			if err := api.CheckWebhookURL(url); err != nil {
				return usageError{fmt.Errorf("--url must be an absolute http or https URL, got %q", url)}
			}
			if err := node.CheckWebhookDestination(cmd.Context(), url, node.WebhookOptions{Allow: c.webhookAllow}); err != nil {
				return err
			}
			if !strings.HasPrefix(org, "identity--") {
				return usageError{fmt.Errorf("--org must be a STIX identity id (identity--…), got %q", org)}
			}
			var evs []string
			for _, e := range events {
				if !slices.Contains(article5.WebhookEventTypes, e) {
					return usageError{fmt.Errorf("--events: unknown event type %q; want one of %s", e, strings.Join(article5.WebhookEventTypes, ", "))}
				}
				if !slices.Contains(evs, e) {
					evs = append(evs, e)
				}
			}
			store, err := openWriteStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			w := &article5.Webhook{URL: url, Secret: node.NewWebhookSecret(), Party: p, Org: org, Communities: communities,
				Events: evs, Created: time.Now().UTC()}
			if err := store.CreateWebhook(cmd.Context(), w); err != nil {
				return err
			}
			if format == "json" {
				v := viewWebhook(w)
				v.Secret = w.Secret
				return writeJSON(stdout, v)
			}
			fmt.Fprintf(stdout, "webhook %s to %s for party %s, organisation %s; events %s\n", w.ID, w.URL, p, org, strings.Join(w.Events, ","))
			fmt.Fprintln(stdout, w.Secret)
			return nil
		},
	}
	addStoreFlags(add, &c)
	addWebhookAllowFlag(add, &c)
	f := add.Flags()
	f.StringVar(&url, "url", "", "absolute http or https URL to POST events to (required)")
	f.StringVar(&party, "party", "", "the Party the webhook delivers to: JP or US (required)")
	f.StringVar(&org, "org", "", "STIX identity id of the receiving organisation (required)")
	f.StringSliceVar(&communities, "community", nil, "community ids the organisation belongs to (repeatable)")
	f.StringSliceVar(&events, "events", nil, "event types to deliver, comma-separated (default tier-changed,concluded)")
	addFormatFlag(add, &format)
	return add
}

// webhookView is a webhook as the webhook commands print it; the secret
// only once, when it is made.
type webhookView struct {
	ID          string         `json:"id"`
	URL         string         `json:"url"`
	Party       article5.Party `json:"party"`
	Org         string         `json:"org"`
	Communities []string       `json:"communities,omitempty"`
	Events      []string       `json:"events"`
	Created     time.Time      `json:"created"`
	Disabled    bool           `json:"disabled"`
	Cursor      int64          `json:"cursor"`
	Attempts    int            `json:"attempts"`
	NextAttempt *time.Time     `json:"next_attempt,omitempty"`
	LastError   string         `json:"last_error,omitempty"`
	Secret      string         `json:"secret,omitempty"`
}

func viewWebhook(w *article5.Webhook) webhookView {
	v := webhookView{ID: w.ID, URL: w.URL, Party: w.Party, Org: w.Org, Communities: w.Communities, Events: w.Events, Created: w.Created,
		Disabled: w.Disabled, Cursor: w.Cursor, Attempts: w.Attempts, LastError: w.LastError}
	if !w.NextAttempt.IsZero() {
		t := w.NextAttempt
		v.NextAttempt = &t
	}
	return v
}

func newWebhookListCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List webhooks with their delivery state (never a secret)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			store, _, err := openStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			hooks, _, err := store.FindWebhooks(cmd.Context(), article5.WebhookFilter{})
			if err != nil {
				return err
			}
			if format == "json" {
				views := make([]webhookView, len(hooks))
				for i, w := range hooks {
					views[i] = viewWebhook(w)
				}
				return writeJSON(stdout, views)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPARTY\tURL\tEVENTS\tSTATE\tCURSOR\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
			for _, w := range hooks {
				state, next := "active", "-"
				if w.Disabled {
					state = "disabled"
				}
				if !w.NextAttempt.IsZero() {
					next = w.NextAttempt.Format(time.RFC3339)
				}
				lastErr := w.LastError
				if lastErr == "" {
					lastErr = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", w.ID, w.Party, w.URL, strings.Join(w.Events, ","),
					state, w.Cursor, w.Attempts, next, strings.ReplaceAll(lastErr, "\t", " "))
			}
			return tw.Flush()
		},
	}
	addStoreFlags(list, &c)
	addFormatFlag(list, &format)
	return list
}
