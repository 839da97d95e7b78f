package rules

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse: any bytes either parse into a set that evaluates and tests
// without panicking, or are refused with an error.
func FuzzParse(f *testing.F) {
	f.Add(DefaultJSON())
	files, _ := filepath.Glob("examples/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"id":"x","version":1,"description":{"zh-CN":"a","en":"a"},"rules":[{"id":"R","version":1,"description":{"zh-CN":"a","en":"a"},"result":"PASS","reason":"ok","logic":{"reduce":[{"var":"a"},{"+":[{"var":"current"},{"var":"accumulator"}]},0]}}],"tests":[{"name":"t","data":{"a":[1,2]},"expect":{"result":"PASS"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		_, _ = s.Test()
		_ = s.Evaluate(map[string]any{"code": map[string]any{"color": "green"}}, time.Unix(0, 0), "110105", "S", "T")
	})
}
