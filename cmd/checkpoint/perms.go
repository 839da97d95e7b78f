package main

import (
	"log/slog"
	"os"
)

// warnReadableSecrets logs a warning for each secret-bearing file other
// users can read: the config (it holds the PIN hash), its saved settings,
// and the hub token. Installers set them 0600, owned by the terminal's
// user.
func warnReadableSecrets(files map[string]string, log *slog.Logger) []string {
	var warned []string
	for what, path := range files {
		if path == "" {
			continue
		}
		st, err := os.Stat(path)
		if err != nil {
			continue
		}
		if m := st.Mode().Perm(); m&0o077 != 0 {
			log.Warn("file readable by other users: run chmod 600 on it", "file", what, "path", path, "mode", m.String())
			warned = append(warned, what)
		}
	}
	return warned
}
