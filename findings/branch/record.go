package branch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/secui/secui/findings/repofs"
)

// BaseDir is where `secui scan --base` stores the scan of the merge base:
// <BaseDir>/<scanner>.sarif and the record RecordFile. Discovery must not
// load it as current findings.
const BaseDir = ".secui/scans/base"

// RecordFile is the base scan's record, in BaseDir.
const RecordFile = "base.json"

// RecordSchema is the value of BaseRecord.Schema.
const RecordSchema = "secui.base-scan/v1"

// BaseRecord says which commit the base scan is of and which scanners ran
// on it completely. new:branch uses the base scan only when Commit is the
// current merge base: a scan of another commit would call findings of that
// commit's other changes "new".
type BaseRecord struct {
	Schema   string   `json:"schema"`
	Commit   string   `json:"commit"`   // the merge base scanned (full sha)
	Ref      string   `json:"ref"`      // the base branch, e.g. "origin/main"
	Scanners []string `json:"scanners"` // scanners whose <name>.sarif is a complete, successful run
	Time     string   `json:"time,omitempty"`
}

// Files are the SARIF files of the record's scanners, repository-relative.
func (r *BaseRecord) Files() []string {
	out := make([]string, 0, len(r.Scanners))
	for _, s := range r.Scanners {
		out = append(out, path.Join(BaseDir, s+".sarif"))
	}
	return out
}

// maxRecord bounds the record file.
const maxRecord = 1 << 20

// WriteBaseRecord writes rec to <root>/.secui/scans/base/base.json
// atomically (through repofs: never outside the repository or in .git).
// Call it after the base scan's SARIF files are stored.
func WriteBaseRecord(root string, rec BaseRecord) error {
	if err := checkRecord(&rec); err != nil {
		return err
	}
	rec.Schema = RecordSchema
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	rfs, err := repofs.Open(root)
	if err != nil {
		return err
	}
	defer rfs.Close()
	if err := rfs.MkdirAll(BaseDir, 0o755); err != nil {
		return err
	}
	return rfs.WriteFileAtomic(path.Join(BaseDir, RecordFile), append(data, '\n'), 0o644)
}

// ReadBaseRecord reads the base scan's record; nil and no error when there
// is none.
func ReadBaseRecord(root string) (*BaseRecord, error) {
	rfs, err := repofs.Open(root)
	if err != nil {
		return nil, err
	}
	defer rfs.Close()
	name := path.Join(BaseDir, RecordFile)
	data, err := rfs.ReadFile(name, maxRecord)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec BaseRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if rec.Schema != RecordSchema {
		return nil, fmt.Errorf("%s: schema %q, want %q", name, rec.Schema, RecordSchema)
	}
	if err := checkRecord(&rec); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &rec, nil
}

func checkRecord(rec *BaseRecord) error {
	if len(rec.Commit) != 40 || strings.Trim(rec.Commit, "0123456789abcdef") != "" {
		return fmt.Errorf("base record: commit %q is not a full sha", rec.Commit)
	}
	for _, s := range rec.Scanners {
		if s == "" || strings.ContainsAny(s, `/\`+"\x00") || s == "." || s == ".." {
			return fmt.Errorf("base record: bad scanner name %q", s)
		}
	}
	return nil
}
