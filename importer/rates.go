package importer

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"article5"
)

//go:embed rates.csv
var ratesCSV []byte

// Rate is one row of the exchange-rate table (rates.csv): the annual
// average of Currency in US dollars for Year, and where it comes from.
type Rate struct {
	Currency   string  // ISO 4217 code, e.g. "EUR"
	Year       int     // calendar year the average covers
	USDPerUnit float64 // US dollars per unit of Currency
	Source     RateSource
}

// RateSource names the publisher and series of a rate, for the imported
// object's external_references.
type RateSource struct {
	Name       string // e.g. "European Central Bank, euro foreign exchange reference rates"
	ExternalID string // the series key, e.g. "EXR.A.USD.EUR.SP00.A"
	URL        string
}

// rateSources are the sources rates.csv may name.
var rateSources = map[string]RateSource{
	"ecb-exr": {Name: "European Central Bank, euro foreign exchange reference rates (annual average of daily rates)",
		ExternalID: "EXR.A.USD.EUR.SP00.A", URL: "https://data.ecb.europa.eu/data/datasets/EXR"},
}

// rates is rates.csv by currency and year; the embedded table is checked
// when the package loads, so a bad row is a build-time fault.
var rates = mustRates(ratesCSV)

func mustRates(data []byte) map[string]map[int]Rate {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = 4
	recs, err := r.ReadAll()
	if err != nil {
		panic("importer: rates.csv: " + err.Error())
	}
	out := map[string]map[int]Rate{}
	for i, rec := range recs {
		if i == 0 {
			continue // header
		}
		y, err1 := strconv.Atoi(rec[1])
		v, err2 := strconv.ParseFloat(rec[2], 64)
		src, ok := rateSources[rec[3]]
		if err1 != nil || err2 != nil || !ok || v <= 0 || len(rec[0]) != 3 {
			panic(fmt.Sprintf("importer: rates.csv row %d: %q", i+1, rec))
		}
		if out[rec[0]] == nil {
			out[rec[0]] = map[int]Rate{}
		}
		out[rec[0]][y] = Rate{Currency: rec[0], Year: y, USDPerUnit: v, Source: src}
	}
	return out
}

// USDRate returns the annual average rate of currency (ISO 4217) for year;
// USD is 1 for every year. ENOTFOUND when the table has no such rate.
func USDRate(currency string, year int) (Rate, error) {
	currency = strings.ToUpper(currency)
	if currency == "USD" {
		return Rate{Currency: "USD", Year: year, USDPerUnit: 1}, nil
	}
	if r, ok := rates[currency][year]; ok {
		return r, nil
	}
	return Rate{}, article5.Errorf(article5.ENOTFOUND, "no %s rate for %d in importer/rates.csv", currency, year)
}

// MonetaryUSD returns the sub-extension of an Incident Core monetary impact
// for an amount reported in currency on date day: in USD, and, for another
// currency, with currency_actual, the conversion_rate used (USD per unit,
// the annual average of day's year) and conversion_time (day, the date the
// amount is valued at). The rate is returned so the caller can cite it;
// ENOTFOUND when the table has no rate for that currency and year.
// Amounts are rounded to the cent. Source: Incident Extension Suite,
// monetary impact extension (currency, currency_actual, conversion_rate,
// conversion_time).
func MonetaryUSD(variety string, amount float64, currency string, day time.Time) (map[string]any, Rate, error) {
	r, err := USDRate(currency, day.Year())
	if err != nil {
		return nil, Rate{}, err
	}
	usd := math.Round(amount*r.USDPerUnit*100) / 100
	sub := map[string]any{"variety": variety, "currency": "USD", "min_amount": usd, "max_amount": usd}
	if r.Currency != "USD" {
		sub["currency_actual"] = r.Currency
		sub["conversion_rate"] = r.USDPerUnit
		sub["conversion_time"] = day.UTC().Format("2006-01-02") + "T00:00:00Z"
	}
	return sub, r, nil
}

// Reference returns the external reference that cites the rate r on an
// imported object.
func (r Rate) Reference() map[string]any {
	return map[string]any{
		"source_name": r.Source.Name,
		"external_id": r.Source.ExternalID,
		"url":         r.Source.URL,
		"description": fmt.Sprintf("Annual average %d: %s USD per %s, used to convert the amount to USD", r.Year, strconv.FormatFloat(r.USDPerUnit, 'f', -1, 64), r.Currency),
	}
}
