package stix

import (
	"strings"

	"article5"
)

// checkTypeName applies STIX 2.1 §3.1 to an object type name and returns
// what is wrong ("" if nothing): 3–250 characters of a–z, 0–9 and "-", not
// starting or ending with "-", no "--".
func checkTypeName(t string) string {
	switch {
	case len(t) < 3:
		return "shorter than 3 characters"
	case len(t) > 250:
		return "longer than 250 characters"
	case t[0] == '-' || t[len(t)-1] == '-':
		return "starts or ends with a hyphen"
	case strings.Contains(t, "--"):
		return "contains \"--\""
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "only a–z, 0–9 and hyphens are allowed"
		}
	}
	return ""
}

// checkRelationshipType applies STIX 2.1 §5.1 to a relationship_type and
// returns what is wrong ("" if nothing): ASCII a–z, 0–9 and hyphens only.
func checkRelationshipType(t string) string {
	if t == "" {
		return "empty"
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "only lowercase a–z, 0–9 and hyphens are allowed"
		}
	}
	return ""
}

// checkPropertyName applies STIX 2.1 §3.1 and §11.1 to a custom or
// extension property name and returns what is wrong ("" if nothing): 3–250
// characters of a–z, 0–9 and "_".
func checkPropertyName(n string) string {
	switch {
	case len(n) < 3:
		return "shorter than 3 characters"
	case len(n) > 250:
		return "longer than 250 characters"
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return "only a–z, 0–9 and underscores are allowed"
		}
	}
	return ""
}

// checkUUID checks the UUID part of an identifier (RFC 4122 §3: 8-4-4-4-12
// hex digits, the RFC 4122 variant, versions 1–5). It returns what is wrong
// ("" if nothing), the version, and whether it has uppercase hex digits
// (RFC 4122 outputs lowercase but accepts either case on input).
func checkUUID(u string) (msg string, version int, upper bool) {
	if len(u) != 36 {
		return "the UUID is not 36 characters of the form 8-4-4-4-12", 0, false
	}
	for i := 0; i < 36; i++ {
		c := u[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "the UUID is not of the form 8-4-4-4-12", 0, false
			}
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return "the UUID has a character that is not a hex digit", 0, false
		}
	}
	version = hexVal(u[14])
	if version < 1 || version > 5 {
		return "the UUID version is not 1–5", version, upper
	}
	if v := hexVal(u[19]); v < 8 || v > 11 {
		return "the UUID variant is not RFC 4122 (8, 9, a or b)", version, upper
	}
	return "", version, upper
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// validIdentifier reports whether s is a STIX identifier (STIX 2.1 §2.9):
// a valid type name, "--", and an RFC 4122 UUID (CheckIdentifier says
// what is wrong).
func validIdentifier(s string) bool { return CheckIdentifier(s, "") == nil }

// CheckIdentifier reports whether s is a STIX identifier (STIX 2.1 §2.9)
// of type typ (any type when typ is ""): nil if it is, else an EINVALID
// *article5.Error saying what is wrong, for input a user typed.
func CheckIdentifier(s, typ string) error {
	t, uuid, ok := strings.Cut(s, "--")
	switch {
	case !ok:
		return article5.Errorf(article5.EINVALID, "%q is not a STIX identifier: expected %s--<UUID> (STIX 2.1 §2.9)", s, or(typ, "<type>"))
	case typ != "" && t != typ:
		return article5.Errorf(article5.EINVALID, "%q is the STIX id of a %s; expected %s--<UUID>", s, t, typ)
	case checkTypeName(t) != "":
		return article5.Errorf(article5.EINVALID, "%q: the type %q %s (STIX 2.1 §2.9)", s, t, checkTypeName(t))
	}
	if msg, _, _ := checkUUID(uuid); msg != "" {
		return article5.Errorf(article5.EINVALID, "%q: %s (STIX 2.1 §2.9, RFC 4122)", s, msg)
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// typeOfID returns the type part of an identifier ("" if it has none).
func typeOfID(s string) string {
	typ, _, ok := strings.Cut(s, "--")
	if !ok {
		return ""
	}
	return typ
}
