package main

// heapPrepSupported: the heap is prepared for big loads on Linux, where it
// was measured (see summary_heap.go).
const heapPrepSupported = true
