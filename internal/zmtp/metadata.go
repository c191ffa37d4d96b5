package zmtp

import "encoding/binary"

// Property names defined by ZMTP and sent by libzmq.
const (
	PropSocketType = "Socket-Type"
	PropIdentity   = "Identity"
	PropResource   = "Resource"
)

// Property is one metadata property.
type Property struct {
	Name  string
	Value []byte
}

// Metadata is a list of properties, as carried by READY and by the
// handshake commands of the PLAIN and CURVE mechanisms.
type Metadata []Property

// Get returns the value of the first property named name, compared without
// regard to ASCII case.
func (m Metadata) Get(name string) ([]byte, bool) {
	for _, p := range m {
		if equalFoldASCII(p.Name, name) {
			return p.Value, true
		}
	}
	return nil, false
}

// maxValueSize is the largest property value. It is a variable so that the
// code also compiles where int has 32 bits.
var maxValueSize uint64 = 1<<32 - 1

// AppendMetadata appends the encoding of m. Names must be 1 to 255 valid
// characters (ASCII letters, digits and - _ . +); longer names are truncated,
// as are values longer than 2^32-1 bytes.
func AppendMetadata(b []byte, m Metadata) []byte {
	for _, p := range m {
		name, value := clampProperty(p)
		b = append(b, byte(len(name)))
		b = append(b, name...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(value)))
		b = append(b, value...)
	}
	return b
}

// metadataLen returns the length of AppendMetadata's encoding of m.
func metadataLen(m Metadata) uint64 {
	var n uint64
	for _, p := range m {
		name, value := clampProperty(p)
		n += 1 + uint64(len(name)) + 4 + uint64(len(value))
	}
	return n
}

// clampProperty returns p's name and value truncated to their maximum sizes.
func clampProperty(p Property) (string, []byte) {
	name, value := p.Name, p.Value
	if len(name) > 255 {
		name = name[:255]
	}
	if uint64(len(value)) > maxValueSize {
		value = value[:maxValueSize]
	}
	return name, value
}

// ParseMetadata parses a property list that fills data exactly. The values
// alias data (with their capacity clipped, so appending to one copies it);
// copy them if data is reused. It returns ErrMalformedMetadata for a
// truncated property, a value running past data, or an empty or invalid name.
// Empty data yields nil Metadata.
func ParseMetadata(data []byte) (Metadata, error) {
	var m Metadata
	for len(data) > 0 {
		n := int(data[0])
		if n == 0 || len(data) < 1+n+4 {
			return nil, ErrMalformedMetadata
		}
		name := data[1 : 1+n]
		for _, c := range name {
			if !isNameChar(c) {
				return nil, ErrMalformedMetadata
			}
		}
		data = data[1+n:]
		size := binary.BigEndian.Uint32(data)
		data = data[4:]
		if uint64(size) > uint64(len(data)) {
			return nil, ErrMalformedMetadata
		}
		m = append(m, Property{Name: propertyName(name), Value: data[:size:size]})
		data = data[size:]
	}
	return m, nil
}

// propertyName converts b to a string without allocating for common names.
func propertyName(b []byte) string {
	switch string(b) {
	case PropSocketType:
		return PropSocketType
	case PropIdentity:
		return PropIdentity
	case PropResource:
		return PropResource
	}
	return string(b)
}

// ValidName reports whether name is made of the characters a property
// name may hold.
func ValidName(name string) bool {
	for i := 0; i < len(name); i++ {
		if !isNameChar(name[i]) {
			return false
		}
	}
	return true
}

// isNameChar reports whether c may appear in a property name.
func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '+'
}

// equalFoldASCII reports whether s and t are equal under ASCII case folding.
func equalFoldASCII(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
