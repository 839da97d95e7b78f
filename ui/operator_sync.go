package ui

import (
	"context"
	"fmt"
	"io"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// syncTab syncs with the hub now and exports the records as CSV.
type syncTab struct {
	t *Screen

	syncBtn, exportBtn *widget.Button
	syncMsg, exportMsg *widget.Label
}

func (o *syncTab) buildSync() fyne.CanvasObject {
	o.syncMsg, o.exportMsg = widget.NewLabel(""), widget.NewLabel("")
	o.syncMsg.Wrapping, o.exportMsg.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord
	o.syncBtn = widget.NewButtonWithIcon(tr("sync.now"), theme.ViewRefreshIcon(), o.syncNow)
	o.exportBtn = widget.NewButtonWithIcon(tr("export.csv"), theme.DocumentSaveIcon(), o.chooseExport)
	if o.t.deps.SyncNow == nil {
		o.syncBtn.Disable()
		o.syncMsg.SetText(tr("sync.unavailable"))
	}
	if o.t.deps.ExportCSV == nil {
		o.exportBtn.Disable()
	}
	return container.NewVBox(o.syncBtn, o.syncMsg, widget.NewSeparator(), o.exportBtn, o.exportMsg, o.buildDeviceTests())
}

func (o *syncTab) syncNow() {
	fn := o.t.deps.SyncNow
	if fn == nil {
		return
	}
	o.syncBtn.Disable()
	o.syncMsg.SetText(tr("sync.running"))
	o.t.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		err := fn(ctx)
		fyne.Do(func() {
			o.syncBtn.Enable()
			if err != nil {
				o.syncMsg.Importance = widget.DangerImportance
				o.syncMsg.SetText(tr1("sync.failed", "Error", err.Error()))
				return
			}
			o.syncMsg.Importance = widget.SuccessImportance
			o.syncMsg.SetText(tr("sync.ok"))
		})
	})
}

func (o *syncTab) chooseExport() {
	f, path, err := createExport(o.t.cfg.ExportDir, o.t.clock.Now())
	if err != nil {
		o.t.log.Warn("records not exported", "err", err)
		o.exportMsg.Importance = widget.DangerImportance
		o.exportMsg.SetText(tr1("export.failed", "Error", err.Error()))
		return
	}
	o.exportTo(f, path)
}

// exportTo writes the records as CSV to w (closing it) and reports where.
func (o *syncTab) exportTo(w io.WriteCloser, where string) {
	fn := o.t.deps.ExportCSV
	if fn == nil {
		_ = w.Close()
		return
	}
	o.exportBtn.Disable()
	o.t.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		err := fn(ctx, w)
		if cerr := w.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing %s: %w", where, cerr)
		}
		fyne.Do(func() {
			o.exportBtn.Enable()
			if err != nil {
				o.exportMsg.Importance = widget.DangerImportance
				o.exportMsg.SetText(tr1("export.failed", "Error", err.Error()))
				return
			}
			o.t.log.Info("records exported", "path", where)
			o.exportMsg.Importance = widget.SuccessImportance
			o.exportMsg.SetText(tr1("export.done", "Path", where))
		})
	})
}
