//go:build race

package main_test

// raceBuild is true when the tests run with -race: the binary under test is then built
// with the race detector too, and a race makes it exit non-zero (66) at SIGTERM, which
// fails the test.
const raceBuild = true
