package zmtp

// AppendSubscribe appends a SUBSCRIBE command frame for topic (ZMTP 3.1).
// The data of a received SUBSCRIBE is its topic.
func AppendSubscribe(b []byte, topic []byte) []byte {
	return AppendCommand(b, CmdSubscribe, topic)
}

// AppendCancel appends a CANCEL command frame for topic (ZMTP 3.1).
// The data of a received CANCEL is its topic.
func AppendCancel(b []byte, topic []byte) []byte {
	return AppendCommand(b, CmdCancel, topic)
}
