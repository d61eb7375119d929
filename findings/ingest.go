package findings

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/secui/secui/findings/repofs"
)

// rawSource keeps what is needed to decode a file's results again on demand:
// the path to re-read (regular files), the spool holding a streamed input that
// cannot be re-read (stdin, FIFO, .gz), or the bytes themselves (small such
// inputs), and the per-run context used to resolve locations.
type rawSource struct {
	path  string // re-read with ReadAt when data and spool are nil
	data  []byte
	spool *os.File
	runs  []*runMeta
}

func (r *rawSource) bytes(off int64, n int32) ([]byte, error) {
	if r.data != nil {
		if off < 0 || off+int64(n) > int64(len(r.data)) {
			return nil, fmt.Errorf("result range out of bounds")
		}
		return r.data[off : off+int64(n)], nil
	}
	if r.spool != nil {
		buf := make([]byte, n)
		if _, err := r.spool.ReadAt(buf, off); err != nil {
			return nil, fmt.Errorf("re-reading the spooled input: %w", err)
		}
		return buf, nil
	}
	f, err := os.Open(r.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("re-reading %s: %w (did the file change since it was loaded?)", r.path, err)
	}
	return buf, nil
}

// maxErrorsPerFile bounds how many per-result errors one file reports.
const maxErrorsPerFile = 20

func load(ctx context.Context, paths []string, opts Options) (*Set, error) {
	if len(paths) == 0 {
		return nil, ErrNoInput
	}
	set := &Set{Root: opts.Root, src: map[string]*rawSource{}}
	var files []string
	for _, p := range paths {
		if p == "-" {
			files = append(files, p)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			set.Errors = append(set.Errors, &LoadError{File: p, Msg: cleanErr(err)})
			set.Files = append(set.Files, FileInfo{Path: p, Err: err})
			continue
		}
		if st.IsDir() {
			found, skipped, err := discoverAll(p, nil, nil)
			if err != nil {
				set.Errors = append(set.Errors, &LoadError{File: p, Msg: cleanErr(err)})
				continue
			}
			files = append(files, found...)
			set.Skipped = append(set.Skipped, skipped...)
			continue
		}
		files = append(files, p)
	}
	ld := newLoader(opts)
	if ld.rfs != nil {
		defer ld.rfs.Close()
	}
	withFindings, distinct := 0, true
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return set, err
		}
		ld.distinct = false
		fs, info, src, errs := ld.loadFile(ctx, f)
		if len(fs) > 0 {
			withFindings++
			distinct = distinct && ld.distinct
		}
		fs, terrs := splitToolErrors(fs, info.Path)
		set.ToolErrors = append(set.ToolErrors, terrs...)
		set.Files = append(set.Files, info)
		set.Errors = append(set.Errors, errs...)
		if src != nil {
			set.src[info.Path] = src
		}
		if opts.OnFile != nil {
			opts.OnFile(info.Path, fs, info.Err)
		}
		set.Findings = append(set.Findings, fs...)
	}
	if err := ctx.Err(); err != nil {
		return set, err
	}
	if withFindings > 1 || !distinct { // one file whose IDs are distinct: nothing to merge
		set.Findings = mergeDuplicates(set.Findings)
	}
	set.Findings = correlate(set.Findings)
	return set, nil
}

