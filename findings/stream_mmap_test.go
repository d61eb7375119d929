//go:build linux || darwin || freebsd || netbsd || openbsd

package findings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file cut short while it is mapped faults where its bytes are gone: the
// load reports it as the file's error and goes on (no crash, no findings
// from a file read in part).
func TestStreamMappedFileCutShort(t *testing.T) {
	log := genSARIF(3000, false)
	p := filepath.Join(t.TempDir(), "cut.sarif")
	writeFile(t, p, log)
	other := filepath.Join(t.TempDir(), "other.sarif")
	writeFile(t, other, genSARIF(20, false))
	mapped := 0
	mappedHook = func(f *os.File, off int64) {
		mapped++
		if f.Name() == p {
			if err := os.Truncate(p, int64(len(log)/2)); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer func() { mappedHook = nil }()
	old := streamThreshold
	streamThreshold = 1
	defer func() { streamThreshold = old }()
	s, _ := Load(t.Context(), []string{p, other}, Options{})
	if mapped < 2 {
		t.Fatalf("%d windows mapped: the files were not scanned mapped", mapped)
	}
	var cut []string
	for _, e := range s.Errors {
		if strings.Contains(e.Msg, "cut short") {
			cut = append(cut, e.File)
		}
	}
	if len(cut) != 1 || !strings.HasSuffix(cut[0], "cut.sarif") {
		t.Fatalf("errors %v: want one 'cut short' error for cut.sarif", s.Errors)
	}
	if len(s.Findings) != 20 {
		t.Fatalf("%d findings: want the other file's 20 only", len(s.Findings))
	}
}

// A file that grows after it was sized is read on past the mapping: a log
// whose end is appended while it is being scanned loads whole.
func TestStreamMappedFileGrew(t *testing.T) {
	log := genSARIF(500, false)
	cut := len(log) - 100
	p := filepath.Join(t.TempDir(), "grew.sarif")
	writeFile(t, p, log[:cut])
	mappedHook = func(f *os.File, off int64) {
		w, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if _, err := w.WriteString(log[cut:]); err != nil {
			t.Fatal(err)
		}
		mappedHook = nil
	}
	defer func() { mappedHook = nil }()
	s := loadWithThreshold(t, p, 1)
	if len(s.Errors) != 0 || len(s.Findings) != 500 {
		t.Fatalf("%d findings, errors %v: want all 500", len(s.Findings), s.Errors)
	}
	whole := filepath.Join(t.TempDir(), "whole.sarif")
	writeFile(t, whole, log)
	if got, want := summaryOf(t, s), summaryOf(t, loadWithThreshold(t, whole, 1)); got != want {
		t.Fatalf("the grown file loaded differently from the whole one")
	}
}
