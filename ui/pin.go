package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/checkpoint-terminal/checkpoint/internal/pin"
)

// pinScreen is a touch keypad that opens the operator screens.
type pinScreen struct {
	t     *Screen
	root  fyne.CanvasObject
	entry *widget.Entry
	msg   *widget.Label
	keys  map[string]*widget.Button // "0".."9", "del", "ok", "cancel"
}

func newPINScreen(t *Screen) *pinScreen {
	p := &pinScreen{t: t, keys: map[string]*widget.Button{}}
	p.entry = widget.NewPasswordEntry()
	p.entry.SetPlaceHolder(tr("pin.prompt"))
	p.entry.OnSubmitted = func(s string) { p.submit() }
	p.msg = widget.NewLabel("")
	p.msg.Importance = widget.DangerImportance
	pad := container.NewGridWithColumns(3)
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok"} {
		k := k
		var b *widget.Button
		switch k {
		case "del":
			b = widget.NewButtonWithIcon("", theme.ContentUndoIcon(), func() {
				if s := p.entry.Text; s != "" {
					p.entry.SetText(s[:len(s)-1])
				}
			})
		case "ok":
			b = widget.NewButtonWithIcon(tr("button.ok"), theme.ConfirmIcon(), p.submit)
			b.Importance = widget.HighImportance
		default:
			b = widget.NewButton(k, func() { p.entry.SetText(p.entry.Text + k) })
		}
		b.OnTapped = t.touched(b.OnTapped)
		p.keys[k] = b
		pad.Add(b)
	}
	cancel := widget.NewButtonWithIcon(tr("button.cancel"), theme.CancelIcon(), t.closeOperator)
	p.keys["cancel"] = cancel
	title := widget.NewLabelWithStyle(tr("pin.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	box := container.NewVBox(title, p.entry, p.msg, container.NewGridWrap(fyne.NewSize(360, 300), pad), cancel)
	p.root = container.NewCenter(container.NewVBox(layout.NewSpacer(), box, layout.NewSpacer()))
	return p
}

// openPIN shows the PIN pad.
func (t *Screen) openPIN() {
	t.pin.entry.SetText("")
	t.pin.msg.SetText("")
	t.inOp = true
	t.touch()
	t.scheduleIdle(pinIdle) // the pad's own short idle timeout
	t.win.SetContent(t.pin.root)
	t.win.Canvas().Focus(t.pin.entry)
}

func (p *pinScreen) submit() {
	pin := p.entry.Text
	p.entry.SetText("")
	if ok, msg := p.t.checkPIN(pin); !ok {
		p.msg.SetText(msg)
		return
	}
	if quit := p.t.onPINClose; quit != nil {
		p.t.onPINClose = nil
		p.t.log.Warn("window closed by the operator")
		quit()
		return
	}
	p.t.showOperator(0)
}

// checkPIN checks the entered PIN against the configured one (an argon2id
// hash or, in demo, plain text), counting wrong attempts in a row; from
// the maxBadPINs-th on each locks the pad for longer (lockoutAfter). It
// logs every login and refusal and returns the message to show when
// refused.
func (t *Screen) checkPIN(entered string) (bool, string) {
	now := t.clock.Now()
	if now.Before(t.lockedTo) {
		t.log.Warn("operator PIN refused: pad locked", "until", t.lockedTo.Format(time.RFC3339))
		return false, tr1("pin.locked", "Seconds", int(t.lockedTo.Sub(now).Seconds()+0.999))
	}
	if ok, err := pin.Check(t.cfg.PIN, entered); err != nil {
		t.log.Error("checking the operator PIN", "err", err)
	} else if ok {
		t.log.Info("operator login", "after_failures", t.badPINs)
		if t.badPINs != 0 || !t.lockedTo.IsZero() {
			t.badPINs, t.lockedTo = 0, time.Time{}
			t.saveLockout()
		}
		return true, ""
	}
	t.badPINs++
	lock := lockoutAfter(t.badPINs)
	if lock > 0 {
		t.lockedTo = now.Add(lock)
	}
	t.saveLockout()
	t.log.Warn("operator PIN refused: wrong PIN", "failures_in_a_row", t.badPINs, "locked_for", lock)
	if lock > 0 {
		return false, tr1("pin.locked", "Seconds", int(lock.Seconds()))
	}
	return false, tr("pin.wrong")
}

// closeOperator returns to the guard's screen.
func (t *Screen) closeOperator() {
	t.onPINClose = nil
	t.inOp = false
	t.stopIdleWatch()
	t.win.SetContent(t.guard)
}
