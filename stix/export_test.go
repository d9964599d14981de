package stix

import "bytes"

// ParseStream is Parse's sequential path alone, for tests that compare
// Parse's parallel path with it.
func ParseStream(data []byte) (*Bundle, error) { return parseStream(bytes.Clone(data)) }

// ParseClean is Parse's parallel path for clean input alone; ok is false
// when it leaves the input to the sequential path.
func ParseClean(data []byte) (*Bundle, bool) {
	var admitted bool
	b, ok, _ := parseClean(bytes.Clone(data), ParseOptions{}, &admitted)
	return b, ok
}
