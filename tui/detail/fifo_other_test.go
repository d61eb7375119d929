//go:build !unix

package detail

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs") }
