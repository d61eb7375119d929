// Package watch turns file changes (fsnotify) into Bubble Tea messages, so
// the console can reload its scan files and ledger while it runs. A Watcher
// watches the directories of the files it is given (so a file replaced by
// rename, as scanners and atomic writes do, is still seen) and reports only
// those files; bursts of events are gathered into one message.
package watch

import (
	"path/filepath"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fsnotify/fsnotify"
)

// Settle is how long a burst of events must be quiet before it is reported.
const Settle = 150 * time.Millisecond

// ChangedMsg reports files that were written, created, renamed or removed.
type ChangedMsg struct {
	W     *Watcher
	Files []string // absolute, cleaned, sorted
}

// ErrorMsg reports a watcher failure (the watcher keeps going).
type ErrorMsg struct {
	W   *Watcher
	Err error
}

// Watcher watches a set of files.
type Watcher struct {
	fw    *fsnotify.Watcher
	files map[string]bool
	// missing maps a directory that did not exist yet (e.g. .secui before
	// the first decision) to true; its parent is watched, and once it is
	// created it is watched too and its watched files are reported.
	missing map[string]bool
	once    sync.Once
}

// New watches files (absolute paths). Files whose directory cannot be
// watched are skipped; New fails only when no watcher can be made.
func New(files []string) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &Watcher{fw: fw, files: map[string]bool{}, missing: map[string]bool{}}
	dirs := map[string]bool{}
	for _, f := range files {
		f = filepath.Clean(f)
		if !filepath.IsAbs(f) {
			continue
		}
		w.files[f] = true
		d := filepath.Dir(f)
		if !dirs[d] {
			dirs[d] = true
			if fw.Add(d) != nil {
				// not there yet: watch its parent for it to appear
				if up := filepath.Dir(d); up != d && fw.Add(up) == nil {
					w.missing[d] = true
				}
			}
		}
	}
	return w, nil
}

// Watching reports how many directories are watched.
func (w *Watcher) Watching() int { return len(w.fw.WatchList()) }

// Close stops watching; a pending Next returns nil.
func (w *Watcher) Close() {
	w.once.Do(func() { _ = w.fw.Close() })
}

// Next waits for the next change to a watched file (gathering the events
// of the following Settle period) and returns it as a ChangedMsg. It
// returns nil once the watcher is closed.
func (w *Watcher) Next() tea.Cmd {
	return func() tea.Msg {
		changed := map[string]bool{}
		var timer <-chan time.Time
		for {
			select {
			case ev, ok := <-w.fw.Events:
				if !ok {
					return nil
				}
				p := filepath.Clean(ev.Name)
				if w.missing[p] && ev.Has(fsnotify.Create) && w.fw.Add(p) == nil {
					delete(w.missing, p)
					for f := range w.files { // written before the watch began
						if filepath.Dir(f) == p {
							changed[f] = true
						}
					}
					timer = time.After(Settle)
					continue
				}
				if !w.files[p] || ev.Op == fsnotify.Chmod {
					continue
				}
				changed[p] = true
				timer = time.After(Settle) // restart: wait for the burst to end
			case err, ok := <-w.fw.Errors:
				if !ok {
					return nil
				}
				return ErrorMsg{W: w, Err: err}
			case <-timer:
				out := make([]string, 0, len(changed))
				for p := range changed {
					out = append(out, p)
				}
				slices.Sort(out)
				return ChangedMsg{W: w, Files: out}
			}
		}
	}
}
