package bench

import (
	"errors"
	"net"
	"strconv"
)

// nextPort returns addr with its port increased by i (API b listens next to a).
func nextPort(addr string, i int) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil || p < 0 || p > 65534 {
		return "", errors.New("mock address " + strconv.Quote(addr) + ": want HOST:PORT such as 127.0.0.1:9001 (b takes PORT+1)")
	}
	if p == 0 {
		return addr, nil
	}
	return net.JoinHostPort(host, strconv.Itoa(p+i)), nil
}
