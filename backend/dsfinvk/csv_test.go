package dsfinvk

import (
	"math"
	"strings"
	"testing"
)

// One cell as index.xml declares its column.
func TestCell(t *testing.T) {
	num := func(acc int) Column { return Column{Name: "N", Numeric: true, Accuracy: acc} }
	text := func(max int) Column { return Column{Name: "T", MaxLength: max} }
	cases := []struct {
		name string
		col  Column
		v    any
		want string
	}{
		{"nil is empty", num(2), nil, ""},
		{"nil text is empty", text(10), nil, ""},
		{"decimal comma", num(2), 12.5, "12,50"},
		{"declared accuracy", num(5), 1.0 / 3, "0,33333"},
		{"no decimals", num(0), 1234.0, "1234"},
		{"int", num(2), 7, "7,00"},
		{"int64", num(0), int64(math.MaxInt32), "2147483647"},
		{"uint32", num(0), uint32(1000), "1000"},
		{"numeric string", num(2), "3.1", "3,10"},
		{"empty numeric string", num(2), "", ""},
		{"negative", num(2), -2.5, "-2,50"},
		{"rounds", num(2), 0.126, "0,13"},
		{"large", num(2), 12345678.9, "12345678,90"},
		{"negative zero", num(2), math.Copysign(0, -1), "0,00"},
		{"rounds to zero from below", num(2), -0.004, "0,00"},
		{"rounds to zero, no decimals", num(0), -0.4, "0"},
		{"text in quotes", text(10), "Kasse", `"Kasse"`},
		{"quotes doubled", text(20), `Cola "Zero"`, `"Cola ""Zero"""`},
		{"separator kept inside quotes", text(10), "a;b", `"a;b"`},
		{"cut to MaxLength in characters", text(4), "Äpfelmus", `"Äpfe"`},
		{"exactly MaxLength", text(5), "Äpfel", `"Äpfel"`},
		{"no MaxLength", text(0), strings.Repeat("x", 300), `"` + strings.Repeat("x", 300) + `"`},
		{"numbers in text columns", text(10), int64(42), `"42"`},
		{"empty text", text(10), "", `""`},
	}
	for _, c := range cases {
		if got := cell(c.col, c.v); got != c.want {
			t.Errorf("%s: cell(%v) = %q, want %q", c.name, c.v, got, c.want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	tb := Table{URL: "x.csv", Columns: []Column{{Name: "A", MaxLength: 3}, {Name: "B", Numeric: true, Accuracy: 2}, {Name: "C"}}}
	got := string(writeCSV(tb, []row{
		{"A": "abcd", "B": 1.5, "C": "x", "IGNORED": "y"},
		{"B": -3},
		{},
	}))
	want := "A;B;C\r\n\"abc\";1,50;\"x\"\r\n;-3,00;\r\n;;\r\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if got := string(writeCSV(tb, nil)); got != "A;B;C\r\n" {
		t.Fatalf("header only: %q", got)
	}
}

func TestTableSetKeepsKeyAndRow(t *testing.T) {
	set := tableSet{}
	key := row{"Z_NR": 1, "Z_KASSE_ID": "k"}
	set.add("t.csv", key, row{"A": 1, "Z_NR": 2})
	set.add("t.csv", key, row{"B": 2})
	if len(set["t.csv"]) != 2 {
		t.Fatalf("%v", set)
	}
	// The row's own value wins over the key; the key is not changed.
	if r := set["t.csv"][0]; r["Z_NR"] != 2 || r["Z_KASSE_ID"] != "k" || r["A"] != 1 || key["Z_NR"] != 1 || key["A"] != nil {
		t.Fatalf("row %v key %v", r, key)
	}
	if r := set["t.csv"][1]; r["Z_NR"] != 1 || r["A"] != nil || r["B"] != 2 {
		t.Fatalf("second row %v", r)
	}
	a := row{"x": 1}
	m := merge(a, row{"y": 2})
	m["x"] = 9
	if a["x"] != 1 || len(a) != 1 || m["y"] != 2 {
		t.Fatalf("merge changed its input: %v %v", a, m)
	}
}

func TestSmallHelpers(t *testing.T) {
	if dsTime(0) != "1970-01-01T00:00:00Z" || dsTime(1764583200) != "2025-12-01T10:00:00Z" {
		t.Fatalf("dsTime %s %s", dsTime(0), dsTime(1764583200))
	}
	if refDate(0) != "" || refDate(1764583200) != "2025-12-01T10:00:00Z" {
		t.Fatal("refDate")
	}
	if boolFlag(true) != "1" || boolFlag(false) != "0" {
		t.Fatal("boolFlag")
	}
	if cmpOr("", "b") != "b" || cmpOr("a", "b") != "a" {
		t.Fatal("cmpOr")
	}
	for typ, moves := range map[string]bool{"Beleg": true, "AVRechnung": true, "AVTransfer": true, "AVBelegstorno": true,
		"AVTraining": false, "AVBelegabbruch": false, "AVBestellung": false, "AVSachbezug": false} {
		if movesMoney(typ) != moves {
			t.Errorf("movesMoney(%s) = %v", typ, !moves)
		}
	}
	if !near(0.1+0.2, 0.3) || !near(1, 1.0049) || near(1, 1.0051) || near(-1, 1) {
		t.Fatal("near")
	}
}