func cleanErr(err error) string {
	var pe *os.PathError
	if ok := asPathErr(err, &pe); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

func asPathErr(err error, pe **os.PathError) bool {
	p, ok := err.(*os.PathError)
	if ok {
		*pe = p
	}
	return ok
}

type loader struct {
	opts    Options
	lim     Limits
	workers int
	cls     *classifier
	fp      *contentHasher
	rfs     *repofs.Root // the repository (nil outside one), for path mapping
	// distinct: the last file's findings have distinct IDs (set by finish;
	// loadFile calls are sequential)
	distinct bool
}

func newLoader(opts Options) *loader {
	w := opts.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	ld := &loader{opts: opts, lim: opts.Limits.WithDefaults(), workers: w, cls: newClassifier(opts.Overrides, opts.KindOverrides), fp: newContentHasher(opts.Root)}
	if opts.Root != "" {
		ld.rfs, _ = repofs.Open(opts.Root)
	}
	return ld
}

// displayName is how a file is named in messages: relative to the repository
// root when inside it, else as given.
func (ld *loader) displayName(p string) string {
	if p == "-" {
		return "<stdin>"
	}
	if ld.opts.Root != "" {
		if abs, err := filepath.Abs(p); err == nil {
			if rel, err := filepath.Rel(ld.opts.Root, abs); err == nil && !strings.HasPrefix(rel, "..") {
				return filepath.ToSlash(rel)
			}
		}
	}
	return p
}

// loadFile reads one SARIF input. Errors in the file are returned as
// LoadErrors with positions; results that decode are kept. Small inputs are
// parsed in memory; larger ones are streamed (plain files in place, other
// inputs through a spool file).
func (ld *loader) loadFile(ctx context.Context, p string) ([]*Finding, FileInfo, *rawSource, []*LoadError) {
	name := ld.displayName(p)
	info := FileInfo{Path: name}
	fail := func(err error) ([]*Finding, FileInfo, *rawSource, []*LoadError) {
		info.Err = err
		le := &LoadError{File: name, Msg: cleanErr(err)}
		var tl *errTooLarge
		if errors.As(err, &tl) {
			le.Limit = "max-input"
		}
		return nil, info, nil, []*LoadError{le}
	}
	in, err := openInput(ctx, p, ld.lim, ld.opts.FIFOWait)
	if err != nil {
		return fail(err)
	}
	defer in.close()
	if in.file != nil {
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		if in.size < streamThreshold {
			data, err := io.ReadAll(io.LimitReader(in.file, in.size))
			if err != nil {
				return fail(err)
			}
			return ld.loadData(ctx, name, data, abs)
		}
		var head [3]byte
		n, _ := in.file.ReadAt(head[:], 0)
		start := int64(0)
		if n == 3 && string(head[:]) == "\xef\xbb\xbf" {
			start = 3
		}
		if _, err := in.file.Seek(start, io.SeekStart); err != nil {
			return fail(err)
		}
		return ld.stream(ctx, name, in.file, in.file, start, &rawSource{path: abs})
	}
	head, eof, err := readHead(in.r, streamThreshold)
	if err != nil {
		return fail(err)
	}
	if eof {
		return ld.loadData(ctx, name, head, "")
	}
	spool, err := newSpool()
	if err != nil {
		return fail(err)
	}
	if _, err := spool.Write(head); err != nil {
		spool.Close()
		return fail(fmt.Errorf("spooling the input: %w", err))
	}
	start := 0
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		start = 3
	}
	r := io.MultiReader(bytes.NewReader(head[start:]), io.TeeReader(in.r, spoolWriter{spool}))
	fs, info, src, errs := ld.stream(ctx, name, r, spool, int64(start), &rawSource{spool: spool})
	if src == nil {
		spool.Close()
	}
	return fs, info, src, errs
}

// spoolWriter names write failures (a full disk) as spooling errors.
type spoolWriter struct{ f *os.File }

func (w spoolWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = fmt.Errorf("spooling the input: %w", err)
	}
	return n, err
}

// stream parses a large input with the streaming scanner.
func (ld *loader) stream(ctx context.Context, name string, r io.Reader, ra io.ReaderAt, start int64, src *rawSource) ([]*Finding, FileInfo, *rawSource, []*LoadError) {
	info := FileInfo{Path: name}
	fl := &fileLoad{ld: ld, name: name, partial: true}
	fs := fl.parseStream(ctx, r, ra, start)
	info.Runs, info.Results = len(fl.runs), fl.nresults
	errs := fl.done()
	if fs == nil && len(errs) > 0 {
		info.Err = errs[0]
		return nil, info, nil, errs
	}
	src.runs = fl.runs
	return ld.finish(fs), info, src, errs
}

