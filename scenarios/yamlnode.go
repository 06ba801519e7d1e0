package scenarios

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// isNil reports whether n is nil or a typed nil pointer, which the YAML
// AST can hold in interface fields.
func isNil(n ast.Node) bool {
	if n == nil {
		return true
	}
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// tokenPos returns the position of tk, or nil.
func tokenPos(tk *token.Token) *token.Position {
	if tk == nil {
		return nil
	}
	return tk.Position
}

// nodePos returns where a reader sees n begin: the first key of a block
// mapping, the bracket of a flow collection, the dash of a block list, the
// text of a scalar.
func nodePos(n ast.Node) *token.Position {
	if isNil(n) {
		return nil
	}
	switch n := n.(type) {
	case *ast.MappingNode:
		if !n.IsFlowStyle && len(n.Values) > 0 {
			return nodePos(n.Values[0])
		}
		return tokenPos(n.Start)
	case *ast.MappingValueNode:
		if isNil(n.Key) {
			return tokenPos(n.Start)
		}
		return nodePos(n.Key)
	case *ast.SequenceNode:
		return tokenPos(n.Start)
	case *ast.AnchorNode:
		return tokenPos(n.Start)
	case *ast.AliasNode:
		return tokenPos(n.Start)
	case *ast.TagNode:
		return tokenPos(n.Start)
	case *ast.MappingKeyNode:
		return tokenPos(n.Start)
	}
	return tokenPos(n.GetToken())
}

// isCollection reports whether n is a mapping or a list.
func isCollection(n ast.Node) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		return true
	}
	return false
}

// scalarText returns the text of a scalar node as the file spells it
// (quotes and escapes removed), so that a string field takes `on`, `503`
// or `5xx` alike.
func scalarText(n ast.Node) (string, bool) {
	if isNil(n) {
		return "", false
	}
	switch n := n.(type) {
	case *ast.StringNode:
		return n.Value, true
	case *ast.LiteralNode:
		if n.Value == nil {
			return "", true
		}
		return n.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		tk := n.GetToken()
		if tk == nil {
			return "", false
		}
		return tk.Value, true
	}
	return "", false
}

// isPlain reports whether n is an unquoted string scalar.
func isPlain(n ast.Node) bool {
	s, ok := n.(*ast.StringNode)
	return ok && s.Token != nil && s.Token.Type == token.StringType
}

// describe names what n is, for "got X; want Y" messages.
func describe(n ast.Node) string {
	if isNil(n) {
		return "nothing"
	}
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	if s, ok := scalarText(n); ok {
		const max = 40
		if len(s) > max {
			s = s[:max] + "..."
		}
		return strconv.Quote(s)
	}
	return fmt.Sprintf("a %s", n.Type().YAMLName())
}

// isScalar reports whether n is a scalar value: a string, number or bool.
func isScalar(n ast.Node) bool {
	_, ok := scalarText(n)
	return ok
}
