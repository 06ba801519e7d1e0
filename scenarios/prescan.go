package scenarios

import (
	"bytes"
	"fmt"
)

// maxSiblings bounds the entries of one block mapping or list: the YAML
// parser's cost grows with the square of a block mapping's keys (20,000
// keys in 190 KB cost 1.6 GB and 9 s), and a scenario's longest list is a
// few dozen steps or phases.
const maxSiblings = 2000

// prescan looks at a YAML document's bytes before the parser does, whose
// own cost grows with the nesting (50,000 "[" in a 100 KB file cost 3.7 GB)
// and with the keys of one block mapping. It returns a problem and its
// line (1-based), or "".
//
// It counts open flow brackets ([ and {) and block levels (deeper
// indentation, and each "- " that opens a list item on the same line).
// It bounds rather than parses: brackets inside quoted strings and
// comments are skipped, brackets in plain scalars (a[1]) are counted, and
// the indentation of a block scalar's text counts as nesting. A real
// scenario nests about six levels, far below maxDepth.
func prescan(data []byte) (problem string, line int) {
	type level struct{ indent, entries int }
	var levels []level // open block levels, outermost first
	flow := 0
	tooDeep := func() bool { return len(levels)+flow > maxDepth }
	deep := fmt.Sprintf("the document is nested too deeply: more than %d levels of brackets and indentation; want a plain scenario file", maxDepth)
	for text := range bytes.SplitSeq(data, []byte("\n")) {
		line++
		body := bytes.TrimLeft(text, " ")
		indent := len(text) - len(body)
		if len(bytes.TrimSpace(body)) == 0 || body[0] == '#' {
			continue
		}
		if flow == 0 {
			for len(levels) > 0 && levels[len(levels)-1].indent > indent {
				levels = levels[:len(levels)-1]
			}
			if n := len(levels); n > 0 && levels[n-1].indent == indent {
				levels[n-1].entries++
				if levels[n-1].entries > maxSiblings {
					return fmt.Sprintf("more than %d entries in one mapping or list; want a plain scenario file", maxSiblings), line
				}
			} else {
				levels = append(levels, level{indent: indent, entries: 1})
			}
			// "- - - x" opens a list per dash.
			for col := indent; bytes.HasPrefix(body, []byte("- ")); col += 2 {
				body = bytes.TrimLeft(body[2:], " ")
				levels = append(levels, level{indent: col + 2, entries: 1})
				if tooDeep() {
					return deep, line
				}
			}
			if tooDeep() {
				return deep, line
			}
		}
		var quote byte
		for i := 0; i < len(body); i++ {
			c := body[i]
			switch {
			case quote != 0:
				if c == '\\' && quote == '"' {
					i++
				} else if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				if i == 0 || bytes.IndexByte([]byte(" [{,:"), body[i-1]) >= 0 {
					quote = c
				}
			case c == '#' && (i == 0 || body[i-1] == ' '):
				i = len(body)
			case c == '[' || c == '{':
				flow++
				if tooDeep() {
					return deep, line
				}
			case (c == ']' || c == '}') && flow > 0:
				flow--
			}
		}
	}
	return "", 0
}
