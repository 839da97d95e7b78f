package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// createExport creates a new CSV file for an export in dir (made 0700 if
// missing), named by the time, mode 0600, never replacing a file.
func createExport(dir string, now time.Time) (*os.File, string, error) {
	if dir == "" {
		return nil, "", errors.New("no export directory configured")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("export directory: %w", err)
	}
	base := "checkpoint-records-" + now.Format("20060102-150405")
	for i := 0; i < 100; i++ {
		name := base + ".csv"
		if i > 0 {
			name = fmt.Sprintf("%s-%d.csv", base, i)
		}
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("creating the export: %w", err)
		}
		if err := f.Chmod(0o600); err != nil { // whatever the umask
			f.Close()
			return nil, "", fmt.Errorf("creating the export: %w", err)
		}
		return f, path, nil
	}
	return nil, "", fmt.Errorf("creating the export: 100 files named %s* already", base)
}
