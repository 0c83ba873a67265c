package main

import (
	"flag"
	"fmt"
)

// noExtraArgs refuses what flag parsing left over. Parsing stops at the
// first argument that is not a flag, so without this check a stray word
// (an unquoted value with a space) would silently drop every flag after
// it.
func noExtraArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q (quote values with spaces); %w", fs.Name(), fs.Arg(0), errUsage)
	}
	return nil
}
