package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/checkpoint-terminal/checkpoint"
)

// recordsTab lists the most recent records (never a name).
type recordsTab struct {
	t *Screen

	records    []checkpoint.Record
	recordList *widget.List
	recordsMsg *widget.Label
}

func (o *recordsTab) buildRecords() fyne.CanvasObject {
	o.recordsMsg = widget.NewLabel("")
	o.recordList = widget.NewList(
		func() int { return len(o.records) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.ListItemID, co fyne.CanvasObject) {
			if id >= 0 && id < len(o.records) {
				co.(*widget.Label).SetText(recordRow(o.records[id], o.t.clock.Now().Location()))
			}
		},
	)
	refresh := widget.NewButtonWithIcon(tr("records.refresh"), theme.ViewRefreshIcon(), o.refreshRecords)
	return container.NewBorder(container.NewHBox(refresh, o.recordsMsg), nil, nil, nil, o.recordList)
}

// recordRow is one line of the records list: no name, by construction.
func recordRow(r checkpoint.Record, loc *time.Location) string {
	parts := []string{
		r.Time.In(loc).Format("01-02 15:04:05"),
		outcomeText(r.Outcome),
		reasonText(checkpoint.Verdict{Reason: r.Reason, MessageKey: r.Reason.MessageKey(), Temperature: r.Celsius}),
	}
	if r.Celsius != nil {
		parts = append(parts, formatTemp(r.Celsius))
	}
	if r.Format != "" {
		parts = append(parts, string(r.Format)+" "+r.Issuer)
	}
	if r.Proxy {
		parts = append(parts, tr("records.proxy"))
	}
	if id := r.CodeID; id != "" {
		if len(id) > 8 {
			id = id[:8] + "…"
		}
		parts = append(parts, id)
	}
	return strings.Join(parts, " · ")
}

func (o *recordsTab) refreshRecords() {
	src := o.t.deps.Records
	if src == nil {
		o.recordsMsg.SetText(tr("records.unavailable"))
		return
	}
	o.t.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		recs, err := src.Recent(ctx, recentRecords)
		fyne.Do(func() {
			if err != nil {
				o.recordsMsg.SetText(tr1("records.failed", "Error", err.Error()))
				return
			}
			o.records = recs
			if len(recs) == 0 {
				o.recordsMsg.SetText(tr("records.empty"))
			} else {
				o.recordsMsg.SetText(strconv.Itoa(len(recs)))
			}
			o.recordList.Refresh()
		})
	})
}
