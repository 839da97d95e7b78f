package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/rules"
)

// runRulesExplain verifies a code as the terminal does and shows which rule
// of a set fires for it at a temperature, and why.
func runRulesExplain(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rules explain", "--rules SET --trustlist LIST.cose --root-pub ROOT.pub [flags] (TEXT | --image FILE)", stderr)
	setPath := fs.String("rules", "", "rule set, JSON or signed (.cose); empty: the built-in policy")
	listPath := fs.String("trustlist", "", "signed trust list the code is verified against; required")
	var rootPubs multiFlag
	fs.Var(&rootPubs, "root-pub", "pinned root public key (PEM) of the list and a signed set; repeatable; required")
	imagePath := fs.String("image", "", "read the code from the QR in this PNG or JPEG file")
	temp := fs.Float64("temp", math.NaN(), "the forehead reading in °C (absent: no reading)")
	manual := fs.Bool("manual", false, "the reading was typed in by the guard")
	optional := fs.Bool("temperature-optional", false, "the policy does not require a temperature")
	region := fs.String("region", "", "the terminal's GB/T 2260 division code")
	site := fs.String("site", "site-1", "the terminal's site id")
	terminal := fs.String("terminal", "t1", "the terminal id")
	at := fs.String("now", "", "decide at this RFC 3339 time instead of the clock")
	lang := fs.String("lang", "en", "en or zh-CN")
	showCtx := fs.Bool("context", false, "also print the data context the rules saw (JSON)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *listPath == "" || (*imagePath == "") == (fs.NArg() != 1) || fs.NArg() > 1 {
		fs.Usage()
		return errUsage
	}
	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return fmt.Errorf("--now: %w", err)
		}
		now = t
	}
	roots, err := readRootPubs(rootPubs)
	if err != nil {
		return err
	}
	set := rules.Default()
	if *setPath != "" {
		if set, err = readRuleSet(*setPath, roots); err != nil {
			return err
		}
		if _, err := set.Test(); err != nil {
			return err // a terminal would refuse it
		}
	}
	tl, err := loadTrustList(*listPath, roots, now)
	if err != nil {
		return err
	}
	text := fs.Arg(0)
	if *imagePath != "" {
		if text, err = readQRFile(*imagePath); err != nil {
			return err
		}
	}
	v := healthcode.NewVerifier(tl, healthcode.NewMemoryRevocations(), checkpoint.ClockFunc(func() time.Time { return now }), healthcode.Options{})
	code, err := v.Verify(strings.TrimSpace(text))
	p := checkpoint.PresentationOf(code, err, now) // as the terminal maps it
	var r *checkpoint.Reading
	if !math.IsNaN(*temp) {
		r = &checkpoint.Reading{Celsius: *temp, At: now, Status: checkpoint.SensorOK, Manual: *manual}
	}
	pol := checkpoint.DefaultPolicy()
	pol.RequireTemperature = !*optional
	e := rules.NewEngine(func() rules.Env {
		return rules.Env{TerminalID: *terminal, SiteID: *site, Region: *region, TrustListAge: now.Sub(tl.IssuedAt()), RevocationAge: -1}
	})
	e.Use(set)
	x := e.Explain(p, r, pol, now)
	fmt.Fprint(stdout, x.Text(*lang))
	if *showCtx && x.Context != nil {
		b, _ := json.MarshalIndent(x.Context, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	}
	return nil
}
