//go:build !linux

package main

const heapPrepSupported = false
