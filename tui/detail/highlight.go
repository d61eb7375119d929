package detail

import (
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Syntax colouring of code excerpts (issue 12 item 2). This replaced chroma:
// importing chroma's lexers and styles packages builds their whole
// registries (279 XML lexers, 77 styles) at package init, ≈25 ms and 4.6 MB
// in every secui process before main, for a few lines of code in the detail
// pane. The excerpt is at most ~60 lines, so a small scanner that knows
// comments, strings, numbers and keywords of the common languages colours
// it as usefully. Input lines are already sanitized (safe.Text): the only
// escape sequences in the output are the colours added here.

// tokKind is what a span of code is.
type tokKind uint8

const (
	tokText tokKind = iota
	tokKeyword
	tokType // builtin types and constants
	tokString
	tokNumber
	tokComment
	tokPunct // operators
	nTok
)

// palette is one colour style: an SGR prefix per token kind ("" = plain).
type palette [nTok]string

// fg is the SGR sequence for the true colour hex ("#rrggbb"), after attrs
// ("1;" for bold).
func fg(hex string, attrs string) string {
	rgb, _ := strconv.ParseUint(hex[1:], 16, 24)
	return "\x1b[" + attrs + "38;2;" + strconv.Itoa(int(rgb>>16)) + ";" + strconv.Itoa(int(rgb>>8&0xff)) + ";" + strconv.Itoa(int(rgb&0xff)) + "m"
}

// The colours of chroma's "monokai" (dark) and "friendly" (light) styles,
// which the themes named before (theme.Styles.ChromaStyle).
var palettes = map[string]*palette{
	"monokai": {
		tokText:    fg("#f8f8f2", ""),
		tokKeyword: fg("#66d9ef", ""),
		tokType:    fg("#66d9ef", ""),
		tokString:  fg("#e6db74", ""),
		tokNumber:  fg("#ae81ff", ""),
		tokComment: fg("#75715e", ""),
		tokPunct:   fg("#f92672", ""),
	},
	"friendly": {
		tokText:    "",
		tokKeyword: fg("#007020", "1;"),
		tokType:    fg("#902000", ""),
		tokString:  fg("#4070a0", ""),
		tokNumber:  fg("#40a070", ""),
		tokComment: fg("#60a0b0", "3;"),
		tokPunct:   fg("#666666", ""),
	},
}

// lang is what the scanner knows of a language.
type lang struct {
	line       []string // line comment starts ("//", "#", "--")
	blockOpen  string   // block comment ("/*" ... "*/")
	blockClose string
	quotes     string // single-line string delimiters
	multi      string // delimiters of strings that may span lines (Go's `)
	triple     bool   // Python's """ and ''' strings
	keywords   map[string]bool
	types      map[string]bool
	noCase     bool // keywords match in any case (SQL)
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// langTable is every language and the names that select them, built on
// first use: as package variables, the keyword sets cost every process
// ≈80 KB and 250 allocations at init.
type langTable struct {
	byExt, byName         map[string]*lang
	c, rust, ruby, docker *lang
}

var langs = sync.OnceValue(buildLangs)

func buildLangs() *langTable {
	var (
		langGo = &lang{line: []string{"//"}, blockOpen: "/*", blockClose: "*/", quotes: `"'`, multi: "`",
			keywords: set("break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var"),
			types:    set("bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr any true false nil iota append cap close copy delete len make new panic print println recover min max clear")}
		langC = &lang{line: []string{"//"}, blockOpen: "/*", blockClose: "*/", quotes: `"'`,
			keywords: set("auto break case catch class const constexpr continue default delete do else enum explicit extern final for friend goto if inline namespace new noexcept operator override private protected public register return sizeof static static_cast struct switch template this throw try typedef typename union using virtual volatile while #include #define #ifdef #ifndef #endif #if #else #pragma"),
			types:    set("bool char double float int long short signed unsigned void size_t true false nullptr NULL auto string std")}
		langJava = &lang{line: []string{"//"}, blockOpen: "/*", blockClose: "*/", quotes: `"'`,
			keywords: set("abstract assert break case catch class continue default do else enum extends final finally for if implements import instanceof interface native new package private protected public return static super switch synchronized this throw throws transient try var volatile while fun val when object companion override open data sealed internal is in as get set init lateinit suspend namespace using readonly async await def yield"),
			types:    set("boolean byte char double float int long short void String Object true false null Integer Boolean Long List Map Unit Any")}
		langJS = &lang{line: []string{"//"}, blockOpen: "/*", blockClose: "*/", quotes: `"'`, multi: "`",
			keywords: set("async await break case catch class const continue debugger default delete do else export extends finally for from function if import in instanceof let new of return static super switch this throw try typeof var void while with yield interface type enum implements private protected public readonly declare namespace abstract as"),
			types:    set("true false null undefined NaN Infinity string number boolean any unknown never object symbol bigint console require module exports")}
		langRust = &lang{line: []string{"//"}, blockOpen: "/*", blockClose: "*/", quotes: `"`,
			keywords: set("as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait type unsafe use where while"),
			types:    set("bool char f32 f64 i8 i16 i32 i64 i128 isize str u8 u16 u32 u64 u128 usize String Vec Option Result Some None Ok Err true false Box")}
		langSwift = &lang{line: []string{"//"}, blockOpen: "/*", blockClose: "*/", quotes: `"`,
			keywords: set("class deinit enum extension func import init inout let operator private protocol public static struct subscript typealias var break case continue default defer do else fallthrough for guard if in repeat return switch where while as catch is rethrows super self throw throws try"),
			types:    set("Int Double Float String Bool Character Array Dictionary Optional true false nil Any")}
		langPHP = &lang{line: []string{"//", "#"}, blockOpen: "/*", blockClose: "*/", quotes: `"'`,
			keywords: set("abstract and array as break case catch class clone const continue declare default do echo else elseif empty endif endforeach endwhile extends final finally fn for foreach function global if implements include include_once instanceof interface isset list namespace new or print private protected public require require_once return static switch throw trait try unset use var while yield"),
			types:    set("true false null TRUE FALSE NULL int string bool float self parent")}
		langPython = &lang{line: []string{"#"}, quotes: `"'`, triple: true,
			keywords: set("and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case"),
			types:    set("True False None self cls int str float bool list dict set tuple bytes object print len range open isinstance super Exception")}
		langRuby = &lang{line: []string{"#"}, quotes: `"'`,
			keywords: set("alias and begin break case class def defined? do else elsif end ensure for if in module next not or redo rescue retry return self super then undef unless until when while yield require require_relative attr_accessor attr_reader private protected public"),
			types:    set("true false nil puts")}
		langShell = &lang{line: []string{"#"}, quotes: `"'`,
			keywords: set("if then else elif fi case esac for while until do done in function select time return exit export local readonly declare unset source alias set shift trap eval exec"),
			types:    set("echo printf cd test true false read")}
		langYAML = &lang{line: []string{"#"}, quotes: `"'`,
			types: set("true false null yes no on off True False Null")}
		langTOML = &lang{line: []string{"#"}, quotes: `"'`,
			types: set("true false")}
		langSQL = &lang{line: []string{"--"}, blockOpen: "/*", blockClose: "*/", quotes: `'"`, noCase: true,
			keywords: set("select from where and or not insert into values update set delete create table drop alter index join left right inner outer on group by order having limit offset union all as distinct case when then else end is null like in exists between primary key foreign references grant revoke"),
			types:    set("int integer varchar text char date timestamp boolean true false")}
		langHCL = &lang{line: []string{"#", "//"}, blockOpen: "/*", blockClose: "*/", quotes: `"`,
			keywords: set("resource data variable output module provider locals terraform for in if for_each count"),
			types:    set("true false null string number bool list map object")}
		langDocker = &lang{line: []string{"#"}, quotes: `"'`, noCase: true,
			keywords: set("from run cmd label maintainer expose env add copy entrypoint volume user workdir arg onbuild stopsignal healthcheck shell as")}
		langXML = &lang{blockOpen: "<!--", blockClose: "-->", quotes: `"'`}
	)
	t := &langTable{c: langC, rust: langRust, ruby: langRuby, docker: langDocker}

	// byExt maps a file name extension (lower case, with the dot) to its language.
	t.byExt = map[string]*lang{
		".go": langGo,
		".c":  langC, ".h": langC, ".cc": langC, ".cpp": langC, ".cxx": langC, ".hpp": langC, ".hh": langC, ".m": langC,
		".java": langJava, ".kt": langJava, ".kts": langJava, ".scala": langJava, ".cs": langJava, ".groovy": langJava, ".gradle": langJava, ".dart": langJava,
		".js": langJS, ".mjs": langJS, ".cjs": langJS, ".jsx": langJS, ".ts": langJS, ".tsx": langJS, ".mts": langJS, ".cts": langJS, ".vue": langJS, ".svelte": langJS,
		".rs": langRust, ".swift": langSwift, ".php": langPHP,
		".py": langPython, ".pyi": langPython, ".pyw": langPython,
		".rb": langRuby, ".rake": langRuby, ".gemspec": langRuby,
		".sh": langShell, ".bash": langShell, ".zsh": langShell, ".ksh": langShell, ".env": langShell, ".pl": langShell, ".pm": langShell,
		".yml": langYAML, ".yaml": langYAML, ".toml": langTOML, ".ini": langTOML, ".cfg": langTOML, ".conf": langTOML, ".properties": langTOML,
		".sql": langSQL, ".tf": langHCL, ".hcl": langHCL, ".tfvars": langHCL,
		".xml": langXML, ".html": langXML, ".htm": langXML, ".svg": langXML, ".xhtml": langXML, ".csproj": langXML, ".pom": langXML,
		".json": langJS, ".jsonc": langJS,
	}

	// byName maps a whole base name (lower case) to its language.
	t.byName = map[string]*lang{
		"dockerfile": langDocker, "containerfile": langDocker, "makefile": langShell, "gnumakefile": langShell,
		"gemfile": langRuby, "rakefile": langRuby, "jenkinsfile": langJava, "vagrantfile": langRuby,
		".bashrc": langShell, ".profile": langShell, ".zshrc": langShell, "go.mod": langGo,
	}
	return t
}

// langFor is the language of the file at path, or nil.
func langFor(path string) *lang {
	t := langs()
	base := strings.ToLower(filepath.Base(path))
	if l := t.byName[base]; l != nil {
		return l
	}
	if strings.HasPrefix(base, "dockerfile.") || strings.HasSuffix(base, ".dockerfile") {
		return t.docker
	}
	return t.byExt[filepath.Ext(base)]
}

// highlight colours lines of the file at path with the named style (an
// unknown style name gets monokai's colours). It returns nil for a language
// it does not know, and otherwise exactly one coloured line per input line.
func highlight(path string, lines []string, style string) []string {
	lg := langFor(path)
	if lg == nil {
		return nil
	}
	pal := palettes[style]
	if pal == nil {
		pal = palettes["monokai"]
	}
	sc := scanner{lg: lg, pal: pal}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = sc.line(l)
	}
	return out
}

// scanner colours one line at a time; a block comment or a multi-line
// string carries over to the next line.
type scanner struct {
	lg    *lang
	pal   *palette
	open  string // the closing delimiter of a comment or string left open ("" = none)
	inCmt bool   // open closes a comment (else a string)
	b     strings.Builder
	cur   tokKind
	any   bool
}

func (s *scanner) emit(k tokKind, text string) {
	if text == "" {
		return
	}
	if !s.any || k != s.cur {
		if s.any && s.pal[s.cur] != "" {
			s.b.WriteString("\x1b[0m")
		}
		s.b.WriteString(s.pal[k])
		s.cur, s.any = k, true
	}
	s.b.WriteString(text)
}

func (s *scanner) line(l string) string {
	s.b.Reset()
	s.any = false
	i := 0
	if s.open != "" { // continue what the previous line left open
		k := tokString
		if s.inCmt {
			k = tokComment
		}
		j := s.closeAt(l, 0, s.open, !s.inCmt)
		if j < 0 {
			s.emit(k, l)
			return s.finish()
		}
		s.emit(k, l[:j])
		s.open = ""
		i = j
	}
	lg := s.lg
	for i < len(l) {
		c := l[i]
		rest := l[i:]
		if lg.blockOpen != "" && strings.HasPrefix(rest, lg.blockOpen) {
			j := strings.Index(l[i+len(lg.blockOpen):], lg.blockClose)
			if j < 0 {
				s.emit(tokComment, rest)
				s.open, s.inCmt = lg.blockClose, true
				return s.finish()
			}
			end := i + len(lg.blockOpen) + j + len(lg.blockClose)
			s.emit(tokComment, l[i:end])
			i = end
			continue
		}
		if lineComment(lg, l, i) {
			s.emit(tokComment, rest)
			return s.finish()
		}
		if lg.triple && (strings.HasPrefix(rest, `"""`) || strings.HasPrefix(rest, `'''`)) {
			q := rest[:3]
			j := s.closeAt(l, i+3, q, true)
			if j < 0 {
				s.emit(tokString, rest)
				s.open, s.inCmt = q, false
				return s.finish()
			}
			s.emit(tokString, l[i:j])
			i = j
			continue
		}
		if strings.IndexByte(lg.multi, c) >= 0 {
			j := s.closeAt(l, i+1, string(c), false)
			if j < 0 {
				s.emit(tokString, rest)
				s.open, s.inCmt = string(c), false
				return s.finish()
			}
			s.emit(tokString, l[i:j])
			i = j
			continue
		}
		if strings.IndexByte(lg.quotes, c) >= 0 && !(c == '\'' && lg == langs().rust) {
			j := s.closeAt(l, i+1, string(c), true)
			if j < 0 {
				j = len(l) // unterminated: colour to the end of the line
			}
			s.emit(tokString, l[i:j])
			i = j
			continue
		}
		if isDigit(c) {
			j := i + 1
			for j < len(l) && (isWord(l[j]) || l[j] == '.') {
				j++
			}
			s.emit(tokNumber, l[i:j])
			i = j
			continue
		}
		if isWord(c) || c == '#' && (lg == langs().c) || c == '@' || c == '$' {
			j := i + 1
			for j < len(l) && (isWord(l[j]) || l[j] == '?' && lg == langs().ruby) {
				j++
			}
			w := l[i:j]
			key := w
			if lg.noCase {
				key = strings.ToLower(w)
			}
			switch {
			case lg.keywords[key]:
				s.emit(tokKeyword, w)
			case lg.types[key]:
				s.emit(tokType, w)
			default:
				s.emit(tokText, w)
			}
			i = j
			continue
		}
		if strings.IndexByte("+-*/%=<>!&|^~?:", c) >= 0 {
			s.emit(tokPunct, l[i:i+1])
		} else {
			s.emit(tokText, l[i:i+1])
		}
		i++
	}
	return s.finish()
}

// closeAt is the index just past the closing delimiter q at or after from in
// l, or -1; with esc a backslash escapes the next byte.
func (s *scanner) closeAt(l string, from int, q string, esc bool) int {
	for j := from; j < len(l); j++ {
		if esc && l[j] == '\\' {
			j++
			continue
		}
		if strings.HasPrefix(l[j:], q) {
			return j + len(q)
		}
	}
	return -1
}

func (s *scanner) finish() string {
	if s.any && s.pal[s.cur] != "" {
		s.b.WriteString("\x1b[0m")
	}
	return s.b.String()
}

// lineComment says whether a line comment starts at l[i]. A "#" starts a
// comment only at the line's start or after a space (not in "a#b" or "$#").
func lineComment(lg *lang, l string, i int) bool {
	for _, p := range lg.line {
		if !strings.HasPrefix(l[i:], p) {
			continue
		}
		if p == "#" && i > 0 && l[i-1] != ' ' && l[i-1] != '\t' {
			continue
		}
		return true
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWord(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
