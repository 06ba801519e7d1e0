package main

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/fanbench/fanbench/reports"
)

// junitSuites is the JUnit XML CI systems read: one test case per SLO check.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes the SLO checks of res as JUnit XML.
func writeJUnit(w io.Writer, res *reports.Results) error {
	s := junitSuite{Name: "fanbench." + res.Scenario, Tests: len(res.SLO)}
	for _, c := range res.SLO {
		tc := junitCase{Name: c.Expr, Classname: "fanbench.slo." + res.Scenario}
		if !c.Pass {
			s.Failures++
			msg := fmt.Sprintf("measured %g", c.Value)
			if c.Error != "" {
				msg = c.Error
			}
			if c.Inconclusive {
				msg = fmt.Sprintf("inconclusive: measured %g while the harness was saturated (figures are fanbench's own)", c.Value)
			}
			tc.Failure = &junitFailure{Message: msg, Text: fmt.Sprintf("%s: %s (seed %d)", c.Expr, msg, res.Seed)}
		}
		s.Cases = append(s.Cases, tc)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{s}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
