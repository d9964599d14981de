// Package sign is article5's signature layer: the parties' offline root
// keys, the certificates they issue for approver and node keys, key
// revocation (and so rotation), approver keys sealed at rest by a password,
// the detached Ed25519 signatures over a position's RFC 8785 canonical
// payload, and the offline verification of an exported case record against
// the root keys the parties exchanged out of band.
//
// Trust model. Each party (JP, US) has one or more root keys, generated
// offline (`article5 party init`). A root key certifies approver and node
// keys of its own party only; a verifier trusts the root keys it is given
// (`article5 verify --trust jp-root.pub --trust us-root.pub`) and nothing
// else. A position verifies when its payload is well formed, it is signed
// by the key it names, that key is certified as an approver by a trusted
// root of the payload's party, the certificate is valid at the signing
// time, and the key was not revoked before the signing time: records signed
// before a revocation keep verifying (the transparency log, not this
// package, proves when a signature was made).
//
// Error codes: EINVALID for malformed input (the message or its details
// name the field); EFORBIDDEN for anything that does not verify — a
// signature, a certificate, a trust path, a revocation, or a record whose
// parts contradict one another; EINTERNAL for faults of the environment.
//
// Identifiers: a key id is "ed25519:" followed by the first 32 hex digits
// of the sha256 of the 32-byte Ed25519 public key (KeyID). Times in signed
// documents are RFC 3339 UTC with exactly three fractional digits
// ("2006-01-02T15:04:05.000Z", FormatTime).
package sign
