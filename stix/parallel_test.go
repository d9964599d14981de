package stix_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
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
	for _, c := range parseCases() {
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

type parseCase struct {
	name     string
	data     []byte
	parallel bool // the parallel path must take it
}

// parseCases are inputs for each of Parse's paths: clean ones the parallel
// path takes, and each kind of fault it leaves to the sequential path.
func parseCases() []parseCase {
	clean := largeBundle(300, nil)
	return []parseCase{
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
		{"a bundle-level name twice, once escaped", []byte(strings.Replace(string(clean), `{"type":"bundle",`, `{"type":"bundle","ty\u0070e":"bundle",`, 1)), false},
		{"invalid UTF-8 in a bundle-level name", []byte(strings.Replace(string(clean), `{"type":"bundle",`, "{\"type\":\"bundle\",\"x_\xff\":1,", 1)), false},
		{"a name twice deep in an object", largeBundle(300, map[int]string{150: `{"type":"indicator","x_a":[{"b":1,"b":2}]}`}), false},
	}
}

// TestParseWithAdmitsOnceAndHandsEachObject proves ParseWith's contract on
// every path: Admit is called once, with CountObjects' count, before any
// object is decoded, and its error stops the parse; Each is given every
// object of the bundle returned, by its index.
func TestParseWithAdmitsOnceAndHandsEachObject(t *testing.T) {
	for _, c := range parseCases() {
		t.Run(c.name, func(t *testing.T) {
			var admits []int
			var mu sync.Mutex
			seen := map[int]*stix.Object{}
			b, err := stix.ParseWith(c.data, stix.ParseOptions{
				Admit: func(n int) error {
					mu.Lock()
					defer mu.Unlock()
					if len(seen) > 0 {
						t.Errorf("Admit called after %d objects were handed to Each", len(seen))
					}
					admits = append(admits, n)
					return nil
				},
				Each: func(i int, o *stix.Object) {
					mu.Lock()
					defer mu.Unlock()
					seen[i] = o
				},
			})
			_, werr := stix.Parse(c.data)
			if fmt.Sprint(err) != fmt.Sprint(werr) {
				t.Fatalf("ParseWith: %v; Parse: %v", err, werr)
			}
			if want := stix.CountObjects(bytes.NewReader(c.data), nil); len(admits) != 1 || admits[0] != want {
				t.Fatalf("Admit calls %v, want one with %d", admits, want)
			}
			if err != nil {
				return
			}
			if len(seen) != len(b.Objects) {
				t.Fatalf("Each saw %d objects of %d", len(seen), len(b.Objects))
			}
			for i, o := range b.Objects {
				if seen[i] != o {
					t.Fatalf("Each's last object for index %d is not the bundle's", i)
				}
			}
		})
		t.Run(c.name+"/refused", func(t *testing.T) {
			refuse := errors.New("over the limit")
			var each atomic.Int32
			_, err := stix.ParseWith(c.data, stix.ParseOptions{
				Admit: func(int) error { return refuse },
				Each:  func(int, *stix.Object) { each.Add(1) },
			})
			if !errors.Is(err, refuse) || each.Load() != 0 {
				t.Fatalf("ParseWith: %v after %d objects, want Admit's error before any", err, each.Load())
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