// loadData parses one SARIF document held in memory. Details are decoded again
// from path when given, else from data (which is then kept).
func (ld *loader) loadData(ctx context.Context, name string, data []byte, path string) ([]*Finding, FileInfo, *rawSource, []*LoadError) {
	info := FileInfo{Path: name}
	bomOff := 0
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		bomOff = 3
	}
	fl := &fileLoad{ld: ld, name: name, data: data}
	if off, msg, ok := checkLimits(data, ld.lim.MaxToken, ld.lim.MaxDepth); !ok {
		fl.errorAt(off, "%s", msg)
		info.Err = fl.errs[0]
		return nil, info, nil, fl.errs
	}
	fs, errs := fl.parse(ctx, bomOff)
	info.Runs = len(fl.runs)
	info.Results = fl.nresults
	if len(errs) > 0 && len(fs) == 0 && fl.nresults == 0 {
		info.Err = errs[0]
	}
	src := &rawSource{runs: fl.runs, path: path}
	if path == "" {
		src.data = data
	}
	return fs, info, src, errs // the converter named the file in each source
}

type fileLoad struct {
	reread   func(off int64, n int) ([]byte, error) // streamed files: read a result again
	ld       *loader
	name     string
	data     []byte
	runs     []*runMeta
	nresults int
	errs     []*LoadError
	nerrs    int
	mu       sync.Mutex
	partial  bool // hand out provisional batches (Options.OnPartial) while the file is read
}

// errorLC reports an error at a known line and column (0: unknown).
func (fl *fileLoad) errorLC(line, col int, msg string) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	fl.nerrs++
	if fl.nerrs > maxErrorsPerFile {
		return
	}
	le := &LoadError{File: fl.name, Line: line, Col: col, Msg: msg}
	if i := strings.Index(msg, "(limits."); i >= 0 {
		le.Limit, _, _ = strings.Cut(msg[i+len("(limits."):], ")")
	}
	fl.errs = append(fl.errs, le)
}

func (fl *fileLoad) errorAt(off int, format string, a ...any) {
	fl.mu.Lock()
	full := fl.nerrs >= maxErrorsPerFile
	if full { // only counted: finding the line would cost a pass over the file each time
		fl.nerrs++
	}
	fl.mu.Unlock()
	if full {
		return
	}
	line, col := lineCol(fl.data, off)
	fl.errorLC(line, col, fmt.Sprintf(format, a...))
}

// jobErrorAt reports an error at byte off within a result.
func (fl *fileLoad) jobErrorAt(j resultJob, off int, format string, a ...any) {
	if fl.data != nil || j.line == 0 {
		fl.errorAt(int(j.off)+off, format, a...)
		return
	}
	line, col := j.line, j.col
	if off > len(j.data) {
		off = len(j.data)
	}
	if n := bytes.Count(j.data[:off], []byte{'\n'}); n > 0 {
		line += n
		col = off - bytes.LastIndexByte(j.data[:off], '\n')
	} else {
		col += off
	}
	fl.errorLC(line, col, fmt.Sprintf(format, a...))
}

func (fl *fileLoad) scanErr(err error) {
	if se, ok := err.(*scanError); ok && se.limit {
		fl.errorAt(se.off, "%s", se.msg)
		return
	}
	if se, ok := err.(*scanError); ok {
		fl.errorAt(se.off, "invalid JSON: %s", se.msg)
		return
	}
	fl.errorAt(0, "%v", err)
}

// resultJob is one result to decode: its bytes and where they are in the file.
type resultJob struct {
	run   *runMeta
	index int
	data  []byte
	off   int64 // byte offset in the (decompressed) file
	size  int   // length of the result in the file (data may be shorter: see orig)
	orig  int   // when > 0, data had bulky members left out; the result is orig bytes long in the file
	line  int   // 1-based line of off when known (streamed files), else 0
	col   int
}

