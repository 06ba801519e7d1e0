package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeBlock is one fenced code block of the README.
type readmeBlock struct {
	lang string
	line int // of the opening fence
	text string
}

func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []readmeBlock
	var cur *readmeBlock
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &readmeBlock{lang: strings.TrimPrefix(line, "```"), line: i + 1}
		case cur != nil && strings.HasPrefix(line, "```"):
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	if len(blocks) == 0 {
		t.Fatal("README.md has no code blocks")
	}
	return blocks
}

// TestReadmeYAMLValidates: every YAML example in the README is a scenario
// (or an apis-only mock file) that validates as it is written.
func TestReadmeYAMLValidates(t *testing.T) {
	n := 0
	for _, b := range readmeBlocks(t) {
		if b.lang != "yaml" {
			continue
		}
		n++
		path := writeFile(t, "readme.yaml", b.text)
		if _, err := validateFile(path); err != nil {
			t.Errorf("README.md:%d: the YAML example does not validate:\n%v", b.line, err)
		}
	}
	if n == 0 {
		t.Error("README.md has no YAML example")
	}
}

var (
	readmeCommand = regexp.MustCompile(`(?:^|[\s(])fanbench ([a-z]+)(?: ([a-z]+))?`)
	readmeFlag    = regexp.MustCompile(`(?:^|[\s\[|])(--[a-z][a-z0-9-]*)`)
)

// TestReadmeCommandsAndFlags: every fanbench command the README's code
// blocks use exists, and every flag they give it is one that command
// takes; every make target they name is in the Makefile.
func TestReadmeCommandsAndFlags(t *testing.T) {
	helps := map[string]string{}
	help := func(path ...string) (string, bool) {
		key := strings.Join(path, " ")
		if h, ok := helps[key]; ok {
			return h, true
		}
		code, out, _ := fanbench(t, t.Context(), append(path, "--help")...)
		if code != exitOK || !strings.Contains(out, "Usage:") {
			return "", false
		}
		helps[key] = out
		return out, true
	}
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	commands := 0
	for _, b := range readmeBlocks(t) {
		if b.lang == "yaml" || b.lang == "json" {
			continue
		}
		// A line that starts with spaces continues the command above it.
		var lines [][2]any
		for i, line := range strings.Split(b.text, "\n") {
			if strings.HasPrefix(line, "  ") && len(lines) > 0 {
				lines[len(lines)-1][0] = lines[len(lines)-1][0].(string) + " " + line
				continue
			}
			lines = append(lines, [2]any{line, b.line + 1 + i})
		}
		for _, l := range lines {
			line, at := l[0].(string), l[1].(int)
			if code, _, _ := strings.Cut(line, "#"); strings.HasPrefix(strings.TrimSpace(code), "make ") {
				target := strings.Fields(code)[1]
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `:`).Match(makefile) {
					t.Errorf("README.md:%d: make %s: no such target in the Makefile", at, target)
				}
				continue
			}
			code, _, _ := strings.Cut(line, " # ")
			m := readmeCommand.FindStringSubmatch(code)
			if m == nil {
				continue
			}
			commands++
			path := []string{m[1]}
			h, ok := help(path...)
			if !ok {
				t.Errorf("README.md:%d: fanbench %s: no such command", at, m[1])
				continue
			}
			if m[2] != "" && slices.Contains(helpSection(h, "Available Commands:"), m[2]) {
				path = append(path, m[2])
				h, _ = help(path...)
			}
			for _, f := range readmeFlag.FindAllStringSubmatch(code, -1) {
				if !regexp.MustCompile(`\s` + regexp.QuoteMeta(f[1]) + `\b`).MatchString(h) {
					t.Errorf("README.md:%d: fanbench %s takes no flag %s", at, strings.Join(path, " "), f[1])
				}
			}
		}
	}
	if commands < 10 {
		t.Errorf("found %d fanbench commands in the README's code blocks; the parser lost them", commands)
	}
}

// TestReadmeOutputFiles: every file the README's output table names is
// written by a run (with a synchronous and an asynchronous strategy, so
// every plot has something to draw).
func TestReadmeOutputFiles(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(data), "### Output files")
	if !ok {
		t.Fatal("README.md has no \"### Output files\" section")
	}
	table, _, _ = strings.Cut(table, "\n\n`")
	var names []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(table, -1) {
		name := strings.ReplaceAll(m[1], "<strategy>", "errgroup")
		if base, exts, ok := strings.Cut(name, ".{"); ok {
			for _, ext := range strings.Split(strings.TrimSuffix(exts, "}"), ",") {
				names = append(names, base+"."+ext)
			}
			continue
		}
		names = append(names, name)
	}
	if len(names) < 10 {
		t.Fatalf("found %d file names in the output table: %q", len(names), names)
	}
	sc := writeFile(t, "tiny.yaml", strings.Replace(tinyScenario, "[sequential, errgroup]", "[errgroup, queue]", 1))
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", out, "--quiet"); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	for _, name := range names {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("README's output table names %s; the run did not write it (%v)", name, err)
		}
	}
}
