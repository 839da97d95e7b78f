package qr

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/testenv"
)

type sample struct {
	path, want string
}

func corpus(t testing.TB) []sample {
	root := testenv.Data(t, "qr")
	var out []sample
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if ext != ".png" && ext != ".jpg" && ext != ".jpeg" && ext != ".webp" {
			return nil
		}
		b, err := os.ReadFile(strings.TrimSuffix(p, filepath.Ext(p)) + ".txt")
		if err != nil {
			return nil
		}
		out = append(out, sample{p, strings.TrimRight(string(b), " \t\r\n")})
		return nil
	})
	return out
}

func TestExperimentStages(t *testing.T) {
	if os.Getenv("QR_EXPERIMENT") == "" {
		t.Skip()
	}
	d, err := NewDecoder(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if v := os.Getenv("WARPMIN"); v != "" { fmt.Sscan(v, &d.warpMin) }
	hits := map[string]int{}
	casc := 0
	var durs = map[string]time.Duration{}
	for _, s := range corpus(t) {
		g, err := ReadFile(s.path)
		if err != nil {
			t.Fatal(err)
		}
		var line []string
		first := ""
		for _, st := range stages {
			t0 := time.Now()
			rs, err := st.run(d, g)
			durs[st.name] += time.Since(t0)
			ok := false
			for _, r := range rs {
				if strings.TrimRight(r.Text, " \t\r\n") == s.want {
					ok = true
				}
			}
			if err != nil {
				line = append(line, st.name+"!"+err.Error())
			}
			if ok {
				hits[st.name]++
				line = append(line, st.name)
				if first == "" {
					first = st.name
				}
			}
		}
		if first != "" {
			casc++
		}
		fmt.Printf("%-45s %dx%d first=%s %v\n", strings.TrimPrefix(s.path, "/work/shared/testdata/qr/"), g.Width, g.Height, first, line)
	}
	for _, st := range stages {
		fmt.Printf("%-20s %3d  %v\n", st.name, hits[st.name], durs[st.name])
	}
	fmt.Println("cascade", casc)
}
