package findings

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// Every input (a file, a .gz, stdin, a FIFO, a device) is read through one
// opener and one limiter: a maximum size once decompressed, a maximum length
// for one JSON string or number, a maximum nesting depth and a maximum number
// of results. A refused input is reported as "file: what limit" and the other
// inputs still load. Memory stays proportional to the findings kept: large
// plain files are streamed, and large inputs that cannot be re-read (stdin,
// FIFOs, compressed files) are spooled to an unlinked temporary file while
// they are streamed, so details can be decoded from it later.

// Limits bound what one input may cost. Zero fields take the defaults.
type Limits struct {
	// MaxInput is the largest input, in bytes once decompressed
	// (config limits.max-input; default 2 GiB).
	MaxInput int64
	// MaxToken is the longest JSON string or number, in bytes
	// (limits.max-token; default 16 MiB).
	MaxToken int64
	// MaxDepth is the deepest nesting of objects and arrays
	// (limits.max-depth; default 1000).
	MaxDepth int
	// MaxResults is the largest number of results in one input
	// (limits.max-results; default 1,000,000).
	MaxResults int
}

// Default limits.
const (
	DefaultMaxInput   = 2 << 30
	DefaultMaxToken   = 16 << 20
	DefaultMaxDepth   = 1000
	DefaultMaxResults = 1_000_000
)

// DefaultLimits returns the limits Load applies when none are set.
func DefaultLimits() Limits {
	return Limits{MaxInput: DefaultMaxInput, MaxToken: DefaultMaxToken, MaxDepth: DefaultMaxDepth, MaxResults: DefaultMaxResults}
}

// WithDefaults returns l with every unset (zero or negative) field defaulted.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxInput <= 0 {
		l.MaxInput = d.MaxInput
	}
	if l.MaxToken <= 0 {
		l.MaxToken = d.MaxToken
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxResults <= 0 {
		l.MaxResults = d.MaxResults
	}
	return l
}

// maxCapture bounds one result or run member (tool, artifacts, ...) as copied
// for decoding: at least 256 MiB, and never less than two tokens.
func (l Limits) maxCapture() int64 { return max(256<<20, 2*l.MaxToken) }

// DefaultFIFOWait is how long Load waits for a writer to open a FIFO.
const DefaultFIFOWait = 10 * time.Second

// HumanBytes formats n as "16 MiB", "2 GiB" or "1234 bytes".
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitMsg words a refusal by a limit.
func limitMsg(what string, n int64, key string) string {
	return fmt.Sprintf("%s %s (limits.%s)", what, HumanBytes(n), key)
}

// errTooLarge is returned by the limiter once an input exceeds MaxInput.
type errTooLarge struct{ max int64 }

func (e *errTooLarge) Error() string {
	return fmt.Sprintf("input is larger than %s once decompressed (limits.max-input)", HumanBytes(e.max))
}

// input is an opened input: a plain regular file (seekable: streamed and
// re-read in place), or a byte stream (decompressed, limited, cancellable).
type input struct {
	file    *os.File // plain regular file, or nil
	size    int64
	r       io.Reader // the stream when file is nil
	closers []io.Closer
}

func (in *input) close() {
	for _, c := range in.closers {
		c.Close()
	}
}

// limitReader fails with errTooLarge past max bytes and with the context's
// error once it is cancelled.
type limitReader struct {
	ctx context.Context
	r   io.Reader
	n   int64
	max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if err := l.ctx.Err(); err != nil {
		return 0, err
	}
	if l.n > l.max {
		return 0, &errTooLarge{l.max}
	}
	if rest := l.max + 1 - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n - int(l.n-l.max), &errTooLarge{l.max}
	}
	return n, err
}

// pump reads r on its own goroutine so that a read blocked on stdin, a pipe
// or a device does not block a cancelled load: Read returns as soon as ctx is
// done (the goroutine ends with the process or when the source closes).
type pump struct {
	ctx  context.Context
	ch   chan pumpChunk
	buf  []byte
	err  error
	done bool
}

type pumpChunk struct {
	b   []byte
	err error
}

