package findings

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

type detailFlowLoc struct {
	Location     *liteLoc `json:"location"`
	Kinds        []string `json:"kinds"`
	NestingLevel *int     `json:"nestingLevel"`
	Importance   string   `json:"importance"`
}

// detailRegion is a region as fixes need it: every form, and whether a
// snippet is present at all.
type detailRegion struct {
	StartLine   int      `json:"startLine"`
	StartColumn int      `json:"startColumn"`
	EndLine     int      `json:"endLine"`
	EndColumn   int      `json:"endColumn"`
	CharOffset  *int     `json:"charOffset"`
	CharLength  *int     `json:"charLength"`
	ByteOffset  *int     `json:"byteOffset"`
	ByteLength  *int     `json:"byteLength"`
	Snippet     *rawText `json:"snippet"`
}

type rawText struct {
	Text   *string `json:"text"`
	Binary *string `json:"binary"`
}

type detailResult struct {
	Locations []struct {
		PhysicalLocation *struct {
			ArtifactLocation *liteArtLoc   `json:"artifactLocation"`
			Region           *detailRegion `json:"region"`
			ContextRegion    *detailRegion `json:"contextRegion"`
		} `json:"physicalLocation"`
	} `json:"locations"`
	RelatedLocations []liteLoc `json:"relatedLocations"`
	CodeFlows        []struct {
		Message     *liteMsg `json:"message"`
		ThreadFlows []struct {
			Message   *liteMsg        `json:"message"`
			Locations []detailFlowLoc `json:"locations"`
		} `json:"threadFlows"`
	} `json:"codeFlows"`
	Fixes []struct {
		Description     *liteMsg `json:"description"`
		ArtifactChanges []struct {
			ArtifactLocation *liteArtLoc `json:"artifactLocation"`
			Replacements     []struct {
				DeletedRegion   *detailRegion `json:"deletedRegion"`
				InsertedContent *rawText      `json:"insertedContent"`
			} `json:"replacements"`
		} `json:"artifactChanges"`
	} `json:"fixes"`
	Properties map[string]any `json:"properties"`
}

// RawResult returns the bytes of the SARIF result behind a source.
func (s *Set) RawResult(src Source) ([]byte, error) {
	rs := s.src[src.File]
	if rs == nil {
		return nil, fmt.Errorf("%s: source not loaded", src.File)
	}
	return rs.bytes(src.Offset, src.Length)
}

// Result decodes the full go-sarif result behind a source (for exports).
func (s *Set) Result(src Source) (*sarif.Result, error) {
	b, err := s.RawResult(src)
	if err != nil {
		return nil, err
	}
	r := &sarif.Result{RuleIndex: -1, Rank: -1}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("%s: runs[%d].results[%d]: %s", src.File, src.Run, src.Result, jsonErrMsg(err))
	}
	return r, nil
}

