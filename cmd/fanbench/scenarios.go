package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fanbench/fanbench/scenarios"
)

func newScenariosCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List or print the built-in scenarios",
		Example: examples(`
  fanbench scenarios list
  fanbench scenarios show outage > my-outage.yaml   # then edit and: fanbench run --scenario my-outage.yaml`),
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the built-in scenarios with what each shows",
		Example: examples(`
  fanbench scenarios list`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			for _, s := range scenarios.Builtins() {
				fmt.Fprintf(tw, "%s\t%s\n", s.Name, s.Description)
			}
			return tw.Flush()
		},
	}, &cobra.Command{
		Use:   "show NAME",
		Short: "Print a built-in scenario's YAML, to copy and edit",
		Example: examples(`
  fanbench scenarios show flaky > my-flaky.yaml`),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := scenarios.BuiltinSource(args[0])
			if err != nil {
				return withCode(exitUsage, err)
			}
			_, err = e.stdout.Write(src)
			return err
		},
	})
	return cmd
}

func newValidateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check scenario files (or mock API files) without running them",
		Long: `Check scenario files strictly: every problem is reported as file:line:column,
the field and what would be valid. A file with only an apis: block (what
'fanbench mock --config' serves) is checked as such and said to be one.
Exit 0 when all are valid, 2 otherwise.`,
		Example: examples(`
  fanbench validate my.yaml
  fanbench scenarios show outage > outage.yaml && fanbench validate outage.yaml
  fanbench validate scenarios/builtin/*.yaml   # in a clone of the repository`),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, path := range args {
				kind, err := validateFile(path)
				if err != nil {
					bad++
					fmt.Fprintln(e.stderr, err)
					continue
				}
				fmt.Fprintf(e.stdout, "%s: ok%s\n", path, kind)
			}
			if bad > 0 {
				return withCode(exitUsage, fmt.Errorf("%d of %d files are invalid", bad, len(args)))
			}
			return nil
		},
	}
}

// validateFile checks one file as a scenario or, failing that, as a file
// of mock APIs only; kind says which when it is the latter.
func validateFile(path string) (kind string, err error) {
	data, err := scenarios.ReadFile(path)
	if err != nil {
		return "", err
	}
	_, err = scenarios.Parse(path, data)
	if err == nil {
		return "", nil
	}
	// ParseMocks accepts what Parse does, and a file without name and load:
	// if it passes where Parse did not, the file describes mock APIs only.
	if _, merr := scenarios.ParseMocks(path, data); merr == nil {
		return " (mock APIs only: 'fanbench mock --config' serves it; 'fanbench run' needs name, load and strategies too)", nil
	}
	return "", err
}
