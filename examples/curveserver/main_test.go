package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The example runs, writes its certificates (secret ones readable by their
// owner only), and runs again from them.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		if err := run(dir, "tcp://127.0.0.1:*"); err != nil {
			t.Fatal(err)
		}
	}
	for name, mode := range map[string]os.FileMode{
		"server": 0o644, "server_secret": 0o600, "client_secret": 0o600, "allowed/client": 0o644,
	} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), mode)
		}
	}
}
