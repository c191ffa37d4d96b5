package perfutil

import (
	"os"
	"runtime/pprof"
)

// ProfileEnv names the environment variable that makes a tool write a CPU
// profile of its whole run to the file it names.
const ProfileEnv = "ZMQ_PERF_CPUPROFILE"

// Profile starts a CPU profile when [ProfileEnv] is set and returns the
// function that ends it (a no-op otherwise). Tools call it as
// defer perfutil.Profile()().
func Profile() (stop func()) {
	path := os.Getenv(ProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	Check("profile", err)
	Check("profile", pprof.StartCPUProfile(f))
	return func() {
		pprof.StopCPUProfile()
		Check("profile", f.Close())
	}
}
