package testutil

// A small Go program for tests that run the real gosec on it: gosec v2.30.0
// finds seven problems — G401, G501, G204, G702, G304, G703 in main.go and
// G114 in serve.go. GoServeFixed replaces serve.go: it fixes G114 (an
// http.Server with timeouts) and introduces G306 (os.WriteFile with 0o644).
const (
	GoMod  = "module example.com/app\n\ngo 1.22\n"
	GoMain = `package main

import (
	"crypto/md5"
	"fmt"
	"os"
	"os/exec"
)

func hash(p string) [16]byte {
	return md5.Sum([]byte(p))
}

func run(name string) error {
	return exec.Command("sh", "-c", name).Run()
}

func read(p string) ([]byte, error) {
	return os.ReadFile(p)
}

func main() {
	b, err := read(os.Args[1])
	fmt.Println(hash(string(b)), err, run(os.Args[2]), serve())
}
`
	GoServe = `package main

import "net/http"

func serve() error {
	return http.ListenAndServe(":8080", nil)
}
`
	GoServeFixed = `package main

import (
	"net/http"
	"os"
	"time"
)

func serve() error {
	s := &http.Server{Addr: ":8080", ReadHeaderTimeout: 5 * time.Second}
	return s.ListenAndServe()
}

func dump(b []byte) error {
	return os.WriteFile("dump.bin", b, 0o644)
}
`
)
