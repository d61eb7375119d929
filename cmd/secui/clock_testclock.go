//go:build secui_testclock

package main

import (
	"os"
	"time"
)

// nowFunc is the clock of a test build: SECUI_NOW (RFC 3339) when set, else
// the real time. Release builds ignore SECUI_NOW (clock.go). The CLI tests
// build the binary with -tags secui_testclock.
func nowFunc() time.Time {
	if s := os.Getenv("SECUI_NOW"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t
		}
	}
	return time.Now()
}
