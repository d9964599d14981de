package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"article5"
)

// Reader streams a CSV file (RFC 4180: quoted fields may hold line breaks,
// commas and doubled quotes) row by row, in bounded memory. Row numbers are
// 1-based data rows (the header is row 0); Line is the file line the row
// starts on.
type Reader struct {
	name   string
	r      *csv.Reader
	header []string
	index  map[string]int
	row    int
}

// Row is one data row: its number, starting line and cells by column name.
type Row struct {
	N     int // 1-based data row
	Line  int // 1-based line where the row starts
	cells []string
	index map[string]int
}

// Get returns the cell of the named column ("" if the column is absent).
func (r *Row) Get(col string) string {
	i, ok := r.index[col]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return r.cells[i]
}

// NewReader reads the header and checks that every required column is
// present. EINVALID naming the file and the missing columns otherwise.
func NewReader(name string, in io.Reader, required []string) (*Reader, error) {
	cr := csv.NewReader(in)
	cr.ReuseRecord = false
	cr.FieldsPerRecord = 0 // every row must have as many fields as the header
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, article5.Invalid(name+": the file is empty", article5.Detail{Object: name, Line: 1, Message: "expected a CSV header row"})
		}
		return nil, csvError(name, 0, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	idx := make(map[string]int, len(header))
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, article5.Invalid(name+": the header is not UTF-8", article5.Detail{Object: name + " header", Pointer: fmt.Sprintf("column %d", i+1), Line: 1, Message: "expected UTF-8 text"})
		}
		idx[h] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := idx[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, article5.Invalid(name+": wrong header",
			article5.Detail{Object: name + " header", Line: 1, Message: fmt.Sprintf("missing column(s) %s; found %d columns starting %s", strings.Join(missing, ", "), len(header), strings.Join(first(header, 4), ", "))})
	}
	return &Reader{name: name, r: cr, header: header, index: idx}, nil
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Next returns the next row, io.EOF at the end, or EINVALID naming the row,
// line and column for malformed CSV (a truncated quoted field, a wrong
// number of fields) or a cell that is not UTF-8.
func (r *Reader) Next() (*Row, error) {
	rec, err := r.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, csvError(r.name, r.row+1, err)
	}
	r.row++
	line, _ := r.r.FieldPos(0)
	for i, c := range rec {
		if !utf8.ValidString(c) {
			l, col := r.r.FieldPos(i)
			return nil, article5.Invalid(r.name+": a cell is not UTF-8",
				article5.Detail{Object: fmt.Sprintf("%s row %d", r.name, r.row), Pointer: "column " + r.header[i], Line: l,
					Message: fmt.Sprintf("expected UTF-8 text (the field starts at character %d of the line)", col)})
		}
	}
	return &Row{N: r.row, Line: line, cells: rec, index: r.index}, nil
}

// Header returns the column names.
func (r *Reader) Header() []string { return r.header }

func csvError(name string, row int, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		col := ""
		if pe.Column > 0 {
			// encoding/csv reports the character position in the line, not
			// the field: name it as such.
			col = fmt.Sprintf("line %d, column position %d", pe.Line, pe.Column)
		}
		msg := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrFieldCount):
			msg = "wrong number of fields: expected as many as the header (is the file truncated or a quote unbalanced?)"
		case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
			msg = "malformed quoting: " + pe.Err.Error() + " (a quoted field must end with a quote; is the file truncated?)"
		}
		obj := fmt.Sprintf("%s row %d", name, row)
		if pe.StartLine != pe.Line {
			obj += fmt.Sprintf(" (starting on line %d)", pe.StartLine)
		}
		return article5.Invalid(name+": malformed CSV", article5.Detail{Object: obj, Pointer: col, Message: msg})
	}
	return article5.Invalid(name+": cannot read CSV", article5.Detail{Object: name, Message: err.Error()})
}
