package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"article5"
	"article5/assess"
	"article5/sign"

	"github.com/spf13/cobra"
)

const partyHelp = `Manage a Party's keys, offline.

  article5 party init --party JP --out jp-root
      makes JP's root key: jp-root.key (encrypted with the passphrase) and jp-root.pub
      (give the .pub file to the other Party out of band)
  article5 key new --out approver-tanaka
      makes an approver key: approver-tanaka.key (encrypted with the password) and
      approver-tanaka.pub
  article5 party certify --root jp-root.key --subject approver-tanaka.pub --role approver \
      --name "Tanaka, MOFA International Legal Affairs" --days 365 --out approver-tanaka.cert
      certifies an approver (or node) key with the root key

Passphrases and passwords are read from a file (--passphrase-file, --password-file) or from
ARTICLE5_PASSPHRASE / ARTICLE5_PASSWORD; they are never flags. Keys are Ed25519; private keys
are encrypted with argon2id and AES-256-GCM.`

// secret reads a passphrase from a file or an environment variable.
func secret(file, env, what string) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, article5.Errorf(article5.EINVALID, "%s file %s: %v", what, file, err)
		}
		s := strings.TrimRight(string(b), "\r\n")
		if s == "" {
			return nil, article5.Errorf(article5.EINVALID, "%s file %s is empty", what, file)
		}
		return []byte(s), nil
	}
	if v := os.Getenv(env); v != "" {
		return []byte(v), nil
	}
	return nil, usageError{fmt.Errorf("no %s: give --%s-file or set %s", what, what, env)}
}

// writeNew writes a file that must not exist yet (keys are never overwritten).
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return article5.Errorf(article5.EINVALID, "%s: %v (keys are never overwritten)", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return article5.Internal("write "+path, err)
	}
	return f.Close()
}

func newPartyCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "party", Short: "Make and use a Party's root key (offline)", Long: partyHelp}
	var party, out, passFile, format string
	initCmd := &cobra.Command{
		Use: "init --party JP|US --out NAME", Short: "Make a Party's root key (NAME.key, NAME.pub)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := partyOf(party)
			if err != nil {
				return err
			}
			if out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			pass, err := secret(passFile, "ARTICLE5_PASSPHRASE", "passphrase")
			if err != nil {
				return err
			}
			root, err := sign.NewRootKey(p)
			if err != nil {
				return err
			}
			sealed, err := root.Seal(pass)
			if err != nil {
				return err
			}
			pub, err := root.Public().MarshalText()
			if err != nil {
				return article5.Internal("encode public root", err)
			}
			if err := writeNew(out+".key", sealed, 0o600); err != nil {
				return err
			}
			if err := writeNew(out+".pub", append(pub, '\n'), 0o644); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, map[string]any{"party": p, "key_id": root.KeyID(), "key_file": out + ".key", "public_file": out + ".pub"})
			}
			fmt.Fprintf(stdout, "root key of %s: %s\nwrote %s.key (encrypted) and %s.pub (give it to the other Party)\n", p, root.KeyID(), out, out)
			return nil
		},
	}
	initCmd.Flags().StringVar(&party, "party", "", "JP or US")
	initCmd.Flags().StringVar(&out, "out", "", "file name without extension")
	initCmd.Flags().StringVar(&passFile, "passphrase-file", "", "file holding the passphrase (else ARTICLE5_PASSPHRASE)")

	var rootPath, subject, role, name string
	var days int
	certify := &cobra.Command{
		Use: "certify", Short: "Certify an approver or node key with the root key", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if rootPath == "" || subject == "" || out == "" || name == "" {
				return usageError{fmt.Errorf("--root, --subject, --name and --out are required")}
			}
			if role != sign.RoleApprover && role != sign.RoleNode {
				return usageError{fmt.Errorf("--role must be %s or %s, got %q", sign.RoleApprover, sign.RoleNode, role)}
			}
			if days <= 0 {
				return usageError{fmt.Errorf("--days must be positive")}
			}
			root, err := openRoot(rootPath, passFile)
			if err != nil {
				return err
			}
			pubHex, err := os.ReadFile(subject)
			if err != nil {
				return article5.Errorf(article5.EINVALID, "--subject %s: %v", subject, err)
			}
			pub, err := hex.DecodeString(strings.TrimSpace(string(pubHex)))
			if err != nil || len(pub) != 32 {
				return article5.Errorf(article5.EINVALID, "--subject %s: expected a hex Ed25519 public key (as written by 'article5 key new')", subject)
			}
			now := time.Now().UTC()
			cert, err := root.Certify(pub, role, name, now, now.Add(time.Duration(days)*24*time.Hour))
			if err != nil {
				return err
			}
			data, err := jsonIndent(cert)
			if err != nil {
				return err
			}
			if err := writeNew(out, data, 0o644); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, map[string]any{"file": out, "certificate": cert})
			}
			fmt.Fprintf(stdout, "certified %s key %s of %s (%s) until %s: %s\n", role, cert.SubjectKeyID, root.Party(), name, cert.NotAfter, out)
			return nil
		},
	}
	certify.Flags().StringVar(&rootPath, "root", "", "the Party's encrypted root key file")
	certify.Flags().StringVar(&subject, "subject", "", "the public key file to certify (from 'article5 key new')")
	certify.Flags().StringVar(&role, "role", sign.RoleApprover, "approver or node")
	certify.Flags().StringVar(&name, "name", "", "who holds the key")
	certify.Flags().IntVar(&days, "days", 365, "validity in days")
	certify.Flags().StringVar(&out, "out", "", "the certificate file to write")
	certify.Flags().StringVar(&passFile, "passphrase-file", "", "file holding the root passphrase (else ARTICLE5_PASSPHRASE)")
	addFormatFlag(initCmd, &format)
	addFormatFlag(certify, &format)
	cmd.AddCommand(initCmd, certify, newPartyRevokeCmd(stdout))
	return cmd
}

