package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// parseFlags parses a command's flags and refuses anything left over. Go's
// flag parsing stops at the first word that is not a flag, so without this
// every flag after a stray word would be silently ignored: `serve --demo
// true --db x` would run on the default database, and `--reason left the
// unit` would record "left". Every command parses its flags through it, or
// through unexpected when it takes positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseQuiet(fs, args); err != nil {
		return err
	}
	return noLeftover(fs, args)
}

// parseQuiet is fs.Parse, but a flag it cannot parse is one line naming
// the flag, what it takes and where the command's flags are listed,
// instead of Go's message followed by every flag of the command (sixty
// lines for serve). -h and --help still print the usage.
func parseQuiet(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		if usage != nil {
			usage()
		} else {
			fmt.Fprintf(out, "usage of exaccess %s:\n", fs.Name())
			fs.PrintDefaults()
		}
		return err
	}
	return &flagError{fmt.Sprintf("%s: %s; see 'exaccess %s -h'", fs.Name(), flagProblem(fs, err), fs.Name())}
}

// missingFlag is a required flag left out of fs's command line: a usage
// error (exit 2) in one line naming the flag, with the pointer to the
// command's flags, like a flag that does not parse. what says which, as
// "--username is required".
func missingFlag(fs *flag.FlagSet, what string) error {
	return &flagError{fmt.Sprintf("%s: %s; see 'exaccess %s -h'", fs.Name(), what, fs.Name())}
}

// flagError is a flag that did not parse: a mistake in the command line,
// like errUsage, with its own pointer to the command's flags.
type flagError struct{ msg string }

func (e *flagError) Error() string        { return e.msg }
func (e *flagError) Is(target error) bool { return target == errUsage }

// The messages of Go's flag package, which names a flag with one dash.
var (
	flagBadValue = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-([^\s:]+): (.*)$`)
	flagUnknown  = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	flagNoValue  = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
)

// flagProblem says in the command's words what err, from fs.Parse, found
// wrong.
func flagProblem(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := flagUnknown.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown flag --%s", m[1])
	}
	if m := flagNoValue.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s needs a value", m[1])
	}
	m := flagBadValue.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	value, name, why := m[1], m[2], m[3]
	f := fs.Lookup(name)
	if f == nil {
		return msg
	}
	if isBoolFlag(f) {
		return fmt.Sprintf("--%s %s must be true or false", name, value)
	}
	switch typ, _ := flag.UnquoteUsage(f); typ {
	case "duration":
		return fmt.Sprintf("--%s %s must be a duration like 1h, 30m or 90s", name, value)
	case "int", "uint":
		return fmt.Sprintf("--%s %s must be a whole number", name, value)
	case "float":
		return fmt.Sprintf("--%s %s must be a number", name, value)
	}
	return fmt.Sprintf("--%s %s: %s", name, value, why) // a value of our own, which says why
}

// noLeftover refuses the words fs left unparsed in args.
func noLeftover(fs *flag.FlagSet, args []string) error {
	return unexpected(fs, args, fs.Args())
}

// unexpected names the first of rest, with a hint at the likely cause, in
// one line; nil when rest is empty. rest is what is left of args after
// fs parsed them, less the positional arguments the command takes (the
// FILE of permit verify).
func unexpected(fs *flag.FlagSet, args, rest []string) error {
	if len(rest) == 0 {
		return nil
	}
	return fmt.Errorf("%s: unexpected argument %q; %s; %w", fs.Name(), rest[0], leftoverHint(fs, args, rest), errUsage)
}

// leftoverHint guesses why a word was left over: a true/false flag given
// its value after a space, or a value with spaces that was not quoted.
func leftoverHint(fs *flag.FlagSet, args, rest []string) string {
	i := len(args) - len(rest) // where the leftover words start
	if i < 1 || i > len(args) {
		return "every argument must be a flag"
	}
	prev := args[i-1]
	if f := lookupFlag(fs, prev); f != nil && !strings.Contains(prev, "=") && isBoolFlag(f) && isBool(rest[0]) {
		return fmt.Sprintf("a true/false flag takes its value after '=': %s=%s", prev, rest[0])
	}
	// The words up to the next flag are probably the rest of a value.
	words := []string{}
	for _, w := range rest {
		if strings.HasPrefix(w, "-") {
			break
		}
		words = append(words, w)
	}
	name, value := "", prev
	if n, v, ok := strings.Cut(prev, "="); ok && takesValue(fs, n) {
		name, value = n, v // --reason=left the unit
	} else if i >= 2 && !strings.Contains(args[i-2], "=") && takesValue(fs, args[i-2]) {
		name = args[i-2] // --reason left the unit
	}
	if name == "" {
		return "every argument must be a flag; quote a value that holds spaces"
	}
	return fmt.Sprintf(`quote a value that holds spaces: %s %q`, name, strings.Join(append([]string{value}, words...), " "))
}

// lookupFlag finds the flag an argument like -name, --name or --name=value
// names.
func lookupFlag(fs *flag.FlagSet, arg string) *flag.Flag {
	if !strings.HasPrefix(arg, "-") {
		return nil
	}
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return fs.Lookup(name)
}

// takesValue tells whether arg names a flag that is given a value.
func takesValue(fs *flag.FlagSet, arg string) bool {
	f := lookupFlag(fs, arg)
	return f != nil && !isBoolFlag(f)
}

func isBool(s string) bool {
	_, err := strconv.ParseBool(s)
	return err == nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
