package scenarios

import (
	"fmt"
	"reflect"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Parse decodes and validates a scenario file strictly, fills defaults (see
// defaults.go), completes every strategy's policy and every phase's
// profile, parses the SLOs into Scenario.SLOs, and returns the scenario.
//
// filename only names the file in messages. On failure the error is an
// Errors holding every problem found, each naming file:line:column, the
// field path and what would be valid. Parse never panics, whatever data
// holds.
func Parse(filename string, data []byte) (*Scenario, error) {
	return parse(&report{file: filename, idx: newIndex()}, data)
}

// ParseMocks is Parse for a file that may describe only the mock APIs, as
// `fanbench mock` serves them: an `apis:` block (with, optionally, seed and
// the rest of a scenario). name defaults to "mocks" and load may be left
// out; whatever the file does hold is checked as strictly as by Parse.
func ParseMocks(filename string, data []byte) (*Scenario, error) {
	return parse(&report{file: filename, idx: newIndex(), mocksOnly: true}, data)
}

func parse(r *report, data []byte) (*Scenario, error) {
	root := parseYAML(data, r)
	if len(r.errs) > 0 {
		return nil, r.errs
	}

	var s Scenario
	d := newDecoder(r)
	d.decode(root, nil, "", reflect.ValueOf(&s).Elem())
	if len(r.errs) > 0 {
		// Values may be half decoded; checking them would only
		// repeat these problems.
		sortErrors(r.errs)
		return nil, r.errs
	}

	if r.mocksOnly && !r.idx.present("name") {
		s.Name = "mocks"
	}
	fillScenario(&s, r.idx.present)
	d.overlayPolicies(&s)
	d.overlayPhases(&s)
	validate(&s, r)
	if len(r.errs) > 0 {
		sortErrors(r.errs)
		return nil, r.errs
	}
	return &s, nil
}

// parseYAML parses data into the root node of its only document, recording
// syntax errors in r.
func parseYAML(data []byte, r *report) ast.Node {
	start := &token.Position{Line: 1, Column: 1}
	if len(data) > maxFileSize {
		r.at(start, "", "the file is %d bytes; want a scenario of at most %d", len(data), maxFileSize)
		return nil
	}
	if problem, line := prescan(data); problem != "" {
		r.at(&token.Position{Line: line, Column: 1}, "", "%s", problem)
		return nil
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		syntaxError(err, r)
		return nil
	}
	var root ast.Node
	for _, doc := range file.Docs {
		if doc == nil || isNil(doc.Body) {
			continue
		}
		switch doc.Body.(type) {
		case *ast.DirectiveNode, *ast.CommentGroupNode, *ast.CommentNode, *ast.NullNode:
			continue // not content: %YAML 1.2, a lone comment, ~
		}
		if root != nil {
			r.at(nodePos(doc.Body), "", "a second YAML document; want one scenario per file")
			return nil
		}
		root = doc.Body
	}
	if root == nil {
		r.at(start, "", "the file is empty; want a scenario with at least name, apis and load")
	}
	return root
}

// syntaxError records a YAML syntax error with its position.
func syntaxError(err error, r *report) {
	type located interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if e, ok := err.(located); ok {
		r.at(tokenPos(e.GetToken()), "", "%s", e.GetMessage())
		return
	}
	r.at(nil, "", "%s", fmt.Sprint(err))
}
