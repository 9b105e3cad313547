package auth

import (
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/secret/secrettest"
)

func TestMain(m *testing.M) { secrettest.Main(m) }
