package stix

import (
	"article5"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// MaxInteger is the greatest magnitude of a STIX integer, 2^53−1
// (9007199254740991): "all integers MUST be capable of being represented as
// a signed 54-bit value ([-(2**53)+1, (2**53)-1])" (STIX 2.1 §2.10, after
// I-JSON, RFC 7493 §2.2), so that every JSON reader, IEEE 754 doubles and
// RFC 8785 included, holds them exactly.
const MaxInteger = 1<<53 - 1

// numProblem is why a JSON value is not the number wanted.
type numProblem uint8

const (
	numOK         numProblem = iota
	numNotNumber             // not a JSON number at all
	numNotInteger            // a number, but not a whole one
	numRange                 // beyond ±MaxInteger (integers) or ±math.MaxFloat64
)

// integer judges v as a STIX integer. A number is judged by its IEEE 754
// double value, as RFC 8785 canonicalises it: 2, 2.0 and 2e0 are the
// integer 2; -0 is 0; 2.5 is not an integer.
func integer(v any) (int64, numProblem) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		switch {
		case err == nil:
			if i > MaxInteger || i < -MaxInteger {
				return 0, numRange
			}
			return i, numOK
		case errors.Is(err, strconv.ErrRange):
			return 0, numRange
		}
		f, p := float(n)
		if p != numOK {
			return 0, p
		}
		return wholeFloat(f)
	case float64:
		return wholeFloat(n)
	case int:
		return integer(int64(n))
	case int64:
		if n > MaxInteger || n < -MaxInteger {
			return 0, numRange
		}
		return n, numOK
	}
	return 0, numNotNumber
}

func wholeFloat(f float64) (int64, numProblem) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, numRange
	case f != math.Trunc(f):
		return 0, numNotInteger
	case math.Abs(f) > MaxInteger:
		return 0, numRange
	}
	return int64(f), numOK // -0 becomes 0
}

// float judges v as a JSON number: a finite IEEE 754 double.
func float(v any) (float64, numProblem) {
	switch n := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return 0, numRange
		case err != nil:
			return 0, numNotNumber
		}
		return f, numOK
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, numRange
		}
		return n, numOK
	case int:
		return float64(n), numOK
	case int64:
		return float64(n), numOK
	}
	return 0, numNotNumber
}

// Integer returns v, a decoded JSON value (json.Number as Parse leaves it;
// float64, int or int64 when built in Go), as a STIX integer (STIX 2.1
// §2.10): a whole number within ±MaxInteger, judged by its IEEE 754 double
// value as RFC 8785 canonicalises it (2.0 and 2e0 are 2; -0 is 0). Any
// other value fails with an EINVALID *article5.Error whose message says
// what v is ("2.5 is not a whole number"); it has no Details, as only the
// caller knows the object and pointer.
func Integer(v any) (int64, error) {
	i, p := integer(v)
	if p != numOK {
		return 0, article5.Invalid(numMessage(v, p, true))
	}
	return i, nil
}

// Number returns v, a decoded JSON value as for Integer, as a finite IEEE
// 754 double. A value that is not a number, or whose magnitude exceeds
// math.MaxFloat64, fails with an EINVALID *article5.Error without Details.
func Number(v any) (float64, error) {
	f, p := float(v)
	if p != numOK {
		return 0, article5.Invalid(numMessage(v, p, false))
	}
	return f, nil
}

// numMessage says what is wrong with v, e.g. "2.5 is not a whole number".
func numMessage(v any, p numProblem, wantInt bool) string {
	switch p {
	case numNotNumber:
		return fmt.Sprintf("%s is %s, not a number", shorten(describe(v)), jsonType(v))
	case numNotInteger:
		return fmt.Sprintf("%s is not a whole number", shorten(describe(v)))
	}
	if wantInt {
		return fmt.Sprintf("%s is outside the range of a STIX integer, ±(2^53−1) = ±%d (STIX 2.1 §2.10)", shorten(describe(v)), MaxInteger)
	}
	return fmt.Sprintf("%s is beyond the range of an IEEE 754 double (I-JSON, RFC 7493 §2.2)", shorten(describe(v)))
}

