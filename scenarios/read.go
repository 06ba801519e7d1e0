package scenarios

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// ReadFile reads a scenario file: a regular file of at most 1 MiB. It
// never reads more than the limit plus one byte (`validate /dev/zero` once
// grew past 1.5 GB) and refuses a FIFO, a device or a directory before
// reading (a FIFO without a writer blocked forever).
func ReadFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(path, info.Mode())
	}
	// O_NONBLOCK: should path have become a FIFO since the Stat, opening
	// it must not wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(path, info.Mode())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s: %w", path, errTooLarge)
	}
	return data, nil
}

// errTooLarge says a file is beyond the size limit.
var errTooLarge = fmt.Errorf("larger than %d bytes; want a scenario of at most 1 MiB", maxFileSize)

// notRegular explains why a path that is not a regular file is refused.
func notRegular(path string, mode os.FileMode) error {
	kind := "not a regular file"
	switch {
	case mode.IsDir():
		kind = "a directory"
	case mode&os.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case mode&os.ModeDevice != 0 || mode&os.ModeCharDevice != 0:
		kind = "a device"
	case mode&os.ModeSocket != 0:
		kind = "a socket"
	}
	return fmt.Errorf("%s is %s: %w", path, kind, errNotRegular)
}

// errNotRegular is wrapped by the error for a path that is not a regular
// file.
var errNotRegular = errors.New("want a regular scenario file")
