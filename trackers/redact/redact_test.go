package redact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/internal/testutil"
)

// Real gitleaks 7 output (corpus): the offender property and the snippets
// are known secrets.
func TestCollectGitleaksCorpus(t *testing.T) {
	set, err := findings.Load(context.Background(), []string{testutil.CorpusFile(t, "DefectDojo-django-DefectDojo/gitleaks_7.5.0.sarif")}, findings.Options{})
	if err != nil || len(set.Findings) == 0 {
		t.Fatalf("load: %v", err)
	}
	s := Collect(set, nil)
	if !s.Contains("key AKIAIOSFODNN7EXAMPLE here") {
		t.Fatalf("offender not collected (%s)", s)
	}
	if strings.Contains(s.String(), "AKIA") {
		t.Error("String shows a value")
	}
	got := s.Redact(`"raw_source_code_extract": "AKIAIOSFODNN7EXAMPLE",`)
	if strings.Contains(got, "AKIA") || !strings.Contains(got, "[redacted ") {
		t.Errorf("Redact = %q", got)
	}
}

// gitleaks 8 output (the demo) over a real working tree: the region read from
// the file is a secret even where the snippet is missing.
func TestCollectReadsRegionsFromTheTree(t *testing.T) {
	root := t.TempDir()
	mod := testutil.ModuleRoot(t)
	os.MkdirAll(filepath.Join(root, "config"), 0o755)
	src, _ := os.ReadFile(filepath.Join(mod, "demo/config/settings.py"))
	os.WriteFile(filepath.Join(root, "config/settings.py"), src, 0o644)
	sarif, _ := os.ReadFile(filepath.Join(mod, "demo/scans/gitleaks.sarif"))
	// drop the snippets: only the region in the file tells the secret
	sarif = bytes.ReplaceAll(sarif, []byte(`"snippet"`), []byte(`"x-snippet"`))
	p := filepath.Join(root, "gitleaks.sarif")
	os.WriteFile(p, sarif, 0o644)
	set, err := findings.Load(context.Background(), []string{p}, findings.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	rf, err := repofs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	s := Collect(set, rf)
	// The demo's gitleaks log is a real, --redact run: its snippet says
	// REDACTED, so only the region read from the file tells the secret.
	for _, v := range []string{"acme_live_7Hq2Lm9Xv4Tz8Rb1Nc6Wd3Kf5Pg0Ys"} {
		if !s.Contains(v) {
			t.Errorf("%s not collected from the region (%s)", v[:4], s)
		}
	}
}

func TestCheckPayloadForms(t *testing.T) {
	s := &Secrets{}
	s.Add("sk_live<&>abcdef12", "-----BEGIN KEY-----\nMIIEpAIBAAKCAQEA75\n-----END KEY-----")
	for name, p := range map[string]string{
		"raw":          `{"body":"x sk_live<&>abcdef12"}`,
		"html-escaped": `{"body":"x sk_live\u003c\u0026\u003eabcdef12"}`,
		"key line":     `{"body":"MIIEpAIBAAKCAQEA75"}`,
		"url":          "/search?q=" + "sk_live%3C%26%3Eabcdef12",
		"unicode-esc":  `{"body":"\u0073k_live<&>abcdef12"}`,
	} {
		var re *RefusedError
		if err := s.CheckPayload([]byte(p)); !errors.As(err, &re) {
			t.Errorf("%s: not refused", name)
		}
	}
	if err := s.CheckPayload([]byte(`{"body":"[redacted 18 chars]"}`)); err != nil {
		t.Errorf("clean payload refused: %v", err)
	}
}

// The gate refuses before anything leaves: the server sees no request.
func TestGateRefusesBeforeSending(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	s := &Secrets{}
	s.Add("AKIAIOSFODNN7EXAMPLE")
	c := &http.Client{Transport: Gate(http.DefaultTransport, s)}
	body, _ := json.Marshal(map[string]string{"title": "leak AKIAIOSFODNN7EXAMPLE"})
	_, err := c.Post(srv.URL+"/repos/o/r/issues", "application/json", bytes.NewReader(body))
	var re *RefusedError
	if !errors.As(err, &re) || re.Method != "POST" || re.Path != "/repos/o/r/issues" || strings.Contains(err.Error(), "AKIA") {
		t.Fatalf("err = %v", err)
	}
	if hits.Load() != 0 {
		t.Fatal("the request reached the server")
	}
	resp, err := c.Post(srv.URL+"/ok", "application/json", strings.NewReader(`{"title":"fine"}`))
	if err != nil || resp.StatusCode != 200 || hits.Load() != 1 {
		t.Fatalf("clean request: %v", err)
	}
}
