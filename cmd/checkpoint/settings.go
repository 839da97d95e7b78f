package main

import (
	"log/slog"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/internal/terminal"
	"github.com/checkpoint-terminal/checkpoint/ui"
)

func settingsFromConfig(cfg config.Config) ui.Settings {
	return ui.Settings{
		CameraSource: cfg.Camera.Source, SensorEnabled: cfg.Thermometer.Enabled,
		SensorPort: cfg.Thermometer.Port, SensorProtocol: cfg.Thermometer.Protocol, SensorBaud: cfg.Thermometer.Baud,
		Policy: cfg.Policy, HubURL: cfg.Hub.URL, SiteID: cfg.SiteID, TerminalID: cfg.TerminalID,
		Language: cfg.Language, Mute: cfg.UI.Mute,
		VerdictHold: time.Duration(cfg.UI.VerdictSeconds * float64(time.Second)),
	}
}

// saveSettings applies the policy at once and writes what the operator
// changed from old to the override file beside the config (the config file
// and its comments stay as they are); device, id and hub changes take
// effect at the next start, and a new hub address drops the old token.
func saveSettings(t *terminal.Terminal, o guiOptions, old, s ui.Settings, log *slog.Logger) error {
	cfg := t.Config
	cfg.Camera.Source = s.CameraSource
	cfg.Thermometer.Enabled, cfg.Thermometer.Port = s.SensorEnabled, s.SensorPort
	cfg.Thermometer.Protocol, cfg.Thermometer.Baud = s.SensorProtocol, s.SensorBaud
	cfg.Policy, cfg.Hub.URL, cfg.SiteID, cfg.TerminalID = s.Policy, s.HubURL, s.SiteID, s.TerminalID
	cfg.Language, cfg.UI.Mute = s.Language, s.Mute
	cfg.UI.VerdictSeconds = s.VerdictHold.Seconds()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := t.SetLocalPolicy(s.Policy); err != nil {
		return err
	}
	if o.configPath == "" {
		log.Info("demo mode: settings applied for this run only (no config file)")
		return nil
	}
	if err := persistEdits(o.configPath, old, s); err != nil {
		return err
	}
	if old.HubURL != s.HubURL {
		dropHubToken(t.Config.Hub.TokenFile, log)
	}
	log.Info("settings saved; camera, sensor, hub and id changes apply at the next start", "path", config.OverridePath(o.configPath))
	return nil
}
