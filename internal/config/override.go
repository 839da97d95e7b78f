package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// OverridePath is the settings file the operator's Save writes, beside the
// config file: "checkpoint.toml" -> "checkpoint.settings.toml". Load reads
// it after the config file, so its keys win; the config file itself (and
// its comments) is never rewritten.
func OverridePath(configPath string) string {
	ext := filepath.Ext(configPath)
	return strings.TrimSuffix(configPath, ext) + ".settings.toml"
}

// applyOverride decodes the override file beside path onto c, if there is
// one. Unknown keys are an error, as in the config file.
func applyOverride(path string, c *Config) error {
	op := OverridePath(path)
	md, err := toml.DecodeFile(op, c)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading saved settings %s: %w", op, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fmt.Errorf("saved settings %s: unknown keys: %s", op, strings.Join(keys, ", "))
	}
	return nil
}

// SaveOverrides sets the given keys in the override file beside
// configPath, keeping the keys it already holds, and writes it atomically
// with mode 0600. Keys are TOML paths with at most one table ("site_id",
// "camera.source", "policy.fever_threshold"); values are strings, bools,
// ints or floats (durations as strings such as "10s").
func SaveOverrides(configPath string, set map[string]any) error {
	if len(set) == 0 {
		return nil
	}
	op := OverridePath(configPath)
	doc := map[string]any{}
	if _, err := toml.DecodeFile(op, &doc); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading saved settings %s: %w", op, err)
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		table, key, nested := strings.Cut(k, ".")
		if !nested {
			doc[k] = set[k]
			continue
		}
		t, _ := doc[table].(map[string]any)
		if t == nil {
			t = map[string]any{}
			doc[table] = t
		}
		t[key] = set[k]
	}
	var b strings.Builder
	b.WriteString("# Settings saved on the terminal's operator screen; they override " + filepath.Base(configPath) + ".\n")
	b.WriteString("# Delete a line (or the file) to go back to the config file's value.\n")
	if err := toml.NewEncoder(&b).Encode(doc); err != nil {
		return fmt.Errorf("encoding saved settings: %w", err)
	}
	tmp := op + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("writing saved settings: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil { // WriteFile keeps an old file's mode
		return fmt.Errorf("writing saved settings: %w", err)
	}
	if err := os.Rename(tmp, op); err != nil {
		return fmt.Errorf("writing saved settings: %w", err)
	}
	return nil
}
