package topt

import (
	"fmt"
	"os"
	"testing"
)

// helperEnv makes the test binary act as a fresh process that only loads libtopt and prints
// where from: a process loads libtopt once, so discovery end to end needs a new process.
const helperEnv = "TOPT_GO_TEST_LOAD_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		if err := Load(""); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println(LibraryPath())
		os.Exit(0)
	}
	os.Exit(m.Run())
}
