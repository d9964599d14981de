package stix_test

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"article5/stix"
)

// largeBundle is a bundle of n objects (enough for Parse and Validate to
// share the work among goroutines) in which object k is replaced by
// odd[k].
func largeBundle(n int, odd map[int]string) []byte {
	objs := make([]string, n)
	for i := range objs {
		if s, ok := odd[i]; ok {
			objs[i] = s
			continue
		}
		objs[i] = fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--c00cf988-b628-47c0-9ecb-%012d","created":"2023-11-12T14:16:48.169Z","modified":"2023-11-12T14:16:48.169Z","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2023-11-12T14:16:48Z","labels":["a",{"b":[1,2.50,-0]}]}`, i)
	}
	return bundleOf(objs...)
}

// TestParseParallelMatchesStream proves that Parse's parallel path for
// clean input gives exactly the bundle its sequential path gives, and that
// every input with a fault the parallel path cannot word is left to the
// sequential path (Parse's errors and per-object faults are its).
func TestParseParallelMatchesStream(t *testing.T) {
	clean := largeBundle(300, nil)
	cases := []struct {
		name     string
		data     []byte
		parallel bool // the parallel path must take it
	}{
		{"clean", clean, true},
		{"clean, small", largeBundle(3, nil), true},
		{"an element not an object", largeBundle(300, map[int]string{7: `"x"`, 200: `[1,2]`, 250: `null`}), true},
		{"escapes in names and strings", largeBundle(300, map[int]string{5: `{"type":"indicator","x_\u00e9\"":"a\"b\u00e9\n","x_\u00e9\"2":{"\t":[true,false,null,-1.5e-7]}}`}), true},
		{"a number beyond a double", largeBundle(300, map[int]string{150: `{"type":"indicator","id":"indicator--c00cf988-b628-47c0-9ecb-195d4414f076","x_n":1e999}`}), true},
		{"a surrogate pair escaped", largeBundle(300, map[int]string{150: `{"type":"indicator","id":"indicator--c00cf988-b628-47c0-9ecb-195d4414f076","name":"\ud83d\ude00","x_big":-1.7976931348623157e308}`}), true},
		{"a lone surrogate escape", largeBundle(300, map[int]string{150: `{"type":"indicator","id":"indicator--c00cf988-b628-47c0-9ecb-195d4414f076","name":"\ud800"}`}), false},
		{"a name twice in an object", largeBundle(300, map[int]string{299: `{"type":"indicator","type":"tool"}`}), false},
		{"invalid UTF-8 in an object", largeBundle(300, map[int]string{1: "{\"type\":\"indicator\",\"name\":\"\xff\"}"}), false},
		{"a syntax error in an object", largeBundle(300, map[int]string{200: `{"type":"indicator",}`}), false},
		{"a bundle-level name twice", []byte(strings.Replace(string(clean), `{"type":"bundle",`, `{"type":"bundle","type":"bundle",`, 1)), false},
		{"bundle-level custom property", []byte(strings.Replace(string(clean), `{"type":"bundle",`, `{"type":"bundle","x_a":[{"b":1e5}],`, 1)), true},
		{"objects not a list", []byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":{}}`), false},
		{"no objects", []byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}`), false},
		{"a bare object", []byte(precisionIndicator), false},
		{"trailing data", append(clean, []byte(` {}`)...), false},
		{"deep nesting", largeBundle(300, map[int]string{3: `{"type":"indicator","x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`}), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, werr := stix.ParseStream(c.data)
			got, ok := stix.ParseClean(c.data)
			if ok != c.parallel {
				t.Fatalf("parallel path taken: %v, want %v", ok, c.parallel)
			}
			if ok {
				if werr != nil {
					t.Fatalf("the parallel path accepted what the sequential refuses: %v", werr)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("the parallel path's bundle differs from the sequential path's")
				}
			}
			b, err := stix.Parse(c.data)
			if fmt.Sprint(err) != fmt.Sprint(werr) || (err == nil && !reflect.DeepEqual(b, want)) {
				t.Fatalf("Parse: %v, want %v", err, werr)
			}
		})
	}
}

// TestValidateParallelMatchesSequential proves that Validate, checking
// objects on several goroutines, reports exactly what it reports on one.
func TestValidateParallelMatchesSequential(t *testing.T) {
	odd := map[int]string{}
	for i := 0; i < 1000; i += 37 {
		switch i % 4 {
		case 0:
			odd[i] = `{"type":"indicator","spec_version":"2.1","id":"indicator--BAD"}`
		case 1:
			odd[i] = `"not an object"`
		case 2:
			odd[i] = with(t, precisionIndicator, "x_n", 1, "confidence", 300)
		case 3:
			odd[i] = with(t, compareIdentity, "ip", "192.0.2.1")
		}
	}
	odd[999] = odd[2*37] // a second copy of one version
	data := largeBundle(1000, odd)
	parallel := validate(t, data)
	prev := runtime.GOMAXPROCS(1)
	sequential := validate(t, data)
	runtime.GOMAXPROCS(prev)
	if len(parallel.Errors()) == 0 || prev < 2 {
		t.Fatalf("the test proves nothing: %d errors, GOMAXPROCS %d", len(parallel.Errors()), prev)
	}
	if !reflect.DeepEqual(parallel, sequential) {
		t.Fatalf("reports differ:\nparallel:\n%s\nsequential:\n%s", dump(parallel), dump(sequential))
	}
}
