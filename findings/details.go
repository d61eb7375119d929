package findings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

type detailFlowLoc struct {
	Location     *liteLoc `json:"location"`
	Kinds        []string `json:"kinds"`
	NestingLevel *int     `json:"nestingLevel"`
	Importance   string   `json:"importance"`
}

type detailResult struct {
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
				DeletedRegion   *liteRegion  `json:"deletedRegion"`
				InsertedContent *liteContent `json:"insertedContent"`
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
		if errors.As(err, &se) {
			if line, col, ok := rs.lineCol(src.Offset + se.Offset - 1); ok {
				return nil, &LoadError{File: src.File, Line: line, Col: col, Msg: fmt.Sprintf("runs[%d].results[%d]: %s", src.Run, src.Result, jsonErrMsg(err))}
			}
		}
		return nil, fmt.Errorf("%s: runs[%d].results[%d]: %s", src.File, src.Run, src.Result, jsonErrMsg(err))
	}
	rm := rs.runs[src.Run]
	cv := &converter{root: s.Root, paths: map[resolvedURI]mappedPath{}, intern: map[string]string{}, arts: map[artKey]Location{}}
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
	for _, fx := range dr.Fixes {
		fix := Fix{}
		if fx.Description != nil {
			fix.Description = sanitize(renderMessage(fx.Description.Text, fx.Description.Arguments))
		}
		for _, ac := range fx.ArtifactChanges {
			fc := FileChange{}
			if ac.ArtifactLocation != nil {
				l := cv.artifact(rm, ac.ArtifactLocation)
				fc.Path, fc.InRepo = l.Path, l.InRepo
			}
			for _, rp := range ac.Replacements {
				r := Replacement{ByteOffset: -1, CharOffset: -1}
				if rg := rp.DeletedRegion; rg != nil {
					r.StartLine, r.StartCol = max(rg.StartLine, 0), max(rg.StartColumn, 0)
					r.EndLine, r.EndCol = max(rg.EndLine, r.StartLine), max(rg.EndColumn, 0)
					if r.StartLine == 0 && rg.ByteOffset != nil {
						r.ByteOffset = *rg.ByteOffset
						r.ByteLength = intOr(rg.ByteLength, 0)
					}
					if r.StartLine == 0 && rg.CharOffset != nil {
						r.CharOffset = *rg.CharOffset
						r.CharLength = intOr(rg.CharLength, 0)
					}
				}
				if rp.InsertedContent != nil {
					// Text a fix would write into the source: no
					// controls or bidi overrides (Trojan Source) either.
					r.Inserted = sanitize(rp.InsertedContent.Text)
				}
				fc.Replacements = append(fc.Replacements, r)
			}
			fix.Changes = append(fix.Changes, fc)
		}
		d.Fixes = append(d.Fixes, fix)
	}
	return d, nil
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
