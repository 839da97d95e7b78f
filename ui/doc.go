// Package ui is the terminal's Fyne user interface: the guard's screen (a
// verdict panel readable from two metres, the live camera preview, the
// temperature, today's counters and a status bar) and the operator's screens
// behind a PIN (settings, recent records, manual temperature, test code,
// sync and CSV export).
//
// # Shape
//
// The package depends only on the domain (package checkpoint: Verdict,
// Health, Counters), the bundled assets and fyne; it never imports fyne.io/fyne/v2/app, so its tests run on
// fyne's test driver without an X server. The caller (cmd/checkpoint)
// creates the fyne.App and fyne.Window and hands them in, with what the
// screen pulls from the terminal (internal/terminal's methods):
//
//	scr := ui.New(a, w, ui.Config{Settings: s, PIN: pin, PreviewFPS: 5}, ui.Deps{
//		Clock: clock, Log: log, Sound: sound.Open(ctx, log),
//		Records: records, SaveSettings: persist, ManualReading: t.ManualReading,
//		SyncNow: t.Client.Sync, ExportCSV: export, TestCode: t.TestCode,
//		Health: t.Health, Preview: t.Preview, Temperature: t.Temperature, Counters: t.Counters,
//	})
//	go scr.Run(ctx)          // pulls health, temperature and preview, ticks the clock
//	w.ShowAndRun()
//
// Verdicts are pushed as they happen: ShowVerdict, from any goroutine. Run
// pulls the rest at its own rates (health and the clock once a second, the
// temperature five times a second, the preview at Config.PreviewFPS);
// SetHealth, SetTemperature, SetPreview and SetCounters set them directly
// (tests, screenshots). They hand their work to the fyne main goroutine
// with fyne.Do (fyne 2.6+ threading).
//
// # Verdicts
//
// ShowVerdict shows PASS, DENY, RECHECK or MEASURE TEMPERATURE in colour,
// with an icon and in words (never colour alone), the translated reason
// (message key Verdict.MessageKey, "reason.<reason>"), the masked name, the
// code colour, the issuing region, the temperature and "on behalf of a
// relative" for proxy codes. After Settings.VerdictHold the panel returns to
// READY TO SCAN; a new verdict replaces the one shown at once and restarts
// the hold. Pass, deny and recheck verdicts are counted for today (measure is
// an intermediate state and is not counted) and play their sound unless
// muted.
//
// # Languages and font
//
// Texts come from assets/translations through fyne's lang package, in
// English and Simplified Chinese. The language follows the system locale
// unless Settings.Language is "en" or "zh-CN". fyne 2.8 has no API to choose
// the language, so an explicit choice sets LC_ALL and LANGUAGE in the
// process environment (the only place fyne's lang reads it) and reloads the
// translations; "" restores the values the process started with. The
// language is therefore process-wide.
//
// The theme renders all text with a single-file CJK font: the bundled
// DroidSansFallback-GB2312.otf (the GB 2312 subset of Debian's
// DroidSansFallbackFull.ttf, made by assets/fonts/subset.sh: a quarter of
// the full font's memory), or Config.FontPath (e.g. the full font, for
// rare characters), falling back per glyph to fyne's own font for Latin
// text.
package ui
