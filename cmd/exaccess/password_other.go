//go:build !linux

package main

import "os"

// hideTyping tells whether f is a terminal, where the password is asked
// for; outside Linux it cannot turn the echo off, and the typing shows.
func hideTyping(f *os.File) (restore func(), ok bool) {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil, false
	}
	return func() {}, true
}
