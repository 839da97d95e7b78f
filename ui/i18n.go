package ui

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/assets"
)

// Languages the terminal speaks. LangSystem follows the system locale.
const (
	LangSystem  = ""
	LangEnglish = "en"
	LangChinese = "zh-CN"
)

// ValidLanguage reports whether l is one of LangSystem, LangEnglish, LangChinese.
func ValidLanguage(l string) bool {
	return l == LangSystem || l == LangEnglish || l == LangChinese
}

// NormalizeLanguage maps the spellings people use to LangSystem,
// LangEnglish or LangChinese: "", "system"; "en", "en-US", "en_GB.UTF-8";
// "zh", "zh-CN", "zh_CN.UTF-8", "zh-Hans". Anything else is an error.
func NormalizeLanguage(s string) (string, error) {
	l := strings.ToLower(trimmed(s))
	if i := strings.IndexByte(l, '.'); i >= 0 {
		l = l[:i]
	}
	l = strings.ReplaceAll(l, "_", "-")
	switch {
	case l == "" || l == "system":
		return LangSystem, nil
	case l == "en" || strings.HasPrefix(l, "en-"):
		return LangEnglish, nil
	case l == "zh" || l == "zh-cn" || l == "zh-hans" || l == "zh-sg" || l == "zh-hans-cn":
		return LangChinese, nil
	}
	return LangSystem, fmt.Errorf("unknown language %q: use en or zh-CN", s)
}

// localeEnv is the part of the environment fyne's lang reads the locale from
// (through github.com/jeandeaual/go-locale): LC_ALL wins over LC_MESSAGES and
// LANG, and LANGUAGE over all of them unless the locale is C.
type localeEnv struct {
	vals map[string]string
	set  map[string]bool
}

var localeVars = []string{"LC_ALL", "LANGUAGE"}

func snapshotLocaleEnv() localeEnv {
	e := localeEnv{vals: map[string]string{}, set: map[string]bool{}}
	for _, k := range localeVars {
		e.vals[k], e.set[k] = os.LookupEnv(k)
	}
	return e
}

// loadTranslations registers the bundled translations with fyne's lang
// package, which then picks the closest language to the environment.
func loadTranslations() error {
	if err := lang.AddTranslationsFS(assets.Translations, assets.TranslationsDir); err != nil {
		return fmt.Errorf("loading translations: %w", err)
	}
	return nil
}

// applyLanguage makes fyne's lang speak l: LangSystem restores the
// environment the terminal started with, others override it.
func applyLanguage(l string, system localeEnv, log *slog.Logger) {
	var want map[string]string
	switch l {
	case LangEnglish:
		want = map[string]string{"LC_ALL": "en_US.UTF-8", "LANGUAGE": "en"}
	case LangChinese:
		want = map[string]string{"LC_ALL": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"}
	default:
		if l != LangSystem {
			log.Warn("unknown language, following the system locale", "language", l)
		}
	}
	for _, k := range localeVars {
		var err error
		switch v, ok := want[k]; {
		case ok:
			err = os.Setenv(k, v)
		case system.set[k]:
			err = os.Setenv(k, system.vals[k])
		default:
			err = os.Unsetenv(k)
		}
		if err != nil {
			log.Warn("setting the language", "var", k, "err", err)
		}
	}
	if err := loadTranslations(); err != nil {
		log.Warn("reloading translations", "err", err)
	}
}

// tr translates key with optional template data.
func tr(key string, data ...any) string {
	return lang.X(key, key, data...)
}

// trData is a shortcut for one template field.
func tr1(key, field string, value any) string {
	return lang.X(key, key, map[string]any{field: value})
}

// knownReasons lists every reason the domain can produce: the verdict
// reasons and every failure's name. Each has a "reason.<r>" message.
func knownReasons() []checkpoint.Reason {
	rs := []checkpoint.Reason{
		checkpoint.ReasonGreen, checkpoint.ReasonGreenNoTemperature, checkpoint.ReasonYellow,
		checkpoint.ReasonRed, checkpoint.ReasonUnknownColor, checkpoint.ReasonFever,
		checkpoint.ReasonNoTemperature, checkpoint.ReasonTemperatureStale,
		checkpoint.ReasonTemperatureImplausible, checkpoint.ReasonInvalidPolicy,
	}
	for _, f := range checkpoint.Failures() {
		rs = append(rs, checkpoint.ReasonForFailure(f))
	}
	return rs
}

// reasonText is the translated reason of a verdict. A reason the
// translations do not know (a newer domain) is shown by its code.
func reasonText(v checkpoint.Verdict) string {
	key := v.MessageKey
	if key == "" {
		key = v.Reason.MessageKey()
	}
	known := false
	for _, r := range knownReasons() {
		if r.MessageKey() == key {
			known = true
			break
		}
	}
	if !known {
		// A site rule's reason key (package rules): its translation when
		// the bundle has one, else the rule's own description.
		if t := tr1(key, "Temperature", formatTemp(v.Temperature)); t != key && key != "" {
			return t
		}
		if rt := v.RuleText; rt != nil {
			if tr("rules.lang") == "zh-CN" && rt.ZH != "" {
				return rt.ZH
			}
			if rt.EN != "" {
				return rt.EN
			}
		}
		return tr1("reason.other", "Reason", string(v.Reason))
	}
	return tr1(key, "Temperature", formatTemp(v.Temperature))
}

// formatTemp writes "37.8 °C", or "—" for no value.
func formatTemp(c *float64) string {
	if c == nil {
		return tr("detail.none")
	}
	return fmt.Sprintf("%.1f °C", *c)
}

func outcomeText(o checkpoint.Outcome) string {
	switch o {
	case checkpoint.OutcomePass, checkpoint.OutcomeDeny, checkpoint.OutcomeRecheck, checkpoint.OutcomeMeasure:
		return tr("outcome." + o.String())
	}
	return tr("outcome.ready")
}

func colorText(c checkpoint.Color) string { return tr("color." + c.String()) }

// formatAge writes how old something is, coarsely: "3 h old".
func formatAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return tr("age.now")
	case d < time.Hour:
		return tr1("age.minutes", "N", int(d/time.Minute))
	case d < 48*time.Hour:
		return tr1("age.hours", "N", int(d/time.Hour))
	}
	return tr1("age.days", "N", int(d/(24*time.Hour)))
}

// languageNames maps setting values to what the language picker shows.
func languageOptions() (values []string, labels []string) {
	return []string{LangSystem, LangEnglish, LangChinese},
		[]string{tr("settings.language_system"), "English", "中文（简体）"}
}

func trimmed(s string) string { return strings.TrimSpace(s) }

// provinces are the province-level GB/T 2260 prefixes with a "region.<nn>"
// message.
const provinces = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82"

// regionText names an issuing region: a GB/T 2260 division code reads as
// its province and the code ("Beijing 110000"); anything else (a DCC
// country, an unknown code) is shown as it is.
func regionText(region string) string {
	if len(region) != 6 || strings.Trim(region, "0123456789") != "" {
		return region
	}
	p := region[:2]
	if !strings.Contains(" "+provinces+" ", " "+p+" ") {
		return region
	}
	return tr("region."+p) + " " + region
}
