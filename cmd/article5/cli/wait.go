package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"article5"
	"article5/api"
	"article5/stix"

	"github.com/spf13/cobra"
)

const waitHelp = `Wait until a node answers ready (GET /readyz), for at most --timeout, and check that
it is the node you meant: /readyz names the node's holder organisation, its Party and
the key that signs its transparency log.

  article5 serve --data-dir ./node-jp --holder $ORG &
  article5 wait --timeout 30s --holder $ORG --node-key "$(article5 audit key --data-dir ./node-jp)"

Exit 0 when the node is ready and is the one named; 4 when no node became ready within
--timeout, or when the node answering is another one (then at once, without waiting:
a different holder, Party or key means another node holds the address, for instance a
node left running on port 8405). A container health check runs it with a short timeout:

  article5 wait --server http://127.0.0.1:8405 --timeout 2s`

// readyAnswer is the 200 answer of /readyz (api readiness).
type readyAnswer struct {
	Status  string `json:"status"`
	Holder  string `json:"holder,omitempty"`
	Party   string `json:"party"`
	Version string `json:"version,omitempty"`
	NodeKey string `json:"node_key,omitempty"`
}

func newWaitCmd(stdout io.Writer) *cobra.Command {
	var server, holder, party, nodeKey, format string
	timeout := 30 * time.Second
	cmd := &cobra.Command{
		Use:   "wait [--server URL] [--timeout 30s] [--holder ID] [--party P] [--node-key KEY]",
		Short: "Wait, for a bounded time, until the node answers ready and is the node named",
		Long:  waitHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout <= 0 {
				return usageError{fmt.Errorf("--timeout must be a positive duration, got %s", timeout)}
			}
			if holder != "" {
				if err := stix.CheckIdentifier(holder, "identity"); err != nil {
					return usageError{fmt.Errorf("--holder: %v", err)}
				}
			}
			if party != "" {
				p, err := partyOf(party)
				if err != nil {
					return err
				}
				party = string(p)
			}
			want := readyAnswer{Holder: holder, Party: party, NodeKey: api.NodeKeyID(nodeKey)}
			got, err := waitReady(cmd.Context(), strings.TrimRight(server, "/"), timeout, want)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, got)
			}
			fmt.Fprintf(stdout, "ready: %s, party %s", server, got.Party)
			if got.Holder != "" {
				fmt.Fprintf(stdout, ", holder %s", got.Holder)
			}
			if got.NodeKey != "" {
				fmt.Fprintf(stdout, ", node key %s", got.NodeKey)
			}
			if got.Version != "" {
				fmt.Fprintf(stdout, ", article5 %s", got.Version)
			}
			fmt.Fprintln(stdout)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&server, "server", envOr("ARTICLE5_SERVER", "http://127.0.0.1:8405"), "the node's URL [ARTICLE5_SERVER]")
	f.DurationVar(&timeout, "timeout", timeout, "give up after this long")
	f.StringVar(&holder, "holder", "", "the node must have this holder organisation (STIX identity id)")
	f.StringVar(&party, "party", "", "the node must be this Party's: JP or US")
	f.StringVar(&nodeKey, "node-key", "", "the node must sign its log with this key ('article5 audit key' output, or its <name>+<hash>)")
	addFormatFlag(cmd, &format)
	return cmd
}

// waitReady polls base/readyz until it answers 200 as the node want names
// (its non-empty fields), the deadline passes, or ctx ends. A ready node
// that is another node fails at once. Both failures are failedCheck
// (exit 4).
func waitReady(ctx context.Context, base string, timeout time.Duration, want readyAnswer) (*readyAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{}
	var last error
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		got, err := readyOnce(ctx, hc, base)
		if err == nil {
			if msg := otherNode(want, got); msg != "" {
				return nil, failedCheck{article5.Errorf(article5.ECONFLICT, "the node at %s is not the one named: %s; is another node listening there?", base, msg)}
			}
			return got, nil
		}
		if _, bad := err.(usageError); bad {
			return nil, err
		}
		if ctx.Err() == nil || last == nil {
			last = err // not the deadline cutting the last attempt short
		}
		select {
		case <-ctx.Done():
			return nil, failedCheck{article5.Errorf(article5.ECONFLICT, "no ready node answered at %s within %s (last: %v)", base, timeout, last)}
		case <-tick.C:
		}
	}
}

// readyOnce asks base/readyz once, for at most 2 s.
func readyOnce(ctx context.Context, hc *http.Client, base string) (*readyAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/readyz", nil)
	if err != nil {
		return nil, usageError{fmt.Errorf("--server %s: %v", base, err)}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/readyz answered %s", resp.Status)
	}
	var got readyAnswer
	if err := json.Unmarshal(data, &got); err != nil || got.Status != "ready" {
		return nil, fmt.Errorf("/readyz answered something other than an article5 node's readiness")
	}
	return &got, nil
}

// otherNode says how got differs from the non-empty fields of want, ""
// when it does not.
func otherNode(want readyAnswer, got *readyAnswer) string {
	var diffs []string
	if want.Holder != "" && want.Holder != got.Holder {
		diffs = append(diffs, fmt.Sprintf("its holder is %q, not %s", got.Holder, want.Holder))
	}
	if want.Party != "" && want.Party != got.Party {
		diffs = append(diffs, fmt.Sprintf("its Party is %s, not %s", got.Party, want.Party))
	}
	if want.NodeKey != "" && want.NodeKey != got.NodeKey {
		diffs = append(diffs, fmt.Sprintf("its log key is %q, not %s", got.NodeKey, want.NodeKey))
	}
	return strings.Join(diffs, "; ")
}
