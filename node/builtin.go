package node

import "article5/doctrine"

// BuiltinDoctrine describes the doctrine id built into the binary
// (doctrine.DefaultIDs), with its source: what a node starts from before
// any file or stored version. ENOTFOUND for an id that is not built in.
func BuiltinDoctrine(id string) (DoctrineInfo, error) {
	d, err := doctrine.Default(id)
	if err != nil {
		return DoctrineInfo{}, err
	}
	info := Describe(d)
	info.Builtin = true
	return info, nil
}
