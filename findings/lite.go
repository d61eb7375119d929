package findings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// The "lite" types decode only what the list view needs from a result; code
// flows, fixes and other bulky parts are skipped by the decoder and decoded
// later, on demand, into go-sarif's full model (see details.go).

// Value fields (not pointers) keep allocations down; "" and 0 mean absent.
type liteMsg struct {
	Text      string   `json:"text"`
	Markdown  string   `json:"markdown"`
	ID        string   `json:"id"`
	Arguments []string `json:"arguments"`
}

type liteArtLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
	Index     *int   `json:"index"`

	ent *uriEnt // set by the fast decoder: URI's entry in the worker's cache
}

type liteContent struct {
	Text string `json:"text"`
}

type liteRegion struct {
	StartLine   int         `json:"startLine"`
	StartColumn int         `json:"startColumn"`
	EndLine     int         `json:"endLine"`
	EndColumn   int         `json:"endColumn"`
	CharOffset  *int        `json:"charOffset"`
	ByteOffset  *int        `json:"byteOffset"`
	ByteLength  *int        `json:"byteLength"`
	CharLength  *int        `json:"charLength"`
	Snippet     liteContent `json:"snippet"`
}

type litePhys struct {
	ArtifactLocation liteArtLoc `json:"artifactLocation"`
	Region           liteRegion `json:"region"`
}

type liteLogical struct {
	Name               *string `json:"name"`
	FullyQualifiedName *string `json:"fullyQualifiedName"`
}

type liteLoc struct {
	PhysicalLocation litePhys      `json:"physicalLocation"`
	LogicalLocations []liteLogical `json:"logicalLocations"`
	Message          *liteMsg      `json:"message"`
}

type liteTCRef struct {
	Name  *string `json:"name"`
	Index *int    `json:"index"`
	GUID  string  `json:"guid"`
}

type liteRef struct {
	ID            *string    `json:"id"`
	GUID          string     `json:"guid"`
	Index         *int       `json:"index"`
	ToolComponent *liteTCRef `json:"toolComponent"`
}

type liteSup struct {
	Kind          string  `json:"kind"`
	Status        string  `json:"status"`
	Justification *string `json:"justification"`
}

// flexString accepts a JSON string, number or boolean as text (tools disagree
// on whether security-severity is "7.5" or 7.5). Other values decode as "".
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	case 'n', '{', '[':
	default:
		*s = flexString(b)
	}
	return nil
}

// fpMap holds fingerprints as "key=value" pairs. Values should be strings;
// tools that emit objects or numbers (schema-invalid, but seen in the wild)
// keep their compact JSON text instead of failing the whole result. A slice
// of pairs costs far less than a map for the one or two entries tools emit.
type fpMap []string

// UnmarshalJSONFrom decodes with json v2's streaming decoder.
func (m *fpMap) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		return nil
	case '{':
	default:
		return fmt.Errorf("fingerprints must be an object, found %s", tok.Kind())
	}
	var out fpMap
	for dec.PeekKind() != '}' {
		k, err := dec.ReadToken()
		if err != nil {
			return err
		}
		key := k.String()
		if dec.PeekKind() == '"' {
			v, err := dec.ReadToken()
			if err != nil {
				return err
			}
			out = append(out, key+"="+v.String())
			continue
		}
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		v = v.Clone()
		if err := v.Compact(); err == nil {
			out = append(out, key+"="+string(v))
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	*m = out
	return nil
}

type liteProblem struct {
	Severity flexString `json:"severity"`
}

type liteProps struct {
	Tags            []string     `json:"tags"`
	SecSev          flexString   `json:"security-severity"`
	ProblemSeverity flexString   `json:"problem.severity"`
	Problem         *liteProblem `json:"problem"`
	Severity        flexString   `json:"severity"`
}

// present records that a key holds a non-empty value without decoding it.
type present bool

// UnmarshalJSONFrom skips the value (json v2 fast path).
func (p *present) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	b := bytes.TrimSpace(v)
	// "0" is the streaming scanner's placeholder for an empty member.
	*p = present(len(b) > 0 && !bytes.Equal(b, []byte("null")) && !bytes.Equal(b, []byte("[]")) && !bytes.Equal(b, []byte("0")))
	return nil
}

type liteResult struct {
	RuleID              *string     `json:"ruleId"`
	RuleIndex           *int        `json:"ruleIndex"`
	Rule                *liteRef    `json:"rule"`
	Kind                string      `json:"kind"`
	Level               string      `json:"level"`
	Message             *liteMsg    `json:"message"`
	Locations           []liteLoc   `json:"locations"`
	AnalysisTarget      *liteArtLoc `json:"analysisTarget"`
	PartialFingerprints fpMap       `json:"partialFingerprints"`
	Fingerprints        fpMap       `json:"fingerprints"`
	Suppressions        []liteSup   `json:"suppressions"`
	BaselineState       string      `json:"baselineState"`
	Properties          *liteProps  `json:"properties"`
	Taxa                []liteRef   `json:"taxa"`
	CodeFlows           present     `json:"codeFlows"`
	Fixes               present     `json:"fixes"`
}

func intOr(p *int, d int) int {
	if p == nil {
		return d
	}
	return *p
}

func strOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func parseFloat(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}
