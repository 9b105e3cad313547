package org

import (
	"os"
	"regexp"
	"testing"

	"golang.org/x/text/language"
)

// The dashboard's country picker offers a fixed list; every code in it
// must be one the server accepts, with the alpha-2 code the browser names
// it by, or a picked country would be refused on save.
func TestCountryPickerListIsAccepted(t *testing.T) {
	src, err := os.ReadFile("../../frontend/src/components/countries.ts")
	if err != nil {
		t.Fatal(err)
	}
	pairs := regexp.MustCompile(`\b([A-Z]{3}):([A-Z]{2})\b`).FindAllStringSubmatch(string(src), -1)
	if len(pairs) < 249 {
		t.Fatalf("the picker lists %d countries, want the 249 of ISO 3166-1 (and Kosovo)", len(pairs))
	}
	seen := map[string]bool{}
	for _, p := range pairs {
		code, alpha2 := p[1], p[2]
		if seen[code] {
			t.Errorf("%s listed twice", code)
		}
		seen[code] = true
		if !ValidCountry(code) {
			t.Errorf("%s is offered but refused by the server", code)
			continue
		}
		if r, _ := language.ParseRegion(code); r.String() != alpha2 {
			t.Errorf("%s: listed with %s, the region is %s", code, alpha2, r)
		}
	}
	for _, must := range []string{"DEU", "AUT", "CHE", "FRA", "NLD", "ITA", "POL"} {
		if !seen[must] {
			t.Errorf("%s missing from the picker", must)
		}
	}
}
