//go:build !linux

package main

const populateSupported = false

func populate(base, n uintptr) {}
