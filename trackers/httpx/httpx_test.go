package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secui/secui/internal/faketime"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// scripted answers request i with answers[i] (the last one repeats).
func scripted(t *testing.T, answers ...func(w http.ResponseWriter)) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		answers[min(i, len(answers)-1)](w)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func status(code int, hdr map[string]string, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

func client(p Policy, c *faketime.Clock) *http.Client {
	return &http.Client{Transport: New(nil, p, c)}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	srv, n := scripted(t, status(429, map[string]string{"Retry-After": "7"}, `{"errorMessages":["Rate limit exceeded."]}`), status(201, nil, `{}`))
	c := faketime.New(t0)
	resp, err := client(JiraPolicy(), c).Post(srv.URL+"/rest/api/2/issue", "application/json", strings.NewReader(`{}`))
	if err != nil || resp.StatusCode != 201 || n.Load() != 2 {
		t.Fatalf("resp %v err %v requests %d", resp, err, n.Load())
	}
	if len(c.Sleeps) != 1 || c.Sleeps[0] != 7*time.Second {
		t.Errorf("sleeps %v, want [7s]", c.Sleeps)
	}
}

func TestGitHubSecondaryAndPrimaryLimits(t *testing.T) {
	sec := `{"message":"You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}`
	reset := fmt.Sprint(t0.Add(90 * time.Second).Unix())
	srv, n := scripted(t,
		status(403, nil, sec), // no Retry-After: a minute
		status(403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}, `{"message":"API rate limit exceeded"}`),
		status(201, nil, `{}`))
	c := faketime.New(t0)
	resp, err := client(GitHubPolicy(), c).Post(srv.URL+"/repos/o/r/issues", "application/json", strings.NewReader(`{}`))
	if err != nil || resp.StatusCode != 201 || n.Load() != 3 {
		t.Fatalf("resp %v err %v requests %d", resp, err, n.Load())
	}
	if len(c.Sleeps) != 2 || c.Sleeps[0] != time.Minute || c.Sleeps[1] < 29*time.Second || c.Sleeps[1] > 32*time.Second {
		t.Errorf("sleeps %v, want [1m ~31s]", c.Sleeps)
	}
	// A 403 that is a permission problem is not a rate limit.
	srv2, n2 := scripted(t, status(403, nil, `{"message":"Resource not accessible by personal access token"}`))
	resp, err = client(GitHubPolicy(), faketime.New(t0)).Get(srv2.URL + "/x")
	if err != nil || resp.StatusCode != 403 || n2.Load() != 1 {
		t.Errorf("permission 403: %v %v %d", resp, err, n2.Load())
	}
}

func TestTooLongWaitIsAnError(t *testing.T) {
	srv, n := scripted(t, status(429, map[string]string{"Retry-After": "3600"}, `{}`))
	_, err := client(JiraPolicy(), faketime.New(t0)).Get(srv.URL + "/x")
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Wait != time.Hour || n.Load() != 1 {
		t.Fatalf("err %v requests %d", err, n.Load())
	}
	// Persistent limits stop after LimitRetries waits.
	srv, n = scripted(t, status(429, map[string]string{"Retry-After": "1"}, `{}`))
	_, err = client(JiraPolicy(), faketime.New(t0)).Get(srv.URL + "/x")
	if !errors.As(err, &rl) || n.Load() != 6 {
		t.Fatalf("err %v requests %d, want 6", err, n.Load())
	}
}

func TestServerErrorsRetriedOnlyWhenIdempotent(t *testing.T) {
	srv, n := scripted(t, status(502, nil, ``), status(503, nil, ``), status(200, nil, `[]`))
	c := faketime.New(t0)
	resp, err := client(GitHubPolicy(), c).Get(srv.URL + "/repos/o/r/issues")
	if err != nil || resp.StatusCode != 200 || n.Load() != 3 {
		t.Fatalf("GET: %v %v %d", resp, err, n.Load())
	}
	if len(c.Sleeps) != 2 || c.Sleeps[0] != 2*time.Second || c.Sleeps[1] != 4*time.Second {
		t.Errorf("backoff %v", c.Sleeps)
	}
	srv, n = scripted(t, status(502, nil, ``), status(201, nil, `{}`))
	resp, err = client(GitHubPolicy(), faketime.New(t0)).Post(srv.URL+"/repos/o/r/issues", "application/json", strings.NewReader(`{}`))
	if err != nil || resp.StatusCode != 502 || n.Load() != 1 {
		t.Fatalf("POST must not be re-sent blindly: %v %v %d", resp, err, n.Load())
	}
	// Bounded: a GET that keeps failing stops after ServerRetries.
	srv, n = scripted(t, status(500, nil, ``))
	resp, _ = client(GitHubPolicy(), faketime.New(t0)).Get(srv.URL + "/x")
	if resp.StatusCode != 500 || n.Load() != 4 {
		t.Fatalf("persistent 500: %d requests", n.Load())
	}
}

// Content-creating writes are spaced one second apart (under 80/minute) and
// capped per hour; reads are not paced.
func TestWritePacing(t *testing.T) {
	srv, _ := scripted(t, status(201, nil, `{}`))
	c := faketime.New(t0)
	p := GitHubPolicy()
	p.CreatesPerHour = 3
	cl := client(p, c)
	var at []time.Time
	for range 5 {
		if _, err := cl.Post(srv.URL+"/repos/o/r/issues", "application/json", strings.NewReader(`{}`)); err != nil {
			t.Fatal(err)
		}
		at = append(at, c.Now())
		cl.Get(srv.URL + "/x")
	}
	for i := 1; i < len(at); i++ {
		if at[i].Sub(at[i-1]) < time.Second {
			t.Errorf("writes %d and %d only %s apart", i-1, i, at[i].Sub(at[i-1]))
		}
	}
	if at[3].Sub(at[0]) < time.Hour {
		t.Errorf("4th write within the hour of the 1st (%s)", at[3].Sub(at[0]))
	}
	perMinute := 0
	for _, x := range at {
		if x.Sub(at[0]) < time.Minute {
			perMinute++
		}
	}
	if perMinute > 80 {
		t.Errorf("%d writes in a minute", perMinute)
	}
}
