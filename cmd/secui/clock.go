//go:build !secui_testclock

package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// nowFunc is the clock: the real time. Only a test build (-tags
// secui_testclock, see clock_testclock.go) reads SECUI_NOW; a release binary
// ignores it and says so once on stderr, so nobody can backdate or
// post-date decisions or make the gate evaluate expiries at another time.
func nowFunc() time.Time {
	if os.Getenv("SECUI_NOW") != "" {
		warnClockOnce.Do(func() {
			fmt.Fprintln(os.Stderr, "secui: SECUI_NOW is ignored (only test builds have a settable clock); using the real time")
		})
	}
	return time.Now()
}

var warnClockOnce sync.Once
