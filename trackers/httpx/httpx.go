// Package httpx is the HTTP layer under secui's tracker clients (go-github
// and go-jira do neither of these themselves):
//
//   - pacing: mutating requests are spaced (GitHub: one per second, so
//     content-creating writes stay under the 80/minute secondary limit) and
//     content-creating POSTs are capped per hour;
//   - rate limits: 429, GitHub's 403 primary/secondary limits and 503 with
//     Retry-After are waited out (Retry-After, else X-RateLimit-Reset, else
//     exponential backoff from a minute), a bounded number of times, never
//     longer than MaxWait at once; a rate-limited request was not applied,
//     so it is re-sent whatever its method;
//   - server and network errors: idempotent requests (GET, HEAD, PUT,
//     DELETE, and requests marked with Idempotent) are retried a bounded
//     number of times; POSTs are not — the tracker client reconciles a lost
//     write by listing before it writes again.
//
// Time is injected (Clock), so tests never really wait; waiting stops when
// the context's stop channel (WithStop) closes, and the request is then not
// sent.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clock tells the time and sleeps.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or returns early with an error when ctx is done or its
	// stop channel (WithStop) closes.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// Sleep implements Clock.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-stopOf(ctx):
		return ErrStopped
	}
}

// ErrStopped is returned when a wait was interrupted by the stop channel:
// the request was not sent.
var ErrStopped = errors.New("stopped before sending the request")

type ctxKey int

const (
	stopKey ctxKey = iota
	idemKey
)

// WithStop attaches a stop channel to ctx: waits end when it closes, but a
// request already on the wire is let finish (so its result can be recorded).
func WithStop(ctx context.Context, stop <-chan struct{}) context.Context {
	return context.WithValue(ctx, stopKey, stop)
}

func stopOf(ctx context.Context) <-chan struct{} {
	c, _ := ctx.Value(stopKey).(<-chan struct{})
	return c
}

// Stopped reports whether ctx's stop channel has closed.
func Stopped(ctx context.Context) bool {
	select {
	case <-stopOf(ctx):
		return true
	default:
		return false
	}
}

// Idempotent marks requests made with ctx as safe to re-send after a server
// or network error (e.g. a PATCH that sets absolute values).
func Idempotent(ctx context.Context) context.Context { return context.WithValue(ctx, idemKey, true) }

// Policy configures a Transport.
type Policy struct {
	Service        string        // "GitHub", "Jira" (for progress messages)
	WriteInterval  time.Duration // minimum spacing of mutating requests
	CreatesPerHour int           // cap on POSTs per rolling hour (0: none)
	MaxWait        time.Duration // longest single rate-limit wait (default 15m)
	LimitRetries   int           // rate-limit waits per request (default 5)
	ServerRetries  int           // re-sends of idempotent requests after 5xx/network errors (default 3)
	Backoff        time.Duration // first backoff after a server error (default 2s)
	// Progress, when set, is told about waits ("waiting 30s: GitHub rate limit (Retry-After)").
	Progress func(string)
}

// GitHubPolicy is the pacing GitHub asks for: serial requests, one write per
// second, content creation under 80/minute and 500/hour.
func GitHubPolicy() Policy {
	return Policy{Service: "GitHub", WriteInterval: time.Second, CreatesPerHour: 450}
}

// JiraPolicy paces Jira's burst limits.
func JiraPolicy() Policy {
	return Policy{Service: "Jira", WriteInterval: 200 * time.Millisecond}
}

// Transport applies a Policy around Next.
type Transport struct {
	Next   http.RoundTripper
	Policy Policy
	Clock  Clock

	mu        sync.Mutex
	lastWrite time.Time
	blocked   time.Time // no request before (primary limit exhausted)
	creates   []time.Time
}

// New returns a Transport over next (http.DefaultTransport when nil).
func New(next http.RoundTripper, p Policy, c Clock) *Transport {
	if next == nil {
		next = http.DefaultTransport
	}
	if c == nil {
		c = RealClock{}
	}
	if p.MaxWait == 0 {
		p.MaxWait = 15 * time.Minute
	}
	if p.LimitRetries == 0 {
		p.LimitRetries = 5
	}
	if p.ServerRetries == 0 {
		p.ServerRetries = 3
	}
	if p.Backoff == 0 {
		p.Backoff = 2 * time.Second
	}
	return &Transport{Next: next, Policy: p, Clock: c}
}

// RateLimitError is a rate limit that would need a longer wait than
// allowed, or that persisted through every retry.
type RateLimitError struct {
	Service string
	Wait    time.Duration // what the service asked for (0 unknown)
	Status  int
}

func (e *RateLimitError) Error() string {
	if e.Wait > 0 {
		return fmt.Sprintf("%s rate limit (HTTP %d): it asks to wait %s; run again later", e.Service, e.Status, e.Wait.Round(time.Second))
	}
	return fmt.Sprintf("%s rate limit (HTTP %d) persisted through retries; run again later", e.Service, e.Status)
}

func (t *Transport) progress(format string, a ...any) {
	if t.Policy.Progress != nil {
		t.Policy.Progress(fmt.Sprintf(format, a...))
	}
}

func idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	v, _ := req.Context().Value(idemKey).(bool)
	return v
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	mutating := req.Method != http.MethodGet && req.Method != http.MethodHead
	limits, servers := 0, 0
	for {
		if err := t.pace(ctx, mutating, req.Method == http.MethodPost); err != nil {
			return nil, err
		}
		r, err := rewind(req)
		if err != nil {
			return nil, err
		}
		resp, err := t.Next.RoundTrip(r)
		if err != nil {
			if ctx.Err() == nil && idempotent(req) && servers < t.Policy.ServerRetries {
				servers++
				d := t.Policy.Backoff << (servers - 1)
				t.progress("%s: %v; retrying in %s (%d/%d)", t.Policy.Service, errText(err), d, servers, t.Policy.ServerRetries)
				if err := t.Clock.Sleep(ctx, d); err != nil {
					return nil, err
				}
				continue
			}
			return nil, err
		}
		t.note(resp)
		if wait, limited := t.limited(resp, limits); limited {
			if limits >= t.Policy.LimitRetries || wait > t.Policy.MaxWait {
				drain(resp)
				if limits >= t.Policy.LimitRetries {
					wait = 0
				}
				return nil, &RateLimitError{Service: t.Policy.Service, Wait: wait, Status: resp.StatusCode}
			}
			limits++
			drain(resp)
			t.progress("waiting %s: %s rate limit (HTTP %d)", wait.Round(time.Second), t.Policy.Service, resp.StatusCode)
			if err := t.Clock.Sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode >= 500 && idempotent(req) && servers < t.Policy.ServerRetries {
			servers++
			drain(resp)
			d := t.Policy.Backoff << (servers - 1)
			t.progress("%s answered %d; retrying in %s (%d/%d)", t.Policy.Service, resp.StatusCode, d, servers, t.Policy.ServerRetries)
			if err := t.Clock.Sleep(ctx, d); err != nil {
				return nil, err
			}
			continue
		}
		return resp, nil
	}
}

func errText(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// rewind returns req with a fresh body for a (re)send.
func rewind(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody == nil {
		return req, nil
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = b
	return r, nil
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}

// pace waits for the write spacing, the hourly cap and a primary-limit block.
func (t *Transport) pace(ctx context.Context, mutating, post bool) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if Stopped(ctx) {
			return ErrStopped
		}
		now := t.Clock.Now()
		t.mu.Lock()
		var wait time.Duration
		why := ""
		if now.Before(t.blocked) {
			wait, why = t.blocked.Sub(now), "rate limit reset"
		}
		if mutating && !t.lastWrite.IsZero() {
			if d := t.lastWrite.Add(t.Policy.WriteInterval).Sub(now); d > wait {
				wait, why = d, ""
			}
		}
		if post && t.Policy.CreatesPerHour > 0 {
			cut := now.Add(-time.Hour)
			i := 0
			for i < len(t.creates) && !t.creates[i].After(cut) {
				i++
			}
			t.creates = t.creates[i:]
			if len(t.creates) >= t.Policy.CreatesPerHour {
				if d := t.creates[0].Add(time.Hour).Sub(now); d > wait {
					wait, why = d, fmt.Sprintf("%d writes in the last hour", len(t.creates))
				}
			}
		}
		if wait <= 0 {
			if mutating {
				t.lastWrite = now
			}
			if post {
				t.creates = append(t.creates, now)
			}
			t.mu.Unlock()
			return nil
		}
		t.mu.Unlock()
		if why == "rate limit reset" && wait > t.Policy.MaxWait {
			return &RateLimitError{Service: t.Policy.Service, Wait: wait, Status: 0}
		}
		if why != "" {
			t.progress("waiting %s: %s %s", wait.Round(time.Second), t.Policy.Service, why)
		}
		if err := t.Clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// note records a drained primary quota (X-RateLimit-Remaining: 0).
func (t *Transport) note(resp *http.Response) {
	if resp.Header.Get("X-RateLimit-Remaining") != "0" {
		return
	}
	if reset, ok := resetTime(resp.Header.Get("X-RateLimit-Reset")); ok {
		t.mu.Lock()
		if reset.After(t.blocked) {
			t.blocked = reset
		}
		t.mu.Unlock()
	}
}

func resetTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).Add(time.Second), true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// limited reports whether resp is a rate limit and how long to wait.
func (t *Transport) limited(resp *http.Response, attempt int) (time.Duration, bool) {
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
	case http.StatusForbidden:
		if resp.Header.Get("X-RateLimit-Remaining") != "0" && resp.Header.Get("Retry-After") == "" && !secondary(resp) {
			return 0, false
		}
	case http.StatusServiceUnavailable:
		if resp.Header.Get("Retry-After") == "" {
			return 0, false
		}
	default:
		return 0, false
	}
	now := t.Clock.Now()
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, true
		}
		if at, err := http.ParseTime(ra); err == nil {
			return max(at.Sub(now), 0), true
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, ok := resetTime(resp.Header.Get("X-RateLimit-Reset")); ok {
			return max(reset.Sub(now), time.Second), true
		}
	}
	base := 5 * time.Second
	if resp.StatusCode == http.StatusForbidden || t.Policy.Service == "GitHub" {
		base = time.Minute // GitHub: "wait at least one minute", then back off
	}
	return base << attempt, true
}

// secondary reads a 403 body for GitHub's secondary-limit message (and puts
// the body back).
func secondary(resp *http.Response) bool {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	s := strings.ToLower(string(b))
	return strings.Contains(s, "secondary rate limit") || strings.Contains(s, "abuse") || strings.Contains(s, "rate limit exceeded")
}