// NumberRule is what a specification says of one numeric property: a STIX
// integer or any number, within inclusive bounds [Min, Max] (Min excluded
// when MinExclusive: "greater than zero"). Integers are also held to
// ±MaxInteger whatever the bounds.
type NumberRule struct {
	Integer      bool    // a STIX integer (STIX 2.1 §2.10); else any finite number
	Min, Max     float64 // inclusive bounds; use ±math.MaxFloat64 (or ±MaxInteger) for none
	MinExclusive bool    // the value must be greater than Min
	Source       string  // where the rule is written, quoted in messages
}

// expect renders what the rule wants, e.g. "an integer ≥ 0".
func (r NumberRule) expect() string {
	kind, top := "a number", math.MaxFloat64
	if r.Integer {
		kind, top = "an integer", MaxInteger
	}
	var parts []string
	switch {
	case r.MinExclusive:
		parts = append(parts, "> "+fmtBound(r.Min))
	case r.Min > -top:
		parts = append(parts, "≥ "+fmtBound(r.Min))
	}
	if r.Max < top {
		parts = append(parts, "≤ "+fmtBound(r.Max))
	}
	if len(parts) == 0 {
		return kind
	}
	return kind + " " + strings.Join(parts, " and ")
}

func fmtBound(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// check returns "", "" when v obeys the rule, else the issue code
// ("property-type" or "range") and what is wrong, naming the property.
func (r NumberRule) check(name string, v any) (code, msg string) {
	var f float64
	var p numProblem
	if r.Integer {
		var i int64
		i, p = integer(v)
		f = float64(i)
	} else {
		f, p = float(v)
	}
	switch {
	case p == numNotNumber:
		return "property-type", fmt.Sprintf("%s is %s; expected %s (%s)", name, jsonType(v), r.expect(), r.Source)
	case p == numNotInteger:
		return "property-type", fmt.Sprintf("%s %s is not a whole number; expected %s (%s)", name, shorten(describe(v)), r.expect(), r.Source)
	case p == numRange && r.Integer:
		return "range", fmt.Sprintf("%s %s is outside the range of a STIX integer, ±(2^53−1) = ±%d; expected %s (STIX 2.1 §2.10; %s)", name, shorten(describe(v)), MaxInteger, r.expect(), r.Source)
	case p == numRange, f < r.Min, f > r.Max, r.MinExclusive && f == r.Min:
		return "range", fmt.Sprintf("%s %s is out of range; expected %s (%s)", name, shorten(describe(v)), r.expect(), r.Source)
	}
	return "", ""
}

// checkNumbers applies rules to the value at base (a dictionary: an
// extension's, or the object's own). Each rule's key is an RFC 6901
// pointer relative to it in which "*" stands for every key of a dictionary
// or every element of a list, e.g. "/casualties/*/count". A value that is
// absent is not checked (that is a matter of required properties); a "*"
// over something that is neither a dictionary nor a list is an error.
func (c *objectCheck) checkNumbers(base string, root any, rules map[string]NumberRule) {
	for _, pat := range sortedRuleKeys(rules) {
		rule := rules[pat]
		toks := strings.Split(pat[1:], "/")
		c.walkNumbers(base, root, toks, rule)
	}
}

func (c *objectCheck) walkNumbers(ptr string, v any, toks []string, rule NumberRule) {
	if len(toks) == 0 {
		name := ptr[strings.LastIndexByte(ptr, '/')+1:]
		if code, msg := rule.check(name, v); code != "" {
			c.errorf(ptr, code, "%s", msg)
		}
		return
	}
	tok := toks[0]
	switch x := v.(type) {
	case map[string]any:
		if tok == "*" {
			for _, k := range sortedKeys(x) {
				c.walkNumbers(ptr+"/"+escapePointer(k), x[k], toks[1:], rule)
			}
			return
		}
		if next, ok := x[tok]; ok {
			c.walkNumbers(ptr+"/"+escapePointer(tok), next, toks[1:], rule)
		}
	case []any:
		if tok != "*" {
			return
		}
		for i, e := range x {
			c.walkNumbers(ptr+"/"+strconv.Itoa(i), e, toks[1:], rule)
		}
	default:
		if tok == "*" {
			c.errorf(ptr, "property-type", "%s is %s; expected a dictionary or list of %s (%s)", ptr[strings.LastIndexByte(ptr, '/')+1:], jsonType(v), rule.expect(), rule.Source)
		}
	}
}

func sortedRuleKeys(m map[string]NumberRule) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
