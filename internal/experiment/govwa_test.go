package experiment

import (
	"os"
	"path/filepath"
	"strings"
)

// The edits, applied in order to the govwa snapshot (each re-scanned).
var govwaSteps = []Step{
	{Name: "insert lines above", Commit: true, Do: func(x *run) {
		t := x.tree
		for _, p := range []string{"app.go", "util/template.go", "vulnerability/xss/xss.go"} {
			t.Insert(p, 1, "// Copyright 2026 the govwa authors.", "// SPDX-License-Identifier: MIT", "")
		}
		p := "user/session/session.go"
		t.Insert(p, t.Find(p, "var store = sessions", 1, 0),
			"// Name is the session cookie's name.",
			"func Name() string {",
			"\treturn \"govwa\"",
			"}",
			"")
	}},
	{Name: "copy a function above", Do: func(x *run) {
		t := x.tree
		p := "vulnerability/idor/idor.go"
		at := t.Find(p, "func idor1ActionHandler(", 1, 0)
		t.Copy(p, at, t.BlockEnd(p, at)+1, at, func(s string) string { return strings.ReplaceAll(s, "idor1ActionHandler", "idor3ActionHandler") })
		p = "vulnerability/sqli/function.go"
		at = t.Find(p, "func (p *Profile) UnsafeQueryGetData(", 1, 0)
		t.Copy(p, at, t.BlockEnd(p, at)+1, at, func(s string) string { return strings.ReplaceAll(s, "UnsafeQueryGetData", "UnsafeQueryGetDataV2") })
	}},
	{Name: "copy a function below", Commit: true, Do: func(x *run) {
		t := x.tree
		p := "util/template.go"
		at := t.Find(p, "func ToHTML(", 1, 0)
		end := t.BlockEnd(p, at)
		t.Insert(p, end+1, "")
		t.Copy(p, at, end, end+2, func(s string) string { return strings.ReplaceAll(s, "ToHTML", "ToHTMLv2") })
		p = "util/middleware/middleware.go"
		at = t.Find(p, "func (self *Class) LoggingMiddleware(", 1, 0)
		end = t.BlockEnd(p, at)
		t.Copy(p, at, end+1, end+2, func(s string) string { return strings.ReplaceAll(s, "LoggingMiddleware", "LoggingMiddleware2") })
	}},
	{Name: "fix the original, copy left", Commit: true, Do: func(x *run) {
		t := x.tree
		// The original UnsafeQueryGetData (below its V2 copy) gets a
		// prepared statement: the Sprintf (G201) and the Query (G701) go.
		p := "vulnerability/sqli/function.go"
		at := t.Find(p, "func (p *Profile) UnsafeQueryGetData(", 1, 0)
		q := t.Find(p, "getProfileSql := fmt.Sprintf(", 1, at)
		use := t.Find(p, "rows, err := DB.Query(getProfileSql)", 1, q)
		t.Fix(p, q, use,
			"\tconst getProfileSql = `SELECT p.user_id, p.full_name, p.city, p.phone_number",
			"\t\t\t\t\t\t\t\tFROM Profile as p,Users as u",
			"\t\t\t\t\t\t\t\twhere p.user_id = u.id",
			"\t\t\t\t\t\t\t\tand u.id=?`",
			"\trows, err := DB.Query(getProfileSql, uid)")
		// The original idor1ActionHandler (below its idor3 copy) checks
		// the error of GetData.
		p = "vulnerability/idor/idor.go"
		at = t.Find(p, "func idor1ActionHandler(", 1, 0)
		g := t.Find(p, "p.GetData(sid)", 1, at)
		t.Fix(p, g, g, "\t_ = p.GetData(sid)")
	}},
	{Name: "fix identical lines", Do: func(x *run) {
		t := x.tree
		// Two of session.go's identical log.Println(err.Error()) lines.
		p := "user/session/session.go"
		at := t.Find(p, "func (self *Self) GetSession(", 1, 0)
		l := t.Find(p, "log.Println(err.Error())", 1, at)
		t.Fix(p, l, l, "\t\tlog.Println(\"session: cannot read the session store\")")
		at = t.Find(p, "func (self *Self) IsLoggedIn(", 1, 0)
		l = t.Find(p, "log.Println(err.Error())", 1, at)
		t.Fix(p, l, l)
	}},
	{Name: "git mv", Do: func(x *run) {
		x.git("add", "-A")
		x.git("commit", "-qm", "identical lines")
		x.git("mv", "util/cookie.go", "util/cookies.go")
		x.tree.Move("util/cookie.go", "util/cookies.go")
	}},
	{Name: "move to new folders", Do: func(x *run) {
		x.git("add", "-A")
		x.git("commit", "-qm", "git mv")
		t := x.tree
		// A package into a new folder, committed...
		x.git("mv", "vulnerability/csa", "vulnerability/clientside")
		t.Move("vulnerability/csa/csa.go", "vulnerability/clientside/csa.go")
		i := t.Find("app.go", "\"github.com/govwa/vulnerability/csa\"", 1, 0)
		t.Subst("app.go", i, i, "vulnerability/csa", "vulnerability/clientside")
		if err := t.Write(); err != nil {
			x.t.Fatal(err)
		}
		x.git("add", "-A")
		x.git("commit", "-qm", "move csa")
		// ...and a file into a new folder, not committed (untracked).
		if err := os.MkdirAll(filepath.Join(x.dir, "user/account"), 0o755); err != nil {
			x.t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(x.dir, "user/user.go"), filepath.Join(x.dir, "user/account/user.go")); err != nil {
			x.t.Fatal(err)
		}
		t.Move("user/user.go", "user/account/user.go")
		i = t.Find("app.go", "\"github.com/govwa/user\"", 1, 0)
		t.Subst("app.go", i, i, "govwa/user\"", "govwa/user/account\"")
	}},
	{Name: "re-wrap and gofmt", Commit: true, Do: func(x *run) {
		t := x.tree
		p := "vulnerability/sqli/function.go"
		at := t.Find(p, "func (p *Profile) UnsafeQueryGetDataV2(", 1, 0)
		l := t.Find(p, "rows, err := DB.Query(getProfileSql)", 1, at)
		t.Replace(p, l, "\trows, err := DB.Query(", "\t\tgetProfileSql,", "\t)")
		p = "util/middleware/middleware.go"
		l = t.Find(p, "log.Printf(\"Request From %s\", r.Header.Get(\"User-Agent\"))", 1, 0)
		t.Replace(p, l, "\t\tlog.Printf(\"Request From %s\",", "\t\t\tr.Header.Get(\"User-Agent\"))")
		p = "vulnerability/xss/xss.go"
		l = t.Find(p, "data[\"inlineJS\"] = template.HTML(inlineJS)", 1, 0)
		t.Replace(p, l, "\tdata[\"inlineJS\"] = template.HTML(", "\t\tinlineJS) //this will render the javascript on client browser")
		// gofmt every Go file (the script refuses, and logs, any file where
		// it could not say where each line went).
		for _, p := range t.Paths() {
			if err := t.Gofmt(p); err != nil {
				x.t.Logf("gofmt: %v (left as it is)", err)
			}
		}
	}},
	{Name: "variable rename on the finding line", Commit: true, Do: func(x *run) {
		t := x.tree
		p := "vulnerability/xss/xss.go"
		at := t.Find(p, "value := fmt.Sprintf(\"%s\", term)", 1, 0)
		t.Subst(p, at, t.Find(p, "data[\"value\"] = template.HTML(value)", 2, at), "(value)", "(termValue)")
		t.Subst(p, at, at, "value :=", "termValue :=")
		at = t.Find(p, "inlineJS := fmt.Sprintf(", 1, 0)
		t.Subst(p, at, at, "inlineJS :=", "script :=")
		use := t.Find(p, "inlineJS)", 1, at+1)
		t.Subst(p, use, use, "inlineJS)", "script)")
		p = "vulnerability/idor/idor.go"
		at = t.Find(p, "func Md5Sum(", 1, 0)
		t.Subst(p, at, t.BlockEnd(p, at), "hasher", "h")
		p = "vulnerability/clientside/csa.go"
		at = t.Find(p, "func Md5Sum(", 1, 0)
		t.Subst(p, at, t.BlockEnd(p, at), "hasher", "digest")
	}},
}
