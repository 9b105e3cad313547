package dsfinvk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/fixtures"
)

// The SHA-256 of the published files (testdata/dsfinvk/README.md), so that
// the reference copy and the embedded one cannot drift together.
var officialSHA256 = map[string]string{
	"index.xml":            "3d9eef76cceac5b657ccfbe994a6f965f3eaed76fad759f531dbdf488af2845e",
	"gdpdu-01-09-2004.dtd": "63c46f9a2a9255863ea0d16f72619c71f3eb56e269021acda438eb4681bd8295",
}

// The embedded files must be the official ones, unchanged.
func TestOfficialFilesAreUnchanged(t *testing.T) {
	ref, err := fixtures.DSFinVK()
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"index.xml": IndexXML, "gdpdu-01-09-2004.dtd": DTD} {
		want, err := os.ReadFile(filepath.Join(ref, name))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(want); hex.EncodeToString(sum[:]) != officialSHA256[name] {
			t.Fatalf("reference copy of %s is not the published file (SHA-256 %x)", name, sum)
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
