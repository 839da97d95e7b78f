package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/checkpoint-terminal/checkpoint"
)

// operatorIdle: the PIN pad and the operator screens return to the guard's
// screen after this long without a touch, so a forgotten settings screen
// never hides the verdicts.
const operatorIdle = 2 * time.Minute

// touch records operator activity.
func (t *Screen) touch() { t.lastTouch = t.clock.Now() }

// touched wraps a callback so that using it counts as activity.
func (t *Screen) touched(f func()) func() {
	return func() {
		t.touch()
		f()
	}
}

// watchIdle starts (or restarts) the idle watch of the operator screens.
func (t *Screen) watchIdle() {
	t.touch()
	t.scheduleIdle(operatorIdle)
}

func (t *Screen) scheduleIdle(d time.Duration) {
	t.stopIdleWatch()
	gen := t.idleGen
	t.stopIdle = t.afterFunc(d, func() { fyne.Do(func() { t.checkIdle(gen) }) })
}

func (t *Screen) stopIdleWatch() {
	t.idleGen++
	if t.stopIdle != nil {
		t.stopIdle()
		t.stopIdle = nil
	}
}

// checkIdle closes the operator screens once idle long enough, else looks
// again when they would be.
func (t *Screen) checkIdle(gen uint64) {
	if gen != t.idleGen || !t.inOp {
		return
	}
	idle, limit := t.clock.Now().Sub(t.lastTouch), t.idleLimit()
	if idle >= limit {
		t.log.Info("operator screens idle, back to scanning", "idle", idle)
		t.closeOperator()
		return
	}
	t.scheduleIdle(limit - idle)
}

// showLatest tells the operator, in the screen's header, what the guard's
// screen just showed.
func (o *operatorScreen) showLatest(v checkpoint.Verdict) {
	o.latest.SetText(outcomeText(v.Outcome) + " · " + reasonText(v))
	switch v.Outcome {
	case checkpoint.OutcomePass:
		o.latest.Importance = widget.SuccessImportance
	case checkpoint.OutcomeDeny:
		o.latest.Importance = widget.DangerImportance
	default:
		o.latest.Importance = widget.WarningImportance
	}
	o.latest.Refresh()
}