func newKeyCmd(stdout io.Writer) *cobra.Command {
	var out, passFile, format string
	cmd := &cobra.Command{Use: "key", Short: "Make approver keys, and register or revoke them on a node"}
	newCmd := &cobra.Command{
		Use: "new --out NAME", Short: "Make an approver key (NAME.key encrypted with the password, NAME.pub)",
		Long: `Make an approver's Ed25519 signing key: NAME.key, sealed with the password (argon2id,
AES-256-GCM), and NAME.pub, to be certified with 'article5 party certify'.

Use the approver's login password on the node: signing a position ('article5 case sign')
re-enters that password, which unseals this key for the one signature.`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			pass, err := secret(passFile, "ARTICLE5_PASSWORD", "password")
			if err != nil {
				return err
			}
			pub, sealed, err := sign.NewApproverKey(pass)
			if err != nil {
				return err
			}
			if err := writeNew(out+".key", sealed, 0o600); err != nil {
				return err
			}
			if err := writeNew(out+".pub", []byte(hex.EncodeToString(pub)+"\n"), 0o644); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, map[string]any{"key_id": sign.KeyID(pub), "public_key": hex.EncodeToString(pub), "key_file": out + ".key", "public_file": out + ".pub"})
			}
			fmt.Fprintf(stdout, "key %s: wrote %s.key (encrypted) and %s.pub (have it certified with 'article5 party certify')\n", sign.KeyID(pub), out, out)
			return nil
		},
	}
	newCmd.Flags().StringVar(&out, "out", "", "file name without extension")
	newCmd.Flags().StringVar(&passFile, "password-file", "", "file holding the password (else ARTICLE5_PASSWORD)")
	addFormatFlag(newCmd, &format)
	cmd.AddCommand(newCmd)
	addKeyAdminCmds(cmd, stdout)
	return cmd
}

const verifyHelp = `Verify a case record offline, against the Parties' public root keys.

  article5 verify record.json --trust jp-root.pub --trust us-root.pub

RECORD is the output of 'article5 case export' (article5's record JSON) or of 'case export
--format stix' (a STIX 2.1 bundle of the signed opinions, assessment and determination).

Checks every signed position (Ed25519 over its RFC 8785 canonical payload), that each
signing key is certified by a trusted root of its own Party and was not revoked when it
signed, that the reasons match their signed sha256, that both positions are on the same
assessment hash as the assessment object, that the assessment's findings hash to that
hash, and that the determination's outcome follows from the two tiers.

Exit 0 if all hold, 4 if a check fails, 2 if the check cannot run (a missing file, no --trust).`

func newVerifyCmd(stdout io.Writer) *cobra.Command {
	var trust []string
	var format string
	cmd := &cobra.Command{
		Use: "verify RECORD --trust ROOT.pub…", Short: "Verify a case record offline against trusted root keys", Long: verifyHelp, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(trust) == 0 {
				return usageError{fmt.Errorf("give at least one --trust root key file")}
			}
			roots, err := loadRoots(trust)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return article5.Errorf(article5.EINVALID, "%s: %v", args[0], err)
			}
			var rec *sign.Record
			if isBundle(data) {
				rec, err = sign.RecordFromBundle(data)
			} else {
				rec, err = sign.ParseRecord(data)
			}
			if err != nil {
				return wrapFile(args[0], err)
			}
			v, err := sign.VerifyRecord(rec, roots, time.Now().UTC())
			if err == nil {
				err = checkFindings(cmd.Context(), rec, v)
			}
			if err != nil {
				if c := article5.ErrorCode(err); c == article5.EFORBIDDEN {
					return failedCheck{err}
				}
				return err
			}
			if format == "json" {
				return writeJSON(stdout, verdictJSON(v))
			}
			fmt.Fprintf(stdout, "record of %s verifies\nassessment hash %s\n", v.Case, v.AssessmentHash)
			for _, p := range v.Positions {
				fmt.Fprintf(stdout, "  %s: %s (%s), signed %s by %s with %s\n", p.Party, p.Tier, p.Opinion, p.SignedAt, p.Signer, p.KeyID)
			}
			if v.Outcome != "" {
				fmt.Fprintf(stdout, "determination: %s\n", v.Outcome)
			}
			for _, c := range v.Checks {
				fmt.Fprintf(stdout, "  ✓ %s\n", c)
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&trust, "trust", nil, "a Party's public root key file (repeat for each Party)")
	addFormatFlag(cmd, &format)
	return cmd
}

