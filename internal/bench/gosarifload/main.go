// Command gosarifload loads SARIF files with go-sarif (the Go SARIF library
// secui itself uses for details) and prints how many results they hold. It is
// the go-sarif column of `make bench`: the same file, the same machine.
package main

import (
	"fmt"
	"os"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gosarifload FILE.sarif...")
		os.Exit(2)
	}
	n := 0
	for _, p := range os.Args[1:] {
		r, err := sarif.Open(p)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gosarifload: %s: %v\n", p, err)
			os.Exit(1)
		}
		for _, run := range r.Runs {
			n += len(run.Results)
		}
	}
	fmt.Println(n)
}