func (fl *fileLoad) parse(ctx context.Context, start int) ([]*Finding, []*LoadError) {
	d := fl.data
	var version string
	runsSeen := false
	pl := fl.startPipeline(ctx)
	end, err := eachKeyInline(d, start, func(key []byte, vs int) (int, error) {
		if string(key) != "runs" {
			return -1, nil
		}
		runsSeen = true
		if version != "" && version != "2.1.0" {
			return -1, nil // reported below; no point decoding another version's runs
		}
		if vs+4 <= len(d) && bytes.Equal(d[vs:vs+4], []byte("null")) {
			return vs + 4, nil
		}
		if vs >= len(d) || d[vs] != '[' {
			return 0, errAt(vs, "\"runs\" must be an array, found %s", kindAt(d, vs))
		}
		return eachElemInline(d, vs, func(ri, rs int) (int, error) {
			rm, re, err := fl.parseRun(ri, rs, pl)
			if rm != nil {
				fl.runs = append(fl.runs, rm)
			}
			return re, err
		})
	}, func(key []byte, vs, ve int) error {
		if string(key) == "version" {
			if err := json.Unmarshal(d[vs:ve], &version); err != nil {
				return errAt(vs, "\"version\" must be a string, found %s", kindAt(d, vs))
			}
		}
		return nil
	})
	fs := pl.wait()
	if err != nil {
		if se, ok := err.(*scanError); ok && se.off == skipWS(d, start) && !strings.HasPrefix(se.msg, "invalid character") {
			fl.errorAt(se.off, "not a SARIF log: %s", se.msg)
		} else {
			fl.scanErr(err)
		}
		return nil, fl.done()
	}
	if rest := skipWS(d, end); rest < len(d) {
		fl.errorAt(rest, "invalid JSON: unexpected data after the top-level object")
		return nil, fl.done()
	}
	switch {
	case version == "" && !runsSeen:
		fl.errorAt(start, "not a SARIF log: no \"version\" and no \"runs\"")
		return nil, fl.done()
	case version != "" && version != "2.1.0":
		fl.errs, fl.nerrs, fl.runs, fl.nresults = nil, 0, nil, 0
		fl.errorAt(start, "unsupported SARIF version %q (secui reads SARIF 2.1.0; convert with `sarif-multitool transform --sarif-output-version Current`)", version)
		return nil, fl.done()
	case !runsSeen:
		fl.errorAt(start, "not a SARIF log: no \"runs\" array")
		return nil, fl.done()
	}
	fs = fl.ld.finish(fs)
	return fs, fl.done()
}

func (fl *fileLoad) done() []*LoadError {
	if fl.nerrs > maxErrorsPerFile {
		fl.errs = append(fl.errs, &LoadError{File: fl.name, Msg: fmt.Sprintf("%d more errors not shown", fl.nerrs-maxErrorsPerFile)})
	}
	return fl.errs
}

// runBuilder collects one run: its metadata (everything but results) and its
// results, which stream to the decoding pipeline as soon as they are found when
// the tool is already known. If run metadata shows up after the results (legal,
// rare), the run is decoded again with a complete copy of the metadata.
type runBuilder struct {
	fl       *fileLoad
	pl       *pipeline
	rm       *runMeta
	jobs     []resultJob // results not yet streamed
	refs     [][]jobRef  // results already streamed (to decode again if metadata comes late), in chunks of refChunk: appending never copies
	batch    []resultJob
	streamed []int
	frozen   bool
	late     bool
	reread   func(off int64, n int) ([]byte, error) // streamed files: fetch result bytes again
	arenas   func() []*arena                        // streamed files: the buffers holding the batch's bytes
}

func (fl *fileLoad) newRun(ri int, pl *pipeline) *runBuilder {
	return &runBuilder{fl: fl, pl: pl, rm: &runMeta{index: ri}}
}

