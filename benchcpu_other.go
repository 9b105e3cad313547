//go:build !unix

package main

import (
	"errors"
	"time"
)

// processCPU is not measured on this OS: bench run reports 0.
func processCPU(pid int) (time.Duration, error) {
	if pid != 0 {
		return 0, errors.New("--server-pid needs Linux")
	}
	return 0, nil
}
