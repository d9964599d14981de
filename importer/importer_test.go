package importer_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/importer"
)

func TestPyList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"[]", nil},
		{"['Japan']", []string{"Japan"}},
		{"[['Japan', 'China'], ['Korea, Republic of']]", []string{"Japan", "China", "Korea, Republic of"}},
		{`["O'Brien", 'x']`, []string{"O'Brien", "x"}},
		{"['a\\'b']", []string{"a'b"}},
		{"[None, 3]", []string{"None", "3"}},
		{"plain text", []string{"plain text"}},
	}
	for _, tc := range tests {
		got, err := importer.PyList(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"['a'", "[['a']", "['a]"} {
		if _, err := importer.PyList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	nested, err := importer.PyNested("[['Critical infrastructure', 'Media'], ['State institutions / political system']]")
	if err != nil || len(nested) != 2 || len(nested[0]) != 2 || nested[1][0] != "State institutions / political system" {
		t.Errorf("nested: %q %v", nested, err)
	}
}

// TestCSVMultiline is the csv-multiline interop kind: a quoted field with a
// line break, a comma and doubled quotes is one field of one record.
func TestCSVMultiline(t *testing.T) {
	in := "a,b,c\nfirst,\"line one\r\nline two, with comma and \"\"quotes\"\"\",third\nx,y,z\n"
	r, err := importer.NewReader("t.csv", strings.NewReader(in), []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	row, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	// encoding/csv normalises the CRLF inside the quoted field to LF.
	if got := row.Get("b"); got != "line one\nline two, with comma and \"quotes\"" {
		t.Errorf("field b = %q", got)
	}
	if row.Get("c") != "third" || row.N != 1 {
		t.Errorf("row %d c=%q", row.N, row.Get("c"))
	}
	row, err = r.Next()
	if err != nil || row.N != 2 || row.Line != 4 {
		t.Fatalf("second row: %+v %v", row, err)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("want EOF, got %v", err)
	}
}

// TestCSVFaults: wrong header, truncated quoted field, non-UTF-8 byte and
// a short row each give EINVALID naming the row (and column or line).
func TestCSVFaults(t *testing.T) {
	tests := []struct {
		name, in string
		wants    []string
	}{
		{"wrong header", "x,y\n1,2\n", []string{"wrong header", "missing column(s) a, b"}},
		{"empty", "", []string{"empty"}},
		{"truncated", "a,b\n1,2\n3,\"unterminated\n", []string{"row 2", "malformed quoting"}},
		{"non-UTF-8", "a,b\n1,2\n3,\xff\xfe\n", []string{"row 2", "column b", "UTF-8"}},
		{"short row", "a,b\n1,2\n3\n", []string{"row 2", "wrong number of fields"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := importer.NewReader("t.csv", strings.NewReader(tc.in), []string{"a", "b"})
			for err == nil {
				_, err = r.Next()
			}
			if errors.Is(err, io.EOF) {
				t.Fatal("no error")
			}
			var e *article5.Error
			if !errors.As(err, &e) || e.Code != article5.EINVALID {
				t.Fatalf("want EINVALID, got %v", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q: %v", w, err)
				}
			}
		})
	}
}

// TestPyListOnRealCells parses every list-valued cell of the real EuRepoC
// file without error.
func TestPyListOnRealCells(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "shared", "data", "eurepoc", "EuRepoC_Global_Database_1.1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cols := []string{"receiver_country", "receiver_category", "receiver_category_subcode", "initiator_country", "initiator_category"}
	r, err := importer.NewReader("eurepoc", f, cols)
	if err != nil {
		t.Fatal(err)
	}
	n, japan := 0, 0
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, c := range cols {
			items, err := importer.PyList(row.Get(c))
			if err != nil {
				t.Errorf("row %d %s %q: %v", row.N, c, row.Get(c), err)
			}
			for _, it := range items {
				if c == "receiver_country" && it == "Japan" {
					japan++
				}
			}
		}
	}
	if n != 1643 || japan == 0 {
		t.Errorf("%d rows, %d Japan receivers", n, japan)
	}
}

func TestIDsAreStable(t *testing.T) {
	a := importer.ID("incident", "eurepoc", "1.1", "46")
	if a != importer.ID("incident", "eurepoc", "1.1", "46") || a == importer.ID("incident", "eurepoc", "1.1", "47") {
		t.Fatal("ids not stable or not distinct")
	}
	if importer.Normalize("  APT  28 ") != "apt 28" {
		t.Fatal("normalize")
	}
}

// TestRates: the exchange-rate table covers every year the datasets span
// for the euro, each rate is plausible, USD converts to itself, and a
// missing rate is ENOTFOUND (never a silent 1:1).
func TestRates(t *testing.T) {
	for y := 1999; y <= 2024; y++ {
		r, err := importer.USDRate("EUR", y)
		if err != nil {
			t.Fatalf("EUR %d: %v", y, err)
		}
		if r.USDPerUnit < 0.8 || r.USDPerUnit > 1.7 || r.Source.ExternalID != "EXR.A.USD.EUR.SP00.A" {
			t.Errorf("EUR %d: %+v", y, r)
		}
	}
	if r, err := importer.USDRate("usd", 1990); err != nil || r.USDPerUnit != 1 {
		t.Errorf("USD: %+v %v", r, err)
	}
	for _, c := range []struct {
		cur  string
		year int
	}{{"EUR", 1998}, {"EUR", 2031}, {"JPY", 2020}, {"XXX", 2020}} {
		if _, err := importer.USDRate(c.cur, c.year); article5.ErrorCode(err) != article5.ENOTFOUND {
			t.Errorf("%s %d: %v, want ENOTFOUND", c.cur, c.year, err)
		}
	}
	sub, r, err := importer.MonetaryUSD("ransom-payment", 1000, "EUR", time.Date(2022, 3, 4, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if sub["max_amount"] != 1053.0 || sub["min_amount"] != 1053.0 || sub["currency"] != "USD" || sub["currency_actual"] != "EUR" ||
		sub["conversion_rate"] != 1.053 || sub["conversion_time"] != "2022-03-04T00:00:00Z" || r.Year != 2022 {
		t.Errorf("EUR 1,000 in 2022: %v %+v", sub, r)
	}
	if ref := r.Reference(); ref["external_id"] != "EXR.A.USD.EUR.SP00.A" || !strings.Contains(ref["description"].(string), "2022") {
		t.Errorf("reference %v", ref)
	}
	usd, _, err := importer.MonetaryUSD("ransom-payment", 4.4e6, "USD", time.Date(2021, 5, 8, 0, 0, 0, 0, time.UTC))
	if err != nil || usd["max_amount"] != 4.4e6 || usd["currency_actual"] != nil || usd["conversion_rate"] != nil {
		t.Errorf("USD stays as it is: %v %v", usd, err)
	}
}
