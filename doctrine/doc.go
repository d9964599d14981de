// Package doctrine loads, checks and applies doctrines: versioned,
// declarative rule sets (YAML data with CEL conditions) that turn an
// incident's facts into findings — Schmitt factors, the armed-attack
// gravity test, attribution, DCID severity, a notional NCISS priority, the
// tier, self-defence and the facts that would change the tier.
//
// A doctrine is data, not code: every rule is a CEL expression
// (cel.dev/cel-go) over the fact catalogue of the root package, where each
// fact is an optional value (an absent fact is optional.none(), never zero).
// Doctrines are compiled once at load; unknown fields and type errors are
// reported with the file's line. The embedded defaults are "jp" and "us"
// (jp.yaml, us.yaml); see docs/doctrine.md ("The doctrine file format").
package doctrine
