package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fanbench/fanbench/scenarios"
)

func newScenariosCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List or print the built-in scenarios",
		Example: strings.TrimSpace(`
  fanbench scenarios list
  fanbench scenarios show outage > my-outage.yaml   # then edit and: fanbench run --scenario my-outage.yaml`),
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the built-in scenarios with what each shows",
		Args:  cobra.NoArgs,
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
		Args:  cobra.ExactArgs(1),
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
		Short: "Check scenario files without running them",
		Long:  "Check scenario files strictly: every problem is reported as file:line:column, the field and what would be valid. Exit 0 when all are valid, 2 otherwise.",
		Example: strings.TrimSpace(`
  fanbench validate my.yaml
  fanbench validate scenarios/*.yaml`),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, path := range args {
				data, err := os.ReadFile(path)
				if err == nil {
					_, err = scenarios.Parse(path, data)
				}
				if err != nil {
					bad++
					fmt.Fprintln(e.stderr, err)
					continue
				}
				fmt.Fprintf(e.stdout, "%s: ok\n", path)
			}
			if bad > 0 {
				return withCode(exitUsage, fmt.Errorf("%d of %d scenario files are invalid", bad, len(args)))
			}
			return nil
		},
	}
}
