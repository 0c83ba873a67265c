package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: the master, what a terminal emulator
// holds, and the terminal itself, the command's standard input.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

func echoOn(t *testing.T, tty *os.File) bool {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0
}

// TestUserAddAsksAtATerminal: at a terminal, user add prompts on standard
// error for the password, which the terminal does not echo, and leaves the
// terminal as it found it, whether the password came or Ctrl-C ended the
// wait.
func TestUserAddAsksAtATerminal(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "a.db")
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	master, tty := openPTY(t)
	if !echoOn(t, tty) {
		t.Fatal("a new terminal does not echo")
	}
	var screen lockedBuffer // what the terminal shows of the typing
	go io.Copy(&screen, master)

	add := func(ctx context.Context, username string, stderr *lockedBuffer) chan error {
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"user", "add", "--db", db, "--username", username, "--role", "auditor"}, env(nil),
				tty, io.Discard, stderr)
		}()
		prompt := "password for " + username + " (not shown): "
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(stderr.String(), prompt) {
			if time.Now().After(deadline) {
				t.Fatalf("no prompt; standard error: %q", stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // the echo is off once the prompt is written
		return done
	}

	var stderr lockedBuffer
	done := add(ctx, "typist", &stderr)
	if echoOn(t, tty) {
		t.Error("the terminal echoes while the password is asked for")
	}
	master.Write([]byte("a secret long enough\n"))
	if err := <-done; err != nil {
		t.Fatalf("user add at a terminal: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if strings.Contains(screen.String(), "secret") {
		t.Errorf("the terminal echoed the password: %q", screen.String())
	}
	if !echoOn(t, tty) {
		t.Error("the terminal does not echo after the password was read")
	}

	cctx, cancel := context.WithCancel(ctx)
	var stderr2 lockedBuffer
	done = add(cctx, "quitter", &stderr2)
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("Ctrl-C at the prompt: %v", err)
	}
	if !echoOn(t, tty) {
		t.Error("the terminal does not echo after Ctrl-C at the prompt")
	}
}
