package tui

import (
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/secui/secui/tui/internal/fixture"
)

// burstModel is the shell as the program runs it, noting when the table
// cursor reaches the row a burst of keys aims at and counting View calls.
type burstModel struct {
	*Model
	target  atomic.Int64 // the row the burst aims at (-1: none)
	reached atomic.Bool
	views   atomic.Int64
}

func (b *burstModel) Init() tea.Cmd { return nil } // loaded already

func (b *burstModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := b.Model.Update(msg)
	if t := b.target.Load(); t >= 0 && int64(b.triage.TableCursor()) == t {
		b.reached.Store(true)
	}
	return b, cmd
}

func (b *burstModel) View() tea.View { b.views.Add(1); return b.Model.View() }

// frameWriter is the terminal: it counts what the renderer writes and says
// when the first write after the cursor reached its target happened (the
// frame that shows it).
type frameWriter struct {
	mu     sync.Mutex
	m      *burstModel
	frames int
	bytes  int
	shown  chan struct{}
}

func (w *frameWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.frames++
	w.bytes += len(p)
	if w.shown != nil && w.m.reached.Load() {
		close(w.shown)
		w.shown = nil
	}
	return len(p), nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkKeys200 is a burst of 200 `j` presses (one write to the terminal,
// as tmux send-keys does) at 100k findings, through the real Bubble Tea
// program (input parser, event loop, renderer) in a 160×40 window: from the
// write until the renderer has written the frame with the cursor 200 rows
// down. It reports the wall time per burst, the process CPU it took, and how
// many times the console was rendered (View) and flushed (frames) for it.
func BenchmarkKeys200(b *testing.B) {
	const n, presses = 100000, 200
	m := shellOver(b, fixture.Findings(n), nil, 160, 40)
	bm := &burstModel{Model: m}
	bm.target.Store(-1)
	inR, inW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	out := &frameWriter{m: bm}
	p := tea.NewProgram(bm, tea.WithInput(inR), tea.WithOutput(out), tea.WithWindowSize(160, 40),
		tea.WithColorProfile(colorprofile.TrueColor), tea.WithEnvironment([]string{"TERM=xterm-256color"}),
		tea.WithoutSignalHandler())
	done := make(chan struct{})
	go func() { _, _ = p.Run(); close(done) }()
	defer func() { p.Kill(); inW.Close(); <-done; inR.Close() }()
	for wait := time.Now(); ; time.Sleep(10 * time.Millisecond) { // the first frame
		out.mu.Lock()
		f := out.frames
		out.mu.Unlock()
		if f > 0 {
			break
		}
		if time.Since(wait) > 10*time.Second {
			b.Fatal("no frame")
		}
	}
	time.Sleep(200 * time.Millisecond)
	keys := strings.Repeat("j", presses)
	var wall, cpu time.Duration
	var views, frames, bytes int64
	var renders uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		time.Sleep(150 * time.Millisecond) // the previous burst's detail pane settles
		start := int64(i * presses)        // the cursor starts on the first row
		if start+presses >= n {
			b.Fatal("out of rows: use -benchtime=Nx with N < 400")
		}
		shown := make(chan struct{})
		out.mu.Lock()
		out.shown = shown
		f0, by0 := out.frames, out.bytes
		out.mu.Unlock()
		bm.reached.Store(false)
		bm.target.Store(start + presses)
		v0, r0, c0, t0 := bm.views.Load(), bm.triage.Renders(), cpuTime(), time.Now()
		b.StartTimer()
		if _, err := io.WriteString(inW, keys); err != nil {
			b.Fatal(err)
		}
		select {
		case <-shown:
		case <-time.After(30 * time.Second):
			b.Fatalf("cursor at %d, want %d", bm.triage.TableCursor(), start+presses)
		}
		b.StopTimer()
		wall += time.Since(t0)
		cpu += cpuTime() - c0
		views += bm.views.Load() - v0
		renders += bm.triage.Renders() - r0
		out.mu.Lock()
		frames += int64(out.frames - f0)
		bytes += int64(out.bytes - by0)
		out.mu.Unlock()
		bm.target.Store(-1)
		b.StartTimer()
	}
	b.StopTimer()
	nn := float64(b.N)
	b.ReportMetric(float64(cpu.Microseconds())/1000/nn, "cpu-ms/op")
	b.ReportMetric(float64(views)/nn, "views/op")
	b.ReportMetric(float64(renders)/nn, "renders/op")
	b.ReportMetric(float64(frames)/nn, "writes/op")
	b.ReportMetric(float64(bytes)/nn, "out-B/op")
	_ = wall
}
