package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// hideTyping turns off the echo of f if it is a terminal, so that a
// password typed there is not shown, and returns what puts the echo back;
// ok is false, and nothing changed, when f is not a terminal (a pipe, a
// file). Line editing and Ctrl-C keep working.
func hideTyping(f *os.File) (restore func(), ok bool) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, false
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return nil, false
	}
	return func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }, true
}
