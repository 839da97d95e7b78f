package ui

import (
	"fmt"
	"reflect"
	"time"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
)

// SettingChange is one setting the operator changed: its name as the
// Settings field (policy fields as "Policy.FeverThreshold") and the old
// and new values as text.
type SettingChange struct {
	Name, From, To string
}

// SettingsChanges lists, field by field, what differs from old to new, in
// field order. Saving logs every change and persists only these.
func SettingsChanges(old, new Settings) []SettingChange {
	var out []SettingChange
	diffStruct("", reflect.ValueOf(old), reflect.ValueOf(new), &out)
	return out
}

func diffStruct(prefix string, a, b reflect.Value, out *[]SettingChange) {
	for i := 0; i < a.NumField(); i++ {
		name := prefix + a.Type().Field(i).Name
		fa, fb := a.Field(i), b.Field(i)
		if fa.Kind() == reflect.Struct && fa.Type() != reflect.TypeOf(time.Time{}) {
			diffStruct(name+".", fa, fb, out)
			continue
		}
		if !reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			*out = append(*out, SettingChange{Name: name, From: fmt.Sprint(fa.Interface()), To: fmt.Sprint(fb.Interface())})
		}
	}
}

// logSettingsChanges writes one log line per changed setting.
func (t *Screen) logSettingsChanges(old, new Settings) {
	ch := SettingsChanges(old, new)
	if len(ch) == 0 {
		t.log.Info("settings saved: nothing changed")
	}
	for _, c := range ch {
		t.log.Info("setting changed", "setting", c.Name, "from", c.From, "to", c.To)
	}
}

// confirmHubChange asks before a new hub address is saved: the terminal's
// token belongs to the old hub and is dropped, so the terminal must be
// registered again. Any other save goes ahead at once.
func (t *Screen) confirmHubChange(old, new Settings, save func()) {
	if old.HubURL == new.HubURL {
		save()
		return
	}
	t.log.Info("hub address change asked", "from", old.HubURL, "to", new.HubURL)
	dialog.ShowConfirm(tr("settings.hub_change_title"),
		lang.X("settings.hub_change", "settings.hub_change", map[string]any{"From": orNone(old.HubURL), "To": orNone(new.HubURL)}),
		func(ok bool) {
			if !ok {
				t.log.Info("hub address change cancelled")
				return
			}
			save()
		}, t.win)
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
