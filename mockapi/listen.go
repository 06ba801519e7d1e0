package mockapi

import (
	"fmt"
	"net"
	"strconv"
)

// ParseListen parses the HOST:PORT a pair of mock APIs listens on: API a
// on PORT and API b on PORT+1, or each on any free port when PORT is 0
// (see ListenAddr). It is the one reading of `--listen` and
// `--mock-listen`.
func ParseListen(hostport string) (host string, port int, err error) {
	host, p, err := net.SplitHostPort(hostport)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil || port < 0 || port > 65534 {
		return "", 0, fmt.Errorf("%q: want HOST:PORT such as 127.0.0.1:9001 (b takes PORT+1)", hostport)
	}
	return host, port, nil
}

// ListenAddr returns the address the i-th API of a pair (a = 0, b = 1)
// listens on: host:port+i, or host:0 when port is 0.
func ListenAddr(host string, port, i int) string {
	if port == 0 {
		return net.JoinHostPort(host, "0")
	}
	return net.JoinHostPort(host, strconv.Itoa(port+i))
}