func newPump(ctx context.Context, r io.Reader) *pump {
	p := &pump{ctx: ctx, ch: make(chan pumpChunk, 2)}
	go func() {
		for {
			b := make([]byte, 1<<20)
			n, err := r.Read(b)
			select {
			case p.ch <- pumpChunk{b[:n], err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *pump) Read(b []byte) (int, error) {
	for len(p.buf) == 0 {
		if p.done {
			return 0, p.err
		}
		select {
		case <-p.ctx.Done():
			return 0, p.ctx.Err()
		case c := <-p.ch:
			p.buf = c.b
			if c.err != nil {
				p.done, p.err = true, c.err
			}
		}
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

// openInput opens one input for reading. p is a path or "-" (stdin).
func openInput(ctx context.Context, p string, lim Limits, fifoWait time.Duration) (*input, error) {
	in := &input{}
	var raw io.Reader
	switch {
	case p == "-":
		raw = newPump(ctx, os.Stdin)
	default:
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		switch {
		case st.IsDir():
			return nil, errors.New("is a directory")
		case st.Mode().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return nil, err
			}
			in.closers = append(in.closers, f)
			var magic [2]byte
			if n, _ := f.ReadAt(magic[:], 0); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
				raw = f
				break
			}
			if st.Size() > lim.MaxInput {
				in.close()
				return nil, &errTooLarge{lim.MaxInput}
			}
			in.file, in.size = f, st.Size()
			return in, nil
		case st.Mode()&os.ModeNamedPipe != 0:
			f, err := openFIFO(ctx, p, fifoWait)
			if err != nil {
				return nil, err
			}
			in.closers = append(in.closers, f)
			raw = newPump(ctx, f)
		default: // devices, sockets: read as a stream
			f, err := os.Open(p)
			if err != nil {
				return nil, err
			}
			in.closers = append(in.closers, f)
			raw = newPump(ctx, f)
		}
	}
	// Compression is recognised by content, not by name; the limit applies
	// to the decompressed bytes.
	br := bufio.NewReaderSize(raw, 64<<10)
	var r io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			in.close()
			return nil, fmt.Errorf("gzip: %w", err)
		}
		r = &gzipErrReader{zr}
	}
	in.r = &limitReader{ctx: ctx, r: r, max: lim.MaxInput}
	return in, nil
}

// gzipErrReader names decompression errors as such.
type gzipErrReader struct{ r io.Reader }

func (g *gzipErrReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("gzip: %w", err)
	}
	return n, err
}

// openFIFO opens a named pipe for reading, waiting at most wait for a writer
// (open blocks until one connects) and no longer than ctx allows.
func openFIFO(ctx context.Context, p string, wait time.Duration) (*os.File, error) {
	if wait <= 0 {
		wait = DefaultFIFOWait
	}
	type res struct {
		f   *os.File
		err error
	}
	ch := make(chan res, 1)
	go func() {
		f, err := os.Open(p)
		ch <- res{f, err}
	}()
	t := time.NewTimer(wait)
	defer t.Stop()
	var err error
	select {
	case r := <-ch:
		return r.f, r.err
	case <-ctx.Done():
		err = ctx.Err()
	case <-t.C:
		err = fmt.Errorf("FIFO has no writer (waited %s); start the writer first, or use - or <(command)", wait)
	}
	// Release the blocked open: connecting as a writer completes it.
	if w, werr := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); werr == nil {
		w.Close()
	}
	// Close the released reader before returning, so no stale reader of
	// this FIFO outlives the call (a writer connecting to it would lose its
	// data when it closes); give up waiting after a moment.
	select {
	case r := <-ch:
		if r.f != nil {
			r.f.Close()
		}
	case <-time.After(time.Second):
		go func() {
			if r := <-ch; r.f != nil {
				r.f.Close()
			}
		}()
	}
	return nil, err
}

// OpenInput opens a SARIF input as Load reads it: "-" is stdin, gzip is
// decompressed, and the stream fails once it exceeds lim.MaxInput. Callers
// that read an input again (export) use it so that the same limit applies.
func OpenInput(ctx context.Context, p string, lim Limits) (io.ReadCloser, error) {
	lim = lim.WithDefaults()
	in, err := openInput(ctx, p, lim, 0)
	if err != nil {
		return nil, err
	}
	if in.file != nil {
		return in.file, nil
	}
	return &inputCloser{in.r, in}, nil
}

type inputCloser struct {
	io.Reader
	in *input
}

func (c *inputCloser) Close() error { c.in.close(); return nil }

// readHead reads up to n bytes of r. eof reports that r ended within them.
func readHead(r io.Reader, n int64) (data []byte, eof bool, err error) {
	var b bytes.Buffer
	m, err := io.Copy(&b, io.LimitReader(r, n+1))
	if err != nil {
		return nil, false, err
	}
	if m <= n {
		return b.Bytes(), true, nil
	}
	return b.Bytes(), false, nil
}

// spool is an unlinked temporary file holding a streamed input's bytes, so
// that results can be decoded from it again.
func newSpool() (*os.File, error) {
	f, err := os.CreateTemp("", "secui-input-*")
	if err != nil {
		return nil, fmt.Errorf("spooling the input to a temporary file: %w", err)
	}
	// Unlinked at once where the OS allows it: nothing is left behind, even
	// on a crash; the space is freed when the file is closed.
	_ = os.Remove(f.Name())
	return f, nil
}
