package doctor

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
)

// SecretFiles are the files that hold secrets of a terminal configured from
// configPath (empty: demo mode, no config file): the config itself (the
// operator PIN's hash), the settings the operator saved beside it, and the
// hub token. Keys are what the file is, for messages.
func SecretFiles(cfg config.Config, configPath string) map[string]string {
	m := map[string]string{"hub token": cfg.Hub.TokenFile}
	if configPath != "" {
		m["config"], m["saved settings"] = configPath, config.OverridePath(configPath)
	}
	return m
}

// ReadableByOthers returns, sorted, a line for each existing file of files
// whose mode lets its group or other users read or write it
// ("hub token /etc/checkpoint/token (-rw-r--r--)"). Missing files are not
// reported: the checks that need them say so.
func ReadableByOthers(files map[string]string) []string {
	var out []string
	for what, path := range files {
		if path == "" {
			continue
		}
		if m, bad := OthersCanRead(path); bad {
			out = append(out, fmt.Sprintf("%s %s (%s)", what, path, m))
		}
	}
	sort.Strings(out)
	return out
}

// OthersCanRead reports whether path exists with a mode that lets its
// group or other users read or write it, and the mode.
func OthersCanRead(path string) (os.FileMode, bool) {
	if path == "" {
		return 0, false
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	m := st.Mode().Perm()
	return m, m&0o077 != 0
}

// checkPerms warns when a secret-bearing file is readable by other users.
func checkPerms(cfg config.Config, opts Options) Check {
	bad := ReadableByOthers(SecretFiles(cfg, opts.ConfigPath))
	if len(bad) == 0 {
		return Check{Name: "file modes", Result: OK, Detail: "config, saved settings and hub token readable by their owner only"}
	}
	return Check{Name: "file modes", Result: Warn, Detail: "readable by other users: " + strings.Join(bad, ", "),
		Next: "chmod 600 each file, owned by the terminal's user (checkpoint)"}
}
