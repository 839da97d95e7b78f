package main

import (
	"fmt"
	"io"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// checkTrustLife applies the terminal's trust-list lifetime rule
// (checkpoint.TrustListState) at now: within the grace it says EXPIRED and
// goes on; past it the code is refused, as on the terminal.
func checkTrustLife(w io.Writer, expires, now time.Time, grace time.Duration) error {
	switch checkpoint.TrustListState(expires, now, grace) {
	case checkpoint.ListExpiredInGrace:
		fmt.Fprintf(w, "trust list:  EXPIRED at %s; still used for the %s grace (until %s)\n",
			fmtTime(expires), grace, fmtTime(expires.Add(grace)))
	case checkpoint.ListExpired:
		fmt.Fprintf(w, "trust list:  EXPIRED at %s, grace %s over\n", fmtTime(expires), grace)
		fmt.Fprintf(w, "verdict:     REFUSED (%s)\n", checkpoint.FailTrustListUnavailable)
		return fmt.Errorf("code refused: trust list expired at %s and its %s grace is over", fmtTime(expires), grace)
	}
	return nil
}
