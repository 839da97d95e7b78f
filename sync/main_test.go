package sync_test

import (
	"os"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/internal/pgtest"
)

// pg is the package's throwaway PostgreSQL cluster.
var pg pgtest.Shared

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	if path := os.Getenv(fullDiskChildEnv); path != "" {
		os.Exit(fullDiskChild(path))
	}
	os.Exit(pgtest.Main(m, &pg))
}
