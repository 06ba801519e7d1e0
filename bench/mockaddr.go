package bench

import (
	"fmt"

	"github.com/fanbench/fanbench/mockapi"
)

// nextPort returns the address of the i-th mock API of the pair addr
// names (API b listens next to a).
func nextPort(addr string, i int) (string, error) {
	host, port, err := mockapi.ParseListen(addr)
	if err != nil {
		return "", fmt.Errorf("mock address %w", err)
	}
	return mockapi.ListenAddr(host, port, i), nil
}
