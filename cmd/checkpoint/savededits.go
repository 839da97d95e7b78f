package main

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/ui"
)

// editedKeys maps what the operator changed from old to new onto config
// keys, so Save persists only edits: a flag override (-windowed, -camera)
// that the operator did not touch never reaches the file.
func editedKeys(old, new ui.Settings) map[string]any {
	set := map[string]any{}
	put := func(changed bool, key string, v any) {
		if changed {
			set[key] = v
		}
	}
	put(old.CameraSource != new.CameraSource, "camera.source", new.CameraSource)
	put(old.SensorEnabled != new.SensorEnabled, "thermometer.enabled", new.SensorEnabled)
	put(old.SensorPort != new.SensorPort, "thermometer.port", new.SensorPort)
	put(old.SensorProtocol != new.SensorProtocol, "thermometer.protocol", new.SensorProtocol)
	put(old.SensorBaud != new.SensorBaud, "thermometer.baud", new.SensorBaud)
	put(old.HubURL != new.HubURL, "hub.url", new.HubURL)
	put(old.SiteID != new.SiteID, "site_id", new.SiteID)
	put(old.TerminalID != new.TerminalID, "terminal_id", new.TerminalID)
	put(old.Language != new.Language, "language", new.Language)
	put(old.Mute != new.Mute, "ui.mute", new.Mute)
	put(old.VerdictHold != new.VerdictHold, "ui.verdict_seconds", new.VerdictHold.Seconds())
	ov, nv := reflect.ValueOf(old.Policy), reflect.ValueOf(new.Policy)
	for i := 0; i < ov.NumField(); i++ {
		a, b := ov.Field(i).Interface(), nv.Field(i).Interface()
		if reflect.DeepEqual(a, b) {
			continue
		}
		name, _, _ := strings.Cut(ov.Type().Field(i).Tag.Get("toml"), ",")
		if d, ok := b.(time.Duration); ok {
			b = d.String()
		}
		set["policy."+name] = b
	}
	return set
}

// dropHubToken deletes the token of the old hub when the operator changed
// the hub address: it must not be sent to the new hub.
func dropHubToken(tokenFile string, log *slog.Logger) {
	if tokenFile == "" {
		return
	}
	err := os.Remove(tokenFile)
	switch {
	case err == nil:
		log.Warn("hub address changed: the old hub's token is deleted; register this terminal with the new hub", "token_file", tokenFile)
	case errors.Is(err, fs.ErrNotExist):
	default:
		log.Error("hub address changed but the old token could not be deleted", "token_file", tokenFile, "err", err)
	}
}

// persistEdits writes the edited keys to the override file beside the
// config (config.OverridePath).
func persistEdits(configPath string, old, new ui.Settings) error {
	return config.SaveOverrides(configPath, editedKeys(old, new))
}
