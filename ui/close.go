package ui

// GuardClose makes closing the window (the window manager's close button,
// Alt-F4) ask for the operator PIN first; after the right PIN quit runs.
// Each request is logged. Call it on the fyne main goroutine.
func (t *Screen) GuardClose(quit func()) {
	t.win.SetCloseIntercept(func() { t.askClose(quit) })
}

// askClose opens the PIN pad; the right PIN runs quit.
func (t *Screen) askClose(quit func()) {
	t.log.Warn("window close asked: operator PIN required")
	t.openPIN()
	t.onPINClose = quit
}
