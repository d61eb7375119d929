// Command consoletime times the real console in tmux, as a user sees it: the
// first frame, the first finding row and all rows after start, then how long
// 200 `j` presses sent at once take to reach the screen (until it stops
// changing). It is the console part of `make bench`.
//
//	consoletime -bin bin/secui -n 100000 -dir /tmp/repo FILE.sarif
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	bin     = flag.String("bin", "bin/secui", "secui binary")
	want    = flag.Int("n", 0, "findings the file holds (all rows: the count shows `N of N`)")
	dir     = flag.String("dir", "", "directory to start the console in (a git repository)")
	keys    = flag.Int("keys", 200, "j presses to time (0: none)")
	timeout = flag.Duration("timeout", 120*time.Second, "give up after")
)

// A finding row: severity letter, then a stage.
var rowRe = regexp.MustCompile(`\s[CHMLI]\s+(plan|code|build|test|release|deploy|operate|monitor)\s`)
var countRe = regexp.MustCompile(`(\d+) of (\d+)`)

func main() {
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: consoletime [flags] FILE.sarif")
		os.Exit(2)
	}
	sock := fmt.Sprintf("secui-bench-%d", os.Getpid())
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).Output()
		return string(out), err
	}
	defer tmux("kill-server")
	capture := func() string { s, _ := tmux("capture-pane", "-p", "-t", "b"); return s }

	t0 := time.Now()
	if _, err := tmux("new-session", "-d", "-s", "b", "-x", "160", "-y", "40", "-c", *dir, *bin+" "+flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "consoletime: tmux:", err)
		os.Exit(1)
	}
	var frame, row, all time.Duration
	for frame == 0 || row == 0 || all == 0 {
		if time.Since(t0) > *timeout {
			fmt.Fprintf(os.Stderr, "consoletime: timed out; screen:\n%s\n", capture())
			os.Exit(1)
		}
		s := capture()
		el := time.Since(t0)
		if frame == 0 && strings.TrimSpace(s) != "" {
			frame = el
		}
		if row == 0 && rowRe.MatchString(s) {
			row = el
		}
		if all == 0 {
			for _, m := range countRe.FindAllStringSubmatch(s, -1) {
				a, _ := strconv.Atoi(m[1])
				b, _ := strconv.Atoi(m[2])
				if a == b && a == *want {
					all = el
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Printf("first_frame=%.3f first_row=%.3f all_rows=%.3f", frame.Seconds(), row.Seconds(), all.Seconds())
	if *keys > 0 {
		time.Sleep(500 * time.Millisecond)
		before := capture()
		args := []string{"send-keys", "-t", "b"}
		for i := 0; i < *keys; i++ {
			args = append(args, "j")
		}
		k0 := time.Now()
		tmux(args...)
		last, lastAt := before, time.Duration(0)
		for time.Since(k0) < *timeout {
			s := capture()
			if s != last {
				last, lastAt = s, time.Since(k0)
			} else if lastAt > 0 && time.Since(k0)-lastAt > 700*time.Millisecond {
				break
			}
			time.Sleep(3 * time.Millisecond)
		}
		fmt.Printf(" keys%d=%.3f", *keys, lastAt.Seconds())
	}
	fmt.Println()
}