func (b *runBuilder) flush() {
	if len(b.batch) > 0 {
		var arenas []*arena
		if b.arenas != nil {
			arenas = b.arenas()
		}
		b.streamed = append(b.streamed, b.pl.submitBatch(b.batch, arenas, true))
		b.batch = nil
	}
}

// resultsStart is called when the results array begins.
func (b *runBuilder) resultsStart() {
	if b.rm.tool != nil && !b.late {
		b.rm.resolveBases()
		b.frozen = true
	}
}

func (b *runBuilder) result(j resultJob) {
	j.run = b.rm
	j.size = len(j.data)
	if j.orig > 0 {
		j.size = j.orig
	}
	b.fl.nresults++
	if b.frozen {
		if b.batch == nil {
			b.batch = b.pl.batchBuf()
		}
		b.batch = append(b.batch, j)
		if len(b.batch) == pipelineBatch || len(b.batch) == firstPartialBatch && len(b.streamed) == 0 && b.fl.partial {
			b.flush() // a file's first rows (Options.OnPartial) go out after a few results
		}
		if n := len(b.refs); n == 0 || len(b.refs[n-1]) == refChunk {
			b.refs = append(b.refs, make([]jobRef, 0, refChunk))
		}
		last := &b.refs[len(b.refs)-1]
		*last = append(*last, jobRef{off: j.off, size: int32(j.size), index: int32(j.index), line: int32(j.line), col: int32(j.col)})
		return
	}
	b.jobs = append(b.jobs, j)
}

// refChunk is how many jobRefs one chunk of runBuilder.refs holds.
const refChunk = 4096

// jobRef is a compact record of a streamed result.
type jobRef struct {
	off                    int64
	size, index, line, col int32
}

// meta decodes one run member other than results; off is its position.
func (b *runBuilder) meta(key string, val []byte, off int64, line, col int) {
	switch key {
	case "tool", "originalUriBaseIds", "artifacts", "taxonomies":
		if b.frozen { // workers may be reading rm: continue on a copy
			b.flush()
			b.rm = b.rm.clone()
			b.frozen, b.late = false, true
		}
	case "automationDetails", "columnKind", "versionControlProvenance":
	default:
		return
	}
	rm := b.rm
	var err error
	switch key {
	case "tool":
		var t sarif.Tool
		if err = json.Unmarshal(val, &t); err == nil {
			rm.setTool(&t)
		}
	case "originalUriBaseIds":
		var bases map[string]sarif.ArtifactLocation
		if err = json.Unmarshal(val, &bases); err == nil {
			rm.bases = bases
		}
	case "artifacts":
		var arts []*sarif.Artifact
		if err = json.Unmarshal(val, &arts); err == nil {
			rm.setArtifacts(arts)
		}
	case "taxonomies":
		var tax []*sarif.ToolComponent
		if err = json.Unmarshal(val, &tax); err == nil {
			rm.setTaxonomies(tax)
		}
	case "automationDetails":
		var a struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(val, &a) == nil {
			rm.automationID = a.ID
		}
	case "columnKind":
		// Only fixes need it; a malformed value is kept as "?" so that
		// planning refuses column regions instead of guessing the unit.
		var ck string
		if json.Unmarshal(val, &ck) != nil {
			ck = "?"
		}
		rm.columnKind = ck
	case "versionControlProvenance":
		var vs []*sarif.VersionControlDetails
		if json.Unmarshal(val, &vs) != nil {
			return // only fixes use it: without it they are checked otherwise
		}
		rm.vcs = nil
		for _, v := range vs {
			if v == nil || strOr(v.RevisionID) == "" {
				continue
			}
			e := vcsEntry{repo: strOr(v.RepositoryURI), revision: strOr(v.RevisionID)}
			if v.MappedTo != nil {
				e.base = strOr(v.MappedTo.URIBaseID)
			}
			rm.vcs = append(rm.vcs, e)
		}
	}
	if err != nil {
		b.fl.jobErrorAt(resultJob{off: off, line: line, col: col, data: val}, 0, "runs[%d].%s: %s", rm.index, key, jsonErrMsg(err))
	}
}

