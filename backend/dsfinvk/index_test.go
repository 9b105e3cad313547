package dsfinvk

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/fixtures"
)

// The embedded files must be the official ones, unchanged.
func TestOfficialFilesAreUnchanged(t *testing.T) {
	fx, err := fixtures.TSEExports()
	if err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(fx, "..", "..", "reference", "dsfinvk")
	for name, got := range map[string][]byte{"index.xml": IndexXML, "gdpdu-01-09-2004.dtd": DTD} {
		want, err := os.ReadFile(filepath.Join(ref, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s differs from the official copy", name)
		}
	}
	tables, err := Tables()
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 20 || tables[0].URL != "cashpointclosing.csv" || len(tables[10].Columns) != 23 {
		t.Fatalf("%d tables; first %s; transactions.csv has %d columns", len(tables), tables[0].URL, len(tables[10].Columns))
	}
}