// verdictJSON is the --format json form of a verified record: what the
// text prints, as {verified, case, assessment_hash, positions, outcome?,
// checks}. A record that does not verify prints nothing on stdout and
// exits 4.
func verdictJSON(v *sign.Verdict) map[string]any {
	positions := make([]map[string]any, 0, len(v.Positions))
	for _, p := range v.Positions {
		positions = append(positions, map[string]any{"party": p.Party, "tier": p.Tier, "opinion": p.Opinion,
			"key_id": p.KeyID, "signer": p.Signer, "signed_at": p.SignedAt})
	}
	out := map[string]any{"verified": true, "case": v.Case, "assessment_hash": v.AssessmentHash,
		"positions": positions, "checks": v.Checks}
	if v.Outcome != "" {
		out["outcome"] = v.Outcome
	}
	return out
}

func jsonIndent(v any) ([]byte, error) {
	var b strings.Builder
	if err := writeJSON(&b, v); err != nil {
		return nil, article5.Internal("encode", err)
	}
	return []byte(b.String()), nil
}

// checkFindings recomputes the assessment hash from the findings the
// record's assessment object carries (assess.AssessmentHash), so that a
// record whose findings were edited after signing is refused: the
// signatures are over the hash, and the hash must be the findings'.
// Prose (reasons, names) is not part of the hash (docs/legal-adviser.md, "The stable JSON report").
// EFORBIDDEN on a mismatch; the check is added to v.Checks.
func checkFindings(ctx context.Context, rec *sign.Record, v *sign.Verdict) error {
	var obj struct {
		CaseRef        string          `json:"case_ref"`
		EvidenceDigest string          `json:"evidence_digest"`
		AssessmentHash string          `json:"assessment_hash"`
		Findings       json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(rec.Assessment, &obj); err != nil {
		return article5.Errorf(article5.EINVALID, "the record's assessment is not a JSON object: %v", err)
	}
	var rep article5.Report
	if err := json.Unmarshal(obj.Findings, &rep); err != nil {
		return article5.Errorf(article5.EFORBIDDEN, "the record's assessment findings do not parse as an article5 report: %v", err)
	}
	if rep.Case != obj.CaseRef || rep.EvidenceDigest != obj.EvidenceDigest || rep.Hash != obj.AssessmentHash {
		return article5.Errorf(article5.EFORBIDDEN, "the assessment's findings are for case %s, evidence %s, hash %s, but the object says %s, %s, %s",
			rep.Case, rep.EvidenceDigest, rep.Hash, obj.CaseRef, obj.EvidenceDigest, obj.AssessmentHash)
	}
	h, err := assess.AssessmentHash(ctx, &rep, 0)
	if err != nil {
		return err
	}
	if h != obj.AssessmentHash {
		return article5.Errorf(article5.EFORBIDDEN, "the assessment's findings hash to %s, not the signed assessment hash %s: the findings were altered after signing", h, obj.AssessmentHash)
	}
	v.Checks = append(v.Checks, fmt.Sprintf("the assessment's findings (tiers, factors, criteria, attribution, scope, divergence) hash to the signed assessment hash %s; prose reasons are not part of it", h))
	return nil
}

// isBundle reports whether data is a JSON object whose type is "bundle".
func isBundle(data []byte) bool {
	var head struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(data, &head) == nil && head.Type == "bundle"
}

// openRoot opens a Party's sealed root key file with the passphrase from
// passFile or ARTICLE5_PASSPHRASE.
func openRoot(path, passFile string) (*sign.RootKey, error) {
	pass, err := secret(passFile, "ARTICLE5_PASSPHRASE", "passphrase")
	if err != nil {
		return nil, err
	}
	sealed, err := os.ReadFile(path)
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "--root %s: %v", path, err)
	}
	return sign.OpenRootKey(sealed, pass)
}
