package dsfinvk

import (
	_ "embed"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// The official description file and its DTD (BZSt, GDPdU format), as
// published; tests check they are byte-identical to the reference copy.
var (
	//go:embed official/index.xml
	IndexXML []byte
	//go:embed official/gdpdu-01-09-2004.dtd
	DTD []byte
)

// Column is one column of a table as index.xml declares it.
type Column struct {
	Name      string
	Numeric   bool
	Accuracy  int // decimals of a Numeric column
	MaxLength int // of an AlphaNumeric column; 0 = not declared
}

// Table is one CSV file of the export.
type Table struct {
	URL     string // file name, e.g. transactions.csv
	Name    string // e.g. Bonkopf
	Columns []Column
}

type xmlIndex struct {
	Tables []struct {
		URL      string `xml:"URL"`
		Name     string `xml:"Name"`
		Variable struct {
			Columns []struct {
				Name    string `xml:"Name"`
				Numeric *struct {
					Accuracy string `xml:"Accuracy"`
				} `xml:"Numeric"`
				MaxLength string `xml:"MaxLength"`
			} `xml:"VariableColumn"`
		} `xml:"VariableLength"`
	} `xml:"Media>Table"`
}

// Tables parses the embedded index.xml. The encoding declared there
// (UTF-8, ';', CRLF, '"', decimal ',') is what the writer uses.
func Tables() ([]Table, error) {
	var x xmlIndex
	d := xml.NewDecoder(strings.NewReader(string(IndexXML)))
	d.Strict = false // the DOCTYPE names an external DTD
	if err := d.Decode(&x); err != nil {
		return nil, fmt.Errorf("index.xml: %w", err)
	}
	var out []Table
	for _, t := range x.Tables {
		tb := Table{URL: t.URL, Name: t.Name}
		for _, c := range t.Variable.Columns {
			col := Column{Name: c.Name, Numeric: c.Numeric != nil}
			if c.Numeric != nil {
				col.Accuracy, _ = strconv.Atoi(c.Numeric.Accuracy)
			}
			col.MaxLength, _ = strconv.Atoi(c.MaxLength)
			tb.Columns = append(tb.Columns, col)
		}
		out = append(out, tb)
	}
	return out, nil
}
