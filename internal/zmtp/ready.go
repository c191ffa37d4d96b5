package zmtp

// AppendReady appends a READY command frame carrying md. Parse the data of a
// received READY with ParseMetadata.
func AppendReady(b []byte, md Metadata) []byte {
	size := uint64(1+len(CmdReady)) + metadataLen(md)
	b = appendCommandHeader(b, CmdReady, size)
	return AppendMetadata(b, md)
}
