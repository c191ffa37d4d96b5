package zmtp

// Compatible reports whether a socket of type local may talk to a peer whose
// READY carries Socket-Type peer. Names are compared exactly, as libzmq does.
func Compatible(local, peer string) bool {
	switch local {
	case "REQ":
		return peer == "REP" || peer == "ROUTER"
	case "REP":
		return peer == "REQ" || peer == "DEALER"
	case "DEALER":
		return peer == "REP" || peer == "DEALER" || peer == "ROUTER"
	case "ROUTER":
		return peer == "REQ" || peer == "DEALER" || peer == "ROUTER"
	case "PUSH":
		return peer == "PULL"
	case "PULL":
		return peer == "PUSH"
	case "PUB", "XPUB":
		return peer == "SUB" || peer == "XSUB"
	case "SUB", "XSUB":
		return peer == "PUB" || peer == "XPUB"
	case "PAIR", "DGRAM", "PEER", "CHANNEL":
		return peer == local
	case "SERVER":
		return peer == "CLIENT"
	case "CLIENT":
		return peer == "SERVER"
	case "RADIO":
		return peer == "DISH"
	case "DISH":
		return peer == "RADIO"
	case "SCATTER":
		return peer == "GATHER"
	case "GATHER":
		return peer == "SCATTER"
	}
	return false
}
