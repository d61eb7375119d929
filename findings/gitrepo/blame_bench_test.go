package gitrepo

import (
	"context"
	"testing"
	"time"
)

// BenchmarkBlameLine compares the git binary (`git blame --porcelain -L n,n`)
// with go-git's whole-file Blame on a 2000-line file rewritten in 300
// commits: line 1 is as old as the file (the whole history is walked), line
// 2 changed in the last commit.
func BenchmarkBlameLine(b *testing.B) {
	dir := bigHistory(b, 2000, 300)
	r := openTestRepo(b, dir)
	for _, eng := range engines {
		for _, c := range []struct {
			name string
			line int
		}{{"oldest-line", 1}, {"recent-line", 2}} {
			b.Run(eng+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					bl, err := r.BlameLine(context.Background(), "big.txt", c.line, BlameOptions{Engine: eng, Timeout: time.Minute})
					if err != nil || bl.Status != BlameCommitted {
						b.Fatal(bl, err)
					}
				}
			})
		}
	}
}
