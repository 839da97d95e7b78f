package rules

import (
	"fmt"
	"strings"
)

// Text renders the explanation for a person in lang ("zh-CN" or "en"):
// the verdict, the set in force, and each rule tried with its description
// and what happened to it.
func (x Explanation) Text(lang string) string {
	zh := strings.HasPrefix(lang, "zh")
	pick := func(en, cn string) string {
		if zh {
			return cn
		}
		return en
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s)\n", pick("Verdict:", "结果："), strings.ToUpper(x.Verdict.Outcome.String()), x.Verdict.Reason)
	if x.Set == nil {
		fmt.Fprintf(&b, "%s %s\n", pick("Decided by the built-in policy:", "由内置政策判定："), x.Floor)
		return b.String()
	}
	fmt.Fprintf(&b, "%s %s: %s\n", pick("Rule set", "规则集"), x.Set.Name(), x.Set.Description.In(lang))
	desc := map[string]string{}
	for _, r := range x.Set.Rules {
		desc[r.ID] = r.Description.In(lang)
	}
	for _, st := range x.Decision.Trace {
		mark := map[string]string{"fired": "=>", "false": "  ", "skipped": " -", "error": "!!", "not reached": "  "}[st.Status]
		line := fmt.Sprintf("%s %s [%s] %s", mark, st.Rule, statusText(st.Status, zh), desc[st.Rule])
		if st.Why != "" {
			line += " (" + st.Why + ")"
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
		if st.Status == "not reached" {
			break // the rest are not reached either
		}
	}
	return b.String()
}

func statusText(s string, zh bool) string {
	if !zh {
		return s
	}
	return map[string]string{"fired": "命中", "false": "不满足", "skipped": "跳过", "error": "出错", "not reached": "未评估"}[s]
}
