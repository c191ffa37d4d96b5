package zmq

import "fmt"

// OptionsForTest returns the socket's option values in one string, so that
// a test can tell whether a refused option left them as they were.
func OptionsForTest(s *Socket) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("%+v", s.opts)
}
