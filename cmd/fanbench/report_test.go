package main

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/reports"
)

// A stored run is re-rendered by `report` and compared by `compare`: an
// identical run passes, a doubled p99 exits 1.
func TestReportAndCompareCommands(t *testing.T) {
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	base := filepath.Join(t.TempDir(), "base")
	if code, _, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", base, "--quiet"); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	for _, f := range []string{"report.md", "report.html", "summary.csv", "sequential.hgrm", "latency-spectrum.png", "errgroup.results.bin"} {
		if fi, err := os.Stat(filepath.Join(base, f)); err != nil || fi.Size() == 0 {
			t.Errorf("run did not write %s: %v", f, err)
		}
	}
	stored, err := reports.ReadJSON(filepath.Join(base, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	checkRunFiles(t, base, stored)
	code, stdout, stderr := fanbench(t, t.Context(), "report", base, "--format", "md")
	if code != exitOK || !strings.Contains(stdout, "| sequential |") || !strings.Contains(stdout, "| errgroup |") {
		t.Errorf("report --format md: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// --write regenerates every report from results.json, report.txt too.
	for _, f := range []string{"report.txt", "report.md", "summary.csv", "sequential.hgrm"} {
		if err := os.Remove(filepath.Join(base, f)); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := fanbench(t, t.Context(), "report", base, "--write"); code != exitOK {
		t.Fatalf("report --write: exit %d\n%s", code, stderr)
	}
	checkRunFiles(t, base, stored)
	if code, _, stderr := fanbench(t, t.Context(), "report", base, "--format", "pdf"); code != exitUsage || !strings.Contains(stderr, "--format") {
		t.Errorf("report --format pdf: exit %d, %q; want 2 naming --format", code, stderr)
	}
	if code, stdout, _ := fanbench(t, t.Context(), "compare", base, base); code != exitOK || !strings.Contains(stdout, "no regression") {
		t.Errorf("compare identical: exit %d\n%s", code, stdout)
	}

	r, err := reports.ReadJSON(filepath.Join(base, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	r.Strategies[1].LatencyMs.Corrected.P99 *= 2
	worse := filepath.Join(t.TempDir(), "worse.json")
	f, err := os.Create(worse)
	if err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteJSON(f, r); err != nil {
		t.Fatal(err)
	}
	f.Close()
	code, stdout, _ = fanbench(t, t.Context(), "compare", base, worse, "--max-regression", "10%")
	if code != exitFailed || !strings.Contains(stdout, "p99") {
		t.Errorf("compare doubled p99: exit %d; want 1\n%s", code, stdout)
	}
	// A new run with fewer strategies: compared on what both have, the
	// missing one listed; --require-all makes it a failure.
	r.Strategies = r.Strategies[:1]
	subset := filepath.Join(t.TempDir(), "subset.json")
	if err := reports.WriteFileAtomic(subset, func(w io.Writer) error { return reports.WriteJSON(w, r) }); err != nil {
		t.Fatal(err)
	}
	if code, stdout, _ := fanbench(t, t.Context(), "compare", base, subset); code != exitOK || !strings.Contains(stdout, "errgroup: only in the base run (not compared") {
		t.Errorf("compare with a strategy missing: exit %d; want 0 listing errgroup\n%s", code, stdout)
	}
	if code, stdout, _ := fanbench(t, t.Context(), "compare", base, subset, "--require-all"); code != exitFailed {
		t.Errorf("compare --require-all with a strategy missing: exit %d; want 1\n%s", code, stdout)
	}
	if code, _, stderr := fanbench(t, t.Context(), "compare", base, worse, "--max-regression", "lots"); code != exitUsage || !strings.Contains(stderr, "--max-regression") {
		t.Errorf("bad --max-regression: exit %d, %q", code, stderr)
	}
}

// checkRunFiles reads a run directory's reports and checks them against
// its results: the text and Markdown have a row per strategy, the CSV
// parses with a row per strategy under its header, and each .hgrm counts
// the strategy's requests.
func checkRunFiles(t *testing.T, dir string, r *reports.Results) {
	t.Helper()
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	txt, md := read("report.txt"), read("report.md")
	rows, err := csv.NewReader(strings.NewReader(read("summary.csv"))).ReadAll()
	if err != nil {
		t.Fatalf("summary.csv: %v", err)
	}
	if len(rows) != len(r.Strategies)+1 || rows[0][2] != "strategy" || rows[0][3] != "requests" {
		t.Fatalf("summary.csv: %d rows, header %v; want a header (…, strategy, requests, …) and %d rows", len(rows), rows[0], len(r.Strategies))
	}
	total := regexp.MustCompile(`Total count\s*=\s*(\d+)`)
	for i, s := range r.Strategies {
		if !strings.Contains(md, "| "+s.Name+" |") || !strings.Contains(txt, s.Name) {
			t.Errorf("report.md or report.txt has no row for %s", s.Name)
		}
		if rows[i+1][2] != s.Name || rows[i+1][3] != strconv.FormatInt(s.Requests, 10) {
			t.Errorf("summary.csv row %v; want %s with %d requests", rows[i+1][:4], s.Name, s.Requests)
		}
		m := total.FindStringSubmatch(read(s.Name + ".hgrm"))
		if m == nil || m[1] != strconv.FormatInt(s.Requests, 10) {
			t.Errorf("%s.hgrm total count %v; want %d requests", s.Name, m, s.Requests)
		}
	}
}

// TestRunFailsWithExit1: a run that cannot be carried out (the --exec'd
// service exits before it listens) exits 1, says why, and leaves no
// results behind.
func TestRunFailsWithExit1(t *testing.T) {
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", out, "--quiet",
		"--target", "http://127.0.0.1:9/send", "--exec", "exit 3")
	if code != exitFailed || !strings.Contains(stderr, "exited before") {
		t.Fatalf("exit %d; want 1 saying the service exited\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "results.json")); !os.IsNotExist(err) {
		t.Errorf("a failed run left results.json (stat: %v)", err)
	}
}

// TestValidateAndScenariosCommands: validate accepts good files and apis-only
// files (saying which), refuses a bad one with its position and exit 2;
// scenarios list names every built-in and show prints YAML that validates.
func TestValidateAndScenariosCommands(t *testing.T) {
	good := writeFile(t, "tiny.yaml", tinyScenario)
	mocks := writeFile(t, "mocks.yaml", "apis:\n  a: {latency: {dist: fixed, value: 5ms}}\n  b: {latency: {dist: fixed, value: 5ms}}\n")
	bad := writeFile(t, "bad.yaml", strings.Replace(tinyScenario, "rate: 50", "rate: -5", 1))
	code, stdout, stderr := fanbench(t, t.Context(), "validate", good, mocks)
	if code != exitOK || !strings.Contains(stdout, good+": ok\n") || !strings.Contains(stdout, mocks+": ok (mock APIs only") {
		t.Errorf("validate good + mocks: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = fanbench(t, t.Context(), "validate", good, bad)
	if code != exitUsage || !strings.Contains(stderr, "bad.yaml:6:14: load.rate") || !strings.Contains(stderr, "rate") || !strings.Contains(stdout, good+": ok") {
		t.Errorf("validate good + bad: exit %d; want 2 naming bad.yaml:6:14 and load.rate\n%s\n%s", code, stdout, stderr)
	}

	code, list, _ := fanbench(t, t.Context(), "scenarios", "list")
	if code != exitOK {
		t.Fatalf("scenarios list: exit %d", code)
	}
	names := 0
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		name := strings.Fields(line)[0]
		names++
		code, yaml, stderr := fanbench(t, t.Context(), "scenarios", "show", name)
		if code != exitOK || !strings.Contains(yaml, "name: "+name) {
			t.Errorf("scenarios show %s: exit %d\n%s", name, code, stderr)
			continue
		}
		if code, _, stderr := fanbench(t, t.Context(), "validate", writeFile(t, name+".yaml", yaml)); code != exitOK {
			t.Errorf("scenarios show %s does not validate: %s", name, stderr)
		}
	}
	if names < 9 || !strings.Contains(list, "quick") || !strings.Contains(list, "outage") {
		t.Errorf("scenarios list names %d scenarios:\n%s", names, list)
	}
	if code, _, stderr := fanbench(t, t.Context(), "scenarios", "show", "nosuch"); code != exitUsage || !strings.Contains(stderr, "quick") {
		t.Errorf("scenarios show nosuch: exit %d, %q; want 2 listing the built-ins", code, stderr)
	}
	if code, stdout, _ := fanbench(t, t.Context(), "version"); code != exitOK || !strings.HasPrefix(stdout, "fanbench ") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

// TestHelpExamplesIndented: every command the help lists has examples, and
// every Examples line, the first one too, is indented.
func TestHelpExamplesIndented(t *testing.T) {
	var check func(path ...string)
	check = func(path ...string) {
		code, help, _ := fanbench(t, t.Context(), append(path, "--help")...)
		if code != exitOK {
			t.Fatalf("%v --help: exit %d", path, code)
		}
		subs := helpSection(help, "Available Commands:")
		if _, ex, ok := strings.Cut(help, "Examples:\n"); ok {
			for _, line := range strings.Split(ex, "\n") {
				if line == "" {
					break
				}
				if !strings.HasPrefix(line, "  ") {
					t.Errorf("%v: example line %q is not indented", path, line)
				}
			}
		} else if len(path) > 0 && len(subs) == 0 {
			t.Errorf("%v --help has no examples", path)
		}
		for _, sub := range subs {
			if sub != "help" && sub != "completion" {
				check(append(path[:len(path):len(path)], sub)...)
			}
		}
	}
	check()
}

// helpSection lists the first word of each line of a help section.
func helpSection(help, title string) []string {
	_, sec, ok := strings.Cut(help, title+"\n")
	if !ok {
		return nil
	}
	var words []string
	for _, line := range strings.Split(sec, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			break
		}
		words = append(words, f[0])
	}
	return words
}
