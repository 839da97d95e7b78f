package main

import (
	"fmt"
	"log/slog"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/internal/doctor"
	"github.com/checkpoint-terminal/checkpoint/internal/pin"
)

// checkOperatorPIN refuses to start a real terminal (one with -config) whose
// operator PIN is the default, and warns while the PIN is stored in plain
// text rather than as an argon2id hash (hctool pin-hash) and while the
// config or the hub token can be read by other users. Demo mode keeps
// the default PIN, which README prints.
func checkOperatorPIN(cfg config.Config, configPath string, demo bool, log *slog.Logger) error {
	if demo {
		return nil
	}
	warnReadableSecrets(doctor.SecretFiles(cfg, configPath), log)
	if pin.IsDefault(cfg.UI.PIN) {
		return fmt.Errorf("the operator PIN is the default %s: anyone who read the README could change this terminal's settings. "+
			"Set one: run `hctool pin-hash` (it reads the new PIN on standard input) and put its output as pin = \"$argon2id$...\" under [ui] in %s",
			pin.Default, configPath)
	}
	if !pin.IsHash(cfg.UI.PIN) {
		log.Warn("the operator PIN is stored in plain text; replace [ui] pin with the output of `hctool pin-hash`", "config", configPath)
	}
	return nil
}