func (s *Set) details(f *Finding) (*Details, error) {
	if len(f.Sources) == 0 {
		return &Details{}, nil
	}
	src := f.Sources[0]
	rs := s.src[src.File]
	if rs == nil || src.Run >= len(rs.runs) {
		return nil, fmt.Errorf("%s: source not loaded", src.File)
	}
	b, err := rs.bytes(src.Offset, src.Length)
	if err != nil {
		return nil, err
	}
	var dr detailResult
	if err := json.Unmarshal(b, &dr); err != nil {
		// Streamed loading reads only the parts of a result the list needs,
		// so a malformed code flow or related location shows up here, when
		// the finding is opened: say exactly where.
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		off := int64(-1)
		switch {
		case errors.As(err, &se):
			off = se.Offset - 1
		case errors.As(err, &te):
			off = te.Offset - 1
		}
		if off >= 0 {
			if line, col, ok := rs.lineCol(src.Offset + off); ok {
				return nil, &LoadError{File: src.File, Line: line, Col: col, Msg: fmt.Sprintf("runs[%d].results[%d]: %s", src.Run, src.Result, jsonErrMsg(err))}
			}
		}
		return nil, fmt.Errorf("%s: runs[%d].results[%d]: %s", src.File, src.Run, src.Result, jsonErrMsg(err))
	}
	rm := rs.runs[src.Run]
	cv := &converter{root: s.Root, paths: map[resolvedURI]mappedPath{}, intern: map[string]string{}, arts: map[artKey]Location{}, artsByURI: map[string][]artEntry{}}
	d := &Details{Properties: sanitizeProps(dr.Properties)}
	for i := range dr.RelatedLocations {
		d.Related = append(d.Related, cv.location(rm, &dr.RelatedLocations[i]))
	}
	for _, cf := range dr.CodeFlows {
		for _, tf := range cf.ThreadFlows {
			fl := Flow{}
			if tf.Message != nil {
				fl.Message = sanitize(tf.Message.Text)
			} else if cf.Message != nil {
				fl.Message = sanitize(cf.Message.Text)
			}
			for _, tl := range tf.Locations {
				st := FlowStep{Kinds: sanitizeAll(tl.Kinds), Nesting: intOr(tl.NestingLevel, 0), Importance: sanitize(tl.Importance)}
				if tl.Location != nil {
					st.Loc = cv.location(rm, tl.Location)
				}
				fl.Steps = append(fl.Steps, st)
			}
			d.Flows = append(d.Flows, fl)
		}
	}
	d.ColumnKind = ParseColumnKind(rm.columnKind)
	for _, l := range dr.Locations {
		pl := l.PhysicalLocation
		if pl == nil || pl.ArtifactLocation == nil {
			continue
		}
		local, scheme := cv.local(rm, pl.ArtifactLocation)
		path := cv.artifact(rm, pl.ArtifactLocation).Path
		for i, rg := range []*detailRegion{pl.Region, pl.ContextRegion} {
			if rg == nil || rg.Snippet == nil || rg.Snippet.Text == nil {
				continue
			}
			sr := ScannedRegion{Local: local, Path: path, Scheme: scheme, Snippet: *rg.Snippet.Text, Context: i == 1}
			sr.StartLine, sr.StartCol, sr.EndLine, sr.EndCol, sr.CharOffset, sr.CharLength, sr.ByteOffset, sr.ByteLength = rg.fields()
			d.Scanned = append(d.Scanned, sr)
		}
	}
	for _, fx := range dr.Fixes {
		fix := Fix{}
		if fx.Description != nil {
			fix.Description = sanitize(renderMessage(fx.Description.Text, fx.Description.Arguments))
		}
		for _, ac := range fx.ArtifactChanges {
			fc := FileChange{}
			if ac.ArtifactLocation != nil {
				l := cv.artifact(rm, ac.ArtifactLocation)
				fc.Path, fc.InRepo, fc.URI = l.Path, l.InRepo, l.URI
				fc.Local, fc.Scheme = cv.local(rm, ac.ArtifactLocation)
				fc.Hashes = rm.hashesOf(ac.ArtifactLocation)
				fc.Revision, fc.RepositoryURI = rm.revisionOf(ac.ArtifactLocation)
			}
			for _, rp := range ac.Replacements {
				r := Replacement{ByteOffset: -1, CharOffset: -1}
				if rg := rp.DeletedRegion; rg != nil {
					r.StartLine, r.StartCol, r.EndLine, r.EndCol, r.CharOffset, r.CharLength, r.ByteOffset, r.ByteLength = rg.fields()
					if rg.Snippet != nil && rg.Snippet.Text != nil {
						r.Snippet, r.HasSnippet = *rg.Snippet.Text, true
					}
				}
				if ic := rp.InsertedContent; ic != nil {
					switch {
					case ic.Text != nil:
						r.Inserted = *ic.Text
					case ic.Binary != nil:
						b, err := base64.StdEncoding.DecodeString(*ic.Binary)
						if err != nil {
							r.Bad = "insertedContent.binary is not base64"
						}
						r.Inserted = string(b)
					}
				}
				fc.Replacements = append(fc.Replacements, r)
			}
			fix.Changes = append(fix.Changes, fc)
		}
		d.Fixes = append(d.Fixes, fix)
	}
	return d, nil
}

// fields returns the region's line/column fields (0 = absent, EndLine at
// least StartLine) and its offsets (-1 = absent; lengths 0 when absent).
func (rg *detailRegion) fields() (sl, sc, el, ec, co, cl, bo, bl int) {
	sl, sc = max(rg.StartLine, 0), max(rg.StartColumn, 0)
	el, ec = max(rg.EndLine, sl), max(rg.EndColumn, 0)
	co, bo = -1, -1
	if rg.CharOffset != nil && *rg.CharOffset >= 0 {
		co, cl = *rg.CharOffset, intOr(rg.CharLength, 0)
	}
	if rg.ByteOffset != nil && *rg.ByteOffset >= 0 {
		bo, bl = *rg.ByteOffset, intOr(rg.ByteLength, 0)
	}
	return
}

