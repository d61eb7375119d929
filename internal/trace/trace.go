// Package trace is an opt-in timestamp log for start-up investigations
// (issue 12): with SECUI_TRACE=FILE set, Mark records "unix-nanoseconds
// event" lines that a goroutine appends to FILE, so a caller on the console's
// Update or View path does no I/O. Without SECUI_TRACE every call is a
// no-op. It is for developers (internal/bench/consoletime reads it); it is
// not a user feature and never records findings, paths or tokens: events
// are fixed names chosen by the caller.
package trace

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var (
	on      = os.Getenv("SECUI_TRACE") != ""
	once    sync.Once
	ch      chan string
	seen    sync.Map // events recorded by Once
	wg      sync.WaitGroup
	init0   = time.Now()
	dropped atomic.Int64
)

// On reports whether tracing is on (SECUI_TRACE is set).
func On() bool { return on }

func start() {
	ch = make(chan string, 256)
	f, err := os.OpenFile(os.Getenv("SECUI_TRACE"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		on = false
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer f.Close()
		for s := range ch {
			_, _ = f.WriteString(s)
		}
	}()
	ch <- strconv.FormatInt(init0.UnixNano(), 10) + " trace-init\n"
}

// Mark records event at the current time. It never blocks: when the
// writer falls behind, events are dropped.
func Mark(event string) {
	if !on {
		return
	}
	t := time.Now()
	once.Do(start)
	if !on {
		return
	}
	select {
	case ch <- strconv.FormatInt(t.UnixNano(), 10) + " " + event + "\n":
	default:
		dropped.Add(1)
	}
}

// Once records event the first time it is called with that name.
func Once(event string) {
	if !on {
		return
	}
	if _, loaded := seen.LoadOrStore(event, true); !loaded {
		Mark(event)
	}
}
