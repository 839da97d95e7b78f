package ui

import (
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// factLines are the short test and vaccination lines of a code's optional
// facts ("核酸 阴性 · 26 小时前", "疫苗 3 剂"), aged against now.
func factLines(c *checkpoint.Code, now time.Time) []string {
	var lines []string
	if t := c.Test; t != nil {
		age := now.Sub(t.SampledAt)
		ago := tr1("fact.age_hours", "N", max(int(age.Hours()), 0))
		if age >= 72*time.Hour {
			ago = tr1("fact.age_days", "N", int(age.Hours()/24))
		}
		lines = append(lines, tr("fact.test", map[string]any{
			"Type": tr("fact.type." + string(t.Type)), "Result": tr("fact.result." + string(t.Result)), "Age": ago,
		}))
	}
	if v := c.Vaccination; v != nil {
		if v.SeriesDoses > 0 {
			lines = append(lines, tr("fact.vaccination_of", map[string]any{"N": v.Doses, "Of": v.SeriesDoses}))
		} else {
			lines = append(lines, tr1("fact.vaccination", "N", v.Doses))
		}
	}
	if r := c.Recovery; r != nil && !r.ValidUntil.IsZero() {
		lines = append(lines, tr1("fact.recovery", "Until", r.ValidUntil.Format("2006-01-02")))
	}
	return lines
}
