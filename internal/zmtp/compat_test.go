package zmtp

import "testing"

func TestCompatible(t *testing.T) {
	peers := map[string][]string{
		"REQ":     {"REP", "ROUTER"},
		"REP":     {"REQ", "DEALER"},
		"DEALER":  {"REP", "DEALER", "ROUTER"},
		"ROUTER":  {"REQ", "DEALER", "ROUTER"},
		"PUSH":    {"PULL"},
		"PULL":    {"PUSH"},
		"PUB":     {"SUB", "XSUB"},
		"XPUB":    {"SUB", "XSUB"},
		"SUB":     {"PUB", "XPUB"},
		"XSUB":    {"PUB", "XPUB"},
		"PAIR":    {"PAIR"},
		"SERVER":  {"CLIENT"},
		"CLIENT":  {"SERVER"},
		"RADIO":   {"DISH"},
		"DISH":    {"RADIO"},
		"SCATTER": {"GATHER"},
		"GATHER":  {"SCATTER"},
		"DGRAM":   {"DGRAM"},
		"PEER":    {"PEER"},
		"CHANNEL": {"CHANNEL"},
	}
	types := []string{"", "req", "STREAM", "REQ "}
	for local := range peers {
		types = append(types, local)
	}
	for _, local := range types {
		for _, peer := range types {
			want := false
			for _, p := range peers[local] {
				want = want || p == peer
			}
			if got := Compatible(local, peer); got != want {
				t.Errorf("Compatible(%q, %q) = %v, want %v", local, peer, got, want)
			}
			if Compatible(local, peer) != Compatible(peer, local) {
				t.Errorf("Compatible(%q, %q) is not symmetric", local, peer)
			}
		}
	}
}