// end completes the run and returns its metadata.
func (b *runBuilder) end() *runMeta {
	if b.frozen {
		b.flush()
		return b.rm
	}
	// Not streamed (tool unknown when results began) or metadata came late.
	b.pl.drop(b.streamed)
	if b.arenas != nil {
		b.arenas() // the held results point into these: leave them to the GC, never recycle
	}
	if len(b.refs) > 0 {
		n := 0
		for _, c := range b.refs {
			n += len(c)
		}
		again := make([]resultJob, 0, n+len(b.jobs))
		for _, r := range slices.Concat(b.refs...) {
			j := resultJob{off: r.off, size: int(r.size), index: int(r.index), line: int(r.line), col: int(r.col)}
			if b.fl.data != nil {
				j.data = b.fl.data[r.off : r.off+int64(r.size)]
			}
			again = append(again, j)
		}
		b.jobs = append(again, b.jobs...)
	}
	rm := b.rm
	if rm.tool == nil {
		rm.setTool(nil)
	}
	rm.resolveBases()
	for lo := 0; lo < len(b.jobs); lo += pipelineBatch {
		batch := b.jobs[lo:min(lo+pipelineBatch, len(b.jobs))]
		for k := range batch {
			batch[k].run = rm
			if batch[k].data == nil && b.reread != nil {
				d, err := b.reread(batch[k].off, batch[k].size)
				if err != nil {
					b.fl.errorAt(0, "re-reading results: %v", err)
					return rm
				}
				batch[k].data = d
			}
		}
		b.pl.submit(batch)
	}
	return rm
}

// parseRun parses a run of an in-memory file.
func (fl *fileLoad) parseRun(ri, vs int, pl *pipeline) (*runMeta, int, error) {
	d := fl.data
	if vs >= len(d) || d[vs] != '{' {
		fl.errorAt(vs, "runs[%d] must be an object, found %s", ri, kindAt(d, vs))
		ve, err := skipValue(d, vs)
		return nil, ve, err
	}
	b := fl.newRun(ri, pl)
	ve, err := eachKeyInline(d, vs, func(key []byte, ks int) (int, error) {
		if string(key) != "results" {
			return -1, nil
		}
		if ks+4 <= len(d) && bytes.Equal(d[ks:ks+4], []byte("null")) {
			return ks + 4, nil
		}
		if ks >= len(d) || d[ks] != '[' {
			fl.errorAt(ks, "runs[%d].results must be an array, found %s", ri, kindAt(d, ks))
			return skipValue(d, ks)
		}
		b.resultsStart()
		return eachElemOpt(d, ks, true, func(i, s, e int) error {
			if fl.nresults >= fl.ld.lim.MaxResults {
				return &scanError{off: s, msg: fmt.Sprintf("more than %d results (limits.max-results)", fl.ld.lim.MaxResults), limit: true}
			}
			b.result(resultJob{index: i, data: d[s:e], off: int64(s)})
			return nil
		})
	}, func(key []byte, ks, ke int) error {
		b.meta(string(key), d[ks:ke], int64(ks), 0, 0)
		return nil
	})
	return b.end(), ve, err
}

func jsonErrMsg(err error) string {
	switch e := err.(type) {
	case *json.UnmarshalTypeError:
		field := e.Field
		if field == "" {
			field = "value"
		}
		return fmt.Sprintf("%s: expected %s, found %s", field, e.Type, e.Value)
	case *json.SyntaxError:
		return "invalid JSON: " + e.Error()
	}
	return err.Error()
}

// finish computes identity for one file's findings; ld.distinct says
// whether their IDs are certainly distinct.
func (ld *loader) finish(fs []*Finding) []*Finding {
	ld.distinct = ld.identify(fs)
	return fs
}

