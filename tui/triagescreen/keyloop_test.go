package triagescreen

import (
	"syscall"
	"testing"
	"time"

	"github.com/secui/secui/tui/internal/fixture"
)

// BenchmarkFrame is one frame of a held cursor key at 100k findings in a
// 160×40 window: the gathered moves applied on the frame tick and the screen
// rendered (View), as the console does once per frame while a key is held.
func BenchmarkFrame(b *testing.B) {
	m := newModel(b, fixture.Findings(100000), 160, 40)
	j := keyMsg("j")
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		m, _ = m.update(j) // absorbed: a frame tick is pending
		m, _ = m.update(j)
		m, _ = m.update(frameTickMsg{})
		_ = m.view()
	}
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime is the CPU the process used (user + system): on a loaded machine
// wall times mostly measure the other processes.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
