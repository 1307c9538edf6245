package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// isHelp reports whether arg asks for a command's help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// envReads returns the environment variables read looks up, in the order of
// their first lookup, by running it on an empty environment. Help texts list
// them from the code that reads them, so that they cannot drift apart.
func envReads(read func(lookup func(string) (string, bool))) []string {
	var names []string
	read(func(name string) (string, bool) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
		return "", false
	})
	return names
}

// printHelp writes a command's help: its text, its flags (when fset is not
// nil) and the environment variables it reads, wrapped to 80 columns.
func printHelp(w io.Writer, text string, fset *flag.FlagSet, vars []string, varsNote string) {
	fmt.Fprint(w, text)
	if fset != nil {
		var flags strings.Builder
		fset.SetOutput(&flags)
		fset.PrintDefaults()
		if flags.Len() > 0 {
			fmt.Fprintf(w, "\nflags:\n%s", flags.String())
		}
	}
	fmt.Fprintln(w, "\nenvironment:")
	if len(vars) == 0 {
		fmt.Fprintln(w, "  none")
	}
	line := " "
	for _, v := range vars {
		if len(line)+1+len(v) > 80 {
			fmt.Fprintln(w, line)
			line = " "
		}
		line += " " + v
	}
	if strings.TrimSpace(line) != "" {
		fmt.Fprintln(w, line)
	}
	if varsNote != "" {
		fmt.Fprintf(w, "  %s\n", varsNote)
	}
}

// parseFlags parses args into fset. On -h it prints help to stdout and
// returns done with status 0; on a bad flag it prints the error and the
// help to stderr and returns done with status 2.
func parseFlags(fset *flag.FlagSet, args []string, stdout, stderr io.Writer, help func(io.Writer)) (done bool, status int) {
	fset.SetOutput(io.Discard) // errors and help are printed below
	fset.Usage = func() {}
	err := fset.Parse(args)
	switch {
	case err == flag.ErrHelp:
		help(stdout)
		return true, 0
	case err != nil:
		fmt.Fprintf(stderr, "leadworker %s: %v\n\n", fset.Name(), err)
		help(stderr)
		return true, 2
	}
	return false, 0
}
