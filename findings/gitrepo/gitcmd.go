package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// The git binary is used where go-git is much slower or cannot do the job
// (blame of one line, diffs against the working tree, linked worktrees).
// Everything that uses it has a go-git fallback or says plainly that git is
// needed.

// gitPath is the git executable on PATH, "" when there is none.
var gitPath = sync.OnceValue(func() string {
	p, err := exec.LookPath("git")
	if err != nil {
		return ""
	}
	return p
})

// HasGit reports whether a git binary is available.
func HasGit() bool { return gitPath() != "" }

// errNoGit is returned by the git runner when no git binary is installed.
var errNoGit = errors.New("the git command is not installed")

// errOutputLimit is returned when git prints more than the caller allows.
var errOutputLimit = errors.New("git output is larger than the limit")

// gitEnv is the environment git runs with: the user's, minus variables that
// would point git at another repository, with prompts, pagers and optional
// locks off and messages in English (they are matched in a few places).
func gitEnv() []string {
	drop := map[string]bool{
		"GIT_DIR": true, "GIT_WORK_TREE": true, "GIT_INDEX_FILE": true,
		"GIT_OBJECT_DIRECTORY": true, "GIT_ALTERNATE_OBJECT_DIRECTORIES": true,
		"GIT_COMMON_DIR": true, "GIT_NAMESPACE": true, "GIT_PREFIX": true,
		"GIT_EXTERNAL_DIFF": true, "GIT_DIFF_OPTS": true, "GIT_PAGER": true, "PAGER": true,
		"LC_ALL": true, "LANG": true, "LANGUAGE": true,
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C", "LANGUAGE=C", "GIT_TERMINAL_PROMPT=0",
		"GIT_OPTIONAL_LOCKS=0", "GIT_PAGER=cat", "PAGER=cat")
}

// gitError is a failed git command: its exit code and (bounded) stderr.
type gitError struct {
	args   []string
	code   int
	stderr string
}

func (e *gitError) Error() string {
	msg := strings.TrimSpace(e.stderr)
	if msg == "" {
		msg = fmt.Sprintf("exit status %d", e.code)
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return "git " + subcommand(e.args) + ": " + strings.TrimPrefix(msg, "fatal: ")
}

// subcommand is the first argument that is not a global option.
func subcommand(args []string) string {
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "-c" || args[i] == "-C":
			i++
		case !strings.HasPrefix(args[i], "-"):
			return args[i]
		}
	}
	return strings.Join(args, " ")
}

// stderrContains reports whether err is a gitError whose stderr contains s.
func stderrContains(err error, s string) bool {
	var ge *gitError
	return errors.As(err, &ge) && strings.Contains(ge.stderr, s)
}

// limitedBuffer keeps at most max bytes and remembers whether more came.
type limitedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room < len(p) {
		b.over = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return b.buf.Write(p)
}

// gitCmd builds a git command in dir, killed when ctx ends.
func gitCmd(ctx context.Context, dir string, args ...string) (*exec.Cmd, error) {
	g := gitPath()
	if g == "" {
		return nil, errNoGit
	}
	cmd := exec.CommandContext(ctx, g, args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	cmd.Stdin = nil
	// A killed git must not keep Wait waiting on pipes a child inherited.
	cmd.WaitDelay = time.Second
	return cmd, nil
}

// execGit runs git and returns its stdout. More than maxOut bytes of output
// (maxOut > 0) is errOutputLimit. A non-zero exit is a *gitError; when ctx
// ends first, ctx.Err() is returned.
func execGit(ctx context.Context, dir string, maxOut int, args ...string) ([]byte, error) {
	return execGitEnv(ctx, dir, nil, maxOut, args...)
}

// execGitEnv is execGit with extra environment variables.
func execGitEnv(ctx context.Context, dir string, extra []string, maxOut int, args ...string) ([]byte, error) {
	cmd, err := gitCmd(ctx, dir, args...)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(cmd.Env, extra...)
	if maxOut <= 0 {
		maxOut = 64 << 20
	}
	out := &limitedBuffer{max: maxOut}
	errb := &limitedBuffer{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = out, errb
	err = cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if out.over {
		return nil, errOutputLimit
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, &gitError{args: args, code: ee.ExitCode(), stderr: errb.buf.String()}
		}
		return nil, fmt.Errorf("git %s: %w", subcommand(args), err)
	}
	return out.buf.Bytes(), nil
}

// execGitStream runs git and hands its stdout to consume while it runs. consume
// must read until EOF or return an error (which stops git).
func execGitStream(ctx context.Context, dir string, consume func(io.Reader) error, args ...string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd, err := gitCmd(ctx, dir, args...)
	if err != nil {
		return err
	}
	errb := &limitedBuffer{max: 8 << 10}
	cmd.Stderr = errb
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git %s: %w", subcommand(args), err)
	}
	cerr := consume(stdout)
	if cerr != nil {
		cancel()
	}
	_, _ = io.Copy(io.Discard, stdout)
	werr := cmd.Wait()
	switch {
	case cerr != nil:
		return cerr
	case ctx.Err() != nil:
		return ctx.Err()
	case werr != nil:
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			return &gitError{args: args, code: ee.ExitCode(), stderr: errb.buf.String()}
		}
		return fmt.Errorf("git %s: %w", subcommand(args), werr)
	}
	return nil
}
