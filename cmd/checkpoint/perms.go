package main

import (
	"log/slog"

	"github.com/checkpoint-terminal/checkpoint/internal/doctor"
)

// warnReadableSecrets logs a warning for each secret-bearing file other
// users can read (doctor.SecretFiles: the config, it holds the PIN hash;
// its saved settings; the hub token) and returns them. Installers set them
// 0600, owned by the terminal's user; checkpoint doctor reports the same.
func warnReadableSecrets(files map[string]string, log *slog.Logger) []string {
	var bad []string
	for what, path := range files {
		if m, ok := doctor.OthersCanRead(path); ok {
			log.Warn("file readable by other users: run chmod 600 on it", "file", what, "path", path, "mode", m.String())
			bad = append(bad, what)
		}
	}
	return bad
}