// local is the path a fix would open for an artifact location (see
// FileChange.Local), or the scheme of a non-file URI.
func (cv *converter) local(rm *runMeta, a *liteArtLoc) (local, scheme string) {
	ru := rm.resolve(a.URI, a.URIBaseID, intOr(a.Index, -1))
	switch {
	case ru.other != "":
		if i := strings.IndexByte(ru.other, ':'); i > 0 {
			return "", strings.ToLower(ru.other[:i])
		}
		return "", "?"
	case ru.abs == "":
		return ru.rel, ""
	}
	abs := filepath.Clean(filepath.FromSlash(ru.abs))
	if cv.root != "" {
		if rel, err := filepath.Rel(cv.root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
			return filepath.ToSlash(rel), ""
		}
	}
	if ru.rel != "" {
		// Relative to a base that is the source root on the machine that
		// ran the scan, unless that file exists here, outside the
		// repository: then the log means it.
		if _, err := os.Lstat(abs); err != nil {
			return ru.rel, ""
		}
	}
	return filepath.ToSlash(abs), ""
}

// artKeyOf is an artifact location as run.artifacts stores it ("{base}uri").
func artKeyOf(a *liteArtLoc) string {
	if a.URIBaseID != "" {
		return "{" + a.URIBaseID + "}" + a.URI
	}
	return a.URI
}

// hashesOf returns the hashes run.artifacts lists for a location (by index,
// else by the same URI and base).
func (rm *runMeta) hashesOf(a *liteArtLoc) map[string]string {
	if rm.artHashes == nil {
		return nil
	}
	if i := intOr(a.Index, -1); i >= 0 && i < len(rm.artHashes) {
		return rm.artHashes[i]
	}
	if a.URI == "" {
		return nil
	}
	k := artKeyOf(a)
	for i, u := range rm.artifacts {
		if u == k && rm.artHashes[i] != nil {
			return rm.artHashes[i]
		}
	}
	return nil
}

// revisionOf returns the versionControlProvenance revision that applies to
// a location: the entry mapped to its uriBaseId, else the run's only entry.
func (rm *runMeta) revisionOf(a *liteArtLoc) (rev, repo string) {
	base := a.URIBaseID
	if base == "" {
		if i := intOr(a.Index, -1); i >= 0 && i < len(rm.artifacts) && strings.HasPrefix(rm.artifacts[i], "{") {
			if j := strings.IndexByte(rm.artifacts[i], '}'); j > 0 {
				base = rm.artifacts[i][1:j]
			}
		}
	}
	for _, v := range rm.vcs {
		if base != "" && v.base == base {
			return v.revision, sanitize(v.repo)
		}
	}
	if len(rm.vcs) == 1 {
		return rm.vcs[0].revision, sanitize(rm.vcs[0].repo)
	}
	return "", ""
}

// sanitizeProps sanitises the keys and strings of a property bag for display.
func sanitizeProps(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[sanitize(k)] = sanitizeAny(v)
	}
	return out
}

func sanitizeAny(v any) any {
	switch x := v.(type) {
	case string:
		return sanitize(x)
	case map[string]any:
		return sanitizeProps(x)
	case []any:
		for i := range x {
			x[i] = sanitizeAny(x[i])
		}
		return x
	}
	return v
}

// lineCol finds the 1-based line and column of a byte offset in the source.
func (r *rawSource) lineCol(off int64) (int, int, bool) {
	if r.data != nil {
		if off < 0 || off > int64(len(r.data)) {
			return 0, 0, false
		}
		l, c := lineCol(r.data, int(off))
		return l, c, true
	}
	f, err := os.Open(r.path)
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	line, lastNL := 1, int64(-1)
	buf := make([]byte, 1<<20)
	for pos := int64(0); pos < off; {
		n, err := f.Read(buf[:min(int64(len(buf)), off-pos)])
		chunk := buf[:n]
		for i := bytes.IndexByte(chunk, '\n'); i >= 0; {
			line++
			lastNL = pos + int64(i)
			j := bytes.IndexByte(chunk[i+1:], '\n')
			if j < 0 {
				break
			}
			i += j + 1
		}
		pos += int64(n)
		if err == io.EOF || n == 0 {
			break
		}
		if err != nil {
			return 0, 0, false
		}
	}
	return line, int(off - lastNL), true
}
