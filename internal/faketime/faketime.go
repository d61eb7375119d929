// Package faketime is a Clock for tests: Sleep returns at once and moves
// the time forward, recording every wait.
package faketime

import (
	"context"
	"sync"
	"time"
)

// Clock is a fake httpx.Clock (and engine clock).
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	Sleeps []time.Duration
	// OnSleep, when set, runs before each sleep returns (e.g. to cancel).
	OnSleep func(d time.Duration)
}

// New starts a clock at t.
func New(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the time forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Sleep records d and advances the time by it.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.Sleeps = append(c.Sleeps, d)
	c.now = c.now.Add(d)
	f := c.OnSleep
	c.mu.Unlock()
	if f != nil {
		f(d)
	}
	return nil
}

// Total is the sum of all sleeps.
func (c *Clock) Total() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var t time.Duration
	for _, d := range c.Sleeps {
		t += d
	}
	return t
}
