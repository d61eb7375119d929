package triagescreen

import (
	"testing"

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
	for i := 0; i < b.N; i++ {
		m, _ = m.update(j) // absorbed: a frame tick is pending
		m, _ = m.update(j)
		m, _ = m.update(frameTickMsg{})
		_ = m.view()
	}
}
