package main

import (
	"fmt"

	"github.com/fiskaldesk/fiskaldesk/backend/buildinfo"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

func cmdVersion(args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("version takes no arguments")}
	}
	fmt.Printf("fiskaldesk %s\ncommit %s\nstore format %d\n", buildinfo.Version, buildinfo.CommitOrVCS(), store.FormatVersion)
	return nil
}
