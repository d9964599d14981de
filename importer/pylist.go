package importer

import (
	"fmt"
	"strings"
)

// PyList parses a Python-literal list cell as real datasets write them —
// "['Japan']", "[['Japan', 'China'], ['Korea, Republic of']]", "[]" —
// into its string items in order, flattening nesting. Items are quoted
// with ' or " (backslash escapes honoured); None and numbers are returned as
// written. An empty cell gives nil. A cell that is not a list is returned
// as one item (datasets mix forms). An unbalanced list is an error.
func PyList(cell string) ([]string, error) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return nil, nil
	}
	if s[0] != '[' {
		return []string{s}, nil
	}
	var out []string
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced ']' at offset %d", i)
			}
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string starting at offset %d", i)
			}
			out = append(out, b.String())
			i = j
		case c == ',' || c == ' ':
		default:
			j := i
			for j < len(s) && s[j] != ',' && s[j] != ']' {
				j++
			}
			out = append(out, strings.TrimSpace(s[i:j]))
			i = j - 1
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced '[': %d list(s) not closed", depth)
	}
	return out, nil
}

// PyNested parses a list of lists, "[['a', 'b'], ['c']]", keeping the
// outer structure: one inner slice per outer item ("['a']" gives [[a]]).
func PyNested(cell string) ([][]string, error) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return nil, nil
	}
	if !strings.HasPrefix(s, "[[") {
		items, err := PyList(s)
		if err != nil {
			return nil, err
		}
		out := make([][]string, len(items))
		for i, it := range items {
			out[i] = []string{it}
		}
		return out, nil
	}
	var out [][]string
	depth, start := 0, -1
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote = c
		case '[':
			depth++
			if depth == 2 {
				start = i
			}
		case ']':
			if depth == 2 {
				inner, err := PyList(s[start : i+1])
				if err != nil {
					return nil, err
				}
				out = append(out, inner)
			}
			depth--
		}
	}
	if depth != 0 || quote != 0 {
		return nil, fmt.Errorf("unbalanced nested list")
	}
	return out, nil
}

// Semi splits a "; "-separated cell into trimmed, non-empty items.
func Semi(cell string) []string {
	var out []string
	for _, p := range strings.Split(cell, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Missing reports whether a cell says nothing: empty, "Not available",
// "Unknown", "nan", "None" as the whole cell (case-insensitive). Datasets
// use these for uncoded facts, which stay absent — never zero.
func Missing(cell string) bool {
	switch strings.ToLower(strings.TrimSpace(cell)) {
	case "", "not available", "n/a", "na", "nan", "unknown", "none available":
		return true
	}
	return false
}
