package runner

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/match"
	"github.com/secui/secui/findings/pipeline"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/findings/sarifmeta"
)

// Feeds returns the sources of findings for the pipeline view: every
// configured scanner (last run, status and version from its scan record)
// and every other tool seen in the loaded SARIF files (last run from the
// runs' invocation times, when they give one).
func Feeds(root string, cfg *config.Config, set *findings.Set) []*pipeline.Scanner {
	var out []*pipeline.Scanner
	claimed := map[string]bool{}
	for i := range cfg.Scanners {
		s := &cfg.Scanners[i]
		p := &pipeline.Scanner{Name: s.Name, Configured: true}
		for _, st := range s.Stages {
			if v, err := findings.ParseStage(st); err == nil {
				p.Stages = append(p.Stages, v)
			}
		}
		tools := []string{s.Name, filepath.Base(s.Run[0])}
		if rec, err := ReadRecord(root, s); err == nil && rec != nil {
			for _, t := range strings.Split(rec.Tool, ",") {
				if t = strings.TrimSpace(t); t != "" {
					tools = append(tools, t)
				}
			}
			if rec.Success {
				p.LastRun, p.From, p.Status, p.Version = rec.End, "scan record", string(rec.Status), rec.Version
			}
			if a := rec.LastAttempt; a != nil && a.End.After(p.LastRun) {
				p.LastRun, p.From, p.Status = a.End, "scan record", string(a.Status)
			}
		}
		for _, t := range tools {
			lt := strings.ToLower(t)
			if !claimed[lt] {
				claimed[lt] = true
				p.Tools = append(p.Tools, t)
			}
		}
		out = append(out, p)
	}
	if set == nil {
		return out
	}
	// Tools in the SARIF files that no configured scanner claims.
	other := map[string]*pipeline.Scanner{}
	for _, f := range set.Findings {
		lt := strings.ToLower(f.ToolName())
		if lt == "" || claimed[lt] || other[lt] != nil {
			continue
		}
		other[lt] = &pipeline.Scanner{Name: f.ToolName(), Tools: []string{f.ToolName()}}
		if f.Tool != nil {
			other[lt].Version = f.Tool.Version
		}
	}
	if len(other) == 0 {
		return out
	}
	for _, fi := range set.Files {
		if fi.Err != nil || fi.Path == "<stdin>" {
			continue
		}
		p := fi.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(set.Root, filepath.FromSlash(p))
			if set.Root == "" {
				p = filepath.Join(root, filepath.FromSlash(fi.Path))
			}
		}
		lg, err := readMetaAny(p)
		if err != nil {
			continue
		}
		for i := range lg.Runs {
			run := &lg.Runs[i]
			s := other[strings.ToLower(run.Tool)]
			if s == nil {
				continue
			}
			if t := run.LastRun(); t.After(s.LastRun) {
				s.LastRun, s.From = t, "sarif invocation"
				if run.Successful() {
					s.Status = "ok"
				} else {
					s.Status = "unsuccessful"
				}
			}
		}
	}
	keys := make([]string, 0, len(other))
	for k := range other {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, other[k])
	}
	return out
}

// readMetaAny reads the metadata of a SARIF file, gzip-compressed or not.
func readMetaAny(p string) (*sarifmeta.Log, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	var magic [2]byte
	if n, _ := io.ReadFull(f, magic[:]); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		r = gz
	} else if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return sarifmeta.Read(r)
}

// workTree is the matcher's view of the working tree at root: evidence
// through repofs and git line tracking (what the CLI's overlay uses).
func workTree(root string) (ledger.OverlayOptions, func()) {
	rf, err := repofs.Open(root)
	if err != nil {
		return ledger.OverlayOptions{}, func() {}
	}
	head := ""
	repo, gerr := gitrepo.Open(root)
	if gerr == nil {
		head = repo.Head
	}
	work := evidence.NewCapturer(rf, head)
	opt := match.Options{Work: work}
	if gerr == nil {
		opt.Tracker = repo.Tracker(work)
	}
	return ledger.OverlayOptions{Match: opt}, func() { rf.Close() }
}

// GoneFixed returns the findings the configured scanners proved fixed
// that no finding in fs stands for any more (they are gone from the
// results: that is what proved them fixed) and whose ledger records still
// say fixed, from the scan records. They are finding values with the
// record's id (the ledger overlay places the fixed record on them), tool, rule, severity, stage, category and last
// location, the ledger record's keys, and no Sources (no details, nothing
// to export). Loading appends them to the findings so that `secui list
// --state fixed`, the summaries and the console count and show them.
func GoneFixed(root string, cfg *config.Config, l *ledger.Ledger, fs []*findings.Finding, now time.Time) []*findings.Finding {
	if l == nil {
		return nil
	}
	var cands []*FixedEntry
	for i := range cfg.Scanners {
		rec, err := ReadRecord(root, &cfg.Scanners[i])
		if err != nil || rec == nil {
			continue
		}
		for j := range rec.Fixed {
			cands = append(cands, &rec.Fixed[j])
		}
	}
	if len(cands) == 0 {
		return nil
	}
	opt, done := workTree(root)
	defer done()
	ov := l.Overlay(fs, now, opt)
	var out []*findings.Finding
	seen := map[string]bool{}
	for _, e := range cands {
		if seen[e.ID] || ov.FindingOf(e.ID) != nil {
			continue
		}
		d := l.Get(e.ID)
		if d == nil || d.State != findings.StateFixed {
			continue
		}
		seen[e.ID] = true
		f := e.Finding()
		f.Keys = slices.Clone(d.Keys)
		if len(f.Keys) == 0 {
			f.Keys = []string{"fixed:" + e.ID}
		}
		f.StageReason = "as when it was fixed (" + e.Time.UTC().Format(time.DateOnly) + ")"
		f.Message = "fixed: no longer reported by " + e.Tool
		out = append(out, f)
	}
	return out
}