// mergeDuplicates merges findings with the same ID into one with several
// sources, keeping first-seen order. The merged finding keeps the worst severity.
// Findings sharing a fingerprint or partial-fingerprint ID at different places
// (two files of one split log, two runs) are not one finding: that key is no
// identity for them, and they fall back to their next key.
func mergeDuplicates(fs []*Finding) []*Finding {
	for round := 0; ; round++ {
		seen := make(map[string]*Finding, len(fs))
		var split map[string]bool
		dups := 0
		for _, f := range fs {
			g, ok := seen[f.ID]
			if !ok {
				seen[f.ID] = f
				continue
			}
			dups++
			if round < 8 && (f.IDLayer == LayerFingerprint || f.IDLayer == LayerPartial) &&
				(f.Loc.Path != g.Loc.Path || f.Loc.Line != g.Loc.Line || f.Loc.Col != g.Loc.Col) {
				if split == nil {
					split = map[string]bool{}
				}
				split[f.ID] = true
			}
		}
		if split != nil {
			for i, f := range fs {
				if split[f.ID] {
					c := *f // f was handed out (Options.OnFile): change a copy
					dropIDKey(&c)
					fs[i] = &c
				}
			}
			continue
		}
		if dups == 0 {
			return fs
		}
		return mergeSeen(fs, len(seen))
	}
}

// dropIDKey removes the key that made f's ID and takes the next one.
func dropIDKey(f *Finding) {
	if len(f.Keys) < 2 {
		return
	}
	f.Keys = f.Keys[1:]
	k0 := f.Keys[0]
	i := strings.IndexByte(k0, ':')
	f.IDLayer, _ = KeyLayer(k0)
	f.ID = k0[i+1:]
}

