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

// PIN lockout: after maxBadPINs wrong PINs in a row the pad refuses every
// PIN for pinLockout.
const (
	maxBadPINs = 5
	pinLockout = 30 * time.Second
)

// pinScreen is a touch keypad that opens the operator screens.
type pinScreen struct {
	t     *Terminal
	root  fyne.CanvasObject
	entry *widget.Entry
	msg   *widget.Label
	keys  map[string]*widget.Button // "0".."9", "del", "ok", "cancel"
}

func newPINScreen(t *Terminal) *pinScreen {
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
func (t *Terminal) openPIN() {
	t.pin.entry.SetText("")
	t.pin.msg.SetText("")
	t.inOp = true
	t.watchIdle()
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
	p.t.showOperator(0)
}

// checkPIN compares pin with the configured PIN in constant time, counting
// wrong attempts; it returns the message to show when refused.
func (t *Terminal) checkPIN(entered string) (bool, string) {
	now := t.clock.Now()
	if now.Before(t.lockedTo) {
		return false, tr1("pin.locked", "Seconds", int(t.lockedTo.Sub(now).Seconds()+0.999))
	}
	if ok, err := pin.Check(t.cfg.PIN, entered); err != nil {
		t.log.Error("checking the operator PIN", "err", err)
	} else if ok {
		t.badPINs = 0
		return true, ""
	}
	t.badPINs++
	t.log.Warn("wrong operator PIN", "attempt", t.badPINs)
	if t.badPINs >= maxBadPINs {
		t.badPINs = 0
		t.lockedTo = now.Add(pinLockout)
		return false, tr1("pin.locked", "Seconds", int(pinLockout.Seconds()))
	}
	return false, tr("pin.wrong")
}

// closeOperator returns to the guard's screen.
func (t *Terminal) closeOperator() {
	t.inOp = false
	t.stopIdleWatch()
	t.win.SetContent(t.guard)
}