// mergeSeen merges findings with the same ID into the first one. The
// findings were already handed out (Options.OnFile) and may be read by
// another goroutine, so a finding that absorbs others is replaced by a copy;
// no finding is changed after OnFile returned.
func mergeSeen(fs []*Finding, n int) []*Finding {
	seen := make(map[string]int, n) // id → index in out
	var copied map[int]bool
	out := fs[:0]
	for _, f := range fs {
		i, ok := seen[f.ID]
		if !ok {
			seen[f.ID] = len(out)
			out = append(out, f)
			continue
		}
		if !copied[i] {
			if copied == nil {
				copied = map[int]bool{}
			}
			copied[i] = true
			c := *out[i]
			c.Sources = slices.Clone(c.Sources)
			c.Keys = slices.Clone(c.Keys)
			c.search = "" // CWEs may change
			out[i] = &c
		}
		g := out[i]
		g.Sources = append(g.Sources, f.Sources...)
		if f.Severity > g.Severity {
			g.Severity, g.SevFrom = f.Severity, f.SevFrom
		}
		for _, k := range f.Keys {
			if !containsStr(g.Keys, k) {
				g.Keys = append(g.Keys, k)
			}
		}
		if g.CWEs == nil {
			g.CWEs = f.CWEs
		}
	}
	for i := range copied {
		if g := out[i]; len(g.Sources) > 1 {
			sort.SliceStable(g.Sources, func(i, j int) bool { return g.Sources[i].File < g.Sources[j].File })
		}
	}
	return out
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// pipelineBatch is how many results one decoding task handles.
const pipelineBatch = 512

// firstPartialBatch is the size of a streamed run's first decoding task
// when provisional findings are handed out: the first rows wait for these
// few results only.
const firstPartialBatch = 64

// pipeline decodes batches of results on worker goroutines while the scanner
// goes on; wait returns the findings in input order.
type pipeline struct {
	fl      *fileLoad
	ctx     context.Context
	in      chan pipeTask
	wg      sync.WaitGroup
	mu      sync.Mutex
	outs    [][]*Finding
	dropped map[int]bool
	n       int
	emit    *partialEmitter  // nil unless provisional batches are handed out
	free    chan []resultJob // decoded batches, for the scanner to fill again
}

type pipeTask struct {
	seq    int
	jobs   []resultJob
	arenas []*arena // recycled once the jobs are decoded
	reuse  bool     // jobs is a batch of its own: back to pipeline.free once decoded
}

func (fl *fileLoad) startPipeline(ctx context.Context) *pipeline {
	pl := &pipeline{fl: fl, ctx: ctx, in: make(chan pipeTask, 2), free: make(chan []resultJob, 4)}
	if cb := fl.ld.opts.OnPartial; fl.partial && cb != nil {
		name := fl.name
		pl.emit = newPartialEmitter(func(fs []*Finding) { cb(name, fs) })
		go pl.emit.run(pl)
	}
	for w := 0; w < fl.ld.workers; w++ {
		pl.wg.Add(1)
		go func() {
			defer pl.wg.Done()
			cv := newConverter(fl)
			for t := range pl.in {
				if ctx.Err() != nil {
					for _, a := range t.arenas {
						a.release()
					}
					continue
				}
				// One allocation each for the batch's findings and their
				// first source; their first three identity keys (strong,
				// content, fallback: most findings) are held in each.
				slab := make([]Finding, len(t.jobs))
				srcs := make([]Source, len(t.jobs))
				for i := range slab {
					slab[i].Sources = srcs[i : i : i+1]
					slab[i].Keys = slab[i].keyArr[:0:len(slab[i].keyArr)]
				}
				out := make([]*Finding, 0, len(t.jobs))
				for i, j := range t.jobs {
					if f := cv.convert(j, &slab[i]); f != nil {
						out = append(out, f)
					}
				}
				var ps []*Finding
				if pl.emit != nil {
					ps = provisionalCopies(out, fl.name)
				}
				pl.mu.Lock()
				pl.outs[t.seq] = out
				if pl.emit != nil {
					pl.emit.ready(t.seq, ps)
				}
				pl.mu.Unlock()
				if pl.emit != nil {
					pl.emit.notify()
				}
				for _, a := range t.arenas {
					a.release()
				}
				if t.reuse {
					clear(t.jobs) // no pointers into released arenas
					select {
					case pl.free <- t.jobs[:0]:
					default:
					}
				}
			}
		}()
	}
	return pl
}

func (pl *pipeline) submit(jobs []resultJob) int { return pl.submitBatch(jobs, nil, false) }

// batchBuf returns an empty batch of pipelineBatch jobs, one a worker is
// done with when there is one.
func (pl *pipeline) batchBuf() []resultJob {
	select {
	case b := <-pl.free:
		return b
	default:
		return make([]resultJob, 0, pipelineBatch)
	}
}

// submitBatch hands jobs to the workers; reuse: jobs is a batch of its own
// (from batchBuf), which the worker gives back once decoded.
func (pl *pipeline) submitBatch(jobs []resultJob, arenas []*arena, reuse bool) int {
	pl.mu.Lock()
	seq := len(pl.outs)
	pl.outs = append(pl.outs, nil)
	pl.mu.Unlock()
	pl.n += len(jobs)
	pl.in <- pipeTask{seq: seq, jobs: jobs, arenas: arenas, reuse: reuse}
	return seq
}

// drop discards the output of earlier tasks (their run is decoded again).
func (pl *pipeline) drop(seqs []int) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.dropped == nil {
		pl.dropped = map[int]bool{}
	}
	for _, s := range seqs {
		pl.dropped[s] = true
	}
}

func (pl *pipeline) wait() []*Finding {
	close(pl.in)
	pl.wg.Wait()
	if pl.emit != nil { // the last provisional batch goes out before the identity pass
		close(pl.emit.sig)
		<-pl.emit.done
	}
	all := make([]*Finding, 0, pl.n)
	for seq, o := range pl.outs {
		if !pl.dropped[seq] {
			all = append(all, o...)
		}
	}
	return all
}
